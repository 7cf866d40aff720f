"""Resource tests run on SQLite and PostgreSQL like every feature (see tests/conftest.py).

``db_url`` is redefined here only in how the PostgreSQL database is emptied between tests: it
touches only tables that exist (while other features' models are ahead of their migrations, the
shared fixture's TRUNCATE names tables that are not there yet), and it is faster (see below).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from core.db import make_engine
from core.models import metadata


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "staffroom.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_database")
    empty_postgres(url)
    yield url


def empty_postgres(url: str) -> None:
    """Remove every row from the run's PostgreSQL database (tables that exist).

    DELETE, children first, rather than TRUNCATE: on a few rows it is some 25 times faster
    (TRUNCATE rewrites every table's files), which keeps this folder's run short. Ids are not
    reset, so tests use the ids they are given rather than assuming #1.
    """
    engine = make_engine(url)
    present = set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name in present:
                connection.execute(text(f'DELETE FROM "{table.name}"'))
    engine.dispose()
