"""school reports: members' line managers and CPD requests awaiting approval

Revision ID: 0023
Revises: 0017
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sqlmodel

import core.db

revision: str = "0023"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("school_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manager_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_school_member_manager_id"), ["manager_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_school_member_manager_id_member",
            "member",
            ["manager_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "cpd_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["approver_id"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cpd_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cpd_request_approver_id"), ["approver_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cpd_request_decided_by"), ["decided_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_cpd_request_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cpd_request_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cpd_request_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cpd_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cpd_request_status"))
        batch_op.drop_index(batch_op.f("ix_cpd_request_school_id"))
        batch_op.drop_index(batch_op.f("ix_cpd_request_member_id"))
        batch_op.drop_index(batch_op.f("ix_cpd_request_decided_by"))
        batch_op.drop_index(batch_op.f("ix_cpd_request_approver_id"))

    op.drop_table("cpd_request")
    with op.batch_alter_table("school_member", schema=None) as batch_op:
        batch_op.drop_constraint("fk_school_member_manager_id_member", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_school_member_manager_id"))
        batch_op.drop_column("manager_id")
