"""Staffroom on Telegram: a DM conversation with the bot, commands from the registry, inline
buttons, forms asked one question at a time, deep-link onboarding; polling or webhook. See
``create_platform``."""

from __future__ import annotations

from adapters.telegram.messenger import TelegramMessenger
from adapters.telegram.onboarding import deep_link, telegram_link
from adapters.telegram.platform import TelegramNotConfigured, TelegramPlatform
from adapters.telegram.render import TelegramMessage, render
from core.app import Staffroom

__all__ = [
    "TelegramMessage",
    "TelegramMessenger",
    "TelegramNotConfigured",
    "TelegramPlatform",
    "create_platform",
    "deep_link",
    "render",
    "telegram_link",
]


def create_platform(
    app: Staffroom, *, serve_http: bool = True, receive: bool = True
) -> TelegramPlatform:
    """The Telegram platform for ``app`` (token and endpoints from ``app.settings.telegram``).

    ``receive=False`` builds only what sending needs (for a delivery worker).
    """
    return TelegramPlatform(app, serve_http=serve_http, receive=receive)
