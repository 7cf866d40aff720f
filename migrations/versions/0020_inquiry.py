"""inquiry: collaborative inquiries, their stage dates, members and evidence posts

Revision ID: 0020
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sqlmodel

import core.db

revision: str = "0020"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inquiry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("findings", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("findings_link", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("findings_by", sa.Integer(), nullable=True),
        sa.Column("findings_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["findings_by"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["lead_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inquiry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inquiry_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inquiry_findings_by"), ["findings_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_inquiry_lead_id"), ["lead_id"], unique=False)

    op.create_table(
        "inquiry_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cpd_activity_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiry.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inquiry_id", "member_id", name="uq_inquiry_member"),
    )
    with op.batch_alter_table("inquiry_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inquiry_member_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "inquiry_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiry.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inquiry_post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inquiry_post_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inquiry_post_inquiry_id"), ["inquiry_id"], unique=False
        )

    op.create_table(
        "inquiry_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("prompt", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiry.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inquiry_id", "stage", name="uq_inquiry_stage"),
    )


def downgrade() -> None:
    op.drop_table("inquiry_stage")
    with op.batch_alter_table("inquiry_post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiry_post_inquiry_id"))
        batch_op.drop_index(batch_op.f("ix_inquiry_post_author_id"))

    op.drop_table("inquiry_post")
    with op.batch_alter_table("inquiry_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiry_member_member_id"))

    op.drop_table("inquiry_member")
    with op.batch_alter_table("inquiry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiry_lead_id"))
        batch_op.drop_index(batch_op.f("ix_inquiry_findings_by"))
        batch_op.drop_index(batch_op.f("ix_inquiry_community_id"))

    op.drop_table("inquiry")
