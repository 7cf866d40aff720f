"""Telegram webhook mode on Staffroom's own aiohttp server.

Telegram posts each update as JSON with the secret token we registered in the
``X-Telegram-Bot-Api-Secret-Token`` header. A request without the right token is refused with 403
before anything is read into the bot; a retried update (same ``update_id``) is handled once.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections import OrderedDict

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger("staffroom.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REMEMBERED_UPDATES = 2048
"""How many recent update ids are kept to drop Telegram's retries of an update."""


class WebhookReceiver:
    """Checks the secret, drops repeats and feeds updates to the PTB application's queue."""

    def __init__(self, application: Application, secret: str) -> None:  # type: ignore[type-arg]
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self.application = application
        self._secret = secret.encode()
        self._seen: OrderedDict[int, None] = OrderedDict()

    def authentic(self, request: web.Request) -> bool:
        """Whether the request carries our secret token (compared in constant time)."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        return hmac.compare_digest(given, self._secret)

    def first_time(self, update_id: int) -> bool:
        """Remember ``update_id``; False if it was seen recently (a retry by Telegram)."""
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        while len(self._seen) > REMEMBERED_UPDATES:
            self._seen.popitem(last=False)
        return True

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
        if self.first_time(data["update_id"]):
            update = Update.de_json(data, self.application.bot)
            await self.application.update_queue.put(update)
        return web.Response(status=200)


def add_webhook_route(web_app: web.Application, path: str, receiver: WebhookReceiver) -> None:
    """Mount the webhook at ``path`` (``telegram.webhook_path``) on a shared aiohttp app."""
    web_app.router.add_post(path, receiver.handle)
