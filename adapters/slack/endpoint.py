"""Slack's HTTP mode: one signed endpoint for slash commands, interactivity and events.

The signature is checked here, on the raw bytes, before anything is read (forged, tampered, stale or
unsigned requests get 401). The body is then parsed here and handed to Bolt already parsed, because
Bolt's own parser takes any form body that merely contains the word "payload" for an interactivity
payload and drops it: ``/staffroom resource share ... "payload of the week"`` must still work.

A signed request stays valid for five minutes, so a captured slash command or button press could be
sent again in that time: each (timestamp, signature) pair is accepted once and a repeat gets 409.
Events API callbacks are left to their ``event_id`` dedupe, which answers Slack's retries with the
200 Slack expects. Like that dedupe, the memory is per process (see ``adapters.slack.dedupe``).

When many workspaces install Staffroom, the same server also serves the "Add to Slack" page and
the OAuth callback (GET, from the installer's browser, so unsigned): both are handed to Bolt's
OAuth flow as they are, which checks the state and its cookie itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.dedupe import RETRY_WINDOW
from core.app import Staffroom

log = logging.getLogger("staffroom.slack")

MAX_BODY_BYTES = 1_000_000


def parse_body(raw: str, content_type: str) -> dict[str, Any] | None:
    """A Slack request body as a dict: JSON (events), a slash command's form, or the JSON in an
    interactivity form's ``payload`` field. None if it is none of these."""
    try:
        if content_type == "application/json" or raw.lstrip().startswith("{"):
            found = json.loads(raw)
            return found if isinstance(found, dict) else None
        form = dict(parse_qsl(raw, keep_blank_values=True))
        if "payload" in form and "command" not in form:
            found = json.loads(form["payload"])
            return found if isinstance(found, dict) else None
        return form
    except (json.JSONDecodeError, ValueError):
        return None


def readable_by_bolt(body: dict[str, Any]) -> bool:
    """Whether Bolt can route ``body`` without failing inside itself: a ``block_actions`` payload
    needs a non-empty list of action objects, a view payload a view object (Bolt reads
    ``actions[0]`` and ``view["callback_id"]`` before any listener of ours runs)."""
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions")
        return isinstance(actions, list) and bool(actions) and isinstance(actions[0], dict)
    if kind in ("view_submission", "view_closed"):
        return isinstance(body.get("view"), dict)
    return True


class SlackHttpEndpoint:
    """Verifies and forwards Slack's HTTP requests to a Bolt app."""

    def __init__(
        self,
        bolt: AsyncApp,
        signing_secret: str,
        path: str,
        app: Staffroom,
        *,
        oauth_flow: AsyncOAuthFlow | None = None,
    ) -> None:
        self.bolt = bolt
        self.verifier = SignatureVerifier(signing_secret)
        self.path = path
        self.app = app
        self.oauth_flow = oauth_flow

    def verified(self, raw: str, timestamp: str | None, signature: str | None) -> bool:
        """Whether the request was signed with our secret within the last five minutes."""
        if not timestamp or not signature or not timestamp.strip().isdigit():
            return False
        if not signature.isascii() or not timestamp.isascii():
            return False  # hmac cannot compare non-ASCII text; no real signature has any
        return self.verifier.is_valid(raw, timestamp.strip(), signature)

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one request from Slack (the Bolt ack becomes the HTTP response)."""
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return web.Response(status=413, text="request too large")
        raw_bytes = await request.read()
        try:
            raw = raw_bytes.decode("utf-8")
        except UnicodeDecodeError:
            return web.Response(status=400, text="body is not UTF-8")
        headers = request.headers
        if not self.verified(
            raw, headers.get("X-Slack-Request-Timestamp"), headers.get("X-Slack-Signature")
        ):
            log.warning("slack: refused a request with a missing, stale or wrong signature")
            return web.Response(status=401, text="invalid request signature")
        body = parse_body(raw, request.content_type)
        if body is None or not readable_by_bolt(body):
            return web.Response(status=400, text="unreadable body")
        signed = f"{headers['X-Slack-Request-Timestamp'].strip()}:{headers['X-Slack-Signature']}"
        # Signatures are remembered in the database, by every front-end, for longer than one
        # is valid (RETRY_WINDOW > 5 min): a captured request replayed to another instance is
        # refused there too.
        if "event_id" not in body and not await asyncio.to_thread(
            self.app.first_time, "slack.signature", signed, RETRY_WINDOW
        ):
            log.warning("slack: refused a replayed request (its signature was already used)")
            return web.Response(status=409, text="request already handled")
        forwarded: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in headers.items()}
        forwarded["content-type"] = "application/json"
        bolt_request = AsyncBoltRequest(
            body=json.dumps(body), query=request.query_string, headers=forwarded
        )
        return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))

    async def install(self, request: web.Request) -> web.Response:
        """The "Add to Slack" page: Bolt issues a state and sets it in a cookie."""
        assert self.oauth_flow is not None
        response = await self.oauth_flow.handle_installation(_oauth_request(request))
        return await to_aiohttp_response(response)

    async def oauth_redirect(self, request: web.Request) -> web.Response:
        """Slack's redirect back after the installer approved (or cancelled)."""
        assert self.oauth_flow is not None
        response = await self.oauth_flow.handle_callback(_oauth_request(request))
        return await to_aiohttp_response(response)

    def add_routes(self, web_app: web.Application) -> None:
        """Mount the endpoint on an aiohttp application (to share one server with others)."""
        web_app.router.add_post(self.path, self.handle)
        if self.oauth_flow is not None:
            web_app.router.add_get(self.oauth_flow.install_path, self.install)
            web_app.router.add_get(self.oauth_flow.redirect_uri_path, self.oauth_redirect)

    def web_app(self) -> web.Application:
        """A new aiohttp application serving only this endpoint."""
        web_app = web.Application(client_max_size=MAX_BODY_BYTES)
        self.add_routes(web_app)
        return web_app


def _oauth_request(request: web.Request) -> AsyncBoltRequest:
    """A browser's GET as Bolt's OAuth flow reads it: the query and the cookie header."""
    headers: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in request.headers.items()}
    return AsyncBoltRequest(body="", query=request.query_string, headers=headers)
