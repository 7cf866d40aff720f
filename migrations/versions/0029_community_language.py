"""community language: the language Staffroom posts in to a community's channels; announcements
previewed before they are posted

Revision ID: 0029
Revises: 0003

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db

revision: str = "0029"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty means the install's language (staffroom.language), so existing communities keep
    # posting as they did and follow the install if it changes.
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
    # An announcement is kept as a draft until its moderator confirms the preview; every one
    # made before this revision was posted at once.
    with op.batch_alter_table("community_announcement", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("posted_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE community_announcement SET posted_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("community_announcement", schema=None) as batch_op:
        batch_op.drop_column("posted_at")
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_column("language")
