"""Shared fixtures: real databases (a SQLite file, a PostgreSQL database made for this run),
an injected clock, and a Staffroom app talking to them."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.app import Staffroom
from core.clock import FixedClock
from core.config import Settings
from core.db import make_engine, upgrade
from core.models import metadata

PG_SERVER = os.environ.get(
    "STAFFROOM_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432"
)
PG_ADMIN_DB = "test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in tests may leave the machine: SDK HTTP clients honour proxy variables."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(f"{PG_SERVER}/{PG_ADMIN_DB}", connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # any driver error means the server is not usable
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own for this test run on the local server, upgraded to head, dropped at
    the end. Skipped when the server is unreachable, except under CI, where that is a failure."""
    problem = _postgres_reachable()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_SERVER} is required under CI: {problem}")
        pytest.skip(f"PostgreSQL at {PG_SERVER} unreachable: {problem}")
    name = f"staffroom_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{PG_SERVER}/{PG_ADMIN_DB}", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_SERVER}/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def empty_postgres(url: str) -> None:
    """Empty every table and restart ids at 1, as in a new database.

    DELETE (children first) and ``setval`` rather than TRUNCATE: on a few rows it is many times
    faster, because TRUNCATE rewrites every table's files, and it runs before each PostgreSQL test.
    """
    serial = [t.name for t in metadata.sorted_tables if "id" in t.c and t.c.id.autoincrement]
    engine = make_engine(url)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(text(f'DELETE FROM "{table.name}"'))
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(name, 'id'), 1, false) "
                "FROM unnest(CAST(:names AS text[])) AS name "
                "WHERE pg_get_serial_sequence(name, 'id') IS NOT NULL"
            ),
            {"names": serial},
        )
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, then the run's PostgreSQL database (emptied)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "staffroom.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
    else:
        url: str = request.getfixturevalue("postgres_database")
        empty_postgres(url)
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "staffroom.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


def make_settings(url: str, **sections: dict[str, object]) -> Settings:
    return Settings(database={"url": url}, **sections)  # type: ignore[arg-type]


@pytest.fixture
def app(db_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    """A Staffroom on a fresh database (parametrized: SQLite and PostgreSQL)."""
    staffroom = Staffroom(make_settings(db_url), clock=clock)
    yield staffroom
    staffroom.engine.dispose()


@pytest.fixture
def sqlite_app(sqlite_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    """A Staffroom on a SQLite file only, for tests whose subject is not the database."""
    staffroom = Staffroom(make_settings(sqlite_url), clock=clock)
    yield staffroom
    staffroom.engine.dispose()
