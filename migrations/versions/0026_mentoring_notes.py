"""mentor_note.shared: which notes the partner may read

Revision ID: 0026
Revises: 0011

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing notes were written before the partner could read them: they stay unshared.
    with op.batch_alter_table("mentor_note", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shared", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("mentor_note", schema=None) as batch_op:
        batch_op.drop_column("shared")
