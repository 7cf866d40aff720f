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
    install of the same workspace (:func:`save_installation`) resumes exactly the schedules its
    removal paused (by the reason it wrote); occurrences missed meanwhile stay missed.

    Messages for the workspace are held, not failed: those waiting at the removal, and those the
    deliverer meets while it lasts (:mod:`core.installations.reach`), are skipped with the same
    reason. A re-install sends the ones due within ``resend_within`` (the delivery grace window)
    and drops the older ones, as after downtime: a prompt, a digest or a notice days late
    misleads more than it helps.

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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, delete, or_, update
from sqlmodel import Session, col, select

from core.clock import utc
from core.delivery.models import OutboxMessage, OutboxState, Schedule
from core.delivery.schedules import pause_schedule, resume_schedule
from core.identity.models import Account, AuditEntry
from core.installations.models import Installation, InstallationTeam, OAuthState
from core.installations.reach import PAUSE_REASON as PAUSE_REASON  # where it was defined first
from core.installations.reach import pause_reason, usable
from core.installations.sealing import TokenSeal

STATE_BYTES = 32
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
STATES: Table = OAuthState.__table__  # type: ignore[attr-defined]
INSTALLATIONS: Table = Installation.__table__  # type: ignore[attr-defined]
TOO_OLD = "; too old to send after the re-install"


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
    bot_token: str | None = None
    bot_refresh_token: str | None = None
    bot_token_expires_at: datetime | None = None
    installer_user_id: str | None = None
    token_type: str | None = None
    installed_at: datetime | None = None
    tokens_version: int = 0
    """The row's ``tokens_version`` when read (what :func:`claim_refresh` compares)."""


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
    schedules the removal paused resume, and the messages held for it that were due within
    ``resend_within`` are sent (older ones stay skipped).
    """
    team = None if data.is_enterprise_install else data.team_id
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
        reason = pause_reason(row)
        resumed = 0
        for schedule in session.exec(select(Schedule).where(Schedule.paused_reason == reason)):
            resume_schedule(session, schedule, now)
            resumed += 1
        released, dropped = _release_held(session, reason, now, resend_within)
        session.add(
            AuditEntry(
                at=now,
                action="installation.restored",
                detail={
                    **_scope(row),
                    "schedules_resumed": resumed,
                    "messages_released": released,
                    "messages_dropped": dropped,
                },
            )
        )
        session.flush()
    return row


def _release_held(
    session: Session, reason: str, now: datetime, resend_within: timedelta
) -> tuple[int, int]:
    """Send again the messages held for ``reason`` that are still timely; mark the rest as too
    old. Returns (released, dropped)."""
    c = OUTBOX.c
    held = and_(c.state == OutboxState.SKIPPED.value, c.last_error == reason)
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
        update(OUTBOX).where(held).values(last_error=(reason + TOO_OLD)[:500])
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
) -> InstallationData | None:
    """The install serving a request from ``team_id`` (in ``enterprise_id``): the workspace's
    own, else its organisation's org-wide one. None when it is not installed (or removed)."""
    row: Installation | None = None
    if team_id and not is_enterprise_install:
        row = _row(session, platform, *_keys(enterprise_id, team_id)) or _team_row(
            session, platform, team_id
        )
    if not usable(row) and enterprise_id:
        row = _row(session, platform, enterprise_id, "")
    if row is None or not usable(row):
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
) -> int:
    """Erase the tokens of the install serving ``team_id`` (or the organisation's), record the
    removal, and pause what only it could deliver. Returns how many schedules were paused; 0
    when there was nothing installed (a repeated event changes nothing)."""
    row: Installation | None = None
    if team_id:
        row = _row(session, platform, *_keys(enterprise_id, team_id)) or _team_row(
            session, platform, team_id
        )
    if row is None and enterprise_id:
        row = _row(session, platform, enterprise_id, "")
    if row is None or row.removed_at is not None:
        return 0
    row.bot_token_sealed = None
    row.bot_refresh_token_sealed = None
    row.bot_token_expires_at = None
    row.removed_at = now
    row.removed_reason = reason[:64]
    row.updated_at = now
    session.add(row)
    tenants = [row.team_key] if row.team_key else _teams_of(session, platform, row.enterprise_key)
    members = _reached_only_in(session, platform, tenants)
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
    withheld = _withhold(session, platform, tenants, members, pause)
    session.add(
        AuditEntry(
            at=now,
            action="installation.removed",
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


def _teams_of(session: Session, platform: str, enterprise_id: str) -> list[str]:
    return list(
        session.exec(
            select(InstallationTeam.team_id).where(
                InstallationTeam.platform == platform,
                InstallationTeam.enterprise_id == enterprise_id,
            )
        )
    )


def _reached_only_in(session: Session, platform: str, tenants: Sequence[str]) -> set[int]:
    """Members with an account in ``tenants`` and none anywhere else."""
    if not tenants:
        return set()
    inside = set(
        session.exec(
            select(Account.member_id).where(
                Account.platform == platform, col(Account.tenant).in_(tenants)
            )
        )
    )
    if not inside:
        return set()
    elsewhere = set(
        session.exec(
            select(Account.member_id).where(
                col(Account.member_id).in_(inside),
                or_(col(Account.platform) != platform, col(Account.tenant).not_in(tenants)),
            )
        )
    )
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
