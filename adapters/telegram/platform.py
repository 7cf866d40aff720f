"""The Telegram platform: a python-telegram-bot Application inside Staffroom's event loop."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.errors import PlatformNotConfigured
from adapters.telegram.inbound import CaptionedFileHandler, Inbound, SlashCommandHandler
from adapters.telegram.menu import publish_commands
from adapters.telegram.messenger import PLATFORM, TelegramMessenger
from adapters.telegram.webhook import WebhookReceiver, add_webhook_route
from core.app import Staffroom
from core.i18n import set_language

log = logging.getLogger("staffroom.telegram")

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
POLL_TIMEOUT_SECONDS = 25
GROUP_MESSAGES_PER_MINUTE = 20
"""Telegram's documented limit per group chat."""
RATE_LIMIT_RETRIES = 2
"""How often the rate limiter waits out a 429 itself before the caller sees RetryAfter."""
CONCURRENT_UPDATES = 16
"""Updates handled at once (one chat's updates still one at a time, in order: see ``Inbound``)."""

TelegramApplication = Application[Any, Any, Any, Any, Any, Any]


class TelegramNotConfigured(PlatformNotConfigured):
    """Telegram's settings are missing or contradictory."""


class TelegramPlatform:
    """Starts and stops the bot; ``messenger`` sends scheduled messages through it.

    Polling by default. In webhook mode, Telegram is told our public URL and secret at start; the
    route is served on Staffroom's HTTP server: its own (``settings.server``) unless
    ``serve_http`` is False, in which case mount it with :meth:`add_routes` on a shared one.
    """

    name = PLATFORM

    def __init__(self, app: Staffroom, *, serve_http: bool = True, receive: bool = True) -> None:
        settings = app.settings.telegram
        if settings.token is None:
            raise TelegramNotConfigured(
                "telegram.token is not set: set the environment variable STAFFROOM_TELEGRAM__TOKEN"
            )
        token = settings.token.get_secret_value()
        self.app = app
        self.mode = settings.mode
        self.serve_webhook = serve_http
        self.receive = receive
        # The bot's id is the token's prefix: the tenant of every Telegram account of this bot.
        self.tenant = token.split(":", 1)[0]
        limiter = AIORateLimiter(
            overall_max_rate=app.settings.delivery.telegram_per_second,
            group_max_rate=GROUP_MESSAGES_PER_MINUTE,
            max_retries=RATE_LIMIT_RETRIES,
        )
        builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = ApplicationBuilder()
        builder = (
            builder.token(token)
            .base_url(settings.api_base_url)
            .base_file_url(settings.file_base_url)
            .rate_limiter(limiter)
            .concurrent_updates(CONCURRENT_UPDATES)
        )
        if not receive:
            builder = builder.updater(None)  # a delivery worker: sending only
        elif self.mode == "webhook":
            secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
            if not settings.webhook_url or not secret:
                raise TelegramNotConfigured(
                    "telegram.mode is webhook, so telegram.webhook_url and the environment "
                    "variable STAFFROOM_TELEGRAM__WEBHOOK_SECRET must both be set"
                )
            builder = builder.updater(None)
        self.application: TelegramApplication = builder.build()
        self.inbound = Inbound(app, self.tenant)
        self.application.add_handler(SlashCommandHandler(self.inbound))
        self.application.add_handler(CaptionedFileHandler(self.inbound))
        self.application.add_handler(
            MessageHandler(filters.TEXT & ~filters.COMMAND, self.inbound.on_message)
        )
        self.application.add_handler(CallbackQueryHandler(self.inbound.on_callback))
        self.application.add_error_handler(_log_error)
        self.messenger = TelegramMessenger(self.application.bot, app, self.tenant)
        self.receiver = (
            WebhookReceiver(self.application, secret, app, self.tenant)
            if receive and self.mode == "webhook"
            else None
        )
        self._runner: web.AppRunner | None = None

    @property
    def bot_username(self) -> str:
        """The bot's @username (known once started)."""
        return str(self.application.bot.username)

    def add_routes(self, web_app: web.Application) -> None:
        """Mount the webhook route (``telegram.webhook_path``) on a shared aiohttp app."""
        if self.receiver is None:
            raise RuntimeError("telegram.mode is polling: there is no webhook route to mount")
        add_webhook_route(web_app, self.app.settings.telegram.webhook_path, self.receiver)

    @property
    def webhook_port(self) -> int | None:
        """The port our own webhook server listens on (useful when configured as 0)."""
        if self._runner is None or not self._runner.addresses:
            return None
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        """Connect (getMe), publish the command menu, then poll or register the webhook."""
        await self.application.initialize()
        if not self.receive:
            return
        set_language(self.app.settings.staffroom.language)
        try:
            await publish_commands(self.application.bot, self.app.registry)
        except TelegramError as exc:
            # The menu is a convenience: typed commands work without it.
            log.warning("could not publish the Telegram command menu: %s", exc)
        await self.application.start()
        if self.receiver is None:
            assert self.application.updater is not None
            await self.application.updater.start_polling(
                poll_interval=0,
                timeout=POLL_TIMEOUT_SECONDS,
                allowed_updates=ALLOWED_UPDATES,
            )
            return
        settings = self.app.settings
        if self.serve_webhook:
            web_app = web.Application()
            self.add_routes(web_app)
            self._runner = web.AppRunner(web_app, handle_signals=False, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, settings.server.host, settings.server.port).start()
        assert settings.telegram.webhook_url and settings.telegram.webhook_secret
        await self.application.bot.set_webhook(
            url=settings.telegram.webhook_url,
            secret_token=settings.telegram.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )

    async def healthy(self) -> bool:
        """Whether the application runs and, when polling, so does its updater."""
        updater = self.application.updater
        return self.application.running and (updater is None or updater.running)

    async def stop(self) -> None:
        """Stop receiving, finish the update in hand, close connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("telegram update failed", exc_info=context.error)
