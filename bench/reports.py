"""``report cpd`` at school and trust size: the Staffroom path against the raw SQL of the same
aggregation, measured in the same run.

    .venv/bin/python bench/reports.py [--members 2000] [--activities 100000] [--schools 20]
        [--runs 40] [--trust-runs 8] [--postgres] [--no-index]

One school of ``--members`` members with ``--activities`` CPD activities over two CPD years is
seeded with set-based inserts (SQLAlchemy Core ``insert`` with many rows: the driver's
``executemany``), then ``--schools - 1`` more schools like it (a trust: 20 schools, 2,000,000
activities; the later schools' activities are copied from the first's with one ``INSERT ...
SELECT`` each). The report is this CPD year's (``report cpd`` with no period, on 15 June 2027).

Timed, one run after another in alternating order so a noisy neighbour slows every side alike:

- **Staffroom**: :func:`core.schools.service.cpd_report` (the service behind ``report cpd``) in
  a fresh session, as a command would; and once again as the whole command through
  ``Staffroom.dispatch`` (resolve the lead, check the role, build the reply and the CSV).
- **raw**: the same three statements the service sends (hours and activities per member, hours
  per category, the school's members by name), written by hand and sent through the bare driver
  (``sqlite3`` with Staffroom's pragmas, or ``psycopg``), rows fetched into tuples.

The trust is timed through :func:`core.schools.trust_reports.trust_cpd_report` (what
``report cpd`` answers a trust admin with: the trust's schools, then their members, totals and
categories, each in one statement grouped over the whole trust) and through dispatch as the
trust admin, against the raw statements of the same work; the old school-by-school work (each
school's statements, one school after the other) is shown for context. Figures: p50 and p99
of each side, and their ratios (goal: Staffroom ≤ 2× raw). Query plans (``EXPLAIN``) are
printed so a slow side can be explained; then, unless ``--no-index``, the covering index of
migration 0031 is dropped on this scratch database and both are timed again, for context. SQLite by default;
``--postgres`` runs on a scratch PostgreSQL database created and dropped here.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, insert, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import Figure, at_most, emit
from bench.throughput import scratch_postgres
from core.app import Staffroom
from core.clock import FixedClock
from core.config import Settings
from core.cpd.models import CpdActivity
from core.cpd.periods import Period, parse_period
from core.cpd.settings import DEFAULT_CATEGORIES
from core.db import make_engine, upgrade
from core.identity.models import Account, Member
from core.invocation import ChannelRef, Invocation
from core.schools.models import RoleName, School, SchoolMember, SchoolRole, Trust, TrustRole
from core.schools.service import cpd_report
from core.schools.trust_reports import trust_cpd_report

GOAL = 2.0
NOW = datetime(2027, 6, 15, 9, 0, tzinfo=UTC)
FIRST_DAY = date(2025, 9, 1)
"""Activities run from the start of last CPD year to today: about 45% fall in this one."""
BATCH = 20_000
DROP_INDEX = "DROP INDEX ix_cpd_activity_member_day"
"""The covering index of the report's statements (migration 0031): each member's activities by
day, holding the hours and category the report sums, so no row is read."""
TRUST_ID = 1
ACTIVITY_COLUMNS = (
    "member_id",
    "occurred_on",
    "hours",
    "category",
    "title",
    "standards",
    "notes",
    "created_at",
    "updated_at",
)
TRUST_ADMIN = 9_999_999
"""The trust admin's member id: past every school's members."""

PER_MEMBER = """SELECT member_id, sum(hours), count(*) FROM cpd_activity
WHERE member_id IN (SELECT member_id FROM school_member WHERE school_id = {p})
  AND occurred_on >= {p} AND occurred_on <= {p}
GROUP BY member_id"""
PER_CATEGORY = """SELECT category, sum(hours) FROM cpd_activity
WHERE member_id IN (SELECT member_id FROM school_member WHERE school_id = {p})
  AND occurred_on >= {p} AND occurred_on <= {p}
GROUP BY category"""
PEOPLE = """SELECT member.id, member.display_name FROM member
JOIN school_member ON school_member.member_id = member.id WHERE school_member.school_id = {p}"""
SCHOOLS = "SELECT id, name FROM school WHERE trust_id = {p} ORDER BY name"
TRUST_MEMBERS = """SELECT school_id, count(*) FROM school_member WHERE school_id IN ({ids})
GROUP BY school_id"""
TRUST = """SELECT school_member.school_id, sum(hours), count(*), count(DISTINCT cpd_activity.member_id)
FROM cpd_activity JOIN school_member ON school_member.member_id = cpd_activity.member_id
WHERE school_member.school_id IN ({ids}) AND occurred_on >= {p} AND occurred_on <= {p}
GROUP BY school_member.school_id"""
TRUST_CATEGORIES = """SELECT category, sum(hours) FROM cpd_activity
WHERE member_id IN (SELECT member_id FROM school_member WHERE school_id IN ({ids}))
  AND occurred_on >= {p} AND occurred_on <= {p}
GROUP BY category"""


# Seeding -------------------------------------------------------------------------------------


def _table(model: Any) -> Any:
    return model.__table__


def seed_school(engine: Engine, number: int, members: int, activities: int) -> None:
    """School ``number`` (from 1): its members (the first is its CPD lead, with a console
    account), and ``activities`` activities spread over them and over two CPD years, in
    batches of many rows; the schools after the first get a copy of the first's activities."""
    first = (number - 1) * members + 1
    ids = range(first, first + members)
    days = (NOW.date() - FIRST_DAY).days
    stamp = NOW
    with engine.begin() as connection:
        connection.execute(
            insert(_table(School)),
            [
                {
                    "id": number,
                    "name": f"School {number}",
                    "join_code": f"B{number:07}",
                    "created_at": stamp,
                    "trust_id": TRUST_ID,
                }
            ],
        )
        connection.execute(
            insert(_table(Member)),
            [
                {
                    "id": m,
                    "display_name": f"Teacher {m}",
                    "timezone": "Europe/London",
                    "language": "en",
                    "created_at": stamp,
                }
                for m in ids
            ],
        )
        connection.execute(
            insert(_table(SchoolMember)),
            [{"school_id": number, "member_id": m, "joined_at": stamp} for m in ids],
        )
        connection.execute(
            insert(_table(Account)),
            [
                {
                    "member_id": first,
                    "platform": "console",
                    "tenant": "bench",
                    "user_id": f"lead-{number}",
                    "display_name": f"Teacher {first}",
                    "dm_channel": f"dm-lead-{number}",
                    "created_at": stamp,
                    "last_seen_at": stamp,
                }
            ],
        )
        connection.execute(
            insert(_table(SchoolRole)),
            [
                {
                    "school_id": number,
                    "member_id": first,
                    "role": "cpd-lead",
                    "granted_at": stamp,
                }
            ],
        )
        if number > 1:
            # The activities of school 1 again, for this school's members: one INSERT ...
            # SELECT, the same statement on both databases, and 20 times faster than sending
            # rows (2,000,000 rows in seconds rather than minutes).
            columns = ", ".join(ACTIVITY_COLUMNS)
            copied = ", ".join(
                "member_id + :offset" if c == "member_id" else c for c in ACTIVITY_COLUMNS
            )
            connection.execute(
                text(
                    f"INSERT INTO cpd_activity ({columns}) SELECT {copied} FROM cpd_activity "
                    "WHERE member_id BETWEEN 1 AND :members ORDER BY id"
                ),
                {"offset": first - 1, "members": members},
            )
            return
        rng = random.Random(number)
        for start in range(0, activities, BATCH):
            connection.execute(
                insert(_table(CpdActivity)),
                [
                    {
                        "member_id": first + n % members,
                        "occurred_on": FIRST_DAY + timedelta(days=rng.randrange(days)),
                        "hours": rng.choice((0.5, 1.0, 1.5, 2.0, 3.0, 6.0)),
                        "category": rng.choice(DEFAULT_CATEGORIES),
                        "title": f"Activity {n}",
                        "standards": [],
                        "notes": "",
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                    for n in range(start, min(activities, start + BATCH))
                ],
            )


def seed_trust(engine: Engine) -> None:
    """The trust the schools belong to, and its trust admin (a member of none of them)."""
    stamp = NOW
    with engine.begin() as connection:
        connection.execute(
            insert(_table(Trust)), [{"id": TRUST_ID, "name": "Bench Trust", "created_at": stamp}]
        )
        connection.execute(
            insert(_table(Member)),
            [
                {
                    "id": TRUST_ADMIN,
                    "display_name": "Trust Admin",
                    "timezone": "Europe/London",
                    "language": "en",
                    "created_at": stamp,
                }
            ],
        )
        connection.execute(
            insert(_table(Account)),
            [
                {
                    "member_id": TRUST_ADMIN,
                    "platform": "console",
                    "tenant": "bench",
                    "user_id": "trust-admin",
                    "display_name": "Trust Admin",
                    "dm_channel": "dm-trust-admin",
                    "created_at": stamp,
                    "last_seen_at": stamp,
                }
            ],
        )
        connection.execute(
            insert(_table(TrustRole)),
            [
                {
                    "trust_id": TRUST_ID,
                    "member_id": TRUST_ADMIN,
                    "role": RoleName.TRUST_ADMIN.value,
                    "granted_at": stamp,
                }
            ],
        )


def after_seeding(engine: Engine) -> None:
    """Fresh planner statistics, as a database in use has them, and (PostgreSQL) sequences past
    the ids given by hand and the visibility map autovacuum would have made by now (without
    it, PostgreSQL plans no index-only scan)."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        return
    with engine.begin() as connection:
        for table in ("member", "school"):
            connection.execute(
                text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE)"))


# The raw side --------------------------------------------------------------------------------


class Raw:
    """The bare driver: sqlite3 with Staffroom's pragmas, or one psycopg connection."""

    def __init__(self, url: str) -> None:
        self.postgres = url.startswith("postgresql")
        self.connection: Any
        if self.postgres:
            self.connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
            mark = "%s"
        else:
            self.connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
                self.connection.execute(f"PRAGMA {pragma}")
            mark = "?"
        self.mark = mark
        self.sql = [q.format(p=mark) for q in (PER_MEMBER, PER_CATEGORY, PEOPLE, SCHOOLS)]

    def _day(self, day: date) -> object:
        return day if self.postgres else day.isoformat()

    def _rows(self, sql: str, params: tuple[object, ...]) -> list[Any]:
        rows = self.connection.execute(sql, params).fetchall()
        if self.postgres:
            self.connection.commit()  # one transaction each, as a session's would be
        return list(rows)

    def school(self, school_id: int, period: Period) -> int:
        """The three statements of one school's report; the rows fetched."""
        assert period.start is not None and period.end is not None
        span = (school_id, self._day(period.start), self._day(period.end))
        rows = self._rows(self.sql[0], span)
        rows += self._rows(self.sql[1], span)
        rows += self._rows(self.sql[2], (school_id,))
        return len(rows)

    def schools(self, period: Period) -> int:
        """The old trust report's work, for context: its schools, then each school's
        statements."""
        found = self._rows(self.sql[3], (TRUST_ID,))
        return sum(self.school(school_id, period) for school_id, _name in found)

    def trust(self, period: Period) -> int:
        """The trust report's statements: its schools, then members, totals and categories
        grouped over all of them (the school ids inlined as the service's are bound)."""
        assert period.start is not None and period.end is not None
        ids = [school_id for school_id, _name in self._rows(self.sql[3], (TRUST_ID,))]
        marks = ", ".join([self.mark] * len(ids))
        span = (*ids, self._day(period.start), self._day(period.end))
        rows = self._rows(TRUST_MEMBERS.format(ids=marks), tuple(ids))
        rows += self._rows(TRUST.format(ids=marks, p=self.mark), span)
        rows += self._rows(TRUST_CATEGORIES.format(ids=marks, p=self.mark), span)
        return len(rows)

    def explain(self, school_id: int, period: Period) -> str:
        assert period.start is not None and period.end is not None
        span = (school_id, self._day(period.start), self._day(period.end))
        prefix = "EXPLAIN ANALYZE " if self.postgres else "EXPLAIN QUERY PLAN "
        lines = [str(row[-1]) for row in self._rows(prefix + self.sql[0], span)]
        return "\n".join("    " + line for line in lines)

    def close(self) -> None:
        self.connection.close()


# Timing --------------------------------------------------------------------------------------


@dataclass
class Samples:
    label: str
    seconds: list[float]

    def p(self, percent: int) -> float:
        ordered = sorted(self.seconds)
        index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
        return ordered[index] if percent < 100 else ordered[-1]

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p99(self) -> float:
        return self.p(99)


def race(sides: dict[str, Callable[[], object]], runs: int) -> dict[str, Samples]:
    """Each side ``runs`` times, after one warm-up each, in an order that rotates every run."""
    for side in sides.values():
        side()
    samples = {name: Samples(name, []) for name in sides}
    names = list(sides)
    for run in range(runs):
        for name in names[run % len(names) :] + names[: run % len(names)]:
            started = time.perf_counter()
            sides[name]()
            samples[name].seconds.append(time.perf_counter() - started)
    return samples


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def figures_for(
    what: str, samples: dict[str, Samples], side: str, baseline: str = "raw"
) -> list[Figure]:
    mine, raw = samples[side], samples[baseline]
    out = []
    for name, mine_p, raw_p in (("p50", mine.p50, raw.p50), ("p99", mine.p99, raw.p99)):
        ratio = mine_p / raw_p
        out.append(
            Figure(
                f"{what}: {side} {name}",
                ms(mine_p),
                f"{ms(raw_p)} raw SQL",
                f"{ratio:.2f}",
                f"<= {GOAL:g}x raw",
                at_most(ratio, GOAL),
            )
        )
    return out


# The benchmark -------------------------------------------------------------------------------


def dispatcher(app: Staffroom, user: str) -> Callable[[], object]:
    """``report cpd`` as ``user`` (a school's lead: its report; the trust admin: the trust's)."""
    invocation = Invocation(
        platform="console",
        tenant="bench",
        user_id=user,
        display_name="Lead",
        text="report cpd",
        channel=ChannelRef(id=f"dm-{user}", direct=True),
    )

    def run() -> object:
        reply = app.dispatch(invocation)
        if reply.tone == "error" or not reply.attachments:
            raise RuntimeError(f"report cpd failed: {reply.plain_text()}")
        return reply

    return run


def service(app: Staffroom, school: int, period: Period) -> Callable[[], object]:
    def run() -> object:
        with Session(app.engine) as session:
            return cpd_report(session, school, period)

    return run


def trust_service(app: Staffroom, period: Period) -> Callable[[], object]:
    def run() -> object:
        with Session(app.engine) as session:
            return trust_cpd_report(session, TRUST_ID, period)

    return run


def fresh(raw: Raw, app: Staffroom, url: str) -> Raw:
    """New connections on both sides after the schema or its statistics changed: a connection
    keeps the plans of the statements it has already prepared (seen on SQLite)."""
    raw.close()
    app.engine.dispose()
    return Raw(url)


def measure(url: str, args: argparse.Namespace) -> list[Figure]:
    db = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    seed_trust(engine)
    seed_school(engine, 1, args.members, args.activities)
    after_seeding(engine)
    print(
        f"{db}: seeded 1 school, {args.members:,} members, {args.activities:,} activities "
        f"in {time.perf_counter() - started:.1f} s"
    )
    settings = Settings(database={"url": url}, limits={"commands_per_minute": 10_000})
    app = Staffroom(settings, clock=FixedClock(NOW))
    period = parse_period(None, NOW.date(), app.settings.cpd.cycle_start_month)
    raw = Raw(url)
    size = f"{db}, {args.members:,} members, {args.activities:,} activities"
    school_sides: dict[str, Callable[[], object]] = {
        "raw": lambda: raw.school(1, period),
        "service": service(app, 1, period),
    }
    trust_sides: dict[str, Callable[[], object]] = {
        "raw": lambda: raw.trust(period),
        "service": trust_service(app, period),
    }
    few = max(5, args.runs // 4)
    inside: dict[str, Samples] = {}
    try:
        one = race({**school_sides, "dispatch": dispatcher(app, "lead-1")}, args.runs)
        report_line("one school", one)
        print("  plan of the per-member statement:\n" + raw.explain(1, period))
        figures = figures_for(f"report cpd, one school ({size})", one, "service")
        figures += figures_for(f"report cpd, one school ({db})", one, "dispatch")
        total = args.activities

        if args.schools > 1:
            started = time.perf_counter()
            for number in range(2, args.schools + 1):
                seed_school(engine, number, args.members, args.activities)
            after_seeding(engine)
            raw = fresh(raw, app, url)
            total = args.schools * args.activities
            print(
                f"{db}: seeded {args.schools - 1} more schools ({total:,} activities in all) "
                f"in {time.perf_counter() - started:.1f} s"
            )
            trust = race(
                {
                    **trust_sides,
                    "dispatch": dispatcher(app, "trust-admin"),
                    "school by school": lambda: raw.schools(period),
                },
                args.trust_runs,
            )
            report_line(f"trust of {args.schools} schools", trust)
            print("  plan of the per-member statement:\n" + raw.explain(1, period))
            where = f"{db}, {args.schools} schools, {total:,} activities"
            figures += figures_for(f"report cpd, trust ({where})", trust, "service")
            figures += figures_for(f"report cpd, trust ({db})", trust, "dispatch")
            whole = trust["school by school"]
            figures.append(
                Figure(
                    f"trust totals, raw school by school ({db})",
                    f"{ms(whole.p50)} p50",
                    f"{ms(trust['raw'].p50)} p50 raw grouped by school",
                    f"{whole.p50 / trust['raw'].p50:.2f}",
                    "(context: the old report's statements)",
                )
            )
            inside = race(school_sides, few)
            report_line(f"one school among {total:,} activities", inside)
            figures.append(
                Figure(
                    f"report cpd, one school among {total:,} activities ({db})",
                    f"{ms(inside['service'].p50)} p50",
                    f"{ms(one['service'].p50)} p50 among {args.activities:,}",
                    f"{inside['service'].p50 / one['service'].p50:.2f}",
                    "(context: ~1 if it scales with the school)",
                )
            )

        if args.index:
            # The covering index came with migration 0031; dropped on this scratch database
            # only, to show what it is worth.
            with engine.begin() as connection:
                connection.execute(text(DROP_INDEX))
            after_seeding(engine)
            raw = fresh(raw, app, url)
            print(f"  after {DROP_INDEX}:\n" + raw.explain(1, period))
            bare = race(school_sides, few)
            report_line("one school, without the index", bare)
            before = (inside if args.schools > 1 else one)["service"].p50
            figures.append(
                Figure(
                    f"report cpd, one school, without the covering index ({db}, {total:,})",
                    f"{ms(bare['service'].p50)} p50",
                    f"{ms(before)} p50 with it",
                    f"{bare['service'].p50 / before:.1f}x slower",
                    f"(context; {bare['service'].p50 / bare['raw'].p50:.2f} of raw)",
                )
            )
            if args.schools > 1:
                trust_bare = race(trust_sides, max(2, args.trust_runs // 2))
                report_line("trust, without the index", trust_bare)
                figures.append(
                    Figure(
                        f"report cpd, trust, without the covering index ({db})",
                        f"{ms(trust_bare['service'].p50)} p50",
                        f"{ms(trust['service'].p50)} p50 with it",
                        f"{trust_bare['service'].p50 / trust['service'].p50:.1f}x slower",
                        f"(context: {trust_bare['service'].p50 / trust_bare['raw'].p50:.2f} of raw)",
                    )
                )
    finally:
        raw.close()
        app.engine.dispose()
        engine.dispose()
    return figures


def report_line(what: str, samples: dict[str, Samples]) -> None:
    raw = samples["raw"]
    print(f"  {what}: {len(raw.seconds)} runs of each")
    for sample in samples.values():
        print(
            f"    {sample.label:<14} p50 {ms(sample.p50):>11}   p99 {ms(sample.p99):>11}"
            f"   x raw p50 {sample.p50 / raw.p50:5.2f}   p99 {sample.p99 / raw.p99:5.2f}"
        )


@contextmanager
def sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="staffroom-reports-") as folder:
        yield f"sqlite:///{folder}/staffroom.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2_000, help="per school")
    parser.add_argument("--activities", type=int, default=100_000, help="per school")
    parser.add_argument("--schools", type=int, default=20, help="in the trust (1: no trust)")
    parser.add_argument("--runs", type=int, default=40, help="timed runs of one school's report")
    parser.add_argument("--trust-runs", type=int, default=8, help="timed runs of the trust")
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL, not SQLite")
    parser.add_argument(
        "--no-index",
        dest="index",
        action="store_false",
        help="skip timing again without the covering index",
    )
    args = parser.parse_args()
    with scratch_postgres() if args.postgres else sqlite_file() as url:
        figures = measure(url, args)
    for figure in figures:
        verdict = "" if figure.met is None else ("met" if figure.met else "NOT MET")
        print(
            f"{figure.name:<70} {figure.value:>12}  {figure.baseline:<24} {figure.ratio:>6}"
            f"  {figure.goal} {verdict}"
        )
    emit(figures)


if __name__ == "__main__":
    main()
