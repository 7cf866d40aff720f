"""lesson study: a research lesson observed by a group, and the observations that belong to it

Revision ID: 0022
Revises: 0018
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sqlmodel

import core.db

revision: str = '0022'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('lesson_study',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('focus', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('lesson', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('plan_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lesson_study', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_study_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_study_teacher_id'), ['teacher_id'], unique=False)

    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('study_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_observation_study_id'), ['study_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_observation_study_id_lesson_study', 'lesson_study', ['study_id'], ['id'],
            ondelete='CASCADE',
        )


def downgrade() -> None:
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_observation_study_id_lesson_study', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_observation_study_id'))
        batch_op.drop_column('study_id')

    with op.batch_alter_table('lesson_study', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_study_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_lesson_study_community_id'))

    op.drop_table('lesson_study')
