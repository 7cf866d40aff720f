"""Full-text search over resources: one interface, a backend per database.

SQLite uses the FTS5 table ``resource_fts`` (porter stemming, bm25 ranking); PostgreSQL uses the
generated ``resource.search_vector`` column with its GIN index (english stemming, ts_rank). Both
are created by migration ``0005``. Both backends receive the same cleaned words (see
:func:`search_terms`): a query is never passed to either database's query syntax as typed, so no
input (quotes, ``AND``/``NEAR``, ``*``, ``:``, brackets) can make search fail.

Ranking is relevance lifted by votes: ``relevance * (1 + votes / (votes + 5))``, so a well-liked
resource can rise above a slightly better textual match but votes never double a score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, FromClause, and_, func, literal_column, select, table
from sqlalchemy import column as sql_column
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from core.resources.models import Resource, ResourceTag
from core.resources.service import visible_to

PAGE_SIZE = 5
MAX_TERMS = 12

# PostgreSQL's english stop words (Snowball's list): dropped on both backends, so that FTS5, which
# keeps every word, matches the same resources as PostgreSQL, which ignores these.
_STOP_WORDS = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
    her hers herself it its itself they them their theirs themselves what which who whom this that
    these those am is are was were be been being have has had having do does did doing a an the
    and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def search_terms(query: str) -> list[str]:
    """The words of a query, lower-cased, without stop words or repeats (at most 12).

    Only letters and digits survive, which is what both databases index, so the result is safe to
    hand to either backend.
    """
    words: list[str] = []
    for match in _WORD.finditer(query.lower()):
        word = match.group(0)[:40]
        if word not in STOP_WORDS and word not in words:
            words.append(word)
    return words[:MAX_TERMS]


VOTE_DAMPING = 5.0


class SearchBackend(Protocol):
    """Ranks the resources that contain every term, within the given filters."""

    name: str

    def ranked(
        self,
        session: Session,
        terms: list[str],
        where: list[ColumnElement[bool]],
        limit: int,
        offset: int,
    ) -> list[tuple[int, float]]:
        """(resource id, score) pairs, best first: relevance lifted by votes."""
        ...


def _boosted(relevance: ColumnElement[float]) -> ColumnElement[float]:
    votes = col(Resource.vote_count)
    return relevance * (1.0 + votes / (votes + VOTE_DAMPING))


def _ranked(
    session: Session,
    *,
    relevance: ColumnElement[float],
    match: ColumnElement[bool],
    where: list[ColumnElement[bool]],
    limit: int,
    offset: int,
    source: FromClause | None = None,
) -> list[tuple[int, float]]:
    """What both backends share: the vote-lifted score, the filters, the order and the page.
    A backend brings its relevance, its match condition and (FTS5) the table it reads from."""
    score = _boosted(relevance).label("score")
    stmt = select(col(Resource.id), score)
    if source is not None:
        stmt = stmt.select_from(source)
    rows = session.execute(
        stmt.where(match, *where)
        .order_by(score.desc(), col(Resource.vote_count).desc(), col(Resource.id).desc())
        .limit(limit)
        .offset(offset)
    )
    return [(int(rid), float(value)) for rid, value in rows]


class Fts5Search:
    """SQLite: FTS5 with bm25 (title weighs most, then tags and subject, then description)."""

    name = "sqlite-fts5"
    _fts = table("resource_fts", sql_column("rowid"))

    @staticmethod
    def _match(terms: list[str]) -> ColumnElement[bool]:
        # Each word quoted: FTS5 reads it as a plain string, never as an operator or column.
        query = " ".join(f'"{term}"' for term in terms)
        return literal_column("resource_fts").op("MATCH")(query)

    @staticmethod
    def _relevance() -> ColumnElement[float]:
        # bm25 is lower-is-better and negative; its column weights follow the FTS5 columns
        # (title, description, tag_text, subject).
        return -func.bm25(literal_column("resource_fts"), 10.0, 2.0, 4.0, 4.0)

    def ranked(
        self,
        session: Session,
        terms: list[str],
        where: list[ColumnElement[bool]],
        limit: int,
        offset: int,
    ) -> list[tuple[int, float]]:
        return _ranked(
            session,
            relevance=self._relevance(),
            match=self._match(terms),
            where=where,
            limit=limit,
            offset=offset,
            source=self._fts.join(Resource, col(Resource.id) == self._fts.c.rowid),
        )


class PostgresSearch:
    """PostgreSQL: the weighted ``search_vector`` (GIN-indexed) with ts_rank.

    ts_rank's normalisation 1 divides by the log of the document's length, like bm25's length
    normalisation, so both backends put the same resources first.
    """

    name = "postgresql-tsvector"
    _vector: ColumnElement[object] = literal_column("resource.search_vector")

    def _query(self, terms: list[str]) -> ColumnElement[object]:
        return func.plainto_tsquery(literal_column("'english'::regconfig"), " ".join(terms))

    def _relevance(self, terms: list[str]) -> ColumnElement[float]:
        return func.ts_rank(self._vector, self._query(terms), 1)

    def ranked(
        self,
        session: Session,
        terms: list[str],
        where: list[ColumnElement[bool]],
        limit: int,
        offset: int,
    ) -> list[tuple[int, float]]:
        return _ranked(
            session,
            relevance=self._relevance(terms),
            match=self._vector.op("@@")(self._query(terms)),
            where=where,
            limit=limit,
            offset=offset,
        )


def backend_for(session: Session) -> SearchBackend:
    """The backend for the database the session is connected to."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return PostgresSearch()
    return Fts5Search()


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results (best first) and whether another page follows."""

    results: list[tuple[Resource, float]]
    page: int
    has_more: bool
    terms: list[str]


def search_resources(
    session: Session,
    query: str,
    *,
    member_id: int | None,
    tag: str | None = None,
    community_id: int | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    backend: SearchBackend | None = None,
) -> SearchPage:
    """Resources the member may see that contain every word of ``query``, best first.

    With no searchable words but a tag or community, lists those resources by votes instead, so
    ``resource search #assessment`` browses a tag. Hidden resources never appear.
    """
    terms = search_terms(query)
    where: list[ColumnElement[bool]] = [visible_to(member_id)]
    if tag:
        where.append(
            col(Resource.id).in_(
                select(col(ResourceTag.resource_id)).where(col(ResourceTag.tag) == tag)
            )
        )
    if community_id is not None:
        where.append(col(Resource.community_id) == community_id)
    offset = (max(page, 1) - 1) * page_size
    if terms:
        found = (backend or backend_for(session)).ranked(
            session, terms, where, page_size + 1, offset
        )
    elif tag or community_id is not None:
        found = [
            (int(rid), float(votes))
            for rid, votes in session.execute(
                select(col(Resource.id), col(Resource.vote_count))
                .where(and_(*where))
                .order_by(col(Resource.vote_count).desc(), col(Resource.id).desc())
                .limit(page_size + 1)
                .offset(offset)
            )
        ]
    else:
        found = []
    shown = found[:page_size]
    by_id = {
        r.id: r
        for r in session.exec(
            sqlmodel_select(Resource).where(col(Resource.id).in_([rid for rid, _score in shown]))
        )
    }
    results = [(by_id[rid], score) for rid, score in shown if rid in by_id]
    return SearchPage(results, max(page, 1), len(found) > page_size, terms)
