"""Migrations are the only way the schema is made: empty to head and back, on both databases."""

from __future__ import annotations

from sqlalchemy import inspect

from core.db import downgrade, make_engine, schema_state, upgrade
from core.models import metadata


def test_empty_to_head_and_back(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        downgrade(engine, "base")
        assert schema_state(engine)[0] is None
        upgrade(engine)
        current, head = schema_state(engine)
        assert current == head
        tables = set(inspect(engine).get_table_names())
        assert {t.name for t in metadata.sorted_tables} <= tables
    finally:
        upgrade(engine)
        engine.dispose()


def test_models_and_migrations_agree(db_url: str) -> None:
    """Autogenerate finds nothing to do: every model change has a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []
