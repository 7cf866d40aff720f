"""observation: peer observations and who the observed teacher shared the notes with

Revision ID: 0018
Revises: 0006, 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sqlmodel

import core.db

revision: str = '0018'
down_revision: str | tuple[str, ...] | None = ('0006', '0007')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('observation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('observed_id', sa.Integer(), nullable=False),
    sa.Column('observer_id', sa.Integer(), nullable=True),
    sa.Column('asked_by_observed', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('focus', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('hope', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('lesson', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('went_well', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('next_step', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('drafting', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('drafting_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reflection_prompt_id', sa.Integer(), nullable=True),
    sa.Column('observed_cpd_id', sa.Integer(), nullable=True),
    sa.Column('observer_cpd_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notes_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['observed_id'], ['member.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['observer_id'], ['member.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reflection_prompt_id'], ['reflection_prompt.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['observed_cpd_id'], ['cpd_activity.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['observer_cpd_id'], ['cpd_activity.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observation_observed_id'), ['observed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observation_observer_id'), ['observer_id'], unique=False)

    op.create_table('observation_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('shared_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['observation_id'], ['observation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('observation_id', 'member_id', name='uq_observation_share')
    )
    with op.batch_alter_table('observation_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observation_share_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observation_share_observation_id'), ['observation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('observation_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observation_share_observation_id'))
        batch_op.drop_index(batch_op.f('ix_observation_share_member_id'))

    op.drop_table('observation_share')
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observation_observer_id'))
        batch_op.drop_index(batch_op.f('ix_observation_observed_id'))

    op.drop_table('observation')
