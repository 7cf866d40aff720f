"""Installations: what a platform adapter's installation store and OAuth state store stand on.

Guarantees
    Tokens are sealed (:class:`~core.installations.sealing.TokenSeal`) before they reach a row and
    opened only on the way out to the adapter that sends with them; nothing here logs a token,
    a sealed token or the key. One workspace (or Grid organisation) has one row, however
    often it installs or its tokens are refreshed: a save replaces the tokens of that row.

Removal and re-installation
    When a workspace removes Staffroom (``app_uninstalled``) or revokes its bot token
    (``tokens_revoked``), :func:`remove_installation` erases its tokens, records when and why (on
    the row and in an audit entry), pauses the schedules of the members who can be reached only
    there, and withholds the messages already waiting for them or for that workspace's channels.
    Nothing of any other workspace or platform changes. A member who is also reached elsewhere
    keeps their schedules: their messages go where the delivery engine sends them. A later
    install of the same workspace (:func:`save_installation`) resumes the schedules its removal
    paused (by the reason it wrote), and those of members it reaches that a later removal paused;
    occurrences missed meanwhile stay missed.

    Messages for the workspace are held, not failed: those waiting at the removal, and those the
    deliverer meets while it lasts (:mod:`core.installations.reach`), are skipped with the same
    reason. A re-install sends the ones due within ``resend_within`` (the delivery grace window)
    and drops the older ones, as after downtime: a prompt, a digest or a notice days late
    misleads more than it helps.

    Two workspaces removed one after the other each pause and hold their own: the second
    changes nothing recorded for the first, and a repeated event changes nothing at all. A
    member reached in both is paused by whichever goes last (the first still reached them);
    the re-install of either resumes them, since it reaches them again.

    An event that names a workspace removes that workspace's own install only, never its Grid
    organisation's; an event for a workspace that never installed changes nothing.

The allow-list
    An install the allow-list no longer names is suspended (:func:`apply_allow_list`, run as
    each process starts): held as if removed, with reason :data:`NOT_ALLOWED`, but with its
    tokens kept, so that putting it back on the list restores it as a re-install would.

Refreshing rotating tokens
    Every process that sends (front-ends on requests, workers before sends) may find a token
    close to expiry at the same moment, and one refresh may spend the refresh token another is
    about to use. :func:`claim_refresh` is a compare-and-set on the row: it succeeds for the one
    caller that still sees the ``tokens_version`` it read while no refresh is under way, and
    every save of the tokens moves the version on. A refresh whose process died is given up
    when its claim runs out.

OAuth states
    :func:`issue_state` hands out a random state valid for a while and keeps only its SHA-256;
    :func:`consume_state` deletes it in one statement and succeeds only for the caller whose
    delete removed the row, so a state works once, across any number of processes, and a forged
    or replayed one is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, delete, func, or_, update
from sqlmodel import Session, col, select

from core.clock import utc
from core.delivery.models import OutboxMessage, OutboxState, Schedule
from core.delivery.schedules import pause_schedule, resume_schedule
from core.identity.models import Account, AuditEntry
from core.installations.models import Installation, InstallationTeam, OAuthState
from core.installations.reach import PAUSE_REASON as PAUSE_REASON  # where it was defined first
from core.installations.reach import pause_reason, removed_workspaces, usable
from core.installations.sealing import TokenSeal

STATE_BYTES = 32
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
STATES: Table = OAuthState.__table__  # type: ignore[attr-defined]
INSTALLATIONS: Table = Installation.__table__  # type: ignore[attr-defined]
TOO_OLD = "; too old to send after the re-install"
NOT_ALLOWED = "not_allowed"
"""The removal reason of an install suspended because the allow-list no longer names it."""


@dataclass(frozen=True, slots=True)
class InstallationData:
    """An installation with its tokens in the clear, as the adapter's SDK needs it."""

    platform: str
    enterprise_id: str | None
    team_id: str | None
    is_enterprise_install: bool = False
    app_id: str | None = None
    enterprise_name: str | None = None
    enterprise_url: str | None = None
    team_name: str | None = None
    bot_id: str | None = None
    bot_user_id: str | None = None
    bot_scopes: str | None = None
    # Kept out of repr(): an object printed in a traceback or a log line shows no token.
    bot_token: str | None = field(default=None, repr=False)
    bot_refresh_token: str | None = field(default=None, repr=False)
    bot_token_expires_at: datetime | None = None
    installer_user_id: str | None = None
    token_type: str | None = None
    installed_at: datetime | None = None
    tokens_version: int = 0
    """The row's ``tokens_version`` when read (what :func:`claim_refresh` compares)."""
    suspended: bool = False
    """Suspended by the allow-list (:func:`apply_allow_list`): never to be sent with."""


def _keys(enterprise_id: str | None, team_id: str | None) -> tuple[str, str]:
    return enterprise_id or "", team_id or ""


def _row(session: Session, platform: str, enterprise: str, team: str) -> Installation | None:
    return session.exec(
        select(Installation).where(
            Installation.platform == platform,
            Installation.enterprise_key == enterprise,
            Installation.team_key == team,
        )
    ).first()


def _team_row(session: Session, platform: str, team_id: str) -> Installation | None:
    """The workspace's own install, whichever organisation a request said it belongs to."""
    return session.exec(
        select(Installation)
        .where(Installation.platform == platform, Installation.team_key == team_id)
        .order_by(col(Installation.updated_at).desc())
    ).first()


def _data(row: Installation, seal: TokenSeal) -> InstallationData:
    return InstallationData(
        platform=row.platform,
        enterprise_id=row.enterprise_key or None,
        team_id=row.team_key or None,
        is_enterprise_install=row.is_enterprise_install,
        app_id=row.app_id,
        enterprise_name=row.enterprise_name,
        enterprise_url=row.enterprise_url,
        team_name=row.team_name,
        bot_id=row.bot_id,
        bot_user_id=row.bot_user_id,
        bot_scopes=row.bot_scopes,
        bot_token=seal.open(row.bot_token_sealed),
        bot_refresh_token=seal.open(row.bot_refresh_token_sealed),
        bot_token_expires_at=utc(row.bot_token_expires_at) if row.bot_token_expires_at else None,
        installer_user_id=row.installer_user_id,
        token_type=row.token_type,
        installed_at=utc(row.installed_at),
        tokens_version=row.tokens_version,
        suspended=row.removed_reason == NOT_ALLOWED,
    )


# Installing -----------------------------------------------------------------------------------


def may_install(allowed: Sequence[str], enterprise_id: str | None, team_id: str | None) -> bool:
    """Whether the allow-list lets this workspace (or Grid organisation) install; an empty list
    lets anyone (a public app)."""
    if not allowed:
        return True
    return (team_id is not None and team_id in allowed) or (
        enterprise_id is not None and enterprise_id in allowed
    )


def save_installation(
    session: Session,
    data: InstallationData,
    seal: TokenSeal,
    now: datetime,
    *,
    resend_within: timedelta,
) -> Installation:
    """Store an install (or its refreshed tokens), sealing the tokens; any refresh claim ends.

    A workspace that had removed Staffroom is installed again: its removal is cleared, the
    schedules the removal paused resume (and those of members it reaches that another removal
    paused), and the messages held for them that were due within ``resend_within`` are sent
    (older ones stay skipped). An install naming no workspace (or, org-wide, no organisation)
    raises ValueError: it would serve nobody.
    """
    team = None if data.is_enterprise_install else data.team_id
    if not (data.enterprise_id if data.is_enterprise_install else team):
        raise ValueError("an installation must name its workspace (or, org-wide, organisation)")
    enterprise_key, team_key = _keys(data.enterprise_id, team)
    row = _row(session, data.platform, enterprise_key, team_key)
    restored = row is not None and row.removed_at is not None
    if row is None:
        row = Installation(
            platform=data.platform,
            enterprise_key=enterprise_key,
            team_key=team_key,
            installed_at=data.installed_at or now,
            updated_at=now,
        )
    row.is_enterprise_install = data.is_enterprise_install
    row.app_id = data.app_id
    row.enterprise_name = data.enterprise_name
    row.enterprise_url = data.enterprise_url
    row.team_name = data.team_name
    row.bot_id = data.bot_id
    row.bot_user_id = data.bot_user_id
    row.bot_scopes = data.bot_scopes
    row.bot_token_sealed = seal.seal(data.bot_token)
    row.bot_refresh_token_sealed = seal.seal(data.bot_refresh_token)
    row.bot_token_expires_at = data.bot_token_expires_at
    row.installer_user_id = data.installer_user_id
    row.token_type = data.token_type
    row.updated_at = now
    row.removed_at = None
    row.removed_reason = None
    row.tokens_version = (row.tokens_version or 0) + 1
    row.refreshing_until = None
    session.add(row)
    session.flush()
    if data.enterprise_id and team:
        remember_team(session, data.platform, team, data.enterprise_id, now)
    if restored:
        _restore(session, row, now, resend_within, "installation.restored")
    return row


def _restore(
    session: Session, row: Installation, now: datetime, resend_within: timedelta, action: str
) -> None:
    """Resume what the removal of ``row`` paused, and what any removal paused for members this
    workspace reaches (someone in two removed workspaces is back with either); send the held
    messages still timely. Nothing of another workspace's own changes."""
    reason = pause_reason(row)
    members = _members_in(session, row.platform, _tenants(session, row))
    removal = col(Schedule.paused_reason).startswith(PAUSE_REASON, autoescape=True)
    ours = or_(
        col(Schedule.paused_reason) == reason, and_(removal, col(Schedule.member_id).in_(members))
    )
    resumed = 0
    for schedule in session.exec(select(Schedule).where(ours)):
        resume_schedule(session, schedule, now)
        resumed += 1
    released, dropped = _release_held(session, reason, members, now, resend_within)
    session.add(
        AuditEntry(
            at=now,
            action=action,
            detail={
                **_scope(row),
                "schedules_resumed": resumed,
                "messages_released": released,
                "messages_dropped": dropped,
            },
        )
    )
    session.flush()


def _release_held(
    session: Session, reason: str, members: set[int], now: datetime, resend_within: timedelta
) -> tuple[int, int]:
    """Send again the messages held for ``reason`` (and those held by any removal for
    ``members``) that are still timely; mark the rest as too old. Returns (released, dropped)."""
    c = OUTBOX.c
    by_removal = and_(
        c.last_error.startswith(PAUSE_REASON, autoescape=True),
        c.last_error.not_like("%" + TOO_OLD),
        c.member_id.in_(list(members)),
    )
    held = and_(c.state == OutboxState.SKIPPED.value, or_(c.last_error == reason, by_removal))
    connection = session.connection()
    released = connection.execute(
        update(OUTBOX)
        .where(held, c.due_at >= now - resend_within)
        .values(
            state=OutboxState.PENDING.value,
            next_attempt_at=now,
            last_error=None,
            lease_owner=None,
            lease_until=None,
        )
    )
    dropped = connection.execute(
        update(OUTBOX).where(held).values(last_error=func.substr(c.last_error + TOO_OLD, 1, 500))
    )
    return max(int(released.rowcount or 0), 0), max(int(dropped.rowcount or 0), 0)


def _scope(row: Installation) -> dict[str, object]:
    return {
        "platform": row.platform,
        "enterprise_id": row.enterprise_key or None,
        "team_id": row.team_key or None,
        "is_enterprise_install": row.is_enterprise_install,
    }


def remember_team(
    session: Session, platform: str, team_id: str, enterprise_id: str, now: datetime
) -> None:
    """Record that workspace ``team_id`` belongs to Grid organisation ``enterprise_id``."""
    known = session.exec(
        select(InstallationTeam).where(
            InstallationTeam.platform == platform, InstallationTeam.team_id == team_id
        )
    ).first()
    if known is not None and known.enterprise_id == enterprise_id:
        return
    known = known or InstallationTeam(
        platform=platform, team_id=team_id, enterprise_id=enterprise_id, seen_at=now
    )
    known.enterprise_id = enterprise_id
    known.seen_at = now
    session.add(known)
    session.flush()


# Finding -------------------------------------------------------------------------------------


def find_installation(
    session: Session,
    platform: str,
    *,
    enterprise_id: str | None,
    team_id: str | None,
    is_enterprise_install: bool,
    seal: TokenSeal,
    suspended_too: bool = False,
) -> InstallationData | None:
    """The install serving a request from ``team_id`` (in ``enterprise_id``): the workspace's
    own, else its organisation's org-wide one. None when it is not installed (or removed).

    ``suspended_too`` finds an install the allow-list suspended as well (marked ``suspended``):
    a request from there is authorised only to be refused in a sentence, never served."""

    def serves(row: Installation | None) -> bool:
        return usable(row) or (
            suspended_too
            and row is not None
            and row.removed_reason == NOT_ALLOWED
            and row.bot_token_sealed is not None
        )

    row: Installation | None = None
    if team_id and not is_enterprise_install:
        row = _row(session, platform, *_keys(enterprise_id, team_id)) or _team_row(
            session, platform, team_id
        )
    if not serves(row) and enterprise_id:
        row = _row(session, platform, enterprise_id, "")
    if row is None or not serves(row):
        return None
    return _data(row, seal)


def installation_for_tenant(
    session: Session, platform: str, tenant: str, seal: TokenSeal
) -> InstallationData | None:
    """The install to send with to someone or some channel in workspace ``tenant``: the
    workspace's own, else that of the Grid organisation it was seen to belong to."""
    row = _team_row(session, platform, tenant)
    if not usable(row):
        enterprise = session.exec(
            select(InstallationTeam.enterprise_id).where(
                InstallationTeam.platform == platform, InstallationTeam.team_id == tenant
            )
        ).first()
        row = _row(session, platform, enterprise, "") if enterprise else None
    if row is None or not usable(row):
        return None
    return _data(row, seal)


def removal_of(session: Session, platform: str, tenant: str) -> str | None:
    """Why workspace ``tenant`` has no usable install when it once had one (its removal
    reason), else None (installed, or never installed)."""
    row = _team_row(session, platform, tenant)
    if row is None:
        enterprise = session.exec(
            select(InstallationTeam.enterprise_id).where(
                InstallationTeam.platform == platform, InstallationTeam.team_id == tenant
            )
        ).first()
        row = _row(session, platform, enterprise, "") if enterprise else None
    if row is None or row.removed_at is None:
        return None
    return row.removed_reason or "removed"


# Refreshing ----------------------------------------------------------------------------------


def _where(data: InstallationData) -> Any:
    team = None if data.is_enterprise_install else data.team_id
    enterprise_key, team_key = _keys(data.enterprise_id, team)
    c = INSTALLATIONS.c
    return and_(
        c.platform == data.platform,
        c.enterprise_key == enterprise_key,
        c.team_key == team_key,
        c.tokens_version == data.tokens_version,
        c.removed_at.is_(None),
    )


def claim_refresh(session: Session, data: InstallationData, now: datetime, hold: timedelta) -> bool:
    """Claim the refresh of ``data``'s tokens for ``hold``: True for one caller only, and only
    while the row still holds the tokens ``data`` was read with (no one saved newer ones) and no
    other refresh is under way. The caller refreshes, then saves (which ends the claim)."""
    c = INSTALLATIONS.c
    result = session.connection().execute(
        update(INSTALLATIONS)
        .where(_where(data), or_(c.refreshing_until.is_(None), c.refreshing_until <= now))
        .values(refreshing_until=now + hold)
    )
    return int(result.rowcount or 0) == 1


def release_refresh(session: Session, data: InstallationData) -> None:
    """End a claim whose refresh failed, so that the next caller may try at once."""
    session.connection().execute(
        update(INSTALLATIONS).where(_where(data)).values(refreshing_until=None)
    )


# Removing ------------------------------------------------------------------------------------


def remove_installation(
    session: Session,
    platform: str,
    *,
    enterprise_id: str | None,
    team_id: str | None,
    reason: str,
    now: datetime,
) -> int | None:
    """Erase the tokens of ``team_id``'s own install (or, without a team, the organisation's
    org-wide one), record the removal, and pause what only it could deliver. Returns how many
    schedules were paused; None when there was nothing installed to remove (a repeated event, or
    one for a workspace that never installed, changes nothing).

    An event naming a workspace never falls back to its organisation's install: a workspace of
    the organisation that removes Staffroom does not remove it from all the others. An install
    the allow-list suspended is removed all the same (its kept tokens are erased)."""
    row: Installation | None = None
    if team_id:
        row = _row(session, platform, *_keys(enterprise_id, team_id)) or _team_row(
            session, platform, team_id
        )
    elif enterprise_id:
        row = _row(session, platform, enterprise_id, "")
    if row is None or (row.removed_at is not None and row.removed_reason != NOT_ALLOWED):
        return None
    row.bot_token_sealed = None
    row.bot_refresh_token_sealed = None
    row.bot_token_expires_at = None
    row.removed_at = now
    row.removed_reason = reason[:64]
    row.updated_at = now
    session.add(row)
    return _hold(session, row, now, "installation.removed", reason)


def _hold(session: Session, row: Installation, now: datetime, action: str, reason: str) -> int:
    """Pause the schedules of the members only ``row`` reaches and withhold the messages
    waiting for them or for its workspaces' channels; audit it. Returns the schedules paused."""
    tenants = _tenants(session, row)
    members = _reached_only_in(session, row.platform, tenants)
    pause = pause_reason(row)
    paused = 0
    if members:
        for schedule in session.exec(
            select(Schedule).where(
                col(Schedule.member_id).in_(members),
                col(Schedule.active),
                col(Schedule.paused_reason).is_(None),
            )
        ):
            pause_schedule(session, schedule, None, pause)
            paused += 1
    withheld = _withhold(session, row.platform, tenants, members, pause)
    session.add(
        AuditEntry(
            at=now,
            action=action,
            detail={
                **_scope(row),
                "reason": reason,
                "schedules_paused": paused,
                "messages_withheld": withheld,
            },
        )
    )
    session.flush()
    return paused


# The allow-list ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllowListChange:
    """What applying the allow-list did: the installs it suspended and those it let back."""

    suspended: list[dict[str, object]]
    restored: list[dict[str, object]]


def apply_allow_list(
    session: Session,
    platform: str,
    allowed: Sequence[str],
    now: datetime,
    *,
    resend_within: timedelta,
) -> AllowListChange:
    """Suspend every install the allow-list no longer names, and let back those it names again.

    A suspended install keeps its tokens (the list may be put right again) but is not used:
    it counts as removed (reason :data:`NOT_ALLOWED`), so its members' schedules pause and its
    messages are held exactly as after an uninstall, and its own uninstall still erases the
    tokens. When the list names it again (or is emptied), it is restored as a re-install is:
    the paused schedules resume and the held messages still timely are sent.
    """
    suspended: list[dict[str, object]] = []
    restored: list[dict[str, object]] = []
    for row in session.exec(
        select(Installation).where(Installation.platform == platform).order_by(col(Installation.id))
    ):
        team = None if row.is_enterprise_install else (row.team_key or None)
        allows = may_install(allowed, row.enterprise_key or None, team)
        if not allows and row.removed_at is None:
            row.removed_at = now
            row.removed_reason = NOT_ALLOWED
            row.updated_at = now
            session.add(row)
            _hold(session, row, now, "installation.suspended", NOT_ALLOWED)
            suspended.append(_scope(row))
        elif allows and row.removed_reason == NOT_ALLOWED:
            row.removed_at = None
            row.removed_reason = None
            row.updated_at = now
            session.add(row)
            session.flush()
            _restore(session, row, now, resend_within, "installation.allowed")
            restored.append(_scope(row))
    return AllowListChange(suspended, restored)


def _teams_of(session: Session, platform: str, enterprise_id: str) -> list[str]:
    return list(
        session.exec(
            select(InstallationTeam.team_id).where(
                InstallationTeam.platform == platform,
                InstallationTeam.enterprise_id == enterprise_id,
            )
        )
    )


def _tenants(session: Session, row: Installation) -> list[str]:
    """The workspaces ``row`` serves: its own, or every one seen of its organisation."""
    if row.team_key:
        return [row.team_key]
    return _teams_of(session, row.platform, row.enterprise_key)


def _members_in(session: Session, platform: str, tenants: Sequence[str]) -> set[int]:
    """Members with an account in ``tenants``."""
    if not tenants:
        return set()
    return set(
        session.exec(
            select(Account.member_id).where(
                Account.platform == platform, col(Account.tenant).in_(tenants)
            )
        )
    )


def _reached_only_in(session: Session, platform: str, tenants: Sequence[str]) -> set[int]:
    """Members with an account in ``tenants`` and none anywhere else that can still be sent
    to (an account in a workspace that removed Staffroom earlier reaches no one)."""
    inside = _members_in(session, platform, tenants)
    if not inside:
        return set()
    others = session.exec(
        select(Account.member_id, Account.platform, Account.tenant).where(
            col(Account.member_id).in_(inside),
            or_(col(Account.platform) != platform, col(Account.tenant).not_in(tenants)),
        )
    ).all()
    gone = removed_workspaces(session, [(p, t) for _, p, t in others])
    elsewhere = {member for member, p, t in others if (p, t) not in gone}
    return inside - elsewhere


def _withhold(
    session: Session, platform: str, tenants: Sequence[str], members: set[int], reason: str
) -> int:
    """Skip the waiting messages for the workspace's channels and for the paused members."""
    c = OUTBOX.c
    aimed = [and_(c.member_id.is_(None), c.platform == platform, c.tenant.in_(list(tenants)))]
    if members:
        aimed.append(c.member_id.in_(list(members)))
    result = session.connection().execute(
        update(OUTBOX)
        .where(c.state == OutboxState.PENDING.value, or_(*aimed))
        .values(state=OutboxState.SKIPPED.value, last_error=reason)
    )
    return max(int(result.rowcount or 0), 0)


# OAuth states --------------------------------------------------------------------------------


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def issue_state(session: Session, now: datetime, valid_for: timedelta) -> str:
    """A new one-time OAuth state, valid for ``valid_for``; expired ones are cleared."""
    session.connection().execute(delete(STATES).where(STATES.c.expires_at <= now))
    state = secrets.token_urlsafe(STATE_BYTES)
    session.add(OAuthState(state_hash=_hash(state), expires_at=now + valid_for, created_at=now))
    session.flush()
    return state


def consume_state(session: Session, state: str, now: datetime) -> bool:
    """Use up ``state``: True once for a state issued here and not yet expired, else False."""
    result = session.connection().execute(
        delete(STATES).where(STATES.c.state_hash == _hash(state), STATES.c.expires_at > now)
    )
    return int(result.rowcount or 0) == 1
