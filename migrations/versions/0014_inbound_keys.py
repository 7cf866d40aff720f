"""inbound_key: Slack events, signed requests and Telegram updates taken, shared by front-ends

Revision ID: 0014
Revises: 0001

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db
import sqlmodel

revision: str = '0014'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbound_key',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('inbound_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_key_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbound_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_key_expires_at'))
    op.drop_table('inbound_key')
