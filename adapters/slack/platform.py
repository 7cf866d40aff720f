"""The Slack platform object: a Bolt app in the shared asyncio loop, in Socket Mode or HTTP mode,
for one workspace (a configured bot token) or for every workspace that installs it by OAuth."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.errors import PlatformNotConfigured
from adapters.slack.endpoint import SlackHttpEndpoint
from adapters.slack.inbound import SlackInbound
from adapters.slack.installations import (
    InstalledWorkspaces,
    SlackInstallationStore,
    WorkspaceTokens,
)
from adapters.slack.messenger import OneWorkspace, SlackMessenger, WorkspaceClients
from adapters.slack.oauth import AllowedTeams, build_oauth_flow
from core.app import Staffroom
from core.config import SlackSettings
from core.installations.sealing import TokenKeyError, TokenSeal

log = logging.getLogger("staffroom.slack")

RATE_LIMIT_RETRIES = 3
HEALTH_CACHE = timedelta(seconds=30)
"""How long one ``auth.test`` answers ``healthy()``: frequent probes do not each call Slack."""


class SlackNotConfigured(PlatformNotConfigured):
    """A token or secret the chosen mode needs is missing; the message names the variable."""


class SlackPlatform:
    """Staffroom on Slack. ``start()`` and ``stop()`` run inside an already running loop.

    In HTTP mode the endpoint is served on ``[server]`` host and port unless ``serve_http`` is
    False, in which case the caller mounts it on its own server with :meth:`add_routes`.
    """

    name = "slack"

    def __init__(self, app: Staffroom, *, serve_http: bool = True, receive: bool = True) -> None:
        settings = app.settings.slack
        self.app = app
        self.mode = settings.mode
        self.serve_http = serve_http
        self.receive = receive
        self.oauth = settings.install == "oauth"
        self.store: SlackInstallationStore | None = None
        # Two kinds of client, because a 429 means different things to each caller: a member
        # waiting for an answer is best served by riding out a short rate limit (the replies'
        # clients retry), while the delivery engine paces itself and must see 429 at once as
        # RetryAfter (the messenger's clients do not retry). Both messengers share one memory
        # of opened DM channels.
        retry: list[AsyncRetryHandler] = [
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
        ]
        flow: AsyncOAuthFlow | None = None
        replies_clients: WorkspaceClients
        if self.oauth:
            seal = _oauth_seal(settings, receive)
            # No token of its own: Bolt gives each request a client with its workspace's token.
            self.client = AsyncWebClient(base_url=settings.api_base_url, retry_handlers=retry)
            assert settings.client_id is not None and settings.client_secret is not None
            rotator = AsyncTokenRotator(
                client_id=settings.client_id.get_secret_value(),
                client_secret=settings.client_secret.get_secret_value(),
                client=AsyncWebClient(base_url=settings.api_base_url),
            )
            self.store = SlackInstallationStore(
                app, seal, rotator=rotator, refresh_minutes=settings.token_refresh_minutes
            )
            tokens = WorkspaceTokens(self.store, settings.allowed_teams)
            self.messenger = SlackMessenger(app, InstalledWorkspaces(tokens, settings.api_base_url))
            replies_clients = InstalledWorkspaces(tokens, settings.api_base_url, retry)
            flow = build_oauth_flow(app, self.store, AsyncWebClient(base_url=settings.api_base_url))
            self.bolt = AsyncApp(
                client=self.client,
                oauth_flow=flow,
                # Requests are verified by SlackHttpEndpoint on the raw body.
                request_verification_enabled=False,
                signing_secret="",
            )
            # Bolt's own app_uninstalled / tokens_revoked listeners call the store's deletes.
            self.bolt.enable_token_revocation_listeners()
            if settings.allowed_teams:
                self.bolt.middleware(AllowedTeams(app, settings.allowed_teams).check)
            self.bolt.middleware(self._remember_team)
        else:
            if settings.bot_token is None:
                raise SlackNotConfigured(
                    "set STAFFROOM_SLACK__BOT_TOKEN (xoxb-...) to run on Slack, or "
                    'slack.install = "oauth" for many workspaces'
                )
            token = settings.bot_token.get_secret_value()
            self.client = AsyncWebClient(
                token=token, base_url=settings.api_base_url, retry_handlers=retry
            )
            self.messenger = SlackMessenger(
                app, OneWorkspace(AsyncWebClient(token=token, base_url=settings.api_base_url))
            )
            replies_clients = OneWorkspace(self.client)
            self.bolt = AsyncApp(
                client=self.client,
                # HTTP requests are verified by SlackHttpEndpoint on the raw body; Socket Mode
                # needs none.
                request_verification_enabled=False,
                signing_secret="",
            )
        replies = SlackMessenger(app, replies_clients, dm_channels=self.messenger.dm_channels)
        self.inbound = SlackInbound(app, replies)
        self.inbound.register(self.bolt)
        self.endpoint: SlackHttpEndpoint | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self._health: tuple[datetime, bool] | None = None
        self._health_lock = asyncio.Lock()
        if not receive:
            return  # a delivery worker: the messenger alone, no events in
        if self.mode == "http":
            if settings.signing_secret is None:
                raise SlackNotConfigured("Slack HTTP mode needs STAFFROOM_SLACK__SIGNING_SECRET")
            self.endpoint = SlackHttpEndpoint(
                self.bolt,
                settings.signing_secret.get_secret_value(),
                settings.events_path,
                app,
                oauth_flow=flow,
            )
        elif settings.app_token is None:
            raise SlackNotConfigured(
                "Slack Socket Mode needs STAFFROOM_SLACK__APP_TOKEN (xapp-...), "
                'or set slack.mode = "http"'
            )

    async def _remember_team(self, context: AsyncBoltContext, next: Any) -> None:
        """Learn which Grid organisation a workspace belongs to, from its requests, so messages
        to its members find the organisation's install."""
        if self.store is not None and context.enterprise_id and context.team_id:
            await self.store.remember_team(context.team_id, context.enterprise_id)
        await next()

    def add_routes(self, web_app: web.Application) -> None:
        """Mount the HTTP-mode endpoint on an aiohttp application shared with other routes."""
        if self.endpoint is None:
            raise RuntimeError("the Slack endpoint exists only in HTTP mode")
        self.endpoint.add_routes(web_app)

    def web_app(self) -> web.Application:
        """An aiohttp application with the HTTP-mode endpoint (add /healthz etc. to it)."""
        if self.endpoint is None:
            raise RuntimeError("the Slack endpoint exists only in HTTP mode")
        return self.endpoint.web_app()

    async def start(self) -> None:
        """Connect (Socket Mode) or start serving (HTTP mode); returns once ready.

        With many workspaces, the allow-list is applied first (by a delivery worker too), so
        that nothing is delivered into a workspace it no longer names."""
        if self.store is not None:
            await self.store.apply_allow_list(self.app.settings.slack.allowed_teams)
        if not self.receive:
            return
        if self.endpoint is not None:
            if self.serve_http:
                server = self.app.settings.server
                self._runner = web.AppRunner(
                    self.web_app(), handle_signals=False, access_log=None, shutdown_timeout=2
                )
                await self._runner.setup()
                await web.TCPSite(self._runner, server.host, server.port).start()
                self.port = self._runner.addresses[0][1]
                log.info("slack: HTTP mode on %s:%s%s", server.host, self.port, self.endpoint.path)
            return
        app_token = self.app.settings.slack.app_token
        assert app_token is not None
        self._socket = AsyncSocketModeHandler(self.bolt, app_token=app_token.get_secret_value())
        await self._socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("slack: connected in Socket Mode")

    async def healthy(self) -> bool:
        """Whether Slack's Web API accepts our token (HTTP mode keeps no connection open to
        check). The answer, failing or not, is reused for ``HEALTH_CACHE``."""
        async with self._health_lock:  # probes at once share one call
            now = self.app.clock.now()
            if self._health is not None and now - self._health[0] < HEALTH_CACHE:
                return self._health[1]
            try:
                # With many workspaces there is no one token to test: that Slack answers is
                # what this process can know.
                probe = self.client.api_test if self.oauth else self.client.auth_test
                ok = bool((await probe()).get("ok"))
            except Exception as exc:  # reported as failing, and cached like any answer
                log.warning("slack: auth.test failed: %r", exc)
                ok = False
            self._health = (now, ok)
            return ok

    async def stop(self) -> None:
        """Disconnect and stop serving; safe to call more than once."""
        if self._socket is not None:
            socket, self._socket = self._socket, None
            await socket.close_async()  # type: ignore[no-untyped-call]
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


def create_platform(
    app: Staffroom, *, serve_http: bool = True, receive: bool = True
) -> SlackPlatform:
    """The Slack platform for ``app``, configured from ``app.settings.slack``.

    ``receive=False`` builds only what sending needs (for a delivery worker).
    """
    return SlackPlatform(app, serve_http=serve_http, receive=receive)


def _oauth_seal(settings: SlackSettings, receive: bool) -> TokenSeal:
    """The token seal for the oauth install, once its settings are complete."""
    if receive and settings.mode != "http":
        raise SlackNotConfigured(
            'slack.install = "oauth" needs slack.mode = "http": Slack sends installers back '
            "to this server's public address"
        )
    missing = [
        f"STAFFROOM_SLACK__{name.upper()}"
        for name in ("client_id", "client_secret", "token_key")
        if getattr(settings, name) is None
    ]
    if missing:
        raise SlackNotConfigured(f"the oauth install of Slack needs {', '.join(missing)}")
    assert settings.token_key is not None
    try:
        return TokenSeal(settings.token_key.get_secret_value())
    except TokenKeyError as error:
        raise SlackNotConfigured(f"STAFFROOM_SLACK__TOKEN_KEY: {error}") from None
