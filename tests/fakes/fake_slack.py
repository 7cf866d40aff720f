"""A fake Slack platform that the real slack-bolt and slack-sdk talk to unmodified.

`FakeSlack` is an aiohttp server on 127.0.0.1 that serves the parts of Slack Staffroom uses:

* the Web API under `api_base_url` (pass it as `AsyncWebClient(base_url=...)`), recording calls;
* the upload URLs that `files_upload_v2` posts file bytes to;
* `response_url` endpoints for `respond()`;
* a Socket Mode WebSocket, handed out by `apps.connections.open`, that pushes envelopes and
  collects the client's acks;
* the OAuth install of many workspaces: an authorisation page (`authorize_url`) that sends the
  installer back to `oauth_redirect_url` with a code, `oauth.v2.access` (code exchange and
  `grant_type=refresh_token` for rotating tokens), `auth.test` per issued token, `auth.revoke`.
  Every call records the token it came with, so a test can tell which workspace's token was used.

The module-level helpers build correctly signed inbound HTTP requests (slash commands,
interactivity, events) for a Bolt app running in HTTP mode.

slack_sdk reads `HTTP(S)_PROXY` and ignores `NO_PROXY`, so tests that use this fake must clear the
proxy variables or every call to 127.0.0.1 goes to the proxy.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode, urlsplit

from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.web import FileField

__all__ = [
    "FakeSlack",
    "FakeWorkspace",
    "ResponseUrlPost",
    "SlackCall",
    "UploadedFile",
    "block_actions_body",
    "block_actions_payload",
    "event_body",
    "event_payload",
    "sign",
    "slash_command_body",
    "slash_command_payload",
    "url_verification_body",
    "view_submission_body",
    "view_submission_payload",
]

# Form-encoded Web API arguments whose values are JSON documents; decoded so that `SlackCall.args`
# looks the same whether the SDK sent a form or a JSON body.
_JSON_VALUED_ARGS = frozenset(
    {"attachments", "blocks", "files", "metadata", "outputs", "unfurls", "view"}
)
# Where an inbound request built without a real response_url points: a closed local port, so an
# accidental `respond()` fails at once instead of reaching the internet.
_UNSET_RESPONSE_URL = "http://127.0.0.1:9/response-url-not-set"
# Messages Slack accepts without a top-level `text` (blocks alone), though notifications and
# screen readers then have nothing to say: the fake keeps them in `FakeSlack.textless`.
_MESSAGE_METHODS = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage"}
)
_SOCKET_CLOSE_TIMEOUT = 1.0

ApiResult = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackCall:
    """One Web API call received by the fake: method name, decoded arguments and bearer token."""

    method: str
    args: dict[str, Any]
    token: str | None


@dataclass(frozen=True, slots=True)
class ResponseUrlPost:
    """One JSON body POSTed to a `response_url` handed out by `FakeSlack.response_url`."""

    name: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file that went through getUploadURLExternal, the upload URL and completeUploadExternal."""

    file_id: str
    filename: str
    title: str | None
    content: bytes
    channel: str | None
    channels: tuple[str, ...]
    initial_comment: str | None
    thread_ts: str | None


@dataclass(slots=True)
class FakeWorkspace:
    """A workspace (or, with `org_wide`, a whole Enterprise Grid organisation) that can install
    the app through the fake's authorisation page."""

    team_id: str
    name: str
    enterprise_id: str | None = None
    org_wide: bool = False
    rotating: bool = False
    expires_in: int = 43200
    bot_user_id: str = "UBOT"
    installer: str = "UINSTALLER"


@dataclass(slots=True)
class _Issued:
    workspace: FakeWorkspace
    expires_at: float | None


@dataclass(frozen=True, slots=True)
class _Failure:
    status: int
    error: str
    retry_after: int | None


class FakeSlack:
    """Fake Slack Web API, upload, response_url and Socket Mode server on 127.0.0.1.

    Use as `async with FakeSlack() as slack:` or call `start()` / `stop()` yourself.
    """

    def __init__(
        self,
        *,
        team_id: str = "T1",
        team_domain: str = "staffroom",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        app_id: str = "A1",
        client_id: str = "111.222",
        client_secret: str = "fake-client-secret",
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Describe the workspace the fake pretends to be; `auth.test` reports these ids for any
        token the fake did not issue itself through OAuth.

        `clock` (seconds since the epoch) is when rotating tokens expire by: pass the test's
        controlled clock so that moving it ages the tokens as it ages everything else."""
        self.clock = clock
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.calls: list[SlackCall] = []
        self.textless: list[SlackCall] = []
        """Messages sent without a non-blank top-level `text` (accessibility fallback)."""
        self.responses: list[ResponseUrlPost] = []
        self.files: list[UploadedFile] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.socket_acks: list[dict[str, Any]] = []
        self.socket_connections = 0
        self._failures: defaultdict[str, deque[_Failure]] = defaultdict(deque)
        self._pending_uploads: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._ts_base = int(time.time())
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._stopping = False
        self.client_id = client_id
        self.client_secret = client_secret
        self.oauth_redirect_url: str | None = None
        """Where the authorisation page sends the installer (the app's configured redirect)."""
        self.workspaces: dict[str, FakeWorkspace] = {}
        self.revoked: set[str] = set()
        self.refreshes = 0
        self.refresh_delay = 0.0
        """Seconds each token refresh takes to answer (to overlap two processes' refreshes)."""
        self._codes: dict[str, FakeWorkspace] = {}
        self._issued: dict[str, _Issued] = {}
        self._refresh_tokens: dict[str, FakeWorkspace] = {}
        self._api_methods: dict[str, Callable[[dict[str, Any], str], ApiResult]] = {
            "auth.test": self._auth_test,
            "auth.revoke": self._auth_revoke,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "conversations.open": self._conversations_open,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "apps.connections.open": self._apps_connections_open,
        }

    # lifecycle

    async def start(self) -> None:
        """Start serving on an ephemeral port of 127.0.0.1."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_post("/response/{name}", self._handle_response_url)
        app.router.add_get("/socket", self._handle_socket)
        app.router.add_get("/oauth/v2/authorize", self._handle_authorize)
        # A short shutdown timeout: a stuck handler must never hold a test for a minute.
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._stopping = False

    async def stop(self) -> None:
        """Close every Socket Mode connection, fail pending ack waits and stop the server."""
        self._stopping = True
        for ws in list(self._sockets):
            with contextlib.suppress(TimeoutError, ConnectionError):
                await asyncio.wait_for(
                    ws.close(code=WSCloseCode.GOING_AWAY, message=b"fake slack stopping"),
                    _SOCKET_CLOSE_TIMEOUT * 2,
                )
        for future in self._acks.values():
            future.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

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

    # addresses

    @property
    def base_url(self) -> str:
        """Root URL of the running fake, e.g. `http://127.0.0.1:41234/`."""
        if self._port is None:
            raise RuntimeError("FakeSlack is not running: call start() or use `async with`.")
        return f"http://127.0.0.1:{self._port}/"

    @property
    def api_base_url(self) -> str:
        """Web API root for `AsyncWebClient(base_url=...)`, e.g. `http://127.0.0.1:41234/api/`."""
        return self.base_url + "api/"

    @property
    def authorize_url(self) -> str:
        """Slack's authorisation page on the fake (the app's `authorize_url` setting)."""
        return self.base_url + "oauth/v2/authorize"

    def response_url(self, name: str = "default") -> str:
        """A `response_url` on the fake; POSTs to it are recorded in `responses` under `name`."""
        return f"{self.base_url}response/{name}"

    # inspection

    def calls_to(self, method: str) -> list[SlackCall]:
        """Every recorded call to one Web API method, oldest first."""
        return [call for call in self.calls if call.method == method]

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 -- a plain argument reads best in tests
    ) -> list[SlackCall]:
        """Wait until `method` has been called at least `count` times; return those calls."""
        await self._wait_until(lambda: len(self.calls_to(method)) >= count, timeout, method)
        return self.calls_to(method)

    async def wait_for_responses(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 -- a plain argument reads best in tests
    ) -> list[ResponseUrlPost]:
        """Wait until at least `count` response_url POSTs have arrived; return them all."""
        await self._wait_until(lambda: len(self.responses) >= count, timeout, "response_url")
        return list(self.responses)

    # programming the fake

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next call to `method` fail once; several calls queue several failures.

        `status=429` answers HTTP 429 `ratelimited` with a `Retry-After` header (default 1 s);
        `status>=500` answers a server error; `status=200` needs an `error` such as
        "channel_not_found", "user_not_found" or "account_inactive" and answers `ok: false`.
        `method` may also be "response_url" to fail the next response_url POST.
        """
        if status == 200 and error is None:
            raise ValueError("fail_next with status 200 needs an error code, e.g. 'not_authed'.")
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error"
        if status == 429 and retry_after is None:
            retry_after = 1
        self._failures[method].append(_Failure(status, error, retry_after))

    def add_workspace(
        self,
        team_id: str,
        *,
        name: str | None = None,
        enterprise_id: str | None = None,
        org_wide: bool = False,
        rotating: bool = False,
        expires_in: int = 43200,
        bot_user_id: str | None = None,
    ) -> FakeWorkspace:
        """A workspace that can install the app; pass its id as `team` to the authorise page.

        `org_wide` makes `team_id` stand for the Grid organisation `enterprise_id` installing
        the app for all its workspaces. `rotating` tokens expire after `expires_in` seconds
        and come with a refresh token.
        """
        workspace = FakeWorkspace(
            team_id=team_id,
            name=name or f"School {team_id}",
            enterprise_id=enterprise_id,
            org_wide=org_wide,
            rotating=rotating,
            expires_in=expires_in,
            bot_user_id=bot_user_id or f"UBOT{team_id}",
        )
        self.workspaces[team_id] = workspace
        return workspace

    def token_works(self, token: str) -> bool:
        """Whether a call with ``token`` would succeed now: issued here, not revoked, not expired."""
        issued = self._issued.get(token)
        if issued is None or token in self.revoked:
            return False
        return issued.expires_at is None or issued.expires_at >= self.clock()

    def tokens_of(self, team_id: str) -> list[str]:
        """Every bot token issued to a workspace, oldest first (revoked ones too)."""
        return [t for t, i in self._issued.items() if i.workspace.team_id == team_id]

    def calls_with(self, token: str, method: str | None = None) -> list[SlackCall]:
        """Every recorded call made with `token` (to one method, if given)."""
        return [c for c in self.calls if c.token == token and method in (None, c.method)]

    def add_user(self, user_id: str, **fields: Any) -> dict[str, Any]:
        """Register a user for `users.info`; `fields` override the generated profile."""
        user = self._default_user(user_id)
        profile = {**user["profile"], **fields.pop("profile", {})}
        user.update(fields)
        user["profile"] = profile
        self.users[user_id] = user
        return user

    # Socket Mode

    async def wait_for_socket(
        self,
        connections: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 -- a plain argument reads best in tests
    ) -> None:
        """Wait until `connections` sockets have been opened in total and one is open now."""
        await self._wait_until(
            lambda: self.socket_connections >= connections and self._open_socket() is not None,
            timeout,
            f"Socket Mode connection #{connections}",
        )

    async def socket_send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 -- a plain argument reads best in tests
    ) -> str:
        """Push an envelope ("slash_commands", "interactive", "events_api") on the newest socket.

        Waits up to `timeout` for a connection. Returns the envelope id to pass to `socket_ack`.
        """
        await self.wait_for_socket(timeout=timeout)
        ws = self._open_socket()
        assert ws is not None
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": envelope_type != "events_api",
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        self._ack_future(envelope_id)
        await ws.send_json(envelope)
        return envelope_id

    async def socket_ack(
        self,
        envelope_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 -- a plain argument reads best in tests
    ) -> dict[str, Any]:
        """Wait for the client's ack of one envelope; returns it, with `payload` if it sent one."""
        future = self._ack_future(envelope_id)
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"No ack for envelope {envelope_id} within {timeout}s "
                "(Bolt sends none when no listener matched)."
            ) from None

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the connected client to reconnect, as Slack does before retiring a socket."""
        ws = self._open_socket()
        if ws is None:
            raise RuntimeError("No open Socket Mode connection to disconnect.")
        await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {}})

    # HTTP handlers

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        token = _bearer_token(request) or args.pop("token", None)
        call = SlackCall(method, args, token)
        await self._record(lambda: self.calls.append(call))
        if method in _MESSAGE_METHODS and not str(args.get("text") or "").strip():
            self.textless.append(call)
        failure = self._pop_failure(method)
        if failure is not None:
            return _failure_response(failure)
        if self._stopping:
            return _api_response({"ok": False, "error": "service_unavailable"}, status=503)
        if method == "api.test":
            return _api_response({"ok": True, "args": args})
        if method == "oauth.v2.access":
            if args.get("grant_type") == "refresh_token" and self.refresh_delay:
                await asyncio.sleep(self.refresh_delay)
            return _api_response(self._oauth_v2_access(args, _basic_auth(request)))
        handler = self._api_methods.get(method)
        if handler is None:
            return _api_response({"ok": False, "error": "unknown_method"})
        if not token:
            return _api_response({"ok": False, "error": "not_authed"})
        if token in self.revoked:
            return _api_response({"ok": False, "error": "token_revoked"})
        issued = self._issued.get(token)
        if (
            issued is not None
            and issued.expires_at is not None
            and issued.expires_at < self.clock()
        ):
            return _api_response({"ok": False, "error": "token_expired"})
        return _api_response(handler(args, token))

    async def _handle_authorize(self, request: web.Request) -> web.Response:
        """Slack's authorisation page, approved at once by the workspace named in `team`."""
        query = request.query
        if query.get("client_id") != self.client_id:
            return web.Response(status=400, text="unknown client_id")
        workspace = self.workspaces.get(query.get("team", ""))
        redirect = query.get("redirect_uri") or self.oauth_redirect_url
        if workspace is None or redirect is None:
            return web.Response(status=400, text="unknown team or no redirect URL")
        code = f"code-{uuid.uuid4().hex}"
        self._codes[code] = workspace
        params = {"code": code, "state": query.get("state", "")}
        separator = "&" if urlsplit(redirect).query else "?"
        raise web.HTTPFound(f"{redirect}{separator}{urlencode(params)}")

    async def _handle_upload(self, request: web.Request) -> web.Response:
        pending = self._pending_uploads.get(request.match_info["file_id"])
        if pending is None:
            return web.Response(status=404, text="unknown upload url")
        pending["content"] = await request.read()
        return web.Response(text=f"OK - {len(pending['content'])}")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        name = request.match_info["name"]
        await self._record(lambda: self.responses.append(ResponseUrlPost(name, body)))
        failure = self._pop_failure("response_url")
        if failure is not None:
            return _failure_response(failure)
        return web.Response(text="ok")

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        if self._stopping:
            return web.Response(status=503, text="fake slack stopping")
        ws = web.WebSocketResponse(timeout=_SOCKET_CLOSE_TIMEOUT)
        await ws.prepare(request)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
                "connection_info": {"app_id": self.app_id},
            }
        )

        def opened() -> None:
            self._sockets.append(ws)
            self.socket_connections += 1

        await self._record(opened)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_socket_text(message.data)
        finally:
            await self._record(lambda: self._sockets.remove(ws))
        return ws

    def _on_socket_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except json.JSONDecodeError:
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if envelope_id is None:
            return
        self.socket_acks.append(message)
        future = self._ack_future(envelope_id)
        if not future.done():
            future.set_result(message)

    # Web API methods

    def _oauth_v2_access(self, args: dict[str, Any], client: tuple[str, str] | None) -> ApiResult:
        client_id, client_secret = client or (
            str(args.get("client_id", "")),
            str(args.get("client_secret", "")),
        )
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return {"ok": False, "error": "invalid_client_id"}
        if args.get("grant_type") == "refresh_token":
            workspace = self._refresh_tokens.pop(str(args.get("refresh_token", "")), None)
            if workspace is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            self.refreshes += 1
            grant = self._grant(workspace)
            return {
                "ok": True,
                "token_type": "bot",
                "access_token": grant["access_token"],
                "refresh_token": grant["refresh_token"],
                "expires_in": grant["expires_in"],
                "scope": grant["scope"],
            }
        code = str(args.get("code", ""))
        workspace = self._codes.pop(code, None)  # a code works once
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        return self._grant(workspace)

    def _grant(self, workspace: FakeWorkspace) -> ApiResult:
        number = next(self._ids)
        prefix = "xoxe.xoxb-1" if workspace.rotating else "xoxb"
        token = f"{prefix}-{workspace.team_id}-{number}-{uuid.uuid4().hex[:16]}"
        expires_at = self.clock() + workspace.expires_in if workspace.rotating else None
        self._issued[token] = _Issued(workspace, expires_at)
        enterprise = (
            {"id": workspace.enterprise_id, "name": f"Trust {workspace.enterprise_id}"}
            if workspace.enterprise_id
            else None
        )
        grant: ApiResult = {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": workspace.installer},
            "scope": "commands,chat:write,im:write",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": workspace.bot_user_id,
            "team": None
            if workspace.org_wide
            else {"id": workspace.team_id, "name": workspace.name},
            "enterprise": enterprise,
            "is_enterprise_install": workspace.org_wide,
        }
        if workspace.rotating:
            refresh = f"xoxe-1-{workspace.team_id}-{number}-{uuid.uuid4().hex[:16]}"
            self._refresh_tokens[refresh] = workspace
            grant["refresh_token"] = refresh
            grant["expires_in"] = workspace.expires_in
        return grant

    def _auth_revoke(self, args: dict[str, Any], token: str) -> ApiResult:
        self.revoked.add(token)
        return {"ok": True, "revoked": True}

    def _auth_test(self, args: dict[str, Any], token: str) -> ApiResult:
        issued = self._issued.get(token)
        if issued is not None:
            workspace = issued.workspace
            return {
                "ok": True,
                "url": f"https://{workspace.team_id.lower()}.slack.com/",
                "team": workspace.name,
                "user": "staffroom",
                "team_id": None if workspace.org_wide else workspace.team_id,
                "enterprise_id": workspace.enterprise_id,
                "user_id": workspace.bot_user_id,
                "bot_id": f"B{workspace.team_id}",
                "is_enterprise_install": workspace.org_wide,
            }
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_domain,
            "user": "staffroom",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict[str, Any], token: str) -> ApiResult:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not any(args.get(key) for key in ("text", "blocks", "attachments")):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "text": args.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in args:
                message[key] = args[key]
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, args: dict[str, Any], token: str) -> ApiResult:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, args: dict[str, Any], token: str) -> ApiResult:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        text = args.get("text", "")
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": args["ts"],
            "text": text,
            "message": {"type": "message", "text": text, "user": self.bot_user_id},
        }

    def _conversations_open(self, args: dict[str, Any], token: str) -> ApiResult:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": args["channel"]}}
        users = args.get("users", "")
        user_ids = users if isinstance(users, list) else [u for u in str(users).split(",") if u]
        if not user_ids:
            return {"ok": False, "error": "users_list_not_supplied"}
        prefix = "D" if len(user_ids) == 1 else "G"
        return {"ok": True, "channel": {"id": prefix + "".join(user_ids)}}

    def _views_open(self, args: dict[str, Any], token: str) -> ApiResult:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return self._view_result(args, view_id=None)

    def _views_update(self, args: dict[str, Any], token: str) -> ApiResult:
        if not (args.get("view_id") or args.get("external_id")):
            return {"ok": False, "error": "not_found"}
        return self._view_result(args, view_id=args.get("view_id"))

    def _views_publish(self, args: dict[str, Any], token: str) -> ApiResult:
        if not args.get("user_id"):
            return {"ok": False, "error": "user_not_found"}
        return self._view_result(args, view_id=None)

    def _view_result(self, args: dict[str, Any], view_id: str | None) -> ApiResult:
        view = args.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        return {
            "ok": True,
            "view": {
                **view,
                "id": view_id or f"V{next(self._ids)}",
                "team_id": self.team_id,
                "app_id": self.app_id,
                "bot_id": self.bot_id,
                "state": {"values": {}},
                "hash": f"{self._ts_base}.hash",
            },
        }

    def _users_info(self, args: dict[str, Any], token: str) -> ApiResult:
        user_id = args.get("user")
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self.users.get(user_id) or self._default_user(user_id)}

    def _files_get_upload_url(self, args: dict[str, Any], token: str) -> ApiResult:
        if not args.get("filename") or not args.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids)}"
        self._pending_uploads[file_id] = {"filename": args["filename"], "content": None}
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}upload/v1/{file_id}"}

    def _files_complete_upload(self, args: dict[str, Any], token: str) -> ApiResult:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            return {"ok": False, "error": "invalid_arguments"}
        channel = args.get("channel_id")
        channels = tuple(c for c in str(args.get("channels", "")).split(",") if c)
        if channel and channel not in channels:
            channels = (channel, *channels)
        completed: list[UploadedFile] = []
        for entry in entries:
            pending = self._pending_uploads.get(entry.get("id", ""))
            if pending is None or pending["content"] is None:
                return {"ok": False, "error": "file_not_found"}
            completed.append(
                UploadedFile(
                    file_id=entry["id"],
                    filename=pending["filename"],
                    title=entry.get("title"),
                    content=pending["content"],
                    channel=channels[0] if channels else None,
                    channels=channels,
                    initial_comment=args.get("initial_comment"),
                    thread_ts=args.get("thread_ts"),
                )
            )
        for uploaded in completed:
            del self._pending_uploads[uploaded.file_id]
        self.files.extend(completed)
        return {
            "ok": True,
            "files": [
                {
                    "id": f.file_id,
                    "name": f.filename,
                    "title": f.title or f.filename,
                    "size": len(f.content),
                    "channels": list(f.channels),
                }
                for f in completed
            ],
        }

    def _apps_connections_open(self, args: dict[str, Any], token: str) -> ApiResult:
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        ticket = next(self._ids)
        ws_url = f"ws://127.0.0.1:{self._port}/socket?ticket={ticket}&app_id={self.app_id}"
        return {"ok": True, "url": ws_url}

    # internals

    def _pop_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        return queue.popleft() if queue else None

    def _next_ts(self) -> str:
        return f"{self._ts_base}.{next(self._ids):06d}"

    def _default_user(self, user_id: str) -> dict[str, Any]:
        name = user_id.lower()
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": f"Teacher {user_id}",
            "deleted": False,
            "is_bot": False,
            "tz": "Europe/London",
            "tz_offset": 0,
            "profile": {
                "real_name": f"Teacher {user_id}",
                "display_name": name,
                "email": f"{name}@school.example",
            },
        }

    def _open_socket(self) -> web.WebSocketResponse | None:
        for ws in reversed(self._sockets):
            if not ws.closed:
                return ws
        return None

    def _ack_future(self, envelope_id: str) -> asyncio.Future[dict[str, Any]]:
        future = self._acks.get(envelope_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._acks[envelope_id] = future
        return future

    async def _record(self, change: Callable[[], object]) -> None:
        async with self._changed:
            change()
            self._changed.notify_all()

    async def _wait_until(self, predicate: Callable[[], bool], seconds: float, what: str) -> None:
        try:
            async with asyncio.timeout(seconds), self._changed:
                await self._changed.wait_for(predicate)
        except TimeoutError:
            raise TimeoutError(f"FakeSlack: no {what} within {seconds}s.") from None


# Signed inbound requests for a Bolt HTTP app


def sign(
    signing_secret: str,
    body: str,
    timestamp: int | None = None,
    *,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, str]:
    """Headers Slack sends with `body`: v0 signature, timestamp, content type and retry markers."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        signing_secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256
    ).hexdigest()
    is_json = body.startswith("{")
    headers = {
        "X-Slack-Signature": f"v0={digest}",
        "X-Slack-Request-Timestamp": str(ts),
        "Content-Type": "application/json" if is_json else "application/x-www-form-urlencoded",
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    return headers


def slash_command_payload(
    command: str = "/staffroom",
    text: str = "help",
    user_id: str = "U1",
    team_id: str = "T1",
    channel_id: str = "C1",
    response_url: str = _UNSET_RESPONSE_URL,
    trigger_id: str = "1.1.trigger",
    *,
    user_name: str = "teacher",
    team_domain: str = "staffroom",
    channel_name: str = "general",
    api_app_id: str = "A1",
) -> dict[str, str]:
    """A slash command's fields as a dict: the Socket Mode `slash_commands` payload."""
    return {
        "token": "verification-token",
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def slash_command_body(
    command: str = "/staffroom",
    text: str = "help",
    user_id: str = "U1",
    team_id: str = "T1",
    channel_id: str = "C1",
    response_url: str = _UNSET_RESPONSE_URL,
    trigger_id: str = "1.1.trigger",
    **extra: str,
) -> str:
    """A slash command as the x-www-form-urlencoded body Slack POSTs over HTTP."""
    payload = slash_command_payload(
        command, text, user_id, team_id, channel_id, response_url, trigger_id, **extra
    )
    return urlencode(payload)


def block_actions_payload(
    user_id: str = "U1",
    team_id: str = "T1",
    action_id: str = "action",
    value: str = "",
    response_url: str = _UNSET_RESPONSE_URL,
    trigger_id: str = "1.1.trigger",
    channel_id: str | None = None,
    view: dict[str, Any] | None = None,
    *,
    block_id: str = "block",
    api_app_id: str = "A1",
) -> dict[str, Any]:
    """A button click (`block_actions`) as a dict: the payload of an `interactive` envelope."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "staffroom"},
        "user": {"id": user_id, "username": "teacher", "name": "teacher", "team_id": team_id},
        "api_app_id": api_app_id,
        "token": "verification-token",
        "trigger_id": trigger_id,
        "is_enterprise_install": False,
        "enterprise": None,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "text": {"type": "plain_text", "text": value or action_id},
                "action_ts": f"{int(time.time())}.000000",
            }
        ],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
        payload["view"] = view
    else:
        message_ts = f"{int(time.time())}.000100"
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["message"] = {"type": "message", "ts": message_ts, "text": ""}
        payload["response_url"] = response_url
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": "general"}
    return payload


def block_actions_body(
    user_id: str = "U1",
    team_id: str = "T1",
    action_id: str = "action",
    value: str = "",
    response_url: str = _UNSET_RESPONSE_URL,
    trigger_id: str = "1.1.trigger",
    channel_id: str | None = None,
    view: dict[str, Any] | None = None,
) -> str:
    """A button click as the HTTP body Slack POSTs: a form whose `payload` field is JSON."""
    payload = block_actions_payload(
        user_id, team_id, action_id, value, response_url, trigger_id, channel_id, view
    )
    return urlencode({"payload": json.dumps(payload)})


def view_submission_payload(
    user_id: str = "U1",
    team_id: str = "T1",
    callback_id: str = "modal",
    values: dict[str, Any] | None = None,
    private_metadata: str = "",
    *,
    view_id: str = "V1",
    api_app_id: str = "A1",
) -> dict[str, Any]:
    """A modal submission as a dict; `values` is `view.state.values` (block -> action -> value)."""
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "staffroom"},
        "user": {"id": user_id, "username": "teacher", "name": "teacher", "team_id": team_id},
        "api_app_id": api_app_id,
        "token": "verification-token",
        "trigger_id": "1.1.trigger",
        "is_enterprise_install": False,
        "enterprise": None,
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values or {}},
            "hash": "1.hash",
            "title": {"type": "plain_text", "text": "Staffroom"},
            "blocks": [],
            "app_id": api_app_id,
            "bot_id": "BBOT",
        },
        "response_urls": [],
    }


def view_submission_body(
    user_id: str = "U1",
    team_id: str = "T1",
    callback_id: str = "modal",
    values: dict[str, Any] | None = None,
    private_metadata: str = "",
) -> str:
    """A modal submission as the HTTP body Slack POSTs (form field `payload` holding JSON)."""
    payload = view_submission_payload(user_id, team_id, callback_id, values, private_metadata)
    return urlencode({"payload": json.dumps(payload)})


def event_payload(
    event: dict[str, Any],
    team_id: str = "T1",
    event_id: str | None = None,
    *,
    api_app_id: str = "A1",
    bot_user_id: str = "UBOT",
    event_time: int | None = None,
) -> dict[str, Any]:
    """An Events API `event_callback` wrapping `event`: the payload of an `events_api` envelope."""
    return {
        "token": "verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def event_body(
    event: dict[str, Any],
    team_id: str = "T1",
    event_id: str | None = None,
    *,
    api_app_id: str = "A1",
    bot_user_id: str = "UBOT",
    event_time: int | None = None,
) -> str:
    """An Events API `event_callback` as the JSON body Slack POSTs (use `sign(retry_num=...)`)."""
    payload = event_payload(
        event,
        team_id,
        event_id,
        api_app_id=api_app_id,
        bot_user_id=bot_user_id,
        event_time=event_time,
    )
    return json.dumps(payload)


def url_verification_body(challenge: str = "challenge-token") -> str:
    """The JSON body Slack POSTs once to check an Events API request URL."""
    payload = {"token": "verification-token", "challenge": challenge, "type": "url_verification"}
    return json.dumps(payload)


# HTTP helpers


async def _read_args(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                args.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                args[key] = value.file.read() if isinstance(value, FileField) else value
    for key in _JSON_VALUED_ARGS & args.keys():
        if isinstance(args[key], str):
            with contextlib.suppress(json.JSONDecodeError):
                args[key] = json.loads(args[key])
    return args


def _basic_auth(request: web.Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return None
    return user, password


def _bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def _api_response(body: ApiResult, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def _failure_response(failure: _Failure) -> web.Response:
    response = _api_response({"ok": False, "error": failure.error}, status=failure.status)
    if failure.retry_after is not None:
        response.headers["Retry-After"] = str(failure.retry_after)
    return response
