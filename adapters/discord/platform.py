"""The Discord platform object: a discord.py client running in the shared asyncio loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from adapters.discord.client import (
    ShardedStaffroomClient,
    StaffroomClient,
    configure_endpoints,
    make_client,
)
from adapters.discord.inbound import ANSWER_WITHIN, DiscordInbound
from adapters.discord.messenger import DiscordMessenger
from adapters.errors import PlatformNotConfigured
from core.app import Staffroom

log = logging.getLogger("staffroom.discord")

READY_WAIT = 30.0
"""Seconds ``start()`` waits for READY; after that the client keeps connecting in the background."""
STOP_WAIT = 5.0


class DiscordNotConfigured(PlatformNotConfigured):
    """The token is missing; the message names the variable to set."""


class DiscordPlatform:
    """Staffroom on Discord. ``start()`` and ``stop()`` run inside an already running loop;
    the command tree is never synced here (``staffroom discord sync`` does that)."""

    name = "discord"

    def __init__(
        self,
        app: Staffroom,
        *,
        answer_within: float = ANSWER_WITHIN,
        ready_wait: float = READY_WAIT,
        receive: bool = True,
        **client_options: Any,
    ) -> None:
        settings = app.settings.discord
        if settings.token is None:
            raise DiscordNotConfigured("set STAFFROOM_DISCORD__TOKEN to run on Discord")
        self.app = app
        self.ready_wait = ready_wait
        self.receive = receive
        self.inbound = DiscordInbound(app, answer_within=answer_within)
        self.client: StaffroomClient | ShardedStaffroomClient = make_client(
            app, self.inbound, **client_options
        )
        self.messenger = DiscordMessenger(app, self.client)
        self._runner: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in and connect; returns once READY (or after ``ready_wait``, still connecting).

        A refused token raises here (``discord.LoginFailure``); a start that fails closes what it
        opened (the caller stops only platforms that started)."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        settings = self.app.settings.discord
        assert settings.token is not None
        configure_endpoints(settings)
        await self.client.login(settings.token.get_secret_value())
        if not self.receive:
            return  # a delivery worker: REST only, no gateway connection
        self._runner = asyncio.create_task(self.client.connect(reconnect=True))
        ready = asyncio.ensure_future(self.client.wait_until_ready())
        done, _pending = await asyncio.wait(
            {ready, self._runner}, timeout=self.ready_wait, return_when=asyncio.FIRST_COMPLETED
        )
        if self._runner in done:
            ready.cancel()
            self._runner.result()  # the connection ended before READY: raise why
            raise ConnectionError("the Discord gateway closed before READY")
        if ready not in done:
            ready.cancel()
            log.warning("discord: no READY within %ss; still connecting", self.ready_wait)
            return
        log.info(
            "discord: connected as %s (application %s)",
            self.client.user,
            self.client.application_id,
        )

    async def healthy(self) -> bool:
        """Whether the gateway connection is open and READY."""
        return not self.client.is_closed() and self.client.is_ready()

    async def stop(self) -> None:
        """Close the gateway and HTTP session; safe to call more than once, and after the
        gateway connection failed."""
        try:
            await self.client.close()
        except Exception:
            log.exception("discord: closing the client failed")
        finally:
            # close() stops the heartbeat thread only of a socket it still sees open; one left
            # running outlives the event loop and fails with "Event loop is closed".
            _stop_heartbeat(self.client)
            runner, self._runner = self._runner, None
            if runner is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(runner, STOP_WAIT)


def _stop_heartbeat(client: StaffroomClient | ShardedStaffroomClient) -> None:
    """Stop the heartbeat of the client's last gateway socket, if one is still beating."""
    socket = getattr(client, "ws", None)
    keep_alive = getattr(socket, "_keep_alive", None)
    if keep_alive is not None:
        keep_alive.stop()


def create_platform(
    app: Staffroom, *, serve_http: bool = True, receive: bool = True, **options: Any
) -> DiscordPlatform:
    """The Discord platform for ``app`` (token and endpoints from ``app.settings.discord``).

    Discord needs no HTTP server of ours (``serve_http`` is accepted like every adapter's);
    ``receive=False`` builds only what sending needs (for a delivery worker).
    """
    return DiscordPlatform(app, receive=receive, **options)
