"""Database engine, column types and schema migrations.

SQLite (a file, WAL mode) by default, PostgreSQL by URL. Alembic migrations are the only way the
schema is created or changed; :func:`upgrade` runs them programmatically.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, create_engine, event, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back timezone-aware datetimes (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONList = JSON
"""A JSON column (lists of strings in profiles, payloads in the outbox)."""


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    Statement parameters are never shown in errors or logs (``hide_parameters``): they carry
    journal entries and names."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
    )


class CommitOutcomeUnknown(Exception):
    """The connection to the database was lost after COMMIT was sent and before its answer came
    back: the transaction may be stored or not, and nobody here can tell which."""


def commit(session: Session) -> None:
    """Commit the session's transaction, telling a lost answer apart from a failure.

    Every pending statement is flushed first, so an error in one of them (a constraint, a lost
    connection) still happens before COMMIT and means nothing was stored. Only the COMMIT itself
    is left: if the connection drops while it is under way, the server may have carried it out,
    which :class:`CommitOutcomeUnknown` says. SQLite commits into a local file and answers for
    certain, so its errors stay what they are.
    """
    session.flush()
    try:
        session.commit()
    except DBAPIError as exc:
        if exc.connection_invalidated and session.get_bind().dialect.name != "sqlite":
            raise CommitOutcomeUnknown from exc
        raise


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations")))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema up to ``revision`` (default: the newest of every branch)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(_alembic_config(engine), revision)


def schema_state(engine: Engine) -> tuple[str | None, str]:
    """The database's current revision(s) (None when empty) and the newest available, each as
    comma-separated sorted revision ids, so equal strings mean the schema is up to date."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(_alembic_config(engine)).get_heads()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return (",".join(sorted(current)) or None), ",".join(sorted(heads))


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


__all__ = [
    "CommitOutcomeUnknown",
    "JSONList",
    "UTCDateTime",
    "commit",
    "is_empty",
    "make_engine",
    "schema_state",
    "session_scope",
    "upgrade",
]
