"""The Monday-morning burst: many members' reflection prompts due at 09:00 at once.

    .venv/bin/python bench/burst.py [--db URL] [--members 100000] [--workers 2] [--rate 30]
        [--planners 2] [--one-by-one 10000]

Members get a weekly reflection schedule: most in one timezone (Europe/London, all due at the same
instant), the rest spread over a few others, as in a real trust. One planning pass produces every
due prompt with the real reflection producer (a prompt row and an outbox row each); then
``--workers`` delivery loops share the outbox against a fake Telegram that allows ``--rate``
messages a second overall (each loop paced at its share), for ``--seconds``; the rest of the
outbox is left. Figures: planning rows per second and the memory it took, the time the whole
burst would take at the limit (count / rate), the achieved share of the limit, 429s and
duplicates. The baselines for planning are measured in the same run: a trivial producer (no
prompt rows: what the reflection feature's own work costs) and the real producer planned one
occurrence at a time (``--one-by-one`` members, as planning worked before batch producers: what
batching gains). With ``--planners N`` (PostgreSQL) the burst is planned again by N planners at
once, which must share it (``SKIP LOCKED``) with no occurrence planned twice.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text
from sqlmodel import Session

from bench.delivery import LimitedPlatform
from bench.figures import Figure, emit
from core.app import Staffroom
from core.config import Settings
from core.db import upgrade
from core.delivery import Pacer, deliver_due, plan_due
from core.delivery.kinds import Occurrence, Outgoing, Producer, Producers
from core.delivery.models import Schedule
from core.delivery.settings import DeliverySettings
from core.identity.models import Account, Member
from core.reflection.schedules import PROMPT_KIND, produce_prompt
from core.reply import Reply

ZONES = ("Europe/London",) * 8 + ("Europe/Dublin", "Europe/Madrid")
"""Four in five in London (one instant), the rest an hour or so either side."""
MONDAY_9 = datetime(2027, 1, 4, 9, 0)


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak() -> float:
    """Start measuring peak memory from now (Linux: writing 5 to clear_refs resets VmHWM, so
    the peak of populating the database does not hide planning's); returns the RSS now."""
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    return _status_mib("VmRSS")


def populate(app: Staffroom, members: int) -> datetime:
    """Members with accounts and a weekly Monday 09:00 prompt; returns the latest due instant."""
    now = datetime(2027, 1, 1, tzinfo=UTC)
    engine = app.engine
    with engine.begin() as connection:
        for table in ("outbox", "reflection_prompt", "schedule", "account", "member"):
            connection.execute(text(f"DELETE FROM {table}"))
        member_rows = [
            {
                "id": n + 1,
                "display_name": f"Teacher {n}",
                "timezone": ZONES[n % len(ZONES)],
                "language": "en",
                "created_at": now,
            }
            for n in range(members)
        ]
        connection.execute(insert(Member.__table__), member_rows)  # type: ignore[attr-defined]
        connection.execute(
            insert(Account.__table__),  # type: ignore[attr-defined]
            [
                {
                    "member_id": n + 1,
                    "platform": "telegram",
                    "tenant": "bench",
                    "user_id": str(100_000 + n),
                    "display_name": f"Teacher {n}",
                    "dm_channel": str(100_000 + n),
                    "created_at": now,
                    "last_seen_at": now,
                }
                for n in range(members)
            ],
        )
        due = [MONDAY_9.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) for zone in ZONES]
        connection.execute(
            insert(Schedule.__table__),  # type: ignore[attr-defined]
            [
                {
                    "kind": PROMPT_KIND,
                    "member_id": n + 1,
                    "recurrence": {"type": "weekly", "weekdays": [0], "time": "09:00"},
                    "timezone": ZONES[n % len(ZONES)],
                    "follow_member_timezone": True,
                    "active": True,
                    "payload": {"model": "driscoll"},
                    "next_due_at": due[n % len(ZONES)],
                    "created_at": now,
                }
                for n in range(members)
            ],
        )
    if engine.dialect.name == "postgresql":
        # A live install's autovacuum keeps statistics fresh and clears dead rows; planning seconds
        # after a bulk load of 100,000 rows (and after the runs before deleted as many) would
        # measure stale plans and bloated indexes instead of the planner.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("member", "account", "schedule", "reflection_prompt", "outbox"):
                connection.execute(text(f"VACUUM ANALYZE {table}"))
    return max(due)


def trivial(occurrence: Occurrence) -> list[Outgoing]:
    member = occurrence.schedule.member_id
    return [Outgoing(reply=Reply.message("What went well?"), member_id=member)]


def one_at_a_time(producer: Producer) -> Producer:
    """The producer as a plain function: the planner then plans each occurrence on its own."""

    def plain(occurrence: Occurrence) -> list[Outgoing]:
        return producer(occurrence)

    return plain


def plan(app: Staffroom, at: datetime, producers: Producers) -> tuple[int, float, float]:
    """Rows planned, seconds, MiB of peak memory added."""
    before = _reset_peak()
    started = time.perf_counter()
    with Session(app.engine) as session:
        planned = plan_due(session, at, app.settings.delivery, producers)
        session.commit()
    return planned, time.perf_counter() - started, max(0.0, _status_mib("VmHWM") - before)


def plan_allocations(app: Staffroom, at: datetime, producers: Producers) -> float:
    """MiB of the peak of Python's own allocations while planning (``tracemalloc``).

    The RSS figure of :func:`plan` under-reads when planning reuses memory that populating freed
    (the allocator keeps it, so the resident size does not grow); the traced peak counts every
    object planning holds at its busiest, wherever it lives. Tracing slows the run, so this is
    a pass of its own and its time is not reported."""
    tracemalloc.start()
    try:
        with Session(app.engine) as session:
            plan_due(session, at, app.settings.delivery, producers)
            session.commit()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def plan_together(app: Staffroom, at: datetime, planners: int) -> tuple[list[int], float]:
    """Rows each of ``planners`` concurrent planners added, and the seconds until all were done."""
    start = threading.Barrier(planners)
    added: list[int] = []

    def planner() -> None:
        with Session(app.engine) as session:
            start.wait()
            added.append(plan_due(session, at, app.settings.delivery, app.producers))
            session.commit()

    threads = [threading.Thread(target=planner) for _ in range(planners)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return added, time.perf_counter() - started


async def deliver(
    app: Staffroom, workers: int, rate: int, seconds: float, at: datetime
) -> tuple[int, int, int, float]:
    """Delivered, 429s, duplicates and the seconds the loops ran, with ``workers`` loops sharing
    the outbox. The loops stop starting batches after ``seconds`` but finish the one under way,
    so the achieved rate is the count over the time they really ran, not over ``seconds``."""
    platform = LimitedPlatform(rate)
    # Each loop paces itself: at its share of the limit, the loops together stay within it.
    share = DeliverySettings(telegram_per_second=max(1, rate // workers), batch_size=rate)

    async def loop(worker: str) -> None:
        pacer = Pacer.from_settings(share)
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            stats = await deliver_due(
                app.engine,
                {"telegram": platform},
                at,  # the burst's own Monday morning: every planned row is due
                share,
                worker,
                pacer=pacer,
                concurrent_sends=32,
            )
            if stats.claimed == 0:
                await asyncio.sleep(0.05)

    started = time.perf_counter()
    await asyncio.gather(*(loop(f"bench-{n}") for n in range(workers)))
    ran = time.perf_counter() - started
    duplicates = sum(n - 1 for n in platform.received.values() if n > 1)
    return sum(platform.received.values()), platform.violations, duplicates, ran


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default=None, help="database URL (default: a temporary SQLite file)"
    )
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=int, default=30, help="the platform's limit per second")
    parser.add_argument("--seconds", type=float, default=10, help="length of the delivery sample")
    parser.add_argument(
        "--one-by-one",
        type=int,
        default=10_000,
        help="members for the one-occurrence-at-a-time baseline (0: skip it)",
    )
    parser.add_argument(
        "--planners", type=int, default=2, help="concurrent planners on PostgreSQL (0: skip)"
    )
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/burst.db"
    app = Staffroom(Settings(database={"url": url}))  # type: ignore[arg-type]
    upgrade(app.engine)
    db = app.engine.dialect.name

    old_rate = 0.0
    single = min(args.one_by_one, args.members)
    if single:
        latest = populate(app, single)
        plain = Producers({**app.producers.kinds, PROMPT_KIND: one_at_a_time(produce_prompt)})
        old_rows, old_seconds, _ = plan(app, latest, plain)
        old_rate = old_rows / old_seconds
    together: list[Figure] = []
    if args.planners > 1 and db == "postgresql":
        latest = populate(app, args.members)
        each, together_seconds = plan_together(app, latest, args.planners)
        with app.engine.connect() as connection:
            keys, distinct = connection.execute(
                text("SELECT count(*), count(DISTINCT key) FROM outbox")
            ).one()
        together = [
            Figure(
                f"burst: {args.planners} planners at once ({db}, {args.members:,})",
                f"{together_seconds:.1f} s",
                f"{' + '.join(f'{n:,}' for n in each)} rows",
                goal="<= 5 s",
                met=together_seconds <= 5,
            ),
            Figure(
                f"burst: {args.planners} planners: rows, planned twice",
                f"{keys:,}, {keys - distinct}",
                goal=f"{args.members:,}, 0",
                met=keys == distinct == sum(each) == args.members,
            ),
        ]
    latest = populate(app, args.members)
    base_rows, base_seconds, _ = plan(app, latest, Producers({PROMPT_KIND: trivial}))
    latest = populate(app, args.members)
    traced = plan_allocations(app, latest, app.producers)
    latest = populate(app, args.members)
    rows, seconds, mib = plan(app, latest, app.producers)
    sent, violations, duplicates, ran = asyncio.run(
        deliver(app, args.workers, args.rate, args.seconds, latest + timedelta(minutes=1))
    )
    achieved = sent / ran
    with app.engine.connect() as connection:
        prompts = connection.execute(text("SELECT count(*) FROM reflection_prompt")).scalar_one()
    figures = [
        Figure(
            f"burst: prompts planned per second ({db}, {args.members:,} members)",
            f"{rows / seconds:,.0f}/s",
            f"{base_rows / base_seconds:,.0f}/s trivial producer",
            f"{(rows / seconds) / (base_rows / base_seconds):.2f}",
            f">= {args.members / 5:,.0f}/s (all in 5 s)",
            rows / seconds >= args.members / 5,
        ),
        Figure(
            f"burst: batch vs one at a time ({db})",
            f"{rows / seconds:,.0f}/s",
            f"{old_rate:,.0f}/s one by one ({single:,})" if single else "",
            f"{(rows / seconds) / old_rate:.1f}x" if old_rate else "",
            goal="(context)",
        ),
        *together,
        Figure(
            f"burst: planning time for {args.members:,} ({db})",
            f"{seconds:.1f} s",
            goal="<= 5 s",
            met=seconds <= 5,
        ),
        Figure(
            f"burst: peak memory of planning ({db}, traced)",
            f"{traced:.0f} MiB",
            f"{mib:.0f} MiB resident growth",
            goal="<= 50 MiB",
            met=traced <= 50,
        ),
        Figure(
            f"burst: the whole burst at {args.rate}/s",
            f"{rows / args.rate / 60:,.0f} min",
            goal="(count / rate)",
        ),
        Figure(
            f"burst: {args.workers} workers' share of the limit ({db})",
            f"{achieved:.1f}/s",
            f"{args.rate}/s",
            f"{achieved / args.rate:.3f}",
            ">= 0.9",
            achieved / args.rate >= 0.9,
        ),
        Figure(
            "burst: prompts opened, 429s, duplicates",
            f"{prompts:,}, {violations}, {duplicates}",
            goal=f"{args.members:,}, 0, 0",
            met=prompts == args.members and violations == 0 and duplicates == 0,
        ),
    ]
    for figure in figures:
        verdict = "" if figure.met is None else ("met" if figure.met else "NOT MET")
        print(
            f"{figure.name:<58} {figure.value:>16}  {figure.baseline:<28} {figure.ratio:>6}"
            f"  {figure.goal} {verdict}"
        )
    emit(figures)
    app.engine.dispose()


if __name__ == "__main__":
    main()
