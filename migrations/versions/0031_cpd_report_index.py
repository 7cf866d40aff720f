"""cpd report index: a school's CPD report reads member, day, hours and category from one index

Revision ID: 0031
Revises: 0006

"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_cpd_activity_member_day",
        "cpd_activity",
        ["member_id", "occurred_on", "hours", "category"],
    )


def downgrade() -> None:
    op.drop_index("ix_cpd_activity_member_day", table_name="cpd_activity")
