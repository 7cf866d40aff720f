"""installations: Slack workspaces and Grid organisations installed by OAuth, their workspaces,
and one-time OAuth states

Revision ID: 0019
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sqlmodel

import core.db

revision: str = "0019"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("enterprise_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("team_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("app_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("enterprise_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("enterprise_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("team_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("bot_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("bot_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("bot_scopes", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("bot_token_sealed", sa.Text(), nullable=True),
        sa.Column("bot_refresh_token_sealed", sa.Text(), nullable=True),
        sa.Column("bot_token_expires_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("installer_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("token_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("installed_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_reason", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "enterprise_key", "team_key", name="uq_installation_scope"),
    )
    with op.batch_alter_table("installation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_installation_team_key"), ["team_key"], unique=False)

    op.create_table(
        "installation_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("enterprise_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seen_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "team_id", name="uq_installation_team"),
    )
    with op.batch_alter_table("installation_team", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_installation_team_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "oauth_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state_hash"),
    )
    with op.batch_alter_table("oauth_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_state_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oauth_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_state_expires_at"))

    op.drop_table("oauth_state")
    with op.batch_alter_table("installation_team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_installation_team_enterprise_id"))

    op.drop_table("installation_team")
    with op.batch_alter_table("installation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_installation_team_key"))

    op.drop_table("installation")
