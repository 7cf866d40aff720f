"""Which workspaces Staffroom cannot send to because they removed it: what the deliverer asks
before it sends.

A workspace (a platform's tenant) is *removed* when the install that served it (its own, or its
Grid organisation's org-wide one) was uninstalled or had its tokens revoked, and no other usable
install serves it now. A workspace that never installed is not removed: it is unknown, and a send
there fails as it always did. Single-workspace deployments have no installation rows, so nothing
is ever removed there.

This module reads only the installation tables (no delivery import), so the delivery engine may
ask it without an import cycle: :mod:`core.installations.service` builds on the delivery models.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from core.installations.models import Installation, InstallationTeam

PAUSE_REASON = "the workspace removed Staffroom"
"""Start of the reason a removal writes on the schedules it pauses and the messages it holds;
the rest names the installation."""

Workspace = tuple[str, str]
"""(platform, tenant)."""


def pause_reason(row: Installation) -> str:
    """The reason written on what the removal of ``row`` paused or held (it names the row, so a
    re-install releases exactly those)."""
    scope = f"{row.platform} {row.enterprise_key}/{row.team_key}".rstrip("/")
    return f"{PAUSE_REASON} ({scope})"[:200]


def usable(row: Installation | None) -> bool:
    """Whether ``row`` is installed and has a token to send with."""
    return row is not None and row.removed_at is None and row.bot_token_sealed is not None


def removed_workspaces(session: Session, workspaces: Iterable[Workspace]) -> dict[Workspace, str]:
    """The given workspaces that removed Staffroom, each with the reason to hold its messages
    under (:func:`pause_reason` of the removed install). Workspaces still served, or never
    installed, are left out."""
    wanted = {(platform, tenant) for platform, tenant in workspaces if platform and tenant}
    if not wanted:
        return {}
    # Nearly always nothing is removed: one look at a small table (a row per workspace)
    # settles it for the whole batch.
    any_removed = select(Installation.id).where(col(Installation.removed_at).is_not(None))
    if session.exec(any_removed.limit(1)).first() is None:
        return {}
    platforms = {platform for platform, _ in wanted}
    tenants = {tenant for _, tenant in wanted}
    own: dict[Workspace, Installation] = {}
    for row in session.exec(
        select(Installation)
        .where(col(Installation.platform).in_(platforms), col(Installation.team_key).in_(tenants))
        .order_by(col(Installation.updated_at), col(Installation.id))
    ):
        own[(row.platform, row.team_key)] = row  # the newest wins, as when sending
    organisation_of = {
        (team.platform, team.team_id): team.enterprise_id
        for team in session.exec(
            select(InstallationTeam).where(
                col(InstallationTeam.platform).in_(platforms),
                col(InstallationTeam.team_id).in_(tenants),
            )
        )
    }
    organisations: dict[Workspace, Installation] = {}
    if organisation_of:
        for row in session.exec(
            select(Installation).where(
                col(Installation.platform).in_(platforms),
                col(Installation.enterprise_key).in_(set(organisation_of.values())),
                Installation.team_key == "",
            )
        ):
            organisations[(row.platform, row.enterprise_key)] = row
    found: dict[Workspace, str] = {}
    for platform, tenant in wanted:
        mine = own.get((platform, tenant))
        enterprise = organisation_of.get((platform, tenant))
        theirs = organisations.get((platform, enterprise)) if enterprise else None
        if usable(mine) or usable(theirs):
            continue
        gone = next((r for r in (mine, theirs) if r is not None and r.removed_at is not None), None)
        if gone is not None:
            found[(platform, tenant)] = pause_reason(gone)
    return found
