"""The two full-text backends agree, and no query string can make either of them fail."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect
from sqlmodel import Session

from core.db import make_engine
from core.resources.search import Fts5Search, PostgresSearch, search_resources
from core.resources.search_schema import RANK_INDEX
from tests.conftest import empty_postgres
from tests.resources.corpus import load_corpus

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
QUERIES = [
    "exit tickets",
    "assessment",
    "fractions",
    "retrieval practice",
    "behaviour incident",
    "Phonics",
    "feedback marking",
    "questioning",
    "reading",
    "memory",
    "ks3",
    "maths",
    "behaviour",
    "practice",
    "teacher",
    "plans",
    "inclusion",
    "science quiz",
]
AMBIGUOUS = {"questioning"}
"""A strong title match against a weaker match with many votes: bm25 saturates repeated matches
where ts_rank adds them up, so the order of the top two differs. Both return the same five."""


@pytest.fixture(scope="module")
def engines(
    sqlite_template: Path, postgres_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Engine]]:
    """The corpus loaded the same way into a SQLite file and the run's PostgreSQL database."""
    path = tmp_path_factory.mktemp("backends") / "corpus.db"
    shutil.copy(sqlite_template, path)
    empty_postgres(postgres_database)
    found = {
        "sqlite": make_engine(f"sqlite:///{path}"),
        "postgresql": make_engine(postgres_database),
    }
    for engine in found.values():
        with Session(engine) as session:
            load_corpus(session, NOW)
            session.commit()
    yield found
    for engine in found.values():
        engine.dispose()
    empty_postgres(postgres_database)


def _top(engine: Engine, query: str, limit: int = 5) -> list[str]:
    with Session(engine) as session:
        page = search_resources(session, query, member_id=None, page_size=limit)
        return [r.url for r, _score in page.results]


def test_each_engine_uses_its_own_backend(engines: dict[str, Engine]) -> None:
    from core.resources.search import backend_for

    with Session(engines["sqlite"]) as session:
        assert isinstance(backend_for(session), Fts5Search)
    with Session(engines["postgresql"]) as session:
        assert isinstance(backend_for(session), PostgresSearch)
    # The migration made each database's index only on that database.
    lite, pg = inspect(engines["sqlite"]), inspect(engines["postgresql"])
    assert "resource_fts" in lite.get_table_names()
    assert "search_vector" not in {c["name"] for c in lite.get_columns("resource")}
    assert "resource_fts" not in pg.get_table_names()
    assert "search_vector" in {c["name"] for c in pg.get_columns("resource")}
    assert "ix_resource_search_vector" in {i["name"] for i in pg.get_indexes("resource")}
    # SQLite ranks through a covering index of votes and visibility; PostgreSQL has no use for it.
    assert RANK_INDEX in {i["name"] for i in lite.get_indexes("resource")}
    assert RANK_INDEX not in {i["name"] for i in pg.get_indexes("resource")}


@pytest.mark.postgres
@pytest.mark.parametrize("query", QUERIES)
def test_backends_return_the_same_top_results(engines: dict[str, Engine], query: str) -> None:
    lite, pg = _top(engines["sqlite"], query), _top(engines["postgresql"], query)
    assert lite, f"the corpus should match {query!r}"
    assert set(lite) == set(pg)
    if query not in AMBIGUOUS:
        assert lite == pg


_ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120)
_SYNTAX = st.lists(
    st.sampled_from(
        [
            '"',
            "'",
            "*",
            "^",
            ":",
            "(",
            ")",
            "-",
            "+",
            "AND",
            "OR",
            "NOT",
            "NEAR",
            "NEAR(",
            "title:",
            "{title}",
            "\\",
            "&",
            "|",
            "!",
            "<->",
            "''",
            "\x00",
            "exit",
            "tickets",
            "%",
            "_",
        ]
    ),
    max_size=12,
).map(" ".join)


@pytest.mark.postgres
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.one_of(_ANY_TEXT, _SYNTAX))
def test_no_query_string_breaks_search(engines: dict[str, Engine], query: str) -> None:
    for engine in engines.values():
        with Session(engine) as session:
            page = search_resources(session, query, member_id=None, tag="assessment", page=2)
            assert page.page == 2
            search_resources(session, query, member_id=None)
