"""The full-text index lives outside the models, so schema comparison must not see it as drift.

Migration ``0005`` creates, for the matching database only, an FTS5 table ``resource_fts`` (plus
the shadow tables SQLite makes for it) and its triggers, or a generated ``search_vector`` column on
``resource`` with the GIN index ``ix_resource_search_vector``. Migration ``0010_search`` adds, on
SQLite only, ``ix_resource_search_rank``: the covering index ranking reads votes and visibility
through (an ``INDEXED BY`` the models cannot express). None of these can be declared as
SQLModel models that work on both databases, so without this filter Alembic's autogenerate (and
``tests/core/test_migrations.py``) would report them as objects to drop. The filter is registered in
Alembic's global comparator registry, the hook Alembic keeps for extensions, and runs last.
"""

from __future__ import annotations

from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.compare import comparators
from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult

FTS_TABLE = "resource_fts"
FTS_TABLES = frozenset(
    {
        FTS_TABLE,
        *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "docsize", "config", "content")),
    }
)
"""The FTS5 table and the shadow tables SQLite keeps for it."""
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "ix_resource_search_vector"
RANK_INDEX = "ix_resource_search_rank"
"""SQLite: (id, vote_count, hidden, community_id), read by ``search.Fts5Search``."""


def _is_search_index_op(op: ops.MigrateOperation) -> bool:
    if isinstance(op, ops.DropTableOp):
        return op.table_name in FTS_TABLES
    if isinstance(op, ops.DropColumnOp):
        return op.table_name == "resource" and op.column_name == VECTOR_COLUMN
    if isinstance(op, ops.DropIndexOp):
        return op.index_name in (VECTOR_INDEX, RANK_INDEX)
    return False


@comparators.dispatch_for("autogenerate", priority=DispatchPriority.LAST)
def _hide_search_index(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps
) -> PriorityDispatchResult:
    kept: list[ops.MigrateOperation] = []
    for op in upgrade_ops.ops:
        if isinstance(op, ops.ModifyTableOps):
            op.ops = [inner for inner in op.ops if not _is_search_index_op(inner)]
            if op.is_empty():
                continue
        elif _is_search_index_op(op):
            continue
        kept.append(op)
    upgrade_ops.ops = kept
    return PriorityDispatchResult.CONTINUE
