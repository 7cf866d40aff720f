"""Telegram webhook mode on Staffroom's own aiohttp server.

Telegram posts each update as JSON with the secret token we registered in the
``X-Telegram-Bot-Api-Secret-Token`` header. A request without the right token is refused with 403
before anything is read into the bot; a retried update (same ``update_id``) is handled once.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from datetime import timedelta

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from core.app import Staffroom

log = logging.getLogger("staffroom.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATE_TTL = timedelta(hours=24)
"""How long an update id is remembered: Telegram keeps an undelivered update for 24 hours."""


class WebhookReceiver:
    """Checks the secret, drops repeats and feeds updates to the PTB application's queue."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        secret: str,
        app: Staffroom,
        tenant: str,
    ) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self.application = application
        self._secret = secret.encode()
        self.app = app
        self.tenant = tenant

    def authentic(self, request: web.Request) -> bool:
        """Whether the request carries our secret token (compared in constant time)."""
        # Headers that are not valid UTF-8 arrive with surrogates: never an error, just wrong.
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        return hmac.compare_digest(given, self._secret)

    async def handle(self, request: web.Request) -> web.Response:
        """The aiohttp handler for Telegram's POST."""
        if not self.authentic(request):
            log.warning("telegram webhook: refused a request with a wrong or missing secret")
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="the body is not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="the body is not a Telegram update")
        update_id = data["update_id"]
        try:
            update = Update.de_json(data, self.application.bot)
        except (TypeError, ValueError, KeyError, AttributeError):
            # A body shaped like no Telegram update (wrong types inside): refuse it with a
            # 4xx rather than fail with a 500, which Telegram would keep retrying.
            log.warning("telegram webhook: refused update %s of the wrong shape", update_id)
            return web.Response(status=400, text="the body is not a Telegram update")
        key = f"{self.tenant}:{update_id}"
        # Taken in the database, so a retry that reaches another front-end is dropped there.
        if not await asyncio.to_thread(self.app.first_time, "telegram.update", key, UPDATE_TTL):
            return web.Response(status=200)
        try:
            await self.application.update_queue.put(update)
        except BaseException:
            # Not queued after all: Telegram's retry must be taken, not dropped as a repeat.
            await asyncio.to_thread(self.app.forget, "telegram.update", key)
            raise
        return web.Response(status=200)


def add_webhook_route(web_app: web.Application, path: str, receiver: WebhookReceiver) -> None:
    """Mount the webhook at ``path`` (``telegram.webhook_path``) on a shared aiohttp app."""
    web_app.router.add_post(path, receiver.handle)
