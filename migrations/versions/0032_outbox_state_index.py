"""outbox state index: dropped, ix_outbox_claim (state, next_attempt_at) serves every lookup by state

Every outbox row a burst plans updates each of the table's indexes; this one is a prefix of the
claim index, which answers the same lookups (bench/README.md, the Monday-morning burst).

Revision ID: 0032
Revises: 0001

"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_state", ["state"], unique=False)
