"""inquiry files: files attached to inquiry posts as evidence (references, not the bytes)

Revision ID: 0030
Revises: 0020
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0030"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inquiry_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["inquiry_post.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inquiry_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inquiry_file_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inquiry_file_post_id"), ["post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inquiry_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiry_file_post_id"))
        batch_op.drop_index(batch_op.f("ix_inquiry_file_member_id"))
    op.drop_table("inquiry_file")
