"""Resource search at scale: full-text latency against a LIKE scan on the same data.

Builds 100,000 resources in a fresh SQLite file (schema, FTS5 table and triggers from the real
migrations; bulk insert in one transaction), then times ``search_resources`` (the code path of
``resource search``, with its visibility and hidden filters) for a few hundred realistic queries,
and a ``LIKE '%word%'`` scan returning the same page for a sample of them. Prints p50/p99 and the
ratio. Goal: p99 <= 20 ms on SQLite and >= 50x faster than the scan.

With ``--postgres`` (and the server at 127.0.0.1:5432) it repeats the run on PostgreSQL in a
scratch database with 20,000 resources. Run: ``.venv/bin/python bench/search.py [--postgres]``
(about a minute for SQLite).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, text
from sqlmodel import Session, col, or_, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.figures import Figure, emit
from core.db import make_engine, upgrade
from core.identity.models import Member
from core.resources.models import Resource, ResourceTag
from core.resources.search import PAGE_SIZE, search_resources, search_terms
from core.resources.service import visible_to

NOW = datetime(2026, 11, 23, tzinfo=UTC)
P99_GOAL_MS = 20.0
SPEEDUP_GOAL = 50.0
SUBJECT_TOPICS = {
    "maths": "fractions decimals percentages ratio proportion algebra equations inequalities "
    "sequences graphs gradients trigonometry pythagoras circles angles polygons area volume "
    "probability statistics averages vectors transformations quadratics surds indices "
    "factorising simultaneous-equations place-value times-tables long-division",
    "english": "phonics spelling grammar punctuation vocabulary poetry shakespeare macbeth "
    "persuasive-writing narrative-writing inference comprehension fluency sonnets dickens "
    "rhetoric metaphor unseen-poetry speaking listening debate handwriting reading-for-pleasure",
    "science": "photosynthesis respiration cells enzymes genetics evolution ecosystems atoms "
    "bonding periodic-table acids alkalis electrolysis forces motion energy waves electricity "
    "circuits magnetism radioactivity space rates-of-reaction microscopes practicals",
    "history": "romans vikings normans tudors stuarts industrial-revolution empire slavery "
    "suffrage world-war-one world-war-two holocaust cold-war civil-rights source-analysis "
    "interpretations chronology medieval-medicine elizabethan-england weimar-germany",
    "geography": "rivers coasts glaciation volcanoes earthquakes weather climate-change "
    "urbanisation development population migration tourism fieldwork map-skills "
    "grid-references rainforests deserts ecosystems sustainability resources",
    "computing": "algorithms programming python scratch variables loops selection binary "
    "networks cybersecurity databases sql html spreadsheets data-representation logic-gates",
    "languages": "french spanish german verbs tenses vocabulary-learning listening-exams "
    "translation pronunciation conversation culture",
    "arts": "drawing painting colour-theory printmaking sculpture composition rhythm melody "
    "notation ensemble drama-games improvisation script-writing choreography",
    "pe": "netball football gymnastics athletics fitness swimming dance orienteering "
    "teamwork warm-ups",
    "early-years": "continuous-provision tuff-trays counting mark-making outdoor-learning "
    "sensory-play story-time nursery-rhymes transitions",
}
PEDAGOGY = (
    "exit-tickets hinge-questions retrieval-practice spaced-practice interleaving "
    "worked-examples modelling scaffolding cold-calling mini-whiteboards think-pair-share "
    "dual-coding cognitive-load metacognition self-regulation feedback live-marking "
    "whole-class-feedback peer-assessment questioning oracy group-work knowledge-organisers "
    "homework revision behaviour routines seating-plans restorative-practice send eal "
    "differentiation adaptive-teaching mentoring coaching workload wellbeing parents "
    "curriculum-design assessment data transition attendance"
)
TOPICS = [t.replace("-", " ") for words in SUBJECT_TOPICS.values() for t in words.split()]
TOPICS += [t.replace("-", " ") for t in PEDAGOGY.split()]
FORMS = [
    "templates",
    "guide",
    "worksheet",
    "slides",
    "video",
    "checklist",
    "planner",
    "quiz",
    "poster",
    "lesson plan",
    "card sort",
    "research summary",
    "unit plan",
    "knowledge organiser",
    "starter",
    "homework task",
    "assessment",
    "display",
]
AUDIENCES = [
    "for year 7",
    "for year 9",
    "for ks1",
    "for ks2",
    "for ks3",
    "for gcse",
    "for a level",
    "for reception",
    "for new teachers",
    "for mentors",
    "for middle leaders",
    "for the whole school",
    "for cover lessons",
]
SUBJECTS = list(SUBJECT_TOPICS)
TAGS = [
    "assessment",
    "afl",
    "retrieval",
    "memory",
    "behaviour",
    "send",
    "eal",
    "reading",
    "feedback",
    "ks1",
    "ks2",
    "ks3",
    "ks4",
    "gcse",
    "eyfs",
    "oracy",
    "wellbeing",
    "curriculum",
    "cpd",
    "homework",
    "revision",
    "practical",
    "cover",
    "display",
]
_FILLER = (
    "pupils students class lesson teachers printable editable simple quick evidence research "
    "classroom strategy examples activity plenary support challenge explain check "
    "understanding misconceptions routine independent practice answers mark scheme extension "
    "vocabulary differentiated sequence prior knowledge key questions success criteria model "
    "answers sentence stems diagrams timeline glossary discussion prompts recap low stakes "
    "quiz reflection homework revision booklet year group department shared free resource"
)
FILLER = _FILLER.split()


def _describe(rng: random.Random, subject: str) -> str:
    # Zipf-like: a few words are everywhere, most are rare, as in real descriptions.
    words = rng.choices(
        FILLER, weights=[1 / (r + 1) for r in range(len(FILLER))], k=rng.randint(8, 24)
    )
    topic = rng.choice(SUBJECT_TOPICS[subject].split()).replace("-", " ")
    return " ".join(words) + f", linked to {topic}."


def build(engine: Engine, n: int, rng: random.Random) -> int:
    """Insert ``n`` resources (and their tags) in one transaction; returns a viewer's member id."""
    with Session(engine) as session:
        member = Member(display_name="Bench", created_at=NOW)
        session.add(member)
        session.commit()
        assert member.id is not None
        member_id = member.id
    rows, tag_rows = [], []
    for i in range(1, n + 1):
        subject = rng.choice(SUBJECTS)
        own = SUBJECT_TOPICS[subject].split()
        topic = rng.choice(own if rng.random() < 0.7 else PEDAGOGY.split()).replace("-", " ")
        tags = rng.sample(TAGS, rng.randint(1, 3))
        rows.append(
            {
                "id": i,
                "url": f"https://example.org/r/{i}",
                "url_key": f"https://example.org/r/{i}",
                "title": f"{topic.capitalize()} {rng.choice(FORMS)} {rng.choice(AUDIENCES)}",
                "description": _describe(rng, subject),
                "tags": tags,
                "tag_text": " ".join(tags),
                "subject": subject,
                "phase": "",
                "community_id": None,
                "shared_by": member_id,
                "created_at": NOW,
                "vote_count": int(rng.paretovariate(1.5)) - 1,
                "hidden": rng.random() < 0.01,
                "hidden_reason": "",
            }
        )
        tag_rows.extend({"resource_id": i, "tag": t} for t in tags)
    with engine.begin() as connection:
        for start in range(0, n, 5000):
            connection.execute(insert(Resource), rows[start : start + 5000])
        for start in range(0, len(tag_rows), 10000):
            connection.execute(insert(ResourceTag), tag_rows[start : start + 10000])
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('resource_id_seq', :n)"), {"n": n})
            connection.execute(text("ANALYZE"))
    return member_id


def queries(rng: random.Random, count: int) -> list[str]:
    """What teachers type: a topic, a topic and a kind of resource, a topic and an age group, or
    a teaching approach and a subject."""
    found = []
    for _ in range(count):
        shape = rng.random()
        topic = rng.choice(TOPICS)
        if shape < 0.35:
            found.append(topic)
        elif shape < 0.65:
            found.append(f"{topic} {rng.choice(FORMS)}")
        elif shape < 0.85:
            found.append(f"{topic} {rng.choice(AUDIENCES).split()[-1]}")
        else:
            found.append(f"{rng.choice(PEDAGOGY.split()).replace('-', ' ')} {rng.choice(SUBJECTS)}")
    return found


def matches(session: Session, query: str) -> int:
    """How many resources contain every word (what the search had to rank)."""
    terms = search_terms(query)
    if session.get_bind().dialect.name == "postgresql":
        sql = "SELECT count(*) FROM resource WHERE search_vector @@ plainto_tsquery('english', :q)"
        return int(session.execute(text(sql), {"q": " ".join(terms)}).scalar_one())
    sql = "SELECT count(*) FROM resource_fts WHERE resource_fts MATCH :q"
    quoted = " ".join(f'"{t}"' for t in terms)
    return int(session.execute(text(sql), {"q": quoted}).scalar_one())


def like_scan(session: Session, query: str, member_id: int) -> list[int]:
    """The same page without the index: every word somewhere in the text, most votes first."""
    conditions = [
        or_(
            col(Resource.title).ilike(f"%{term}%"),
            col(Resource.description).ilike(f"%{term}%"),
            col(Resource.tag_text).ilike(f"%{term}%"),
            col(Resource.subject).ilike(f"%{term}%"),
        )
        for term in search_terms(query)
    ]
    stmt = (
        select(Resource.id)
        .where(visible_to(member_id), *conditions)
        .order_by(col(Resource.vote_count).desc(), col(Resource.id).desc())
        .limit(PAGE_SIZE + 1)
    )
    return list(session.exec(stmt))


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(engine: Engine, label: str, n: int, n_queries: int, n_scans: int) -> list[Figure]:
    """Build, time and print; return the figures for bench/run's table."""
    rng = random.Random(20261123)
    started = time.perf_counter()
    member_id = build(engine, n, rng)
    print(f"{label}: built {n:,} resources in {time.perf_counter() - started:.1f} s")
    asked = queries(rng, n_queries)
    with Session(engine) as session:
        for query in asked[:20]:  # warm the page cache and the statement cache
            search_resources(session, query, member_id=member_id)
        fts = [timed(lambda q=q: search_resources(session, q, member_id=member_id)) for q in asked]
        hits = [matches(session, q) for q in asked]
        scan = [timed(lambda q=q: like_scan(session, q, member_id)) for q in asked[:n_scans]]
        paired = fts[:n_scans]
    print(
        f"  full-text  p50 {pct(fts, 50):7.2f} ms   p99 {pct(fts, 99):7.2f} ms   "
        f"({len(fts)} queries, {sum(1 for h in hits if h)} with results, "
        f"median {statistics.median(hits):.0f} matches, max {max(hits):,})"
    )
    narrow = [t for t, h in zip(fts, hits, strict=True) if h <= n // 50]
    broad = [t for t, h in zip(fts, hits, strict=True) if h > n // 50]
    for label_, times in (("<= 2% of all", narrow), ("> 2% of all", broad)):
        if times:
            print(
                f"    matching {label_}: {len(times)} queries, p50 {pct(times, 50):.2f} ms, "
                f"p99 {pct(times, 99):.2f} ms"
            )
    print(f"  LIKE scan  p50 {pct(scan, 50):7.2f} ms   p99 {pct(scan, 99):7.2f} ms   ({n_scans})")
    ratio = statistics.median(s / f for s, f in zip(scan, paired, strict=True))
    print(
        f"  full-text is {ratio:.0f}x faster than the scan (median per query; "
        f"p50 ratio {pct(scan, 50) / pct(paired, 50):.0f}x)"
    )
    on_sqlite = engine.dialect.name == "sqlite"
    p99 = pct(fts, 99)
    return [
        Figure(
            f"resource search p99 ({label}, {n:,} resources)",
            f"{p99:.1f} ms (p50 {pct(fts, 50):.1f})",
            goal=f"<= {P99_GOAL_MS:.0f} ms" if on_sqlite else "(context)",
            met=p99 <= P99_GOAL_MS if on_sqlite else None,
        ),
        Figure(
            f"resource search vs LIKE scan ({label}, {n:,})",
            f"{pct(paired, 50):.1f} ms p50",
            f"{pct(scan, 50):.1f} ms p50 scan",
            f"{ratio:.0f}x faster",
            f">= {SPEEDUP_GOAL:.0f}x",
            ratio >= SPEEDUP_GOAL,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="resources on SQLite")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--scans", type=int, default=40, help="queries also run as a LIKE scan")
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--pg-n", type=int, default=20_000)
    args = parser.parse_args()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        figures += run(engine, "SQLite FTS5", args.n, args.queries, args.scans)
        engine.dispose()
    if args.postgres:
        server = "postgresql+psycopg://postgres@127.0.0.1:5432"
        admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        name = f"staffroom_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            engine = make_engine(f"{server}/{name}")
            upgrade(engine)
            figures += run(engine, "PostgreSQL tsvector", args.pg_n, args.queries, args.scans)
            engine.dispose()
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    emit(figures)


if __name__ == "__main__":
    main()
