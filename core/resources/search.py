"""Full-text search over resources: one interface, a backend per database.

SQLite uses the FTS5 table ``resource_fts`` (porter stemming, bm25 ranking); PostgreSQL uses the
generated ``resource.search_vector`` column with its GIN index (english stemming, ts_rank). Both
are created by migration ``0005``. Both backends receive the same cleaned words (see
:func:`search_terms`): a query is never passed to either database's query syntax as typed, so no
input (quotes, ``AND``/``NEAR``, ``*``, ``:``, brackets) can make search fail.

Ranking is relevance lifted by votes: ``relevance * (1 + votes / (votes + 5))``, so a well-liked
resource can rise above a slightly better textual match but votes never double a score.

On SQLite, a broad query (a common word in thousands of resources) does not score every match:
matches whose votes are too few for even the best possible bm25 to reach the page are skipped, and
votes and visibility are read through a small covering index (migration ``0010_search``). The pages
are exactly those of scoring everything; see :class:`Fts5Search`. With 100,000 resources this took
the slowest queries from about 35 ms to about 15 ms (``bench/search.py``).
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, FromClause, and_, func, literal_column, select, table, text
from sqlalchemy import column as sql_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from core.resources.models import Resource, ResourceTag
from core.resources.search_schema import RANK_INDEX
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


_TOKEN = re.compile(r'-?"[^"]*"?|-?[^\s"]+')


@dataclass(frozen=True, slots=True)
class Atom:
    """One searchable thing: a word, a word's beginning (``mast*``) or a phrase."""

    words: tuple[str, ...]
    prefix: bool = False

    def fts(self) -> str:
        # Quoted: FTS5 reads a plain string, never an operator; words hold only letters/digits.
        return f'"{" ".join(self.words)}"' + ("*" if self.prefix else "")

    def tsquery(self) -> str:
        parts = [f"'{w}'" for w in self.words]
        if self.prefix:
            parts[-1] += ":*"
        return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"


@dataclass(frozen=True, slots=True)
class Query:
    """A search: every clause must match (a clause is one atom, or alternatives joined by OR),
    and no excluded atom may. ``simple`` when it is plain words only."""

    clauses: tuple[tuple[Atom, ...], ...]
    excluded: tuple[Atom, ...] = ()

    @property
    def simple(self) -> bool:
        return not self.excluded and all(
            len(c) == 1 and len(c[0].words) == 1 and not c[0].prefix for c in self.clauses
        )

    @property
    def words(self) -> list[str]:
        return [w for clause in self.clauses for atom in clause for w in atom.words]

    def fts(self) -> str:
        match = " AND ".join(
            "(" + " OR ".join(a.fts() for a in clause) + ")" for clause in self.clauses
        )
        if self.excluded:
            match += " NOT (" + " OR ".join(a.fts() for a in self.excluded) + ")"
        return match

    def tsquery(self) -> str:
        found = " & ".join(
            "(" + " | ".join(a.tsquery() for a in clause) + ")" for clause in self.clauses
        )
        for atom in self.excluded:
            found += f" & !{atom.tsquery()}"
        return found


def _atoms(token: str) -> list[Atom]:
    quoted = token.startswith('"')
    prefix = not quoted and token.endswith("*")
    words = [m.group(0)[:40] for m in _WORD.finditer(token.lower())]
    if quoted:
        return [Atom(tuple(words[:MAX_TERMS]))] if words else []
    kept = [w for w in words if w not in STOP_WORDS] if not prefix else words
    atoms = [Atom((w,)) for w in kept]
    if prefix and atoms and len(atoms[-1].words[0]) >= 2:
        atoms[-1] = Atom(atoms[-1].words, prefix=True)
    return atoms


def parse_query(query: str) -> Query:
    """Words (every one must match), ``a OR b``, ``-word`` to exclude, ``mast*`` for words that
    begin so, and ``"exit tickets"`` for a phrase. Only letters and digits reach the database."""
    clauses: list[list[Atom]] = []
    excluded: list[Atom] = []
    joining = False
    for token in _TOKEN.findall(query):
        if token.upper() == "OR":
            joining = bool(clauses)
            continue
        negative = token.startswith("-") and len(token) > 1
        atoms = _atoms(token[1:] if negative else token)
        if not atoms:
            continue
        if negative:
            excluded.extend(atoms)
        elif joining and clauses:
            clauses[-1].extend(atoms)
        else:
            clauses.extend([a] for a in atoms)
        joining = False
    unique: list[list[Atom]] = []
    for clause in clauses[:MAX_TERMS]:
        if clause not in unique:
            unique.append(clause)
    return Query(tuple(tuple(c) for c in unique), tuple(excluded[:MAX_TERMS]))


VOTE_DAMPING = 5.0
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


class _RankJoin(Join):
    """``resource_fts JOIN resource``, reading ``resource`` through the covering index
    ``RANK_INDEX``.

    Ranking needs only votes, ``hidden`` and ``community_id`` of every match; fetching them from the
    table reads whole rows (titles, descriptions, links) from all over the file, while the index
    holds just these columns and stays in SQLite's page cache: about three times faster per match
    with 100,000 resources. SQLite's planner prefers the primary key for ``id = ?`` lookups, hence
    the explicit ``INDEXED BY``, which SQLAlchemy cannot express for SQLite. A filter on a column
    the index lacks would still work, reading the table row as well.
    """

    inherit_cache = True


@compiles(_RankJoin, "sqlite")
def _indexed_join(element: _RankJoin, compiler: SQLCompiler, **kw: Any) -> str:
    if element.onclause is None:  # Fts5Search always joins on the rowid; nothing else is meant
        raise TypeError("_RankJoin needs its ON clause")
    on = compiler.process(element.onclause, **{**kw, "asfrom": False})
    kw["asfrom"] = True
    left = compiler.process(element.left, **kw)
    right = compiler.process(element.right, **kw)
    return f"{left} JOIN {right} INDEXED BY {RANK_INDEX} ON {on}"


_COUNT_MATCHES = text("SELECT count(*) FROM resource_fts WHERE resource_fts MATCH :match")


def _boost(votes: int) -> float:
    """The vote lift as Python computes it, matching :func:`_boosted`."""
    return 1.0 + votes / (votes + VOTE_DAMPING)


class Fts5Search:
    """SQLite: FTS5 with bm25 (title weighs most, then tags and subject, then description).

    bm25 costs about a microsecond per match (it reads each match's column sizes), so a common word
    matching a fifth of all resources would spend most of its time scoring matches that cannot
    reach the first page. Broad queries therefore skip matches that provably cannot: bm25 never
    exceeds ``(k1 + 1) * sum(idf)`` (its :meth:`_ceiling`), so a resource with ``v`` votes scores
    below ``ceiling * boost(v)``. Once a page's last score is known from the well-voted matches,
    every match with too few votes to reach it is left unscored. The results are exactly those of
    scoring everything (tests compare both); only the work differs.
    """

    name = "sqlite-fts5"
    _fts = table("resource_fts", sql_column("rowid"))
    _K1 = 1.2
    """FTS5's bm25 constant k1 (fixed in SQLite): per term, bm25 stays below idf * (k1 + 1)."""
    PRUNE_FROM = 1000
    """Queries matching fewer resources are scored in full: that costs about a millisecond."""
    FIRST_MIN_VOTES = 4
    """The first guess at the votes a match needs to reach the page (checked, lowered if wrong)."""

    @staticmethod
    def _quoted(terms: list[str]) -> str:
        # Each word quoted: FTS5 reads it as a plain string, never as an operator or column. Terms
        # hold only letters and digits (see search_terms), so they never contain a quote.
        return " ".join(f'"{term}"' for term in terms)

    @classmethod
    def _match(cls, terms: list[str]) -> ColumnElement[bool]:
        return literal_column("resource_fts").op("MATCH")(cls._quoted(terms))

    # The parts of the ranking statement that never change, built once (building them costs
    # about as much as SQLite takes to rank a narrow query). bm25 is lower-is-better and negative;
    # its column weights follow the FTS5 columns (title, description, tag_text, subject).
    _score = _boosted(-func.bm25(literal_column("resource_fts"), 10.0, 2.0, 4.0, 4.0)).label(
        "score"
    )
    _source = _RankJoin(
        _fts, Resource.metadata.tables["resource"], col(Resource.id) == _fts.c.rowid
    )
    _order = (_score.desc(), col(Resource.vote_count).desc(), col(Resource.id).desc())

    def _count(self, session: Session, terms: list[str]) -> int:
        """How many resources contain every word (visible or not): cheap, nothing is scored."""
        found = session.execute(_COUNT_MATCHES, {"match": self._quoted(terms)}).scalar_one()
        return int(found)

    def _idf_counts(self, session: Session, terms: list[str]) -> tuple[int, list[int]]:
        """What bm25's idf is made of, in one statement: an upper bound of the number of indexed
        resources (the highest id) and how many resources contain each word."""
        counts = ", ".join(
            f"(SELECT count(*) FROM resource_fts WHERE resource_fts MATCH :t{i})"
            for i in range(len(terms))
        )
        statement = text(f"SELECT (SELECT max(id) FROM resource), {counts}")
        row = session.execute(
            statement, {f"t{i}": self._quoted([term]) for i, term in enumerate(terms)}
        ).one()
        top, *found = row
        return int(top or 0), [int(n) for n in found]

    def _ceiling(self, rows: int, counts: list[int]) -> float:
        """A relevance no match can reach: per word, FTS5's idf (floored at 1e-6, as FTS5 does)
        times ``k1 + 1``. With ``rows`` at least the real row count, each idf is at least FTS5's.
        """
        total = 0.0
        for hits in counts:
            idf = math.log((rows - hits + 0.5) / (hits + 0.5)) if rows > hits else 0.0
            total += max(idf, 1e-6) * (self._K1 + 1.0)
        return total

    @staticmethod
    def _votes_to_reach(ceiling: float, score: float) -> int:
        """A vote count below which no match can score ``score`` (0 when any match might)."""
        lift = score / ceiling - 1.0  # what votes / (votes + damping) must reach
        if lift <= 0.0:
            return 0
        if lift >= 1.0:
            return sys.maxsize  # votes never double a score: nothing outside can reach it
        # Rounded down (and one less for float safety): a lower bar only scores more matches.
        return max(0, math.floor(VOTE_DAMPING * lift / (1.0 - lift)) - 1)

    def _page(
        self,
        session: Session,
        terms: list[str],
        where: list[ColumnElement[bool]],
        limit: int,
        offset: int,
        min_votes: int,
    ) -> list[tuple[int, float]]:
        conditions = [self._match(terms), *where]
        if min_votes > 0:
            conditions.append(col(Resource.vote_count) >= min_votes)
        rows = session.execute(
            select(col(Resource.id), self._score)
            .select_from(self._source)
            .where(*conditions)
            .order_by(*self._order)
            .limit(limit)
            .offset(offset)
        )
        return [(int(rid), float(value)) for rid, value in rows]

    def ranked(
        self,
        session: Session,
        terms: list[str],
        where: list[ColumnElement[bool]],
        limit: int,
        offset: int,
    ) -> list[tuple[int, float]]:
        matched = self._count(session, terms)
        if matched == 0:
            return []
        if matched < self.PRUNE_FROM:
            return self._page(session, terms, where, limit, offset, min_votes=0)
        ceiling = self._ceiling(*self._idf_counts(session, terms))
        min_votes = self.FIRST_MIN_VOTES
        while True:
            found = self._page(session, terms, where, limit, offset, min_votes)
            if min_votes == 0:
                return found
            if len(found) < limit:
                # Too few well-voted matches to fill the page: no bar is known, score them all.
                min_votes = 0
                continue
            # ``found[-1]`` is the (offset + limit)-th best score among matches with at least
            # ``min_votes`` votes, so the true one is at least as high. A match with fewer votes
            # scores below ceiling * boost(min_votes - 1); if that cannot reach it (ties go to more
            # votes, so to the matches already scored) the page is exact.
            bar = found[-1][1]
            if ceiling * _boost(min_votes - 1) * (1.0 + 1e-9) < bar:
                return found
            min_votes = min(min_votes - 1, self._votes_to_reach(ceiling, bar))


def _fts_query_ranked(
    session: Session, query: Query, where: list[ColumnElement[bool]], limit: int, offset: int
) -> list[tuple[int, float]]:
    """FTS5 for OR, exclusions, prefixes and phrases: scored in full (no pruning)."""
    return [
        (int(rid), float(value))
        for rid, value in session.execute(
            select(col(Resource.id), Fts5Search._score)
            .select_from(Fts5Search._source)
            .where(literal_column("resource_fts").op("MATCH")(query.fts()), *where)
            .order_by(*Fts5Search._order)
            .limit(limit)
            .offset(offset)
        )
    ]


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


def _pg_query_ranked(
    session: Session, query: Query, where: list[ColumnElement[bool]], limit: int, offset: int
) -> list[tuple[int, float]]:
    """PostgreSQL for OR, exclusions, prefixes and phrases (to_tsquery of checked words)."""
    tsquery = func.to_tsquery(literal_column("'english'::regconfig"), query.tsquery())
    vector = PostgresSearch._vector
    return _ranked(
        session,
        relevance=func.ts_rank(vector, tsquery, 1),
        match=vector.op("@@")(tsquery),
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

    ``query`` may use ``a OR b``, ``-word``, ``word*`` and ``"a phrase"`` (see :func:`parse_query`).

    With no searchable words but a tag or community, lists those resources by votes instead, so
    ``resource search #assessment`` browses a tag. Hidden resources never appear.
    """
    parsed = parse_query(query)
    terms = search_terms(query) if parsed.simple else parsed.words
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
    if parsed.clauses and not parsed.simple:
        advanced = (
            _pg_query_ranked
            if session.get_bind().dialect.name == "postgresql"
            else _fts_query_ranked
        )
        found = advanced(session, parsed, where, page_size + 1, offset)
    elif terms:
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
