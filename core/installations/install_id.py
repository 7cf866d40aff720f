"""This Staffroom's own id: random, made once per database, the same for every process.

The first caller stores it; a caller at the same moment on another process finds the row made
first (insert-if-absent on a one-row table), so no two ids are ever handed out.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.installations.models import StaffroomInstall

_ONLY = 1
"""The id of the one row."""


def install_id(session: Session, now: datetime) -> str:
    """This install's random id (16 hex digits), made and stored the first time it is asked.

    ``session`` may be any SQLAlchemy session (one found from a loaded row, say)."""
    table = StaffroomInstall.__table__  # type: ignore[attr-defined]
    query = select(table.c.install_id).where(table.c.id == _ONLY)
    found = session.execute(query).scalar()
    if found is not None:
        return str(found)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(table)
        .values(id=_ONLY, install_id=secrets.token_hex(8), created_at=now)
        .on_conflict_do_nothing()
    )
    return str(session.execute(query).scalar_one())
