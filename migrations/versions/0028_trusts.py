"""trusts: groups of schools, and the roles held on a trust

Revision ID: 0028
Revises: 0023
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db

revision: str = "0028"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trust",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "trust_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trust_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=True),
        sa.Column("granted_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["granted_by"], ["member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trust_id"], ["trust.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("trust_id", "member_id", "role", name="uq_trust_role"),
    )
    with op.batch_alter_table("trust_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trust_role_granted_by"), ["granted_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_trust_role_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trust_role_trust_id"), ["trust_id"], unique=False)

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trust_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_school_trust_id"), ["trust_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_school_trust_id_trust", "trust", ["trust_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_constraint("fk_school_trust_id_trust", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_school_trust_id"))
        batch_op.drop_column("trust_id")

    with op.batch_alter_table("trust_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trust_role_trust_id"))
        batch_op.drop_index(batch_op.f("ix_trust_role_member_id"))
        batch_op.drop_index(batch_op.f("ix_trust_role_granted_by"))

    op.drop_table("trust_role")
    op.drop_table("trust")
