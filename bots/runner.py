"""``staffroom run`` and ``staffroom worker``: every configured platform, the delivery service and
the ops server in one asyncio loop, with a graceful stop on SIGINT/SIGTERM.

Stopping is ordered so nothing is lost or sent twice: the delivery service first finishes the
sends in flight (on still-open platform connections) and hands back the rows it holds, then the
platforms stop taking events (in-flight commands finish) and close, then the HTTP server closes and
the database pool is released. Each step is bounded in time.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Protocol

from adapters.errors import PlatformNotConfigured
from core.app import Staffroom
from core.delivery.ports import Messenger

log = logging.getLogger("staffroom.run")

ADAPTERS = {
    "slack": "adapters.slack",
    "telegram": "adapters.telegram",
    "discord": "adapters.discord",
}
STOP_TIMEOUT_SECONDS = 20.0


class Platform(Protocol):
    """What every platform adapter's ``create_platform(app, ...)`` returns."""

    name: str
    messenger: Messenger

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def healthy(self) -> bool:
        """The /healthz check of this platform's connection, in the platform's own terms."""
        ...


class PlatformUnavailable(Exception):
    """A platform was asked for that is not configured or whose settings are incomplete."""


def _needs_http(app: Staffroom, name: str) -> bool:
    settings = app.settings
    return (name == "slack" and settings.slack.mode == "http") or (
        name == "telegram" and settings.telegram.mode == "webhook"
    )


def create_platforms(
    app: Staffroom, names: Iterable[str], *, receive: bool, shared_http: bool
) -> list[Platform]:
    """Build the platform objects; with ``shared_http`` their HTTP routes go on the ops server."""
    platforms: list[Platform] = []
    for name in names:
        module = importlib.import_module(ADAPTERS[name])
        try:
            platforms.append(
                module.create_platform(app, receive=receive, serve_http=not shared_http)
            )
        except PlatformNotConfigured as exc:  # each adapter names the missing setting
            raise PlatformUnavailable(f"{name}: {exc}") from exc
    return platforms


@dataclass
class Runner:
    """One Staffroom process: which platforms, whether it plans and delivers, whether it serves
    HTTP (Slack HTTP mode, Telegram webhooks, /healthz, /metrics)."""

    app: Staffroom
    platforms: Sequence[str]
    scheduler: bool = True
    receive: bool = True
    extra_messengers: dict[str, Messenger] = field(default_factory=dict)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    http_port: int | None = None

    def __post_init__(self) -> None:
        self._platforms: list[Platform] = []
        self._ops: Any = None
        self._delivery: Any = None

    @property
    def serves_http(self) -> bool:
        return self.receive and any(_needs_http(self.app, name) for name in self.platforms)

    async def start(self) -> None:
        from bots.ops import OpsServer
        from bots.scheduler import DeliveryService

        self._platforms = create_platforms(
            self.app, self.platforms, receive=self.receive, shared_http=self.serves_http
        )
        # A front-end always serves /healthz and /metrics (a container's health check, a load
        # balancer), whether or not a platform needs HTTP for its events.
        if self.serves_http or (self.receive and self.platforms):
            server = self.app.settings.server
            port = self.http_port if self.http_port is not None else server.port
            token = server.metrics_token.get_secret_value() if server.metrics_token else None
            self._ops = OpsServer(
                self.app,
                server.host,
                port,
                metrics_token=token,
                metrics_cache_seconds=server.metrics_cache_seconds,
            )
            for platform in self._platforms:
                add_routes = getattr(platform, "add_routes", None)
                if add_routes is not None and _needs_http(self.app, platform.name):
                    add_routes(self._ops.web_app)
                self._ops.add_check(platform.name, platform.healthy)
        started: list[Platform] = []
        try:
            if self._ops is not None:
                # Listening before the platforms start: Telegram's setWebhook at start may be
                # followed by an update straight away.
                await self._ops.start()
            for platform in self._platforms:
                await platform.start()
                started.append(platform)
                log.info("platform started", extra={"platform": platform.name})
            if self.scheduler:
                messengers = {p.name: p.messenger for p in self._platforms}
                messengers.update(self.extra_messengers)
                self._delivery = DeliveryService(self.app, messengers)
                self._delivery.start()
        except BaseException:
            for platform in reversed(started):
                with suppress(Exception):
                    await platform.stop()
            if self._ops is not None:
                await self._ops.stop()
            raise

    async def stop(self) -> None:
        """Stop in order, each step bounded: new HTTP events, delivery, platforms, HTTP, database.

        Platform events arriving over HTTP get 503 from the start (the platform retries them),
        so none is acknowledged and then dropped. Delivery stops before the platforms because
        its sends in flight ride on the platforms' connections: closing a platform under them
        fails sends that may already have reached the platform, and those would be sent again
        after a restart."""
        if self._ops is not None:
            self._ops.drain()
        if self._delivery is not None:
            try:
                await asyncio.wait_for(self._delivery.stop(), STOP_TIMEOUT_SECONDS)
            except Exception:
                log.exception("delivery service did not stop cleanly")
        for platform in reversed(self._platforms):
            try:
                await asyncio.wait_for(platform.stop(), STOP_TIMEOUT_SECONDS)
            except Exception:
                log.exception("platform did not stop cleanly", extra={"platform": platform.name})
        if self._ops is not None:
            await self._ops.stop()
        await asyncio.to_thread(self.app.engine.dispose)

    @property
    def delivery(self) -> Any:
        """The running DeliveryService, if this process plans and delivers."""
        return self._delivery

    @property
    def http_bound_port(self) -> int | None:
        return self._ops.bound_port if self._ops is not None else None

    async def run_until_signalled(self) -> None:
        """Start, wait for SIGINT/SIGTERM (or ``stopping``), then stop gracefully."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stopping.set)
        try:
            await self.start()
            log.info("staffroom running", extra={"platforms": list(self.platforms)})
            await self.stopping.wait()
            log.info("stopping")
        finally:
            await self.stop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)


def choose_platforms(app: Staffroom, only: Sequence[str] | None) -> list[str]:
    """The configured platforms, narrowed by ``--only``; asking for an unconfigured one fails."""
    configured = app.settings.platforms()
    if not only:
        return configured
    unknown = [name for name in only if name not in ADAPTERS]
    if unknown:
        raise PlatformUnavailable(
            f"{', '.join(unknown)}: not a platform Staffroom runs on; choose from "
            f"{', '.join(ADAPTERS)}"
        )
    missing = [name for name in only if name not in configured]
    if missing:
        raise PlatformUnavailable(
            f"{', '.join(missing)} has no credentials configured (set "
            + ", ".join(_credentials(app, m) for m in missing)
            + ")"
        )
    return [name for name in configured if name in only]


def _credentials(app: Staffroom, platform: str) -> str:
    """The settings that make ``platform`` configured, as environment variables."""
    if platform != "slack":
        return f"STAFFROOM_{platform.upper()}__TOKEN"
    if app.settings.slack.install == "oauth":
        # Many workspaces: no bot token of its own; each workspace's comes from its install.
        return (
            "STAFFROOM_SLACK__CLIENT_ID, STAFFROOM_SLACK__CLIENT_SECRET and "
            "STAFFROOM_SLACK__TOKEN_KEY"
        )
    return "STAFFROOM_SLACK__BOT_TOKEN"
