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

    def seen(self, update_id: int) -> bool:
        """Whether ``update_id`` was taken recently (so this is a retry by Telegram)."""
        return update_id in self._seen

    def remember(self, update_id: int) -> None:
        """Note that ``update_id`` was taken, forgetting the oldest beyond the limit."""
        self._seen[update_id] = None
        while len(self._seen) > REMEMBERED_UPDATES:
            self._seen.popitem(last=False)

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
        if self.seen(update_id):
            return web.Response(status=200)
        try:
            update = Update.de_json(data, self.application.bot)
        except (TypeError, ValueError, KeyError, AttributeError):
            # A body shaped like no Telegram update (wrong types inside): refuse it with a
            # 4xx rather than fail with a 500, which Telegram would keep retrying.
            log.warning("telegram webhook: refused update %s of the wrong shape", update_id)
            return web.Response(status=400, text="the body is not a Telegram update")
        await self.application.update_queue.put(update)
        # Remembered only once queued: an update that failed before reaching the bot must be
        # taken when Telegram sends it again, not dropped as a repeat.
        self.remember(update_id)
        return web.Response(status=200)


def add_webhook_route(web_app: web.Application, path: str, receiver: WebhookReceiver) -> None:
    """Mount the webhook at ``path`` (``telegram.webhook_path``) on a shared aiohttp app."""
    web_app.router.add_post(path, receiver.handle)
