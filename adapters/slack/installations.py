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
    and pause that workspace's deliveries, no one else's; the next install resumes them. An
    event for a workspace with no install of its own changes nothing (its Grid organisation's
    install stays), and says so in the log.

    A workspace (or organisation) the allow-list no longer names is suspended as each process
    starts (:meth:`SlackInstallationStore.apply_allow_list`): its messages are held, neither
    sent nor failed. :class:`WorkspaceTokens` gives no token for it in any case, so a process
    that has not applied the list yet refuses the send (retried, not failed) instead of making it.

    An OAuth state is accepted once, by any process, and only until it expires; the state store
    keeps only a hash of it. A forged, expired or replayed state is refused.

Rotating tokens
    A token that expires within ``token_refresh_minutes`` is refreshed before it is handed out,
    to Bolt for a request as to the delivery worker for a send, and by one process only: the
    refresh is claimed on the installation row (:func:`core.installations.service.claim_refresh`),
    since a refresh may spend the refresh token another process is about to use, and two
    refreshes at once would store whichever finished last. A process that loses the claim uses
    the token it has
    while that still works (the margin is hours), or waits for the new one. Bolt is handed the
    installation without its refresh token, so that it does not refresh a second time on its own.
    "Expires within" is decided by the app's clock (``app.clock``), as every other time in
    Staffroom; slack_sdk counts by ``time()``, and its expiries are shifted on the way in and
    out (:func:`sdk_shift`, nothing in production), so a test moves its clock instead of waiting.

Failure cases
    A token that cannot be opened (the key was changed without keeping the old one in
    ``token_key``) counts as not installed: Bolt answers the request as for a workspace that never
    installed, and the log says which workspace and why. A failed refresh gives its claim back at
    once; a process that died while refreshing holds it for ``REFRESH_CLAIM`` at most.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
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
from core.clock import Clock
from core.installations.sealing import SealBroken, TokenSeal
from core.installations.service import (
    NOT_ALLOWED,
    AllowListChange,
    InstallationData,
    apply_allow_list,
    claim_refresh,
    consume_state,
    find_installation,
    installation_for_tenant,
    issue_state,
    may_install,
    release_refresh,
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
REFRESH_CLAIM = timedelta(seconds=60)
"""How long a claimed refresh may take before another process may try (a call times out first)."""
STILL_VALID_SECONDS = 60
"""A token with more than this left is used as it is while another process refreshes it."""
REFRESH_WAIT_SECONDS = 10.0
"""How long a process whose token has run out waits for another's refresh (then it sends with
what it has, and the send is retried)."""
REFRESH_POLL_SECONDS = 0.05

T = TypeVar("T")


def sdk_shift(clock: Clock) -> timedelta:
    """How far Staffroom's clock is from the wall clock slack_sdk counts by (``time()``).

    slack_sdk's objects give expiries as ``time()`` seconds (the OAuth flow and the token rotator
    add Slack's ``expires_in`` to it), while Staffroom's rows hold them in its clock's time, which
    decides when a token is refreshed: crossing between the two adds or takes this shift. It is
    nothing in production (the clock is the system's) and lets a test's clock age a token."""
    return clock.now() - datetime.now(UTC)


def _to_data(installation: Installation, shift: timedelta) -> InstallationData:
    """Staffroom's record of a slack_sdk installation (its expiry moved by ``shift``)."""
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
        bot_token_expires_at=(
            datetime.fromtimestamp(int(expires), UTC) + shift if expires else None
        ),
        installer_user_id=installation.user_id or None,
        token_type=installation.token_type,
    )


def to_installation(data: InstallationData, shift: timedelta) -> Installation:
    """The slack_sdk installation for stored data (what Bolt and the token rotator take), its
    times moved back by ``shift`` into slack_sdk's (see :func:`sdk_shift`)."""
    expires = data.bot_token_expires_at - shift if data.bot_token_expires_at else None
    installed = data.installed_at - shift if data.installed_at else None
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


def _expires_within(data: InstallationData, seconds: float, now: datetime) -> bool:
    # By the app's clock, in which the expiry is stored (see sdk_shift): the rotator, deciding
    # by time(), is handed the expiry shifted into its time, so both agree on "expiring".
    expires = data.bot_token_expires_at
    return expires is not None and expires <= now + timedelta(seconds=seconds)


class SlackInstallationStore(AsyncInstallationStore):
    """Installations in Staffroom's database (see the module's guarantees).

    With a ``rotator``, rotating tokens are refreshed (once across processes) before they are
    handed out."""

    def __init__(
        self,
        app: Staffroom,
        seal: TokenSeal,
        *,
        rotator: AsyncTokenRotator | None = None,
        refresh_minutes: int = 120,
    ) -> None:
        self.app = app
        self.seal = seal
        self.rotator = rotator
        self.refresh_minutes = refresh_minutes
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
        remember([found.bot_token, found.bot_refresh_token], configured=False)
        return to_installation(found, sdk_shift(self.app.clock))

    async def async_save(self, installation: Installation) -> None:
        """Store an install or its refreshed tokens (sealed)."""
        data = _to_data(installation, sdk_shift(self.app.clock))
        remember([data.bot_token, data.bot_refresh_token], configured=False)
        grace = timedelta(minutes=self.app.settings.delivery.grace_minutes)

        def work() -> None:
            with self.app.session() as session:
                save_installation(
                    session, data, self.seal, self.app.clock.now(), resend_within=grace
                )

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
        theirs: Staffroom keeps no user tokens, so any install serves every user), its token
        refreshed first if it is close to expiry, and without its refresh token (see the
        module's guarantees)."""

        def work() -> InstallationData | None:
            with self.app.session() as session:
                return find_installation(
                    session,
                    PLATFORM,
                    enterprise_id=enterprise_id,
                    team_id=team_id,
                    is_enterprise_install=bool(is_enterprise_install),
                    seal=self.seal,
                    # Authorised, to be refused in a sentence by AllowedTeams (see oauth.py).
                    suspended_too=True,
                )

        try:
            found = await self._run(work)
            if found is not None and user_id is not None and found.installer_user_id != user_id:
                return None  # Bolt asks per user for user tokens; there are none to find
            installation = await self._fresh(found, work)
        except SealBroken:
            log.error(
                "slack: the stored token of enterprise %s team %s cannot be opened with "
                "STAFFROOM_SLACK__TOKEN_KEY (keep the old key after a new one to rotate it)",
                enterprise_id or "-",
                team_id or "-",
            )
            return None
        if installation is not None:
            installation.bot_refresh_token = None
        return installation

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

    async def for_tenant(self, team_id: str, *, refresh: bool = True) -> Installation:
        """The installation to send with to someone or some channel in workspace ``team_id``,
        its token refreshed first if it is close to expiry (unless ``refresh`` is False);
        raises :class:`NotInstalled`."""

        def find() -> InstallationData | None:
            with self.app.session() as session:
                return installation_for_tenant(session, PLATFORM, team_id, self.seal)

        def removal() -> str | None:
            with self.app.session() as session:
                return removal_of(session, PLATFORM, team_id)

        try:
            found = await self._run(find)
            opened = await self._fresh(found, find) if refresh else self._opened(found)
        except SealBroken:
            log.error("slack: the stored token of team %s cannot be opened with the key", team_id)
            raise NotInstalled(team_id, "token key changed") from None
        if opened is None:
            raise NotInstalled(team_id, await self._run(removal))
        return opened

    async def _fresh(
        self, found: InstallationData | None, find: Callable[[], InstallationData | None]
    ) -> Installation | None:
        """``found``, its tokens refreshed first when they expire within ``refresh_minutes``.

        One process refreshes (it wins the claim on the row); any other uses the token it has
        while that works, else reads the row again until the winner has saved the new one.
        ``find`` reads the installation again."""
        if self.rotator is None:
            return self._opened(found)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REFRESH_WAIT_SECONDS
        while found is not None and found.bot_refresh_token is not None and not found.suspended:
            now = self.app.clock.now()
            if not _expires_within(found, self.refresh_minutes * 60, now):
                break
            if await self._run(partial(self._claim, found)):
                return await self._refresh(found)
            if not _expires_within(found, STILL_VALID_SECONDS, now) or loop.time() >= deadline:
                break  # another process is refreshing; this token works meanwhile (or must)
            await asyncio.sleep(REFRESH_POLL_SECONDS)
            found = await self._run(find)
        return self._opened(found)

    async def _refresh(self, claimed: InstallationData) -> Installation:
        """Refresh the tokens whose refresh this process claimed, and store them."""
        assert self.rotator is not None
        current = self._opened(claimed)
        assert current is not None
        try:
            refreshed = await self.rotator.perform_token_rotation(
                installation=current, minutes_before_expiration=self.refresh_minutes
            )
        except Exception:
            await self._run(lambda: self._release(claimed))
            raise
        if refreshed is None:  # no longer due by the rotator's clock: nothing to store
            await self._run(lambda: self._release(claimed))
            return current
        await self.async_save(refreshed)
        log.info("slack: refreshed the bot token of team %s", claimed.team_id or "-")
        return refreshed

    def _claim(self, seen: InstallationData) -> bool:
        with self.app.session() as session:
            return claim_refresh(session, seen, self.app.clock.now(), REFRESH_CLAIM)

    def _release(self, claimed: InstallationData) -> None:
        with self.app.session() as session:
            release_refresh(session, claimed)

    async def apply_allow_list(self, allowed: Sequence[str]) -> None:
        """Suspend the installs ``allowed`` no longer names and let back those it names again
        (:func:`core.installations.service.apply_allow_list`), with a log line for each."""
        grace = timedelta(minutes=self.app.settings.delivery.grace_minutes)

        def work() -> AllowListChange:
            with self.app.session() as session:
                return apply_allow_list(
                    session, PLATFORM, allowed, self.app.clock.now(), resend_within=grace
                )

        change = await self._run(work)
        for scope in change.suspended:
            log.warning(
                "slack: enterprise %s team %s is not on allowed_teams: its deliveries are held "
                "until it is allowed again",
                scope["enterprise_id"] or "-",
                scope["team_id"] or "-",
            )
        for scope in change.restored:
            log.info(
                "slack: enterprise %s team %s is on allowed_teams again: its deliveries resume",
                scope["enterprise_id"] or "-",
                scope["team_id"] or "-",
            )

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
        def work() -> int | None:
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
        if paused is None:
            log.info(
                "slack: %s for enterprise %s team %s: nothing installed there to remove",
                reason,
                enterprise_id or "-",
                team_id or "-",
            )
            return
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

    No request comes in at night, when the delivery worker sends, so every send asks here and an
    expiring token is refreshed (and stored) before it is used: by one process (see the
    store), and within this one by one send at a time per workspace.

    A workspace (or Grid organisation) that ``allowed`` does not name gets no token, whatever
    the database says: the allow-list may have changed since the last process applied it
    (:func:`core.installations.service.apply_allow_list`).
    """

    def __init__(self, store: SlackInstallationStore, allowed: Sequence[str] = ()) -> None:
        self.store = store
        self.allowed = tuple(allowed)
        self._locks: dict[str, asyncio.Lock] = {}

    async def token_for(self, team_id: str) -> str:
        """A valid bot token for workspace ``team_id``; raises :class:`NotInstalled`."""
        installation = await self.store.for_tenant(team_id, refresh=False)
        team = None if installation.is_enterprise_install else installation.team_id
        if not may_install(self.allowed, installation.enterprise_id, team):
            log.warning(
                "slack: nothing sent to enterprise %s team %s: not on allowed_teams (held)",
                installation.enterprise_id or "-",
                team_id,
            )
            raise NotInstalled(team_id, NOT_ALLOWED)
        if installation.bot_refresh_token is None:
            return self._bot_token(installation, team_id)
        if len(self._locks) >= TEAMS_REMEMBERED:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        lock = self._locks.setdefault(team_id, asyncio.Lock())
        async with lock:
            # Read under the lock: a send waiting here finds the token the first one refreshed.
            installation = await self.store.for_tenant(team_id)
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
            if missing.removed == NOT_ALLOWED:
                detail = (
                    f"slack workspace {team_id} is not on slack.allowed_teams; "
                    "its messages wait until it is allowed again"
                )
            elif missing.removed:
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
