"""A fake Telegram Bot API that the real python-telegram-bot talks to, unmodified.

Point PTB at it with ``ApplicationBuilder().base_url(tg.api_base_url).base_file_url(
tg.file_base_url)``; inject updates with ``push_text`` / ``push_callback`` and assert on the calls
the bot made (``calls_to``, ``sent_messages``, ``wait_for_call``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

__all__ = ["ApiCall", "FakeTelegram", "SentDocument", "UploadedFile"]

JsonDict = dict[str, Any]

# Form fields PTB sends as raw strings: JSON-decoding them would turn the text "42" into 42.
_STRING_PARAMS = frozenset(
    {
        "action",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "description",
        "document",
        "file_id",
        "inline_message_id",
        "ip_address",
        "language_code",
        "message_effect_id",
        "name",
        "parse_mode",
        "secret_token",
        "short_description",
        "text",
        "title",
        "url",
    }
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request (for example the ``document`` of sendDocument)."""

    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Bot API request the bot made, as the fake saw it.

    ``params`` holds the decoded parameters, ``files`` the uploaded parts by parameter name;
    ``error_code`` is set when the fake answered with an error, else ``result`` is what it returned.
    """

    method: str
    params: JsonDict
    files: dict[str, UploadedFile] = field(default_factory=dict)
    error_code: int | None = None
    result: Any = None

    @property
    def ok(self) -> bool:
        """Whether the fake answered this call successfully."""
        return self.error_code is None


@dataclass(frozen=True, slots=True)
class SentDocument:
    """A document the bot delivered with sendDocument."""

    chat_id: int
    filename: str
    content: bytes
    caption: str | None
    message: JsonDict


@dataclass(frozen=True, slots=True)
class _Failure:
    error_code: int
    description: str
    parameters: JsonDict | None


class _ApiError(Exception):
    """Raised inside a method handler to answer with a Bot API error."""

    def __init__(self, error_code: int, description: str) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description


class _Signal:
    """Wakes every waiter whenever something changes; usable from synchronous code."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """Wait until ``predicate()`` holds; False if ``seconds`` pass first."""
        deadline = asyncio.get_running_loop().time() + seconds
        while not predicate():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return False
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
        return True


_Handler = Callable[[JsonDict, dict[str, UploadedFile]], Awaitable[Any]]


class FakeTelegram:
    """An in-process Bot API server on 127.0.0.1 for one bot token.

    Use as ``async with FakeTelegram(token="123:ABC", bot_username="staffroom_bot") as tg:``.
    Updates pushed with ``push_*`` are served by ``getUpdates`` (long polling); for webhook mode
    send them yourself with :meth:`post_webhook`. ``parse_mode`` is not rendered: text is stored
    as sent.
    """

    def __init__(
        self,
        token: str = "123:ABC",
        bot_username: str = "staffroom_bot",
        bot_first_name: str = "Staffroom",
    ) -> None:
        self.token = token
        self.bot_user: JsonDict = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[ApiCall] = []
        self.webhook: JsonDict = {"url": ""}
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._signal = _Signal()
        self._updates: list[JsonDict] = []
        self._update_ids = itertools.count(1)
        self._message_ids: defaultdict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._chats: dict[int, JsonDict] = {}
        self._users: dict[int, JsonDict] = {}
        self._messages: dict[tuple[int, int], JsonDict] = {}
        self._bot_messages: set[tuple[int, int]] = set()
        self._documents: list[SentDocument] = []
        self._files: dict[str, tuple[str, UploadedFile]] = {}
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._failures: defaultdict[str, deque[_Failure]] = defaultdict(deque)
        self._claimed: set[int] = set()
        self._handlers: dict[str, _Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "getfile": self._get_file,
            "sendchataction": self._send_chat_action,
            "getchat": self._get_chat,
        }

    # Lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start serving on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll the client abandoned must not linger in the server.
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=1.0,
            handler_cancellation=True,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Release pending long polls and stop serving."""
        self._closing = True
        self._signal.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        """The TCP port the fake listens on."""
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._port

    @property
    def api_base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)``; PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # Inspection

    def calls_to(self, method: str, include_failed: bool = True) -> list[ApiCall]:
        """Calls of one Bot API method (case-insensitive), in order."""
        wanted = method.lower()
        return [
            call
            for call in self.calls
            if call.method.lower() == wanted and (include_failed or call.ok)
        ]

    def sent_messages(self, chat_id: int | None = None) -> list[JsonDict]:
        """Messages delivered by sendMessage (as returned to the bot), optionally for one chat."""
        return [
            call.result
            for call in self.calls_to("sendMessage", include_failed=False)
            if chat_id is None or call.result["chat"]["id"] == chat_id
        ]

    def sent_documents(self, chat_id: int | None = None) -> list[SentDocument]:
        """Documents delivered by sendDocument, optionally for one chat."""
        return [doc for doc in self._documents if chat_id is None or doc.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> JsonDict | None:
        """The current state of a stored message (after edits), or None if unknown or deleted."""
        return self._messages.get((chat_id, message_id))

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """Commands stored by setMyCommands for a scope (default scope when None)."""
        return list(self._commands.get(_commands_key(scope, language_code), []))

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 -- a plain argument reads best in tests
        include_failed: bool = False,
    ) -> ApiCall:
        """Wait for the earliest matching call not already returned by an earlier wait_for_call.

        Calls made before this is awaited count too, so push-then-wait never races. Failed calls
        match only with ``include_failed``. Raises TimeoutError listing the calls seen.
        """
        wanted = method.lower()
        found: list[int] = []

        def match() -> bool:
            for index, call in enumerate(self.calls):
                if (
                    index not in self._claimed
                    and call.method.lower() == wanted
                    and (include_failed or call.ok)
                    and (predicate is None or predicate(call))
                ):
                    found.append(index)
                    return True
            return False

        if not await self._signal.wait_until(match, timeout):
            seen = [(c.method, c.error_code) for c in self.calls if c.method != "getUpdates"]
            raise TimeoutError(f"no matching {method} call within {timeout}s; calls seen: {seen}")
        self._claimed.add(found[0])
        return self.calls[found[0]]

    # Update injection

    def push_update(self, update: JsonDict) -> JsonDict:
        """Queue a raw Update dict for getUpdates, assigning ``update_id`` if missing."""
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        self._signal.notify()
        return update

    def push_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ana",
        username: str | None = None,
        reply_to_message_id: int | None = None,
        language_code: str | None = None,
    ) -> JsonDict:
        """Queue a text message from a user; a leading "/command" gets its bot_command entity.
        ``language_code`` is the user's app language, as Telegram sends it."""
        user = self._remember_user(user_id, first_name, username)
        if language_code is not None:
            user["language_code"] = language_code
        chat = self._remember_chat(user_id if chat_id is None else chat_id, chat_type, user)
        message = self._new_message(chat, user, text=text)
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        if reply_to_message_id is not None:
            message["reply_to_message"] = self._messages.get(
                (chat["id"], reply_to_message_id),
                {"message_id": reply_to_message_id, "date": _now(), "chat": chat},
            )
        return self.push_update({"message": message})

    def push_callback(
        self, user_id: int, data: str, message_id: int, chat_id: int | None = None
    ) -> str:
        """Queue an inline-keyboard button press on a message; returns the callback query id."""
        user = self._users.get(user_id) or self._remember_user(user_id, "Ana", None)
        chat_key = user_id if chat_id is None else chat_id
        message = self._messages.get((chat_key, message_id))
        if message is None:
            chat = self._chats.get(chat_key) or self._remember_chat(chat_key, "private", user)
            message = {
                "message_id": message_id,
                "date": _now(),
                "chat": chat,
                "from": self.bot_user,
            }
        query_id = str(next(self._callback_ids))
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "chat_instance": str(chat_key),
                    "data": data,
                    "message": message,
                }
            }
        )
        return query_id

    # Failures and webhooks

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        parameters: JsonDict | None = None,
    ) -> None:
        """Make the next call of ``method`` fail once with a Bot API error.

        429 always carries ``parameters.retry_after`` (default 1), which PTB turns into RetryAfter.
        ``parameters`` adds other ResponseParameters, such as ``{"migrate_to_chat_id": ...}``
        (PTB's ChatMigrated). Several failures for one method are consumed in order.
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if error_code == 429
                else _DEFAULT_DESCRIPTIONS.get(error_code, "Error")
            )
        found = dict(parameters or {})
        if retry_after is not None:
            found["retry_after"] = retry_after
        self._failures[method.lower()].append(_Failure(error_code, description, found or None))

    async def post_webhook(
        self, url: str, update: JsonDict, secret_token: str | None = None
    ) -> int:
        """POST an update to a bot's webhook like Telegram does; returns the HTTP status."""
        # PTB's webhook rejects any Content-Type other than exactly "application/json".
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        timeout = aiohttp.ClientTimeout(total=10)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=json.dumps(update).encode(), headers=headers) as response,
        ):
            await response.read()
            return response.status

    # HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_params(request)
        handler = self._handlers.get(method.lower(), self._unknown_method)
        failure = self._take_failure(method)
        if failure is not None:
            self._record(ApiCall(method, params, files, error_code=failure.error_code))
            return _error_response(failure.error_code, failure.description, failure.parameters)
        try:
            result = await handler(params, files)
        except _ApiError as exc:
            self._record(ApiCall(method, params, files, error_code=exc.error_code))
            return _error_response(exc.error_code, exc.description)
        self._record(ApiCall(method, params, files, result=result))
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        for path, upload in self._files.values():
            if path == request.match_info["path"]:
                return web.Response(body=upload.content, content_type=upload.content_type)
        return web.Response(status=404)

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method.lower())
        return queue.popleft() if queue else None

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        self._signal.notify()

    # State helpers

    def _remember_user(self, user_id: int, first_name: str, username: str | None) -> JsonDict:
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        self._users[user_id] = user
        return user

    def _remember_chat(self, chat_id: int, chat_type: str, user: JsonDict) -> JsonDict:
        if chat_id in self._chats:
            return self._chats[chat_id]
        chat: JsonDict = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat.update({k: user[k] for k in ("first_name", "username") if k in user})
        else:
            chat["title"] = f"Chat {chat_id}"
        self._chats[chat_id] = chat
        return chat

    def _chat_for(self, params: JsonDict) -> JsonDict:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str):
            for known in self._chats.values():
                if f"@{known.get('username')}" == chat_id:
                    return known
            raise _ApiError(400, "Bad Request: chat not found")
        if chat_id not in self._chats:
            # An unseen chat: positive ids are users, negative ids groups.
            chat: JsonDict = {"id": chat_id, "type": "private", "first_name": "Member"}
            if chat_id < 0:
                chat = {"id": chat_id, "type": "group", "title": f"Chat {chat_id}"}
            self._chats[chat_id] = chat
        return self._chats[chat_id]

    def _message_key(self, params: JsonDict) -> tuple[int, int]:
        return self._chat_for(params)["id"], int(params.get("message_id") or 0)

    def _new_message(self, chat: JsonDict, sender: JsonDict, **content: Any) -> JsonDict:
        message_id = next(self._message_ids[chat["id"]])
        message = {"message_id": message_id, "date": _now(), "chat": chat, "from": sender}
        message.update({k: v for k, v in content.items() if v is not None})
        self._messages[(chat["id"], message_id)] = message
        return message

    def _bot_message(self, chat: JsonDict, params: JsonDict, **content: Any) -> JsonDict:
        message = self._new_message(chat, self.bot_user, **content)
        markup = params.get("reply_markup")
        # Telegram echoes only inline keyboards; PTB parses Message.reply_markup as one.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        reply = params.get("reply_parameters") or {}
        reply_id = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_id and (chat["id"], reply_id) in self._messages:
            message["reply_to_message"] = self._messages[(chat["id"], reply_id)]
        self._bot_messages.add((chat["id"], message["message_id"]))
        return message

    def _editable(self, params: JsonDict) -> JsonDict | None:
        if params.get("inline_message_id"):
            return None
        key = self._message_key(params)
        if key not in self._messages:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if key not in self._bot_messages:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return self._messages[key]

    # Bot API methods

    async def _unknown_method(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        raise _ApiError(404, "Not Found")

    async def _get_me(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        return self.bot_user

    async def _get_updates(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        if self.webhook["url"]:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        timeout = float(params.get("timeout") or 0)
        await self._signal.wait_until(lambda: bool(self._updates) or self._closing, timeout)
        return self._updates[: int(params.get("limit") or 100)]

    async def _delete_webhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        self.webhook = {"url": ""}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        self.webhook = {**params, "url": params.get("url") or ""}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        info: JsonDict = {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        for key in ("max_connections", "allowed_updates", "ip_address"):
            if key in self.webhook:
                info[key] = self.webhook[key]
        return info

    async def _set_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        key = _commands_key(params.get("scope"), params.get("language_code") or "")
        self._commands[key] = list(params.get("commands") or [])
        return True

    async def _get_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        return self.commands(params.get("scope"), params.get("language_code") or "")

    async def _delete_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        key = _commands_key(params.get("scope"), params.get("language_code") or "")
        self._commands.pop(key, None)
        return True

    async def _send_message(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        chat = self._chat_for(params)
        text = params.get("text")
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        return self._bot_message(chat, params, text=text, entities=params.get("entities"))

    async def _edit_message_text(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        message = self._editable(params)
        if message is None:
            return True
        text = params.get("text")
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        markup = params.get("reply_markup")
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message["text"] = text
        _set_markup(message, markup)
        message["edit_date"] = _now()
        return message

    async def _edit_message_reply_markup(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> Any:
        message = self._editable(params)
        if message is None:
            return True
        _set_markup(message, params.get("reply_markup"))
        message["edit_date"] = _now()
        return message

    async def _delete_message(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        key = self._message_key(params)
        if self._messages.pop(key, None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        self._bot_messages.discard(key)
        return True

    async def _answer_callback_query(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        if not params.get("callback_query_id"):
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired")
        return True

    async def _send_document(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        chat = self._chat_for(params)
        upload = files.get("document")
        if upload is None:
            stored = self._files.get(str(params.get("document")))
            if stored is None:
                raise _ApiError(400, "Bad Request: there is no document in the request")
            upload = stored[1]
        file_id = f"doc{next(self._file_ids)}"
        self._files[file_id] = (f"documents/{file_id}_{upload.filename}", upload)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": upload.filename,
            "mime_type": upload.content_type,
            "file_size": len(upload.content),
        }
        caption = params.get("caption")
        message = self._bot_message(chat, params, document=document, caption=caption)
        self._documents.append(
            SentDocument(chat["id"], upload.filename, upload.content, caption, message)
        )
        return message

    async def _get_file(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        file_id = str(params.get("file_id"))
        if file_id not in self._files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, upload = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(upload.content),
            "file_path": path,
        }

    async def _send_chat_action(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        self._chat_for(params)
        return True

    async def _get_chat(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        chat_id = params.get("chat_id")
        known = [c for c in self._chats.values() if chat_id in (c["id"], f"@{c.get('username')}")]
        if not known:
            raise _ApiError(400, "Bad Request: chat not found")
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **known[0],
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {**dict.fromkeys(gifts, False), "gifts_from_channels": False},
        }


async def _read_params(request: web.Request) -> tuple[JsonDict, dict[str, UploadedFile]]:
    """Decode query, JSON, urlencoded or multipart parameters into Python values."""
    params: JsonDict = {k: _decode(k, v) for k, v in request.query.items()}
    parts: dict[str, UploadedFile] = {}
    if request.content_type == "application/json" and request.can_read_body:
        params.update(await request.json())
    elif request.can_read_body:
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                parts[name] = UploadedFile(
                    value.filename, value.file.read(), value.content_type or ""
                )
            else:
                params[name] = _decode(name, str(value))
    files: dict[str, UploadedFile] = {}
    for name, part in parts.items():
        if name not in params:
            files[name] = part
    # Parameters may point at a part with "attach://<part name>".
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            attached = parts.get(value.removeprefix("attach://"))
            if attached is not None:
                files[name] = attached
                del params[name]
    return params, files


def _decode(name: str, value: str) -> Any:
    """PTB JSON-encodes every non-string parameter value in form data."""
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _error_response(
    error_code: int, description: str, parameters: JsonDict | None = None
) -> web.Response:
    body: JsonDict = {"ok": False, "error_code": error_code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=error_code)


def _set_markup(message: JsonDict, markup: Any) -> None:
    # Editing without reply_markup removes the inline keyboard, as on Telegram.
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def _commands_key(scope: JsonDict | None, language_code: str) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _now() -> int:
    return int(time.time())
