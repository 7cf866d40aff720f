"""link codes are claimed, then confirmed: linkcode.claimed_by and claimed_at

Revision ID: 0012
Revises: 0001

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0012'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('linkcode', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('claimed_at', core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f('ix_linkcode_claimed_by'), ['claimed_by'], unique=False)
        batch_op.create_foreign_key(
            'fk_linkcode_claimed_by_member', 'member', ['claimed_by'], ['id'], ondelete='SET NULL'
        )


def downgrade() -> None:
    with op.batch_alter_table('linkcode', schema=None) as batch_op:
        batch_op.drop_constraint('fk_linkcode_claimed_by_member', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_linkcode_claimed_by'))
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimed_by')
