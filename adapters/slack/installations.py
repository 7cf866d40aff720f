"""Bolt's installation store and OAuth state store, kept in Staffroom's own database.

Guarantees
    Every token Slack hands over (at install, and at each refresh of a rotating token) is sealed
    with the configured key before it is written (:mod:`core.installations.service` does the
    writing); a row read without the key shows none. No token, sealed or not, is logged here; the
    ids of the workspace are.

    One workspace, or one Grid organisation installed org-wide, has one installation: installing
    again replaces its tokens. A request from a workspace of an organisation that installed
    org-wide is served with the organisation's token, and so is a message sent to a member there
    (the store remembers which organisation each workspace seen belongs to).

    ``app_uninstalled`` and ``tokens_revoked`` (Bolt's own listeners call
    :meth:`SlackInstallationStore.async_delete_all` and ``async_delete_bot``) erase the tokens
    and pause that workspace's deliveries, no one else's; the next install resumes them.

    An OAuth state is accepted once, by any process, and only until it expires; the state store
    keeps only a hash of it. A forged, expired or replayed state is refused.

Failure cases
    A token that cannot be opened (the key was changed without keeping the old one in
    ``token_key``) counts as not installed: Bolt answers the request as for a workspace that never
    installed, and the log says which workspace and why. Two processes refreshing the same
    rotating token at once both ask Slack; each stores the answer it got, and both tokens work
    until they expire.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from logging import Logger
from typing import TypeVar

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.messenger import NotReachable
from core.app import Staffroom
from core.installations.sealing import SealBroken, TokenSeal
from core.installations.service import (
    InstallationData,
    consume_state,
    find_installation,
    installation_for_tenant,
    issue_state,
    remember_team,
    removal_of,
    remove_installation,
    save_installation,
)
from core.redaction import remember

log = logging.getLogger("staffroom.slack")

PLATFORM = "slack"
TEAMS_REMEMBERED = 10_000
"""Workspace-to-organisation pairs this process remembers having written (then it forgets)."""

T = TypeVar("T")


def _to_data(installation: Installation) -> InstallationData:
    expires = installation.bot_token_expires_at
    scopes = installation.bot_scopes
    return InstallationData(
        platform=PLATFORM,
        enterprise_id=installation.enterprise_id,
        team_id=installation.team_id,
        is_enterprise_install=bool(installation.is_enterprise_install),
        app_id=installation.app_id,
        enterprise_name=installation.enterprise_name,
        enterprise_url=installation.enterprise_url,
        team_name=installation.team_name,
        bot_id=installation.bot_id,
        bot_user_id=installation.bot_user_id,
        bot_scopes=",".join(scopes) if scopes else None,
        bot_token=installation.bot_token,
        bot_refresh_token=installation.bot_refresh_token,
        bot_token_expires_at=datetime.fromtimestamp(int(expires), UTC) if expires else None,
        installer_user_id=installation.user_id or None,
        token_type=installation.token_type,
    )


def to_installation(data: InstallationData) -> Installation:
    """The slack_sdk installation for stored data (what Bolt and the token rotator take)."""
    expires = data.bot_token_expires_at
    installed = data.installed_at
    return Installation(
        app_id=data.app_id,
        enterprise_id=data.enterprise_id,
        enterprise_name=data.enterprise_name,
        enterprise_url=data.enterprise_url,
        team_id=data.team_id,
        team_name=data.team_name,
        bot_token=data.bot_token,
        bot_id=data.bot_id,
        bot_user_id=data.bot_user_id,
        bot_scopes=data.bot_scopes or "",
        bot_refresh_token=data.bot_refresh_token,
        bot_token_expires_at=int(expires.timestamp()) if expires else None,
        user_id=data.installer_user_id or "",
        is_enterprise_install=data.is_enterprise_install,
        token_type=data.token_type,
        installed_at=installed.timestamp() if installed else None,
    )


class NotInstalled(Exception):
    """No usable installation serves this workspace; ``removed`` says why, if it had one."""

    def __init__(self, team_id: str, removed: str | None) -> None:
        super().__init__(f"slack workspace {team_id} is not installed")
        self.team_id = team_id
        self.removed = removed


class SlackInstallationStore(AsyncInstallationStore):
    """Installations in Staffroom's database (see the module's guarantees)."""

    def __init__(self, app: Staffroom, seal: TokenSeal) -> None:
        self.app = app
        self.seal = seal
        self._teams: set[tuple[str, str]] = set()

    @property
    def logger(self) -> Logger:
        return log

    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.to_thread(work)

    def _opened(self, found: InstallationData | None) -> Installation | None:
        if found is None:
            return None
        # Tokens read from the database are cleaned from every log line, as configured ones are.
        remember([found.bot_token, found.bot_refresh_token])
        return to_installation(found)

    async def async_save(self, installation: Installation) -> None:
        """Store an install or its refreshed tokens (sealed)."""
        data = _to_data(installation)
        remember([data.bot_token, data.bot_refresh_token])

        def work() -> None:
            with self.app.session() as session:
                save_installation(session, data, self.seal, self.app.clock.now())

        await self._run(work)
        log.info(
            "slack: installation saved for enterprise %s team %s",
            data.enterprise_id or "-",
            data.team_id or "-",
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The installation serving a request (the installer's own only if ``user_id`` is
        theirs: Staffroom keeps no user tokens, so any install serves every user)."""

        def work() -> InstallationData | None:
            with self.app.session() as session:
                return find_installation(
                    session,
                    PLATFORM,
                    enterprise_id=enterprise_id,
                    team_id=team_id,
                    is_enterprise_install=bool(is_enterprise_install),
                    seal=self.seal,
                )

        try:
            found = await self._run(work)
        except SealBroken:
            log.error(
                "slack: the stored token of enterprise %s team %s cannot be opened with "
                "STAFFROOM_SLACK__TOKEN_KEY (keep the old key after a new one to rotate it)",
                enterprise_id or "-",
                team_id or "-",
            )
            return None
        if found is not None and user_id is not None and found.installer_user_id != user_id:
            return None  # Bolt asks per user for user tokens; there are none to find
        return self._opened(found)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The bot of the installation serving a request."""
        found = await self.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return found.to_bot() if found is not None and found.bot_token else None

    async def for_tenant(self, team_id: str) -> Installation:
        """The installation to send with to someone or some channel in workspace ``team_id``;
        raises :class:`NotInstalled`."""

        def work() -> tuple[InstallationData | None, str | None]:
            with self.app.session() as session:
                found = installation_for_tenant(session, PLATFORM, team_id, self.seal)
                return found, (None if found else removal_of(session, PLATFORM, team_id))

        try:
            found, removed = await self._run(work)
        except SealBroken:
            log.error("slack: the stored token of team %s cannot be opened with the key", team_id)
            raise NotInstalled(team_id, "token key changed") from None
        opened = self._opened(found)
        if opened is None:
            raise NotInstalled(team_id, removed)
        return opened

    async def remember_team(self, team_id: str, enterprise_id: str) -> None:
        """Record that a workspace belongs to a Grid organisation (once per process)."""
        if (team_id, enterprise_id) in self._teams:
            return

        def work() -> None:
            with self.app.session() as session:
                remember_team(session, PLATFORM, team_id, enterprise_id, self.app.clock.now())

        await self._run(work)
        if len(self._teams) >= TEAMS_REMEMBERED:
            self._teams.clear()
        self._teams.add((team_id, enterprise_id))

    async def _remove(self, enterprise_id: str | None, team_id: str | None, reason: str) -> None:
        def work() -> int:
            with self.app.session() as session:
                return remove_installation(
                    session,
                    PLATFORM,
                    enterprise_id=enterprise_id,
                    team_id=team_id,
                    reason=reason,
                    now=self.app.clock.now(),
                )

        paused = await self._run(work)
        log.warning(
            "slack: %s for enterprise %s team %s: tokens erased, %d schedules paused",
            reason,
            enterprise_id or "-",
            team_id or "-",
            paused,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """``tokens_revoked`` for the bot: the workspace's tokens go and its deliveries pause."""
        await self._remove(enterprise_id, team_id, "tokens_revoked")

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        """A user's tokens revoked: Staffroom keeps none, so only a whole-install delete (no
        ``user_id``) removes anything."""
        if user_id is None:
            await self._remove(enterprise_id, team_id, "tokens_revoked")

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """``app_uninstalled``: the workspace's tokens go and its deliveries pause."""
        await self._remove(enterprise_id, team_id, "app_uninstalled")


class SlackStateStore(AsyncOAuthStateStore):
    """One-time OAuth states in Staffroom's database, valid for ``expiration_seconds``."""

    def __init__(self, app: Staffroom, expiration_seconds: int) -> None:
        self.app = app
        self.valid_for = timedelta(seconds=expiration_seconds)

    @property
    def logger(self) -> Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        """A new state for an installer's browser."""

        def work() -> str:
            with self.app.session() as session:
                return issue_state(session, self.app.clock.now(), self.valid_for)

        return await asyncio.to_thread(work)

    async def async_consume(self, state: str) -> bool:
        """True once for a state issued here and not expired; False for any other."""
        if not state:
            return False

        def work() -> bool:
            with self.app.session() as session:
                return consume_state(session, state, self.app.clock.now())

        accepted = await asyncio.to_thread(work)
        if not accepted:
            log.warning("slack: refused an OAuth callback with an unknown, used or expired state")
        return accepted


class WorkspaceTokens:
    """The bot token of each workspace for sending, refreshed first when it is close to expiry.

    Bolt refreshes a rotating token only when a request comes in; the delivery worker sends at
    night when none do, so every send asks here, and an expiring token is refreshed (and
    stored) before it is used. One refresh per workspace at a time in this process.
    """

    def __init__(
        self, store: SlackInstallationStore, rotator: AsyncTokenRotator, refresh_minutes: int
    ) -> None:
        self.store = store
        self.rotator = rotator
        self.refresh_minutes = refresh_minutes
        self._locks: dict[str, asyncio.Lock] = {}

    async def token_for(self, team_id: str) -> str:
        """A valid bot token for workspace ``team_id``; raises :class:`NotInstalled`."""
        installation = await self.store.for_tenant(team_id)
        if installation.bot_refresh_token is None:
            return self._bot_token(installation, team_id)
        lock = self._locks.setdefault(team_id, asyncio.Lock())
        async with lock:
            # Read again under the lock: a send waiting here finds the refreshed token.
            installation = await self.store.for_tenant(team_id)
            refreshed = await self.rotator.perform_token_rotation(
                installation=installation, minutes_before_expiration=self.refresh_minutes
            )
            if refreshed is not None:
                await self.store.async_save(refreshed)
                log.info("slack: refreshed the bot token of team %s before sending", team_id)
                installation = refreshed
        return self._bot_token(installation, team_id)

    @staticmethod
    def _bot_token(installation: Installation, team_id: str) -> str:
        if not installation.bot_token:
            raise NotInstalled(team_id, None)
        return installation.bot_token


class InstalledWorkspaces:
    """``WorkspaceClients`` for many workspaces: each client carries its workspace's token."""

    def __init__(
        self,
        tokens: WorkspaceTokens,
        base_url: str,
        retry_handlers: list[AsyncRetryHandler] | None = None,
    ) -> None:
        self.tokens = tokens
        self.base_url = base_url
        self.retry_handlers = retry_handlers

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """A client with ``team_id``'s bot token; raises :class:`NotReachable`."""
        try:
            token = await self.tokens.token_for(team_id)
        except NotInstalled as missing:
            if missing.removed:
                detail = (
                    f"slack workspace {team_id} removed Staffroom ({missing.removed}); "
                    "its messages wait for it to install again"
                )
            else:
                detail = f"Staffroom is not installed in slack workspace {team_id}"
            raise NotReachable(
                team_id, waiting=missing.removed is not None, detail=detail
            ) from None
        handlers = list(self.retry_handlers) if self.retry_handlers is not None else None
        return AsyncWebClient(token=token, base_url=self.base_url, retry_handlers=handlers)
