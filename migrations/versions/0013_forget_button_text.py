"""forget stored button commands that carried the start of a journal entry

Revision ID: 0013
Revises: 0009

Buttons that logged a journal entry as CPD used to carry its first words in their command; new
ones name the entry by id only. The old keys are removed (no member link to delete them by):
such a button, pressed again, says it has expired.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM action_key WHERE command LIKE 'cpd log %' AND command LIKE '%reflection=%'"
        )
    )


def downgrade() -> None:
    pass  # the text is gone on purpose
