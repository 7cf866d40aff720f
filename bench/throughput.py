"""Core command throughput: ``cpd log`` and ``resource search`` through ``Staffroom.dispatch``,
against the database driver doing the bare minimum, measured in the same run.

Writes: ``cpd log 1.5 "..." category=course`` per second (each one a whole command: resolve the
account, parse, validate, insert, commit) against raw insert-and-commit transactions per second
of a row of the same shape, through ``sqlite3`` with the pragmas Staffroom sets (WAL,
synchronous=NORMAL, foreign keys, busy timeout) or through ``psycopg``. Goal: at least 0.5 of raw.

Reads: ``resource search <words>`` per second over 5,000 realistic resources (the generator of
bench/search.py) against the same full-text query sent raw (FTS5 ``MATCH`` on SQLite,
``plainto_tsquery`` on PostgreSQL) and fetching the first page. Shown for context; no goal.

Both sides run one command at a time on one connection, in alternating rounds, so a noisy
neighbour slows both alike. Members rotate over 50 accounts so the per-member limit never trips.

    .venv/bin/python bench/throughput.py [--commands 1000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import Figure, at_least, emit
from bench.search import build, queries
from core.app import Staffroom
from core.config import Settings
from core.db import make_engine, upgrade
from core.invocation import ChannelRef, Invocation
from core.reply import Reply
from core.resources.search import search_terms

WRITE_GOAL = 0.5
MEMBERS = 50
RESOURCES = 5_000
ROUNDS = 4
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
RAW_TABLE = """CREATE TABLE IF NOT EXISTS raw_activity (
    id {pk}, member_id INTEGER NOT NULL, occurred_on DATE NOT NULL, hours FLOAT NOT NULL,
    category VARCHAR(60) NOT NULL, title VARCHAR(200) NOT NULL, standards TEXT NOT NULL,
    notes TEXT NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)"""
RAW_INSERT = (
    "INSERT INTO raw_activity (member_id, occurred_on, hours, category, title, standards, notes, "
    "created_at, updated_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
)


class Rates:
    """Operations and seconds, summed over rounds."""

    def __init__(self) -> None:
        self.done = 0
        self.seconds = 0.0

    def time(self, operations: list[Callable[[], object]]) -> None:
        started = time.perf_counter()
        for operation in operations:
            operation()
        self.seconds += time.perf_counter() - started
        self.done += len(operations)

    @property
    def per_second(self) -> float:
        return self.done / self.seconds


def say(app: Staffroom, n: int, words: str) -> Reply:
    user = f"teacher{n % MEMBERS}"
    return app.dispatch(
        Invocation(
            platform="console",
            tenant="bench",
            user_id=user,
            display_name=user.title(),
            text=words,
            channel=ChannelRef(id=f"dm-{user}", direct=True),
        )
    )


def checked(reply: Reply, words: str) -> None:
    """A benchmark of failing commands would measure the wrong thing: stop at the first."""
    if reply.tone == "error":
        raise RuntimeError(f"{words!r} failed: {reply.plain_text()}")


class RawSqlite:
    """The baseline on SQLite: a plain sqlite3 connection with Staffroom's pragmas."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            self.connection.execute(f"PRAGMA {pragma}")
        self.connection.execute("PRAGMA busy_timeout=30000")
        self.connection.execute(RAW_TABLE.format(pk="INTEGER PRIMARY KEY"))
        self.insert_sql = RAW_INSERT.format(p="?")

    def insert(self, n: int) -> None:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
        self.connection.execute("BEGIN")
        self.connection.execute(
            self.insert_sql,
            (
                n % MEMBERS,
                date.today().isoformat(),
                1.5,
                "course",
                f"Workshop {n}",
                "[]",
                "",
                now,
                now,
            ),
        )
        self.connection.execute("COMMIT")

    def search(self, terms: list[str]) -> None:
        quoted = " ".join(f'"{t}"' for t in terms)
        self.connection.execute(
            "SELECT r.id, r.title FROM resource_fts JOIN resource r ON r.id = resource_fts.rowid "
            "WHERE resource_fts MATCH ? ORDER BY bm25(resource_fts) LIMIT 6",
            (quoted,),
        ).fetchall()

    def close(self) -> None:
        self.connection.close()


class RawPostgres:
    """The baseline on PostgreSQL: one psycopg connection, one transaction per insert."""

    def __init__(self, dsn: str) -> None:
        self.connection = psycopg.connect(dsn)
        with self.connection.transaction():
            self.connection.execute(RAW_TABLE.format(pk="SERIAL PRIMARY KEY"))
        self.insert_sql = RAW_INSERT.format(p="%s")

    def insert(self, n: int) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        with self.connection.transaction():
            self.connection.execute(
                self.insert_sql,
                (n % MEMBERS, date.today(), 1.5, "course", f"Workshop {n}", "[]", "", now, now),
            )

    def search(self, terms: list[str]) -> None:
        self.connection.execute(
            "SELECT id, title FROM resource WHERE search_vector @@ plainto_tsquery('english', %s) "
            "ORDER BY ts_rank(search_vector, plainto_tsquery('english', %s)) DESC LIMIT 6",
            (" ".join(terms), " ".join(terms)),
        ).fetchall()
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


def measure(
    label: str, app: Staffroom, raw: RawSqlite | RawPostgres, commands: int
) -> list[Figure]:
    rng = random.Random(20261123)
    build(app.engine, RESOURCES, rng)
    asked = queries(rng, commands)
    for n in range(MEMBERS):  # first contact creates each member: not what is measured
        checked(say(app, n, "help"), "help")
    for query in asked[:50]:
        raw.search(search_terms(query))
        checked(say(app, 0, f"resource search {query}"), query)

    chunk = commands // ROUNDS
    logs, raw_inserts, searches, raw_searches = Rates(), Rates(), Rates(), Rates()

    def log_command(n: int) -> Callable[[], None]:
        words = f'cpd log 1.5 "Workshop {n}" category=course'
        return lambda: checked(say(app, n, words), words)

    def search_command(n: int) -> Callable[[], None]:
        words = f"resource search {asked[n]}"
        return lambda: checked(say(app, n, words), words)

    for r in range(ROUNDS):
        span = range(r * chunk, (r + 1) * chunk)
        raw_inserts.time([lambda n=n: raw.insert(n) for n in span])
        logs.time([log_command(n) for n in span])
        raw_searches.time([lambda n=n: raw.search(search_terms(asked[n])) for n in span])
        searches.time([search_command(n) for n in span])

    write_ratio = logs.per_second / raw_inserts.per_second
    read_ratio = searches.per_second / raw_searches.per_second
    print(f"{label}: {logs.done} of each, {ROUNDS} alternating rounds")
    print(
        f"  cpd log          {logs.per_second:9,.0f} commands/s   raw insert+commit "
        f"{raw_inserts.per_second:9,.0f} tx/s   ratio {write_ratio:.3f} (goal >= {WRITE_GOAL})"
    )
    print(
        f"  resource search  {searches.per_second:9,.0f} commands/s   raw full-text query "
        f"{raw_searches.per_second:9,.0f} q/s    ratio {read_ratio:.3f}"
    )
    return [
        Figure(
            f"cpd log through dispatch ({label})",
            f"{logs.per_second:,.0f} cmd/s",
            f"{raw_inserts.per_second:,.0f} raw tx/s",
            f"{write_ratio:.3f}",
            f">= {WRITE_GOAL} of raw",
            at_least(write_ratio, WRITE_GOAL),
        ),
        Figure(
            f"resource search through dispatch ({label}, {RESOURCES:,} resources)",
            f"{searches.per_second:,.0f} cmd/s",
            f"{raw_searches.per_second:,.0f} raw q/s",
            f"{read_ratio:.3f}",
            "(context)",
        ),
    ]


def staffroom(url: str) -> Staffroom:
    settings = Settings(
        database={"url": url},  # type: ignore[arg-type]
        limits={"commands_per_minute": 10_000},  # type: ignore[arg-type]
    )
    return Staffroom(settings)


def on_sqlite(commands: int) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/staffroom.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = staffroom(url)
        # The raw side shares the file (and so the WAL and its checkpoints) and reads the same
        # resources; the two sides take turns, never write at the same time.
        raw = RawSqlite(Path(folder) / "staffroom.db")
        try:
            return measure("SQLite", app, raw, commands)
        finally:
            raw.close()
            app.engine.dispose()


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """A database created for this run and dropped after it; yields its SQLAlchemy URL."""
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    name = f"staffroom_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def on_postgres(commands: int) -> list[Figure]:
    with scratch_postgres() as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = staffroom(url)
        raw = RawPostgres(url.replace("postgresql+psycopg://", "postgresql://"))
        try:
            return measure("PostgreSQL", app, raw, commands)
        finally:
            raw.close()
            app.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=1000, help="of each kind, per database")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    figures = on_sqlite(args.commands)
    if not args.no_postgres:
        figures += on_postgres(args.commands)
    emit(figures)


if __name__ == "__main__":
    main()
