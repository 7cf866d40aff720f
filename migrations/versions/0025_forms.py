"""form_progress: forms asked one question at a time, shared by every front-end

Revision ID: 0025
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db

revision: str = "0025"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("command", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("asking", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "member_id", "platform", "tenant", "chat_id", name="uq_form_progress_chat"
        ),
    )
    with op.batch_alter_table("form_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_progress_member_id"), ["member_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_form_progress_updated_at"), ["updated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("form_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_progress_updated_at"))
        batch_op.drop_index(batch_op.f("ix_form_progress_member_id"))
    op.drop_table("form_progress")
