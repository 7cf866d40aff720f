"""Alembic environment: runs against the engine Staffroom hands it (see core.db.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from core.db import make_engine
from core.models import metadata  # every feature's tables, on one metadata

config = context.config


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("no engine and no sqlalchemy.url given to the migrations")
        engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run staffroom db upgrade")
run_migrations_online()
