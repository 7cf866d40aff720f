"""install: this Staffroom's random id, for identifiers unique across installs (iCalendar UIDs)

Revision ID: 0027
Revises: 0001

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db
import sqlmodel

revision: str = '0027'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The id itself is made on first use (core.installations.install_id), not here: a database
    # emptied or restored without this row makes a new one rather than failing.
    op.create_table('install',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('install_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('install')
