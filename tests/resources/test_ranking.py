"""SQLite ranking shortcuts give exactly the results of scoring every match.

``Fts5Search`` leaves unscored the matches of a broad query that cannot reach the page (too few
votes for their best possible bm25) and reads votes through a covering index. These tests build
corpora large enough for the shortcut to apply and compare every page with a plain statement that
scores all matches, for several vote distributions, viewers, filters and pages.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, event, func, insert, literal_column, select, table, text
from sqlalchemy import column as sql_column
from sqlmodel import Session, col

from core.communities.models import Community, CommunityMember
from core.db import make_engine
from core.identity.models import Member
from core.resources.models import Resource, ResourceTag
from core.resources.search import (
    VOTE_DAMPING,
    Fts5Search,
    _boost,
    search_resources,
    search_terms,
)
from core.resources.search_schema import RANK_INDEX
from core.resources.service import visible_to

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SIZE = 2500
WORDS = [
    *("quiz", "retrieval", "fractions", "homework", "reading", "feedback", "phonics"),
    *("revision", "algebra", "poetry", "rivers", "volcanoes", "forces", "circuits"),
    *("vocabulary", "grammar", "behaviour", "marking", "starter", "plenary"),
]
COMMON = ["lesson", "pupils", "class"]
TAGS = ["assessment", "ks2", "ks3", "reading", "behaviour", "send"]
VOTES = {
    "pareto": lambda rng: int(rng.paretovariate(1.5)) - 1,
    "rare": lambda rng: 0 if rng.random() < 0.97 else rng.randint(1, 3),
    "none": lambda rng: 0,
    "popular": lambda rng: rng.randint(0, 400),
}
QUERIES = [
    "lesson",
    "pupils",
    "lesson pupils",
    "class quiz",
    "quiz",
    "homework lesson",
    "reading",
    "fractions pupils class",
]


def _build(engine: Engine, votes: str, rng: random.Random) -> dict[str, int]:
    """SIZE resources: common words everywhere, topic words in about one in ten; some hidden,
    some in an approval-only community that only ``insider`` belongs to."""
    with Session(engine) as session:
        insider, outsider = (
            Member(display_name="In", created_at=NOW),
            Member(display_name="Out", created_at=NOW),
        )
        private = Community(slug="leaders", name="Leaders", approval_required=True, created_at=NOW)
        session.add_all([insider, outsider, private])
        session.flush()
        assert insider.id and outsider.id and private.id
        session.add(CommunityMember(community_id=private.id, member_id=insider.id, joined_at=NOW))
        session.commit()
        ids = {"insider": insider.id, "outsider": outsider.id, "community": private.id}
    rows, tag_rows = [], []
    for i in range(1, SIZE + 1):
        # Titles and descriptions of varied length, so bm25's length normalisation varies.
        title = " ".join(
            rng.sample(WORDS, rng.randint(1, 3)) + rng.sample(COMMON, rng.randint(0, 2))
        )
        description = " ".join(rng.choices(WORDS + COMMON * 4, k=rng.randint(3, 30)))
        tags = rng.sample(TAGS, rng.randint(0, 2))
        rows.append(
            {
                "id": i,
                "url": f"https://example.org/r/{i}",
                "url_key": f"https://example.org/r/{i}",
                "title": title,
                "description": description,
                "tags": tags,
                "tag_text": " ".join(tags),
                "subject": rng.choice(["", "maths", "english", "science"]),
                "phase": "",
                "community_id": ids["community"] if rng.random() < 0.1 else None,
                "shared_by": ids["insider"],
                "created_at": NOW,
                "vote_count": VOTES[votes](rng),
                "hidden": rng.random() < 0.02,
                "hidden_reason": "",
            }
        )
        tag_rows.extend({"resource_id": i, "tag": t} for t in tags)
    with engine.begin() as connection:
        connection.execute(insert(Resource), rows)
        if tag_rows:
            connection.execute(insert(ResourceTag), tag_rows)
    return ids


@pytest.fixture(scope="module", params=list(VOTES))
def corpus(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Engine, dict[str, int]]]:
    """A SQLite file with SIZE resources whose votes follow one distribution."""
    path = tmp_path_factory.mktemp("ranking") / "ranking.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    ids = _build(engine, request.param, random.Random(f"ranking-{request.param}"))
    yield engine, ids
    engine.dispose()


_FTS = table("resource_fts", sql_column("rowid"))


def _everything_scored(
    session: Session, query: str, member_id: int | None, tag: str | None, limit: int, offset: int
) -> list[tuple[int, float]]:
    """The plain statement: every match scored, through the table, no shortcut."""
    terms = search_terms(query)
    relevance = -func.bm25(literal_column("resource_fts"), 10.0, 2.0, 4.0, 4.0)
    votes = col(Resource.vote_count)
    score = (relevance * (1.0 + votes / (votes + VOTE_DAMPING))).label("score")
    where = [
        literal_column("resource_fts").op("MATCH")(" ".join(f'"{t}"' for t in terms)),
        visible_to(member_id),
    ]
    if tag:
        where.append(
            col(Resource.id).in_(select(ResourceTag.resource_id).where(ResourceTag.tag == tag))
        )
    rows = session.execute(
        select(col(Resource.id), score)
        .select_from(_FTS.join(Resource, col(Resource.id) == _FTS.c.rowid))
        .where(*where)
        .order_by(score.desc(), votes.desc(), col(Resource.id).desc())
        .limit(limit)
        .offset(offset)
    )
    return [(int(rid), float(value)) for rid, value in rows]


def _ids(page: list[tuple[int, float]]) -> list[int]:
    return [rid for rid, _score in page]


@pytest.mark.parametrize("viewer", ["nobody", "insider", "outsider"])
@pytest.mark.parametrize("tag", [None, "ks3"])
def test_pages_equal_scoring_every_match(
    corpus: tuple[Engine, dict[str, int]], viewer: str, tag: str | None
) -> None:
    engine, ids = corpus
    member = ids.get(viewer)
    backend = Fts5Search()
    with Session(engine) as session:
        # The shortcut must actually be taken by the broad queries, or this proves nothing.
        assert backend._count(session, ["lesson"]) >= backend.PRUNE_FROM
        for query in QUERIES:
            for page in (1, 2, 7):
                fast = search_resources(
                    session, query, member_id=member, tag=tag, page=page, backend=backend
                )
                offset = (page - 1) * 5
                slow = _everything_scored(session, query, member, tag, 6, offset)
                assert [(r.id, s) for r, s in fast.results] == slow[:5], (query, page)
                assert fast.has_more == (len(slow) > 5)


def test_shortcut_on_every_query_and_page(corpus: tuple[Engine, dict[str, int]]) -> None:
    """With the shortcut forced on all queries (threshold 1), deep pages included."""
    engine, ids = corpus
    backend = Fts5Search()
    backend.PRUNE_FROM = 1
    backend.FIRST_MIN_VOTES = 40  # too high on purpose: the bar must be lowered and re-checked
    terms_of = [search_terms(q) for q in [*QUERIES, "volcanoes", "poetry rivers", "nothing"]]
    with Session(engine) as session:
        where = [visible_to(ids["insider"])]
        for terms in terms_of:
            for limit, offset in ((6, 0), (6, 5), (11, 40), (3, 300)):
                expected = _everything_scored(
                    session, " ".join(terms), ids["insider"], None, limit, offset
                )
                found = backend.ranked(session, terms, where, limit, offset)
                assert found == expected, (terms, offset)


def test_ceiling_bounds_every_relevance(corpus: tuple[Engine, dict[str, int]]) -> None:
    engine, _ids = corpus
    backend = Fts5Search()
    with Session(engine) as session:
        for query in [*QUERIES, "volcanoes", "poetry rivers"]:
            terms = search_terms(query)
            best = session.execute(
                text(
                    # bm25 cannot sit inside an aggregate: the best is the first by relevance.
                    "SELECT -bm25(resource_fts, 10.0, 2.0, 4.0, 4.0) AS relevance "
                    "FROM resource_fts WHERE resource_fts MATCH :q ORDER BY relevance DESC LIMIT 1"
                ),
                {"q": " ".join(f'"{t}"' for t in terms)},
            ).scalar_one()
            ceiling = backend._ceiling(*backend._idf_counts(session, terms))
            assert best is not None and 0 < best < ceiling, query


def test_votes_and_visibility_are_read_through_the_rank_index(
    corpus: tuple[Engine, dict[str, int]],
) -> None:
    engine, ids = corpus
    seen: list[tuple[str, object]] = []

    def record(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        if "bm25" in statement:
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as session:
            search_resources(session, "lesson pupils", member_id=ids["insider"], tag="ks2")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen
    with engine.connect() as connection:
        for statement, params in seen:
            plan = " | ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            )
            assert f"COVERING INDEX {RANK_INDEX}" in plan, plan
            assert "SCAN resource " not in f"{plan} ", plan


@given(
    ceiling=st.floats(min_value=1e-6, max_value=100.0),
    ratio=st.floats(min_value=0.0, max_value=3.0),
)
def test_votes_to_reach_never_skips_a_possible_match(ceiling: float, ratio: float) -> None:
    score = ceiling * ratio
    needed = Fts5Search._votes_to_reach(ceiling, score)
    if 0 < needed < 10**9:
        # The best a match with one vote too few could score stays below the bar.
        assert ceiling * _boost(needed - 1) < score
    if ratio >= 2.0:
        assert needed > 10**9  # votes never double a score
    if ratio <= 1.0:
        assert needed == 0  # any match might reach it without votes
