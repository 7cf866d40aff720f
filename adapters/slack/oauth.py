""" "Add to Slack": Bolt's OAuth flow, with Staffroom's stores, pages and allow-list.

Bolt runs the flow (the install page with a state cookie, Slack's authorisation, the callback's
state check, the code exchange with ``oauth.v2.access``, ``auth.test``); this module changes only
what Staffroom needs changed, each where it deviates:

* the install, success and failure pages are Staffroom's, in the deployment's language, and say
  in a sentence what went wrong and what to do;
* an install that names no workspace (or, org-wide, no organisation) is refused, and so is
  one from a workspace (or Grid organisation) that the allow-list does not name, before
  anything is stored, and the token Slack just issued is revoked at once; a
  request from a workspace taken off the list after it installed is refused too
  (:class:`AllowedTeams`), except the events that remove its tokens;
* Bolt's authorisation calls ``api_base_url`` like every other call (its default client would
  go to slack.com whatever the settings say), and it never refreshes a token itself: the
  installation store does, once across processes (see ``adapters.slack.installations``);
* Bolt keeps each token's ``auth.test`` answer for ever, and rotation makes a new token twice a
  day per workspace: its cache here holds the ``AUTHORIZE_CACHE_SIZE`` most recently used.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.installations import SlackInstallationStore, SlackStateStore
from adapters.slack.manifest import BOT_SCOPES
from core.app import Staffroom
from core.i18n import _, language
from core.installations.service import may_install

log = logging.getLogger("staffroom.slack")

STATE_SECONDS = 600
"""How long an install link works: Slack's own default."""
AUTHORIZE_CACHE_SIZE = 2_000
"""Tokens whose ``auth.test`` answer is kept (about one per installed workspace is in use)."""
REMOVAL_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})


class TeamNotAllowed(BoltError):
    """The installing workspace is not on ``slack.allowed_teams``."""


class ScopeMissing(BoltError):
    """Slack's answer names no workspace (or, for an org-wide install, no organisation): an
    install that would serve nobody, or whoever a later lookup by empty ids found."""


_REASON = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def _page(
    title: str, body: str, status: int, headers: dict[str, str] | None = None
) -> BoltResponse:
    document = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return BoltResponse(
        status=status,
        body=document,
        headers={"Content-Type": "text/html; charset=utf-8", **(headers or {})},
    )


def refused_text() -> str:
    """The page shown to an installer whose workspace is not on the allow-list."""
    return _(
        "This Slack workspace may not install Staffroom here. Ask whoever runs Staffroom for "
        "your school or trust to add it, then try again."
    )


def not_allowed_text() -> str:
    """The answer to someone using Staffroom from a workspace the allow-list no longer names."""
    return _(
        "Staffroom is not available in this Slack workspace any more. Ask whoever runs "
        "Staffroom for your school or trust if you think it should be."
    )


class AuthorizeCache(OrderedDict[str, AuthorizeResult]):
    """Bolt's per-token cache of ``auth.test`` answers, keeping the ``size`` most recently used."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __repr__(self) -> str:
        # Keyed by token: printed, it would show every token in use.
        return f"AuthorizeCache({len(self)} of {self.size})"

    def __getitem__(self, token: str) -> AuthorizeResult:
        found = super().__getitem__(token)
        self.move_to_end(token)
        return found

    def __setitem__(self, token: str, result: AuthorizeResult) -> None:
        super().__setitem__(token, result)
        self.move_to_end(token)
        while len(self) > self.size:
            self.popitem(last=False)


class AllowedTeams:
    """Refuses every request from a workspace (or Grid organisation) the allow-list does not
    name: it may have installed before it was taken off the list. The person who typed a
    command, pressed a button or sent a form is told in a sentence; other events are answered
    and dropped. ``app_uninstalled`` and ``tokens_revoked`` pass, so that its tokens still go.
    """

    def __init__(self, app: Staffroom, allowed: Sequence[str]) -> None:
        self.app = app
        self.allowed = tuple(allowed)
        self._telling: set[asyncio.Task[Any]] = set()

    async def check(
        self,
        context: AsyncBoltContext,
        body: dict[str, Any],
        next: Callable[[], Awaitable[None]],
    ) -> BoltResponse | None:
        """Bolt middleware: pass the request on, or refuse it."""
        team = None if context.is_enterprise_install else context.team_id
        event = body.get("event")
        kind = event.get("type") if isinstance(event, dict) else None
        if kind in REMOVAL_EVENTS or may_install(self.allowed, context.enterprise_id, team):
            await next()
            return None
        log.warning(
            "slack: refused a request from enterprise %s team %s (not on allowed_teams)",
            context.enterprise_id or "-",
            context.team_id or "-",
        )
        with language(self.app.settings.staffroom.language):
            text = not_allowed_text()
        if body.get("command"):
            return BoltResponse(status=200, body=text)
        if body.get("type") == "view_submission":
            view = {
                "type": "modal",
                "title": {"type": "plain_text", "text": "Staffroom"},
                "blocks": [{"type": "section", "text": {"type": "plain_text", "text": text}}],
            }
            return BoltResponse(status=200, body={"response_action": "update", "view": view})
        respond = context.respond
        if body.get("type") == "block_actions" and respond is not None:
            # After the ack, as a listener would: Slack waits at most 3 seconds for it.
            task = asyncio.create_task(
                respond(text=text, response_type="ephemeral", replace_original=False)
            )
            self._telling.add(task)
            task.add_done_callback(self._told)
        return BoltResponse(status=200, body="")

    def _told(self, task: asyncio.Task[Any]) -> None:
        self._telling.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.info(
                "slack: could not tell a refused user why (%s)", type(task.exception()).__name__
            )


def _failure_text(reason: str) -> str:
    if reason in ("invalid_state", "invalid_browser"):
        return _(
            "This install link has expired, was already used, or was opened in another "
            "browser. Start again from the install page."
        )
    if reason == "access_denied":
        return _(
            "The installation was cancelled. Start again from the install page if you want it."
        )
    return _("Slack did not complete the installation. Start again from the install page.")


class StaffroomOAuthFlow(AsyncOAuthFlow):
    """Bolt's flow with Staffroom's pages and allow-list (see the module docstring)."""

    def __init__(
        self,
        *,
        app: Staffroom,
        client: AsyncWebClient,
        settings: AsyncOAuthSettings,
        allowed: Sequence[str],
    ) -> None:
        super().__init__(client=client, logger=log, settings=settings)
        self.app = app
        self.allowed = tuple(allowed)
        settings.callback_options = AsyncCallbackOptions(
            success=self._succeeded, failure=self._failed
        )
        self.success_handler = self._succeeded
        self.failure_handler = self._failed

    async def build_install_page_html(self, url: str, request: AsyncBoltRequest) -> str:
        """The "Add to Slack" page (its link carries the state Bolt just issued)."""
        with language(self.app.settings.staffroom.language):
            title = _("Add Staffroom to Slack")
            button = _("Add to Slack")
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1>"
            f'<p><a href="{html.escape(url)}">{html.escape(button)}</a></p></body></html>'
        )

    async def store_installation(
        self, request: AsyncBoltRequest, installation: Installation
    ) -> None:
        """Store the install, unless its workspace is not allowed or not named (then revoke
        its token)."""
        team = None if installation.is_enterprise_install else installation.team_id
        scope = installation.enterprise_id if installation.is_enterprise_install else team
        if not scope:
            log.warning(
                "slack: refused an install naming no %s",
                "organisation" if installation.is_enterprise_install else "workspace",
            )
            await self._revoke(installation)
            raise ScopeMissing("install names no workspace or organisation")
        if not may_install(self.allowed, installation.enterprise_id, team):
            log.warning(
                "slack: refused an install from enterprise %s team %s (not on allowed_teams)",
                installation.enterprise_id or "-",
                installation.team_id or "-",
            )
            await self._revoke(installation)
            raise TeamNotAllowed("workspace not on slack.allowed_teams")
        await super().store_installation(request, installation)

    async def _revoke(self, installation: Installation) -> None:
        """Give back the token Slack issued for an install that is refused."""
        if not installation.bot_token:
            return
        try:
            await self.client.auth_revoke(token=installation.bot_token)
        except SlackApiError as error:
            log.warning(
                "slack: could not revoke a refused install's token (%s)",
                error.response.get("error"),
            )

    async def _succeeded(self, args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        name = installation.team_name or installation.enterprise_name or ""
        with language(self.app.settings.staffroom.language):
            title = _("Staffroom is installed")
            text = _(
                "Staffroom is now in {workspace}. In Slack, type {command} help to start.",
                workspace=name,
                command=self.app.settings.slack.command,
            )
        cookie = args.settings.state_utils.build_set_cookie_for_deletion()
        return _page(title, f"<p>{html.escape(text)}</p>", 200, {"Set-Cookie": cookie})

    async def _failed(self, args: AsyncFailureArgs) -> BoltResponse:
        # The reason may be the callback's own ``error`` parameter, which anyone can write:
        # only a plain code reaches the log.
        reason = args.reason if _REASON.fullmatch(args.reason or "") else "unrecognised"
        log.info("slack: an install did not complete (%s)", reason)
        with language(self.app.settings.staffroom.language):
            title = _("Staffroom was not installed")
            if isinstance(args.error, TeamNotAllowed):
                text, status = refused_text(), 403
            else:
                text, status = _failure_text(args.reason), args.suggested_status_code
            again = _("Install page")
        link = html.escape(self.install_path)
        body = f'<p>{html.escape(text)}</p><p><a href="{link}">{html.escape(again)}</a></p>'
        cookie = args.settings.state_utils.build_set_cookie_for_deletion()
        return _page(title, body, status, {"Set-Cookie": cookie})


def build_oauth_flow(
    app: Staffroom,
    store: SlackInstallationStore,
    client: AsyncWebClient,
) -> StaffroomOAuthFlow:
    """The OAuth flow for ``app.settings.slack`` (install = "oauth")."""
    slack = app.settings.slack
    assert slack.client_id is not None and slack.client_secret is not None
    client_id = slack.client_id.get_secret_value()
    client_secret = slack.client_secret.get_secret_value()
    settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        install_path=slack.install_path,
        redirect_uri_path=slack.redirect_path,
        authorization_url=slack.authorize_url,
        installation_store=store,
        state_store=SlackStateStore(app, STATE_SECONDS),
        state_expiration_seconds=STATE_SECONDS,
        token_rotation_expiration_minutes=slack.token_refresh_minutes,
        logger=log,
    )
    authorize = AsyncInstallationStoreAuthorize(
        logger=log,
        installation_store=store,
        # Never used (the store hands Bolt no refresh token), but Bolt refuses to authorise a
        # rotating install without them.
        client_id=client_id,
        client_secret=client_secret,
        token_rotation_expiration_minutes=slack.token_refresh_minutes,
        # auth.test answers are reused per token (a refresh changes the token), so a command
        # does not cost a Web API call before its answer.
        cache_enabled=True,
        client=client,
    )
    authorize.authorize_result_cache = AuthorizeCache(AUTHORIZE_CACHE_SIZE)
    settings.authorize = authorize
    return StaffroomOAuthFlow(
        app=app, client=client, settings=settings, allowed=slack.allowed_teams
    )
