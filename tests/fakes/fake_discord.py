"""A small fake Discord (REST API and gateway websocket) for the real, unmodified discord.py.

The fake is an aiohttp server on 127.0.0.1. Point discord.py at it with :meth:`FakeDiscord.install`
(or, in production code, from config: ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``), then drive the bot with gateway events and
inspect what it sent back::

    async with FakeDiscord(app_id=1, bot_user_id=2, guilds=[FakeGuild(id=10)]) as dc:
        with dc.install():
            ...  # start a discord.Client, then:
            interaction_id = await dc.interaction_command(42, ["cpd", "log"], {"hours": 1.5})
            await dc.wait_for_request("POST", rf"/interactions/{interaction_id}/.+/callback")

Behaviour that matters for tests, and mirrors Discord:

* JSON responses carry ``Content-Type: application/json`` exactly (discord.py rejects a charset).
* Gateway sessions keep a sequence-numbered log; a RESUME replays what the client missed, so an
  event dispatched while the bot is reconnecting is delivered exactly once.
* Intents are honoured: guild / DM message events need GUILD_MESSAGES / DIRECT_MESSAGES, and guild
  message content is blanked without MESSAGE_CONTENT unless the bot is mentioned.
* An interaction can be answered once (a second callback gets 400, code 40060); follow-ups before
  the first answer get 404 (code 10015), as on Discord.
* Events dispatched before any bot has identified are held and delivered after its GUILD_CREATEs.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import WSMsgType, web

__all__ = [
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMessage",
    "GatewayFrame",
    "InteractionResponse",
    "RecordedFile",
    "RecordedRequest",
]

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1420070400000
API_PREFIX = "/api/v10"

# Gateway opcodes.
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Intent bits the fake enforces.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

# Interaction types and callback types.
INTERACTION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5
CALLBACK_MESSAGE = 4
CALLBACK_DEFERRED_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE = 8
CALLBACK_MODAL = 9
_ALLOWED_CALLBACKS: dict[int, set[int]] = {
    INTERACTION_COMMAND: {CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE, CALLBACK_MODAL, 10, 12},
    INTERACTION_COMPONENT: {4, 5, 6, 7, 9, 10, 12},
    INTERACTION_AUTOCOMPLETE: {CALLBACK_AUTOCOMPLETE},
    INTERACTION_MODAL_SUBMIT: {4, 5, 6, 7, 10, 12},
}

FLAG_EPHEMERAL = 64
FLAG_LOADING = 128
MAX_CONTENT = 2000
MAX_EMBEDS = 10
ALL_PERMISSIONS = str((1 << 53) - 1)
MEMBER_PERMISSIONS = "1071698660929"

_MENTION = re.compile(r"<@!?(\d+)>")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """One file part of a multipart request (``files[n]``)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(slots=True)
class RecordedRequest:
    """One HTTP request the bot made, as the fake saw it.

    ``path`` is relative to ``/api/v10`` and has no query string. ``json`` is the decoded JSON body,
    or the ``payload_json`` part of a multipart body. ``status`` is 0 until the fake has answered.
    """

    index: int
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    body: bytes
    files: list[RecordedFile]
    status: int = 0


@dataclass(slots=True)
class FakeMessage:
    """A message stored by the fake: sent by the bot (channel, interaction or webhook) or a user.

    ``synthetic`` marks a bot message the fake invented for a component interaction on an
    unknown message id; :meth:`FakeDiscord.messages` leaves those out.
    """

    id: int
    channel_id: int
    author_id: int
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    allowed_mentions: JSON | None = None
    attachments: list[JSON] = field(default_factory=list)
    files: list[RecordedFile] = field(default_factory=list)
    flags: int = 0
    guild_id: int | None = None
    interaction_id: int | None = None
    message_reference: JSON | None = None
    edits: list[JSON] = field(default_factory=list)
    edited_at: str | None = None
    deleted: bool = False
    synthetic: bool = False

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user can see this message."""
        return bool(self.flags & FLAG_EPHEMERAL)


@dataclass(slots=True)
class InteractionResponse:
    """A bot's answer at ``POST /interactions/{id}/{token}/callback``."""

    interaction_id: int
    token: str
    type: int
    data: JSON
    files: list[RecordedFile]


@dataclass(slots=True)
class FakeInteraction:
    """An interaction the fake has dispatched, with what became of it."""

    id: int
    token: str
    type: int
    user_id: int
    guild_id: int | None
    channel_id: int
    payload: JSON
    created_at: float
    responded: bool = False
    original_message_id: int | None = None
    component_message_id: int | None = None


@dataclass(slots=True)
class FakeGuild:
    """A guild the fake reports in GUILD_CREATE.

    ``channels`` maps text channel ids to names (default: one channel ``id + 1`` named general).
    ``member_ids`` are extra members besides the bot.
    """

    id: int
    name: str = "Staffroom Test Guild"
    channels: Mapping[int, str] = field(default_factory=dict)
    member_ids: Sequence[int] = ()
    owner_id: int | None = None

    def channel_map(self) -> dict[int, str]:
        """The guild's text channels, id to name."""
        return dict(self.channels) or {self.id + 1: "general"}


@dataclass(frozen=True, slots=True)
class GatewayFrame:
    """One frame a client sent on the gateway (IDENTIFY, RESUME, HEARTBEAT, ...)."""

    index: int
    op: int
    d: Any
    connection: int
    session_id: str | None


@dataclass(slots=True)
class GatewayConnection:
    """One websocket a client opened, with the URL path it used (``/gateway`` or resume)."""

    index: int
    path: str
    query: dict[str, str]
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int | None = None


@dataclass(slots=True)
class _FailureRule:
    method: str
    pattern: re.Pattern[str]
    status: int
    retry_after: float
    global_: bool
    via: bool
    code: int | None
    message: str | None
    remaining: int


@dataclass(eq=False, slots=True)
class _Socket:
    ws: web.WebSocketResponse
    info: GatewayConnection
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, payload: JSON) -> bool:
        async with self.lock:
            if self.ws.closed:
                return False
            try:
                await self.ws.send_str(json.dumps(payload))
            except (ConnectionError, RuntimeError):
                return False
            return True


@dataclass(eq=False, slots=True)
class _Session:
    id: str
    token: str | None
    intents: int | None
    shard: list[int] | None
    seq: int = 0
    log: list[tuple[int, str, JSON]] = field(default_factory=list)
    socket: _Socket | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_T = TypeVar("_T")


class _Waiters(Generic[_T]):
    """Items recorded over time that tests can await; each wait consumes the item it returns."""

    def __init__(self) -> None:
        self.items: list[_T] = []
        self._consumed: set[int] = set()
        self._pending: list[tuple[Callable[[_T], bool], asyncio.Future[_T]]] = []

    def settle(self, item: _T) -> None:
        """Offer an item (already in ``items``) to pending waiters."""
        for predicate, future in list(self._pending):
            if not future.done() and predicate(item):
                self._consumed.add(id(item))
                future.set_result(item)
                self._pending.remove((predicate, future))
                return

    async def wait(self, predicate: Callable[[_T], bool], seconds: float, what: str) -> _T:
        for item in self.items:
            if id(item) not in self._consumed and predicate(item):
                self._consumed.add(id(item))
                return item
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._pending.append(entry)
        try:
            return await asyncio.wait_for(future, seconds)
        except TimeoutError:
            raise TimeoutError(f"fake Discord saw no {what} within {seconds}s") from None
        finally:
            if entry in self._pending:
                self._pending.remove(entry)


class _Installation(contextlib.AbstractContextManager["_Installation"]):
    """Points discord.py at the fake from construction until :meth:`undo` or the ``with`` exits."""

    def __init__(self, api_base_url: str, gateway_url: str) -> None:
        self._old_base = discord.http.Route.BASE
        self._old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = api_base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        self._undone = False

    def undo(self) -> None:
        """Restore the endpoints discord.py had before (idempotent)."""
        if not self._undone:
            discord.http.Route.BASE = self._old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._old_gateway
            self._undone = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.undo()


_Handler = Callable[[RecordedRequest, "re.Match[str]"], Any]


class FakeDiscord:
    """A fake Discord REST API and gateway on 127.0.0.1 for the real discord.py.

    Use as ``async with FakeDiscord(app_id=..., bot_user_id=..., guilds=[...]) as dc``.
    Every request is recorded in :attr:`requests`; every frame a client sends, in :attr:`frames`.
    """

    def __init__(
        self,
        *,
        app_id: int,
        bot_user_id: int,
        guilds: Sequence[FakeGuild | int] = (),
        bot_name: str = "Staffroom",
        token: str | None = None,
        heartbeat_interval_ms: int = 41250,
        interaction_timeout: float | None = None,
        shards: int = 1,
    ) -> None:
        """Configure the fake; nothing listens until ``__aenter__``.

        ``token``: when set, REST calls with another bot token get 401 and IDENTIFY with another
        token is closed with 4004. ``interaction_timeout``: seconds after which an unanswered
        interaction is unknown (Discord: 3), None to never expire.
        """
        self.app_id = app_id
        self.bot_user_id = bot_user_id
        self.bot_name = bot_name
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_timeout = interaction_timeout
        self.shards = shards
        self.guilds: dict[int, FakeGuild] = {}
        for guild in guilds:
            spec = guild if isinstance(guild, FakeGuild) else FakeGuild(id=guild)
            self.guilds[spec.id] = spec
        self.users: dict[int, JSON] = {}
        self.add_user(bot_user_id, bot_name, bot=True)

        self.interactions: dict[int, FakeInteraction] = {}
        self.connections: list[GatewayConnection] = []
        self.sessions: dict[str, _Session] = {}
        self.replayed: list[tuple[str, int, str, JSON]] = []
        self._requests: _Waiters[RecordedRequest] = _Waiters()
        self._frames: _Waiters[GatewayFrame] = _Waiters()
        self._stored: dict[int, FakeMessage] = {}
        self._nonces: dict[tuple[int, str], int] = {}
        self._responses: list[InteractionResponse] = []
        self._commands: dict[int | None, list[JSON]] = {}
        self._dm_channels: dict[int, int] = {}
        self._failures: list[_FailureRule] = []
        self._undelivered: list[tuple[str, JSON]] = []
        self._sockets: set[_Socket] = set()
        self._installations: list[_Installation] = []
        self._last_id = 0
        self._ready = asyncio.Event()
        self._resumes_open = asyncio.Event()
        self._resumes_open.set()
        self._routes: list[tuple[str, re.Pattern[str], _Handler]] = self._build_routes()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ----------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway-resume", self._gateway)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close every websocket (code 1001) and stop the server; restores any install()."""
        for installation in reversed(self._installations):
            installation.undo()
        for socket in list(self._sockets):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(socket.ws.close(code=1001), 1)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ----------------------------------------------------------------- endpoints

    @property
    def http_base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base_url(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return f"{self.http_base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The value (as ``yarl.URL``) for ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """Where READY tells clients to resume; a distinct path so tests can see it was used."""
        return f"ws://127.0.0.1:{self.port}/gateway-resume"

    def install(self) -> _Installation:
        """Point discord.py at the fake now; undone by ``with``, ``.undo()`` or closing the fake."""
        installation = _Installation(self.api_base_url, self.gateway_url)
        self._installations.append(installation)
        return installation

    # ----------------------------------------------------------------- inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every HTTP request received, in order."""
        return self._requests.items

    @property
    def frames(self) -> list[GatewayFrame]:
        """Every gateway frame clients sent, in order."""
        return self._frames.items

    def messages(
        self, channel_id: int | None = None, *, include_deleted: bool = False
    ) -> list[FakeMessage]:
        """Messages the bot created (channel sends, interaction responses, follow-ups), in order."""
        return [
            m
            for m in self._stored.values()
            if m.author_id == self.bot_user_id
            and (channel_id is None or m.channel_id == channel_id)
            and not m.synthetic
            and (include_deleted or not m.deleted)
        ]

    def message(self, message_id: int) -> FakeMessage:
        """A stored message by id (KeyError if unknown)."""
        return self._stored[message_id]

    def interaction_responses(self, interaction_id: int | None = None) -> list[InteractionResponse]:
        """Accepted interaction callbacks, in order (rejected duplicates are only in requests)."""
        wanted = interaction_id
        return [r for r in self._responses if wanted is None or r.interaction_id == wanted]

    def commands(self, guild_id: int | None = None) -> list[JSON]:
        """Application commands the bot synced, globally or for one guild."""
        return list(self._commands.get(guild_id, []))

    def dm_channel_id(self, user_id: int) -> int:
        """The DM channel between the bot and ``user_id``, created if needed."""
        channel_id = self._dm_channels.get(user_id)
        if channel_id is None:
            channel_id = self._dm_channels[user_id] = self.next_id()
            self.add_user(user_id)
        return channel_id

    async def wait_for_request(
        self,
        method: str,
        path_regex: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - the fake's contract, mirrors wait_for
        *,
        status: int | None = None,
    ) -> RecordedRequest:
        """Await an answered request whose path (after /api/v10) fully matches ``path_regex``.

        Already-recorded requests count; each request is returned by at most one wait.
        ``status`` restricts to requests the fake answered with that status.
        """
        pattern = re.compile(path_regex)

        def matches(r: RecordedRequest) -> bool:
            return (
                r.status != 0
                and r.method == method.upper()
                and pattern.fullmatch(r.path) is not None
                and (status is None or r.status == status)
            )

        return await self._requests.wait(matches, timeout, f"{method} {path_regex}")

    async def wait_for_frame(self, op: int, timeout: float = 5.0) -> GatewayFrame:  # noqa: ASYNC109
        """Await a gateway frame with opcode ``op`` from a client (e.g. 6 for RESUME)."""
        return await self._frames.wait(lambda f: f.op == op, timeout, f"gateway op {op}")

    async def wait_until_ready(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Await a client finishing IDENTIFY (READY and GUILD_CREATEs sent)."""
        await asyncio.wait_for(self._ready.wait(), timeout)

    # ----------------------------------------------------------------- programming failures

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int = 429,
        retry_after: float = 0.2,
        global_: bool = False,
        *,
        times: int = 1,
        via: bool = True,
        code: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with an error instead of handling them.

        429s carry ``retry_after`` / ``global`` and, unless ``via=False``, the ``Via`` header
        discord.py needs to treat them as rate limits (without it it assumes a Cloudflare ban).
        Other statuses get JSON ``{code, message}`` (403: 50013 Missing Permissions).
        """
        self._failures.append(
            _FailureRule(
                method=method.upper(),
                pattern=re.compile(path_regex),
                status=status,
                retry_after=retry_after,
                global_=global_,
                via=via,
                code=code,
                message=message,
                remaining=times,
            )
        )

    # ----------------------------------------------------------------- users and ids

    def next_id(self) -> int:
        """A fresh snowflake whose timestamp is now."""
        candidate = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | 1
        self._last_id = max(candidate, self._last_id + 1)
        return self._last_id

    def add_user(
        self,
        user_id: int,
        username: str | None = None,
        *,
        bot: bool = False,
        global_name: str | None = None,
    ) -> JSON:
        """Register (or return) a user; unknown ids are registered as ``user<id>`` on first use."""
        existing = self.users.get(user_id)
        if existing is not None and username is None:
            return existing
        payload: JSON = {
            "id": str(user_id),
            "username": username or f"user{user_id}",
            "discriminator": "0",
            "global_name": global_name,
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }
        self.users[user_id] = payload
        return payload

    def user_payload(self, user_id: int) -> JSON:
        """The user object Discord would send for ``user_id``."""
        return dict(self.add_user(user_id))

    def member_payload(self, guild_id: int, user_id: int, *, with_user: bool = True) -> JSON:
        """A guild member object (with interaction ``permissions``)."""
        payload: JSON = {
            "roles": [],
            "nick": None,
            "avatar": None,
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "permissions": MEMBER_PERMISSIONS,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user_payload(user_id)
        return payload

    # ----------------------------------------------------------------- event injection

    async def dispatch(self, event_name: str, data: JSON) -> None:
        """Send a DISPATCH (op 0) event to every live session, or hold it for the next one.

        Sessions that are reconnecting log it and get it on RESUME. INTERACTION_CREATE payloads
        are registered so their callbacks are accepted.
        """
        if event_name == "INTERACTION_CREATE":
            self._register_interaction(data)
        if not self.sessions:
            self._undelivered.append((event_name, data))
            return
        for session in list(self.sessions.values()):
            await self._send_event(session, event_name, data)

    async def interaction_command(
        self,
        user_id: int,
        name: str | Sequence[str],
        options: Mapping[str, Any] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        locale: str = "en-GB",
    ) -> int:
        """Dispatch a slash command; ``name`` may be a path (``["cpd", "log"]`` or ``"cpd log"``).

        Option types come from the synced command when known, else from Python types
        (bool 5, int 4, float 10, str 3). Returns the interaction id.
        """
        data = self._command_data(name, options or {}, guild_id, focused=None)
        return await self._dispatch_interaction(
            INTERACTION_COMMAND,
            user_id,
            data,
            guild_id=guild_id,
            channel_id=channel_id,
            locale=locale,
        )

    async def interaction_autocomplete(
        self,
        user_id: int,
        name: str | Sequence[str],
        focused: str,
        value: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
    ) -> int:
        """Dispatch an autocomplete request for option ``focused`` typed as ``value``."""
        filled = {**(options or {}), focused: value}
        data = self._command_data(name, filled, guild_id, focused=focused)
        return await self._dispatch_interaction(
            INTERACTION_AUTOCOMPLETE, user_id, data, guild_id=guild_id, channel_id=channel_id
        )

    async def interaction_component(
        self,
        user_id: int,
        custom_id: str,
        message_id: int | None = None,
        *,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
    ) -> int:
        """Dispatch a button (type 2) or select (``values``) press on message ``message_id``.

        A stored message supplies the channel and payload; otherwise a bot message is invented.
        """
        stored = self._stored.get(message_id) if message_id is not None else None
        if stored is not None:
            channel_id = channel_id or stored.channel_id
            guild_id = guild_id or stored.guild_id
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        channel_id = self._interaction_channel(user_id, guild_id, channel_id)
        if stored is None:
            stored = FakeMessage(
                id=message_id or self.next_id(),
                channel_id=channel_id,
                author_id=self.bot_user_id,
                guild_id=guild_id,
                synthetic=True,
            )
            self._stored[stored.id] = stored
        return await self._dispatch_interaction(
            INTERACTION_COMPONENT,
            user_id,
            data,
            guild_id=guild_id,
            channel_id=channel_id,
            message=stored,
        )

    async def interaction_modal_submit(
        self,
        user_id: int,
        custom_id: str,
        fields: Mapping[str, str],
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
    ) -> int:
        """Dispatch a modal submission; ``fields`` maps text input custom ids to values."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
            for key, value in fields.items()
        ]
        data: JSON = {"custom_id": custom_id, "components": rows}
        return await self._dispatch_interaction(
            INTERACTION_MODAL_SUBMIT, user_id, data, guild_id=guild_id, channel_id=channel_id
        )

    async def message_create(
        self,
        author_id: int,
        channel_id: int | None = None,
        content: str = "",
        guild_id: int | None = None,
    ) -> int:
        """Dispatch MESSAGE_CREATE from a user; a DM (the user's DM channel) when no guild.

        ``<@id>`` mentions in ``content`` become ``mentions``. Returns the message id.
        """
        if guild_id is None and channel_id is None:
            channel_id = self.dm_channel_id(author_id)
        channel_id = self._interaction_channel(author_id, guild_id, channel_id)
        message = FakeMessage(
            id=self.next_id(),
            channel_id=channel_id,
            author_id=author_id,
            content=content,
            guild_id=guild_id,
        )
        self._stored[message.id] = message
        await self.dispatch("MESSAGE_CREATE", self._message_payload(message))
        return message.id

    # ----------------------------------------------------------------- gateway control

    async def send_reconnect(self, *, wait_closed: bool = True, within: float = 5.0) -> None:
        """Send op 7 RECONNECT to every live session; events dispatched afterwards are queued.

        With ``wait_closed`` this returns once the clients have closed the old sockets, so
        anything dispatched next is certainly "while disconnected".
        """
        detached = await self._detach_all(lambda s: s.send({"op": OP_RECONNECT, "d": None}))
        if wait_closed:
            await self._wait_closed(detached, within)

    @contextlib.asynccontextmanager
    async def holding_resumes(self) -> AsyncIterator[None]:
        """Hold every RESUME until the block exits, so dispatches inside it certainly queue."""
        self._resumes_open.clear()
        try:
            yield
        finally:
            self._resumes_open.set()

    async def disconnect(self, code: int = 4000, *, within: float = 5.0) -> None:
        """Drop every live gateway socket with ``code``; resumable codes make discord.py RESUME."""
        detached = await self._detach_all(lambda s: s.ws.close(code=code))
        await self._wait_closed(detached, within)

    async def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; with ``resumable=False`` the client must IDENTIFY again."""

        async def invalidate(socket: _Socket) -> None:
            await socket.send({"op": OP_INVALID_SESSION, "d": resumable})

        if not resumable:
            for session in list(self.sessions.values()):
                if session.socket is not None:
                    await invalidate(session.socket)
                del self.sessions[session.id]
            return
        await self._detach_all(invalidate)

    # ================================================================= internals: gateway

    async def _detach_all(self, action: Callable[[_Socket], Any]) -> list[_Socket]:
        """Unhook every session's socket (so new events queue), then act on the old sockets."""
        detached: list[_Socket] = []
        for session in list(self.sessions.values()):
            async with session.lock:
                socket = session.socket
                session.socket = None
            if socket is not None:
                detached.append(socket)
                await action(socket)
        return detached

    @staticmethod
    async def _wait_closed(sockets: list[_Socket], within: float) -> None:
        if sockets:
            closed = asyncio.gather(*(s.info.closed.wait() for s in sockets))
            await asyncio.wait_for(closed, within)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        info = GatewayConnection(
            index=len(self.connections), path=request.path, query=dict(request.query)
        )
        self.connections.append(info)
        socket = _Socket(ws=ws, info=info)
        self._sockets.add(socket)
        session: _Session | None = None
        try:
            await socket.send(
                {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, d = frame.get("op"), frame.get("d")
                recorded = GatewayFrame(
                    index=len(self._frames.items),
                    op=op,
                    d=d,
                    connection=info.index,
                    session_id=session.id if session else None,
                )
                self._frames.items.append(recorded)
                if op == OP_HEARTBEAT:
                    await socket.send({"op": OP_HEARTBEAT_ACK, "d": None})
                elif op == OP_IDENTIFY:
                    session = await self._identify(socket, d)
                elif op == OP_RESUME:
                    session = await self._resume(socket, d)
                elif op == OP_REQUEST_MEMBERS and session is not None:
                    await self._request_members(session, d)
                self._frames.settle(recorded)
        finally:
            info.close_code = ws.close_code
            info.closed.set()
            self._sockets.discard(socket)
            if session is not None:
                async with session.lock:
                    attached = session.socket is socket
                    if attached:
                        session.socket = None
                # A client's own clean close (1000/1001) ends its session, as on Discord; a socket
                # the fake detached (reconnect, drop) stays resumable whatever code it reports.
                if attached and ws.close_code in (1000, 1001):
                    self.sessions.pop(session.id, None)
        return ws

    async def _identify(self, socket: _Socket, d: JSON) -> _Session | None:
        token = str(d.get("token", ""))
        if self.token is not None and token.removeprefix("Bot ") != self.token:
            await socket.ws.close(code=4004, message=b"Authentication failed.")
            return None
        # A fresh IDENTIFY replaces sessions nobody is connected to (they cannot be resumed).
        for stale in [s for s in self.sessions.values() if s.socket is None]:
            del self.sessions[stale.id]
        session = _Session(
            id=secrets.token_hex(16),
            token=token,
            intents=d.get("intents"),
            shard=d.get("shard"),
        )
        async with session.lock:
            session.socket = socket
            self.sessions[session.id] = session
            ready: JSON = {
                "v": 10,
                "user": {
                    **self.user_payload(self.bot_user_id),
                    "verified": True,
                    "mfa_enabled": False,
                    "flags": 0,
                },
                "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": self.resume_gateway_url,
                "application": {"id": str(self.app_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "geo_ordered_rtc_regions": [],
                "_trace": ["fake-discord"],
            }
            if session.shard is not None:
                ready["shard"] = session.shard
            await self._emit(session, "READY", ready)
            if session.intents is None or session.intents & INTENT_GUILDS:
                for guild in self.guilds.values():
                    await self._emit(session, "GUILD_CREATE", self._guild_payload(guild))
            held, self._undelivered = self._undelivered, []
            for event_name, data in held:
                await self._emit(session, event_name, data)
        self._ready.set()
        return session

    async def _resume(self, socket: _Socket, d: JSON) -> _Session | None:
        session = self.sessions.get(str(d.get("session_id")))
        if session is None:
            await socket.send({"op": OP_INVALID_SESSION, "d": False})
            return None
        client_seq = d.get("seq") or 0
        await self._resumes_open.wait()
        async with session.lock:
            old = session.socket
            session.socket = socket
            for seq, event_name, data in session.log:
                if seq > client_seq:
                    self.replayed.append((session.id, seq, event_name, data))
                    await socket.send({"op": OP_DISPATCH, "t": event_name, "s": seq, "d": data})
            await self._emit(session, "RESUMED", {"_trace": ["fake-discord"]})
        if old is not None and old is not socket:
            await old.ws.close(code=4000)
        return session

    async def _request_members(self, session: _Session, d: JSON) -> None:
        guild = self.guilds.get(int(d.get("guild_id", 0)))
        if guild is None:
            return
        wanted = {int(u) for u in d.get("user_ids") or []}
        query = str(d.get("query") or "").lower()
        ids = [self.bot_user_id, *guild.member_ids]
        members = [
            self.member_payload(guild.id, uid)
            for uid in ids
            if (not wanted or uid in wanted)
            and self.user_payload(uid)["username"].lower().startswith(query)
        ]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        async with session.lock:
            await self._emit(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send_event(self, session: _Session, event_name: str, data: JSON) -> None:
        async with session.lock:
            await self._emit(session, event_name, data)

    async def _emit(self, session: _Session, event_name: str, data: JSON) -> None:
        """Number, log and (if connected) send one event. Caller holds ``session.lock``."""
        shaped = self._shape_for(session, event_name, data)
        if shaped is None:
            return
        session.seq += 1
        session.log.append((session.seq, event_name, shaped))
        if session.socket is not None:
            frame = {"op": OP_DISPATCH, "t": event_name, "s": session.seq, "d": shaped}
            if not await session.socket.send(frame):
                session.socket = None

    def _shape_for(self, session: _Session, event_name: str, data: JSON) -> JSON | None:
        """Apply intents: drop message events the session did not ask for, blank content."""
        intents = session.intents
        if intents is None or not event_name.startswith("MESSAGE_"):
            return data
        in_guild = "guild_id" in data
        needed = INTENT_GUILD_MESSAGES if in_guild else INTENT_DIRECT_MESSAGES
        if not intents & needed:
            return None
        if event_name not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or not in_guild:
            return data
        author = str((data.get("author") or {}).get("id"))
        mentioned = any(str(u.get("id")) == str(self.bot_user_id) for u in data.get("mentions", []))
        if intents & INTENT_MESSAGE_CONTENT or author == str(self.bot_user_id) or mentioned:
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    def _guild_payload(self, guild: FakeGuild) -> JSON:
        channels: list[JSON] = [
            {
                "id": str(channel_id),
                "type": 0,
                "name": name,
                "position": position,
                "guild_id": str(guild.id),
                "permission_overwrites": [],
                "topic": None,
                "nsfw": False,
                "parent_id": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
            }
            for position, (channel_id, name) in enumerate(guild.channel_map().items())
        ]
        everyone = {
            "id": str(guild.id),
            "name": "@everyone",
            "permissions": MEMBER_PERMISSIONS,
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        members = [self.member_payload(guild.id, self.bot_user_id)]
        members += [self.member_payload(guild.id, uid) for uid in guild.member_ids]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "owner_id": str(guild.owner_id or self.bot_user_id),
            "unavailable": False,
            "member_count": len(members),
            "large": False,
            "joined_at": _now_iso(),
            "roles": [everyone],
            "channels": channels,
            "members": members,
            "threads": [],
            "presences": [],
            "voice_states": [],
            "emojis": [],
            "stickers": [],
            "features": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "afk_channel_id": None,
            "afk_timeout": 300,
        }

    # ================================================================= internals: interactions

    def _interaction_channel(
        self, user_id: int, guild_id: int | None, channel_id: int | None
    ) -> int:
        if channel_id is not None:
            return channel_id
        if guild_id is None:
            return self.dm_channel_id(user_id)
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise ValueError(f"guild {guild_id} is not configured in this FakeDiscord")
        return next(iter(guild.channel_map()))

    def _channel_payload(self, channel_id: int, guild_id: int | None) -> JSON:
        if guild_id is not None and guild_id in self.guilds:
            name = self.guilds[guild_id].channel_map().get(channel_id, f"channel-{channel_id}")
            return {
                "id": str(channel_id),
                "type": 0,
                "name": name,
                "position": 0,
                "guild_id": str(guild_id),
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
            }
        recipient = next((u for u, c in self._dm_channels.items() if c == channel_id), None)
        recipients = [self.user_payload(recipient)] if recipient is not None else []
        return {"id": str(channel_id), "type": 1, "last_message_id": None, "recipients": recipients}

    def _find_command(self, root: str, guild_id: int | None) -> tuple[JSON | None, int | None]:
        if guild_id is not None:
            for command in self._commands.get(guild_id, []):
                if command["name"] == root:
                    return command, guild_id
        for command in self._commands.get(None, []):
            if command["name"] == root:
                return command, None
        return None, None

    def _command_data(
        self,
        name: str | Sequence[str],
        values: Mapping[str, Any],
        guild_id: int | None,
        *,
        focused: str | None,
    ) -> JSON:
        path = name.split() if isinstance(name, str) else list(name)
        command, command_guild = self._find_command(path[0], guild_id)
        schema: list[JSON] = (command or {}).get("options", [])
        for part in path[1:]:
            schema = next((o for o in schema if o.get("name") == part), {}).get("options", [])
        types = {o["name"]: int(o["type"]) for o in schema if "name" in o and "type" in o}
        resolved: JSON = {}
        leaf: list[JSON] = []
        for key, value in values.items():
            option_type = types.get(key, _python_option_type(value))
            if option_type in (6, 7, 8, 9):
                value = str(value)
                self._resolve(option_type, int(value), guild_id, resolved)
            option: JSON = {"name": key, "type": option_type, "value": value}
            if key == focused:
                option["focused"] = True
            leaf.append(option)
        options = leaf
        if len(path) == 3:
            options = [{"name": path[2], "type": 1, "options": leaf}]
            options = [{"name": path[1], "type": 2, "options": options}]
        elif len(path) == 2:
            options = [{"name": path[1], "type": 1, "options": leaf}]
        data: JSON = {
            "id": str(command["id"]) if command else str(self.next_id()),
            "name": path[0],
            "type": 1,
            "options": options,
        }
        if command_guild is not None:
            data["guild_id"] = str(command_guild)
        if resolved:
            data["resolved"] = resolved
        return data

    def _resolve(self, option_type: int, target: int, guild_id: int | None, out: JSON) -> None:
        if option_type in (6, 9):
            out.setdefault("users", {})[str(target)] = self.user_payload(target)
            if guild_id is not None:
                member = self.member_payload(guild_id, target, with_user=False)
                out.setdefault("members", {})[str(target)] = member
        elif option_type == 7:
            out.setdefault("channels", {})[str(target)] = {
                **self._channel_payload(target, guild_id),
                "permissions": ALL_PERMISSIONS,
            }
        elif option_type == 8:
            role = {"id": str(target), "name": f"role{target}", "permissions": "0", "position": 1}
            out.setdefault("roles", {})[str(target)] = role

    async def _dispatch_interaction(
        self,
        interaction_type: int,
        user_id: int,
        data: JSON,
        *,
        guild_id: int | None,
        channel_id: int | None,
        message: FakeMessage | None = None,
        locale: str = "en-GB",
    ) -> int:
        channel_id = self._interaction_channel(user_id, guild_id, channel_id)
        interaction_id = self.next_id()
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(self.app_id),
            "type": interaction_type,
            "data": data,
            "token": f"fake-{interaction_id}-{secrets.token_urlsafe(16)}",
            "version": 1,
            "locale": locale,
            "app_permissions": ALL_PERMISSIONS,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel_id),
            "channel": self._channel_payload(channel_id, guild_id),
        }
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
            payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = self.member_payload(guild_id, user_id)
            payload["authorizing_integration_owners"] = {"0": str(guild_id)}
            payload["context"] = 0
        else:
            payload["user"] = self.user_payload(user_id)
            payload["authorizing_integration_owners"] = {"0": str(user_id)}
            payload["context"] = 1
        if message is not None:
            payload["message"] = self._message_payload(message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction_id

    def _register_interaction(self, payload: JSON) -> None:
        interaction_id = int(payload["id"])
        if interaction_id in self.interactions:
            return
        member = payload.get("member") or {}
        user = payload.get("user") or member.get("user") or {}
        message = payload.get("message") or {}
        guild_id = payload.get("guild_id")
        self.interactions[interaction_id] = FakeInteraction(
            id=interaction_id,
            token=str(payload["token"]),
            type=int(payload["type"]),
            user_id=int(user.get("id", 0)),
            guild_id=int(guild_id) if guild_id else None,
            channel_id=int(payload.get("channel_id") or payload.get("channel", {}).get("id", 0)),
            payload=payload,
            created_at=time.monotonic(),
            component_message_id=int(message["id"]) if message else None,
        )

    # ================================================================= internals: messages

    def _message_payload(self, message: FakeMessage) -> JSON:
        mentions = []
        for match in _MENTION.finditer(message.content):
            user_id = int(match[1])
            user = self.user_payload(user_id)
            if message.guild_id is not None:
                user["member"] = self.member_payload(message.guild_id, user_id, with_user=False)
            mentions.append(user)
        payload: JSON = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "author": self.user_payload(message.author_id),
            "content": message.content,
            "timestamp": _snowflake_time(message.id),
            "edited_timestamp": message.edited_at,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions,
            "mention_roles": [],
            "attachments": message.attachments,
            "embeds": message.embeds,
            "components": message.components,
            "pinned": False,
            "type": 0,
            "flags": message.flags,
        }
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
            if message.author_id != self.bot_user_id or message.interaction_id is None:
                payload["member"] = self.member_payload(
                    message.guild_id, message.author_id, with_user=False
                )
        if message.message_reference is not None:
            payload["message_reference"] = message.message_reference
        if message.interaction_id is not None:
            interaction = self.interactions[message.interaction_id]
            payload["webhook_id"] = str(self.app_id)
            payload["application_id"] = str(self.app_id)
            if interaction.type == INTERACTION_COMMAND:
                payload["type"] = 20
            payload["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self.user_payload(interaction.user_id),
                "authorizing_integration_owners": {},
            }
        return payload

    def _attachments(self, body: JSON, files: list[RecordedFile], keep: list[JSON]) -> list[JSON]:
        """Turn multipart files plus ``attachments`` references into stored attachment objects."""
        by_field = {f.field: f for f in files}
        known = {a["id"]: a for a in keep}
        result: list[JSON] = []
        declared = body.get("attachments")
        if declared is None:
            declared = [{"id": i} for i in range(len(files))]
        for ref in declared:
            ref_id = str(ref.get("id"))
            if ref_id in known:
                result.append(known[ref_id])
                continue
            upload = by_field.get(f"files[{ref_id}]")
            if upload is None:
                continue
            attachment_id = self.next_id()
            filename = ref.get("filename") or upload.filename or f"file{ref_id}"
            url = f"{self.http_base_url}/attachments/{attachment_id}/{filename}"
            result.append(
                {
                    "id": str(attachment_id),
                    "filename": filename,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": upload.content_type,
                    "description": ref.get("description"),
                }
            )
        return result

    def _new_message(
        self,
        req: RecordedRequest,
        body: JSON,
        *,
        channel_id: int,
        guild_id: int | None,
        interaction_id: int | None = None,
        extra_flags: int = 0,
    ) -> FakeMessage:
        message = FakeMessage(
            id=self.next_id(),
            channel_id=channel_id,
            author_id=self.bot_user_id,
            content=body.get("content") or "",
            embeds=list(body.get("embeds") or []),
            components=list(body.get("components") or []),
            allowed_mentions=body.get("allowed_mentions"),
            attachments=self._attachments(body, req.files, []),
            files=list(req.files),
            flags=int(body.get("flags") or 0) | extra_flags,
            guild_id=guild_id,
            interaction_id=interaction_id,
            message_reference=body.get("message_reference"),
        )
        self._stored[message.id] = message
        return message

    def _edit_message(self, message: FakeMessage, req: RecordedRequest, body: JSON) -> None:
        message.edits.append(body)
        if "content" in body:
            message.content = body["content"] or ""
        if "embeds" in body:
            message.embeds = list(body["embeds"] or [])
        if "components" in body:
            message.components = list(body["components"] or [])
        if "allowed_mentions" in body:
            message.allowed_mentions = body["allowed_mentions"]
        if "flags" in body and body["flags"] is not None:
            message.flags = int(body["flags"])
        if "attachments" in body or req.files:
            message.attachments = self._attachments(body, req.files, message.attachments)
            message.files += req.files
        message.flags &= ~FLAG_LOADING
        message.edited_at = _now_iso()

    def _channel_guild(self, channel_id: int) -> int | None:
        for guild in self.guilds.values():
            if channel_id in guild.channel_map():
                return guild.id
        return None

    def _channel_known(self, channel_id: int) -> bool:
        in_guild = self._channel_guild(channel_id) is not None
        return in_guild or channel_id in self._dm_channels.values()

    # ================================================================= internals: REST

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], _Handler]]:
        app = r"(\d+)"
        hook = r"/webhooks/(\d+)/([^/]+)"
        table: list[tuple[str, str, _Handler]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/users/(\d+)", self._get_user),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("PUT", rf"/applications/{app}/commands", self._put_commands),
            ("GET", rf"/applications/{app}/commands", self._get_commands),
            ("PUT", rf"/applications/{app}/guilds/(\d+)/commands", self._put_commands),
            ("GET", rf"/applications/{app}/guilds/(\d+)/commands", self._get_commands),
            ("POST", r"/users/@me/channels", self._create_dm),
            ("GET", r"/channels/(\d+)", self._get_channel),
            ("POST", r"/channels/(\d+)/messages", self._post_message),
            ("GET", r"/channels/(\d+)/messages/(\d+)", self._get_message),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self._patch_message),
            ("DELETE", r"/channels/(\d+)/messages/(\d+)", self._delete_message),
            ("POST", r"/channels/(\d+)/typing", self._no_content),
            ("PUT", r"/channels/(\d+)/messages/(\d+)/reactions/[^/]+/@me", self._no_content),
            ("DELETE", r"/channels/(\d+)/messages/(\d+)/reactions/[^/]+/@me", self._no_content),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._interaction_callback),
            ("POST", hook, self._post_followup),
            ("GET", hook + r"/messages/(@original|\d+)", self._get_webhook_message),
            ("PATCH", hook + r"/messages/(@original|\d+)", self._patch_webhook_message),
            ("DELETE", hook + r"/messages/(@original|\d+)", self._delete_webhook_message),
        ]
        return [(method, re.compile(pattern), handler) for method, pattern, handler in table]

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        parsed: Any = None
        files: list[RecordedFile] = []
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("multipart/"):
            parsed, files = _parse_multipart(content_type, body)
        elif body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        req = RecordedRequest(
            index=len(self._requests.items),
            method=request.method,
            path=request.path.removeprefix(API_PREFIX),
            query=dict(request.query),
            headers=dict(request.headers),
            json=parsed,
            body=body,
            files=files,
        )
        self._requests.items.append(req)
        try:
            response = self._injected_failure(req) or await self._route(req)
        except _ApiError as error:
            response = error.response()
        req.status = response.status
        self._requests.settle(req)
        return response

    def _injected_failure(self, req: RecordedRequest) -> web.Response | None:
        for rule in self._failures:
            if rule.method == req.method and rule.pattern.fullmatch(req.path):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._failures.remove(rule)
                return _failure_response(rule)
        return None

    async def _route(self, req: RecordedRequest) -> web.Response:
        webhook_call = req.path.startswith(("/interactions/", "/webhooks/"))
        authorised = req.headers.get("Authorization") == f"Bot {self.token}"
        if self.token is not None and not webhook_call and not authorised:
            raise _ApiError(401, 0, "401: Unauthorized")
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(req.path)
            if match and method == req.method:
                result: web.Response = await handler(req, match)
                return result
        raise _ApiError(404, 0, "404: Not Found")

    async def _attachment(self, request: web.Request) -> web.Response:
        attachment_id = request.match_info["attachment_id"]
        for message in self._stored.values():
            for attachment, upload in zip(message.attachments, message.files, strict=False):
                if attachment["id"] == attachment_id:
                    return web.Response(body=upload.data)
        return web.Response(status=404)

    # --- handlers (each takes the recorded request and the route match)

    async def _get_me(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        user = self.user_payload(self.bot_user_id)
        return _json({**user, "verified": True, "mfa_enabled": False, "flags": 0})

    async def _get_user(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json(self.user_payload(int(m[1])))

    async def _get_application(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json(
            {
                "id": str(self.app_id),
                "name": self.bot_name,
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": self.user_payload(self.bot_user_id),
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "interactions_endpoint_url": None,
                "bot": self.user_payload(self.bot_user_id),
            }
        )

    async def _get_gateway(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": self.shards, "session_start_limit": limit})

    async def _put_commands(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        if int(m[1]) != self.app_id:
            raise _ApiError(403, 50001, "Missing Access")
        guild_id = int(m[2]) if m.lastindex and m.lastindex >= 2 else None
        if not isinstance(req.json, list):
            raise _ApiError(400, 50035, "Invalid Form Body")
        previous = {c["name"]: c["id"] for c in self._commands.get(guild_id, [])}
        stored: list[JSON] = []
        for command in req.json:
            entry: JSON = {
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **command,
                "id": previous.get(command["name"], str(self.next_id())),
                "application_id": str(self.app_id),
                "version": str(self.next_id()),
            }
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            stored.append(entry)
        self._commands[guild_id] = stored
        return _json(stored)

    async def _get_commands(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        guild_id = int(m[2]) if m.lastindex and m.lastindex >= 2 else None
        return _json(self._commands.get(guild_id, []))

    async def _create_dm(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        recipient = int((req.json or {}).get("recipient_id", 0))
        if not recipient:
            raise _ApiError(400, 50035, "Invalid Form Body")
        return _json(self._channel_payload(self.dm_channel_id(recipient), None))

    async def _get_channel(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        channel_id = int(m[1])
        if not self._channel_known(channel_id):
            raise _ApiError(404, 10003, "Unknown Channel")
        return _json(self._channel_payload(channel_id, self._channel_guild(channel_id)))

    async def _post_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        channel_id = int(m[1])
        if not self._channel_known(channel_id):
            raise _ApiError(404, 10003, "Unknown Channel")
        body = _body(req)
        _validate_message(body, req.files)
        nonce = body.get("nonce")
        if body.get("enforce_nonce") and nonce is not None:
            # Discord: the same author and nonce within a few minutes returns that message.
            earlier = self._nonces.get((channel_id, str(nonce)))
            if earlier is not None:
                return _json(self._message_payload(self._stored[earlier]))
        message = self._new_message(
            req, body, channel_id=channel_id, guild_id=self._channel_guild(channel_id)
        )
        if body.get("enforce_nonce") and nonce is not None:
            self._nonces[(channel_id, str(nonce))] = message.id
        return _json(self._message_payload(message))

    def _channel_message(self, m: re.Match[str]) -> FakeMessage:
        message = self._stored.get(int(m[2]))
        if message is None or message.deleted or message.channel_id != int(m[1]):
            raise _ApiError(404, 10008, "Unknown Message")
        return message

    async def _get_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json(self._message_payload(self._channel_message(m)))

    async def _patch_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self._channel_message(m)
        if message.author_id != self.bot_user_id:
            raise _ApiError(403, 50005, "Cannot edit a message authored by another user")
        body = _body(req)
        _validate_message(body, req.files, allow_empty=True)
        self._edit_message(message, req, body)
        return _json(self._message_payload(message))

    async def _delete_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        self._channel_message(m).deleted = True
        return web.Response(status=204)

    async def _no_content(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return web.Response(status=204)

    async def _interaction_callback(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        interaction = self.interactions.get(int(m[1]))
        if interaction is None or interaction.token != m[2] or self._expired(interaction):
            raise _ApiError(404, 10062, "Unknown interaction")
        if interaction.responded:
            raise _ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = _body(req)
        callback_type = int(body.get("type", 0))
        if callback_type not in _ALLOWED_CALLBACKS.get(interaction.type, set()):
            raise _ApiError(400, 50035, f"Invalid callback type {callback_type} for interaction")
        data: JSON = body.get("data") or {}
        if callback_type == CALLBACK_MESSAGE:
            _validate_message(data, req.files)
        interaction.responded = True
        self._responses.append(
            InteractionResponse(interaction.id, interaction.token, callback_type, data, req.files)
        )
        resource: JSON = {"type": callback_type}
        message: FakeMessage | None = None
        if callback_type in (CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE):
            loading = FLAG_LOADING if callback_type == CALLBACK_DEFERRED_MESSAGE else 0
            message = self._new_message(
                req,
                data,
                channel_id=interaction.channel_id,
                guild_id=interaction.guild_id,
                interaction_id=interaction.id,
                extra_flags=loading,
            )
        elif callback_type in (CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE):
            message = self._stored.get(interaction.component_message_id or 0)
            if message is not None and callback_type == CALLBACK_UPDATE_MESSAGE:
                self._edit_message(message, req, data)
        if message is not None:
            interaction.original_message_id = message.id
            if callback_type != CALLBACK_DEFERRED_UPDATE:
                resource["message"] = self._message_payload(message)
        summary: JSON = {"id": str(interaction.id), "type": interaction.type}
        if message is not None:
            summary["response_message_id"] = str(message.id)
            summary["response_message_loading"] = callback_type == CALLBACK_DEFERRED_MESSAGE
            summary["response_message_ephemeral"] = message.ephemeral
        return _json({"interaction": summary, "resource": resource})

    def _expired(self, interaction: FakeInteraction) -> bool:
        if self.interaction_timeout is None:
            return False
        return time.monotonic() - interaction.created_at > self.interaction_timeout

    def _webhook_interaction(self, m: re.Match[str]) -> FakeInteraction:
        if int(m[1]) != self.app_id:
            raise _ApiError(404, 10015, "Unknown Webhook")
        for interaction in self.interactions.values():
            if interaction.token == m[2] and interaction.responded:
                return interaction
        raise _ApiError(404, 10015, "Unknown Webhook")

    def _webhook_message(self, m: re.Match[str]) -> FakeMessage:
        interaction = self._webhook_interaction(m)
        target = m[3]
        message_id = interaction.original_message_id if target == "@original" else int(target)
        message = self._stored.get(message_id or 0)
        if message is None or message.deleted:
            raise _ApiError(404, 10008, "Unknown Message")
        return message

    async def _post_followup(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        interaction = self._webhook_interaction(m)
        body = _body(req)
        _validate_message(body, req.files)
        message = self._new_message(
            req,
            body,
            channel_id=interaction.channel_id,
            guild_id=interaction.guild_id,
            interaction_id=interaction.id,
        )
        if req.query.get("wait") in ("1", "true", "True"):
            return _json(self._message_payload(message))
        return web.Response(status=204)

    async def _get_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return _json(self._message_payload(self._webhook_message(m)))

    async def _patch_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self._webhook_message(m)
        body = _body(req)
        _validate_message(body, req.files, allow_empty=True)
        self._edit_message(message, req, body)
        return _json(self._message_payload(message))

    async def _delete_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        self._webhook_message(m).deleted = True
        return web.Response(status=204)


# ===================================================================== helpers


class _ApiError(Exception):
    """A Discord-style JSON error answer."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> web.Response:
        return _json({"code": self.code, "message": self.message}, status=self.status)


def _json(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json`` (no charset)."""
    response = web.Response(status=status, body=json.dumps(data).encode(), headers=headers)
    response.headers["Content-Type"] = "application/json"
    return response


_DEFAULT_ERRORS: dict[int, tuple[int, str]] = {
    400: (50035, "Invalid Form Body"),
    401: (0, "401: Unauthorized"),
    403: (50013, "Missing Permissions"),
    404: (0, "404: Not Found"),
    500: (0, "500: Internal Server Error"),
    502: (0, "502: Bad Gateway"),
}


def _failure_response(rule: _FailureRule) -> web.Response:
    if rule.status == 429:
        headers = {
            "Retry-After": str(max(1, round(rule.retry_after))),
            "X-RateLimit-Scope": "global" if rule.global_ else "user",
        }
        if rule.via:
            headers["Via"] = "1.1 google"
        if rule.global_:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": rule.message or "You are being rate limited.",
            "retry_after": rule.retry_after,
            "global": rule.global_,
            "code": rule.code or 0,
        }
        return _json(body, status=429, headers=headers)
    code, message = _DEFAULT_ERRORS.get(rule.status, (0, f"{rule.status}: Error"))
    if rule.code is not None:
        code = rule.code
    body = {"code": code, "message": rule.message or message}
    return _json(body, status=rule.status)


def _body(req: RecordedRequest) -> JSON:
    return req.json if isinstance(req.json, dict) else {}


def _validate_message(body: JSON, files: list[RecordedFile], *, allow_empty: bool = False) -> None:
    """Reject what Discord rejects: empty messages, over-long content, too many embeds."""
    content = body.get("content") or ""
    if len(content) > MAX_CONTENT:
        raise _ApiError(400, 50035, f"content: Must be {MAX_CONTENT} or fewer in length.")
    if len(body.get("embeds") or []) > MAX_EMBEDS:
        raise _ApiError(400, 50035, f"embeds: Must be {MAX_EMBEDS} or fewer in length.")
    has_anything = any(body.get(k) for k in ("content", "embeds", "components", "sticker_ids"))
    if not allow_empty and not has_anything and not files and "poll" not in body:
        raise _ApiError(400, 50006, "Cannot send an empty message")


def _parse_multipart(content_type: str, body: bytes) -> tuple[Any, list[RecordedFile]]:
    """Split a multipart/form-data body into ``payload_json`` and file parts."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    payload: Any = None
    files: list[RecordedFile] = []
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        raw = data if isinstance(data, bytes) else b""
        if name == "payload_json":
            payload = json.loads(raw)
        else:
            files.append(
                RecordedFile(
                    field=str(name),
                    filename=part.get_filename(),
                    content_type=part.get_content_type(),
                    data=raw,
                )
            )
    return payload, files


def _python_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


def _snowflake_time(snowflake: int) -> str:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, UTC).isoformat()
