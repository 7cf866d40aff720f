"""The installations feature's part in ``privacy export``, ``privacy delete`` and merging.

An installation row names who installed it by their platform user id (no token of theirs is
kept). Export lists the installs a member made; delete forgets them as the installer (the
workspace stays installed: it belongs to the workspace, not to them). Merging changes nothing,
as the installer is a platform identity, which a merge keeps.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from core.identity.models import Account
from core.installations.models import Installation


def _installed_by(session: Session, member_id: int) -> list[Installation]:
    accounts = session.exec(select(Account).where(Account.member_id == member_id)).all()
    found: list[Installation] = []
    for account in accounts:
        found += session.exec(
            select(Installation)
            .where(
                Installation.platform == account.platform,
                Installation.installer_user_id == account.user_id,
            )
            .order_by(col(Installation.id))
        ).all()
    return found


class InstallerData:
    """Installs a member made, by their platform user id."""

    name = "installations"

    def export(self, session: Session, member_id: int) -> list[dict[str, Any]]:
        return [
            {
                "platform": row.platform,
                "enterprise_id": row.enterprise_key or None,
                "team_id": row.team_key or None,
                "team_name": row.team_name,
                "installed_at": row.installed_at.isoformat(),
            }
            for row in _installed_by(session, member_id)
        ]

    def delete(self, session: Session, member_id: int) -> None:
        for row in _installed_by(session, member_id):
            row.installer_user_id = None
            session.add(row)

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        return None


INSTALLATION_DATA = InstallerData()
