"""search rank index

Revision ID: 0010_search
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_search"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# SQLite only: a narrow covering index over what ranking reads from ``resource`` for every
# full-text match (votes, hidden, community). Looking those up in the table itself reads whole rows
# (title, description, links) page by page; the index is a small fraction of the table and stays in
# the page cache. core/resources/search.py reads through it (INDEXED BY) and
# core/resources/search_schema.py keeps autogenerate from proposing to drop it. PostgreSQL ranks
# from its generated search_vector column and needs nothing more.
SQLITE_RANK_INDEX = (
    "CREATE INDEX ix_resource_search_rank ON resource (id, vote_count, hidden, community_id)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_RANK_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_resource_search_rank")
