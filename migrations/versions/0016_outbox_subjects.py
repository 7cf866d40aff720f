"""outbox_subject: whose data each outbox message shows, for privacy delete

Revision ID: 0016
Revises: 0002

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox_subject',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('outbox_id', 'member_id', name='uq_outbox_subject')
    )
    with op.batch_alter_table('outbox_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_subject_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_subject_outbox_id'), ['outbox_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_subject_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_subject_member_id'))
    op.drop_table('outbox_subject')
