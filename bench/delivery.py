"""Delivery benchmark: planning speed, paced delivery against a rate-limited fake platform, and
duplicates. Prints a table. Plain script:

    .venv/bin/python bench/delivery.py [--db URL] [--schedules 10000] [--rate 200] [--seconds 10]

The fake platform accepts at most ``rate`` messages in any one-second window and answers 429
beyond that (counted as violations); the deliverer is paced at the same configured rate, so the
goal is an achieved rate of at least 0.9 of the limit, no violations and no duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text
from sqlmodel import Session

from bench.figures import Figure, emit
from core.db import make_engine, upgrade
from core.delivery import Pacer, deliver_due, plan_due
from core.delivery.kinds import Occurrence, Outgoing, Producers
from core.delivery.models import Schedule
from core.delivery.ports import Recipient, RetryAfter
from core.delivery.settings import DeliverySettings
from core.reply import Reply

KIND = "bench.prompt"


def produce(occurrence: Occurrence) -> list[Outgoing]:
    schedule = occurrence.schedule
    return [
        Outgoing(
            reply=Reply.message("What went well this week?"),
            platform="telegram",
            tenant="bench",
            channel_id=f"chat-{schedule.id}",
        )
    ]


class LimitedPlatform:
    """A fake Telegram that allows ``rate`` sends in any one-second window."""

    platform = "telegram"

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.window: deque[float] = deque()
        self.received: Counter[str] = Counter()
        self.violations = 0

    async def send(self, recipient: Recipient, reply: Reply) -> str:
        now = time.monotonic()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= self.rate:
            self.violations += 1
            raise RetryAfter(1)
        self.window.append(now)
        await asyncio.sleep(0.002)  # a fast platform's round trip
        self.received[recipient.channel_id or ""] += 1
        return str(sum(self.received.values()))


def add_schedules(engine: object, count: int, now: datetime) -> None:
    table = Schedule.__table__  # type: ignore[attr-defined]
    rows = [
        {
            "kind": KIND,
            "recurrence": {"type": "daily", "time": "09:00"},
            "timezone": "UTC",
            "follow_member_timezone": False,
            "active": True,
            "payload": {},
            "next_due_at": now,
            "created_at": now,
        }
        for _ in range(count)
    ]
    with engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(text("DELETE FROM outbox"))
        connection.execute(text("DELETE FROM schedule"))
        connection.execute(insert(table), rows)


async def deliver_all(
    engine: object, settings: DeliverySettings, platform: LimitedPlatform
) -> float:
    pacer = Pacer.from_settings(settings)
    started = time.perf_counter()
    while True:
        now = datetime.now(UTC)
        stats = await deliver_due(
            engine, {"telegram": platform}, now, settings, "bench", pacer=pacer, concurrent_sends=64
        )  # type: ignore[arg-type]
        if stats.claimed == 0:
            with engine.connect() as connection:  # type: ignore[attr-defined]
                left = connection.execute(
                    text("SELECT count(*) FROM outbox WHERE state IN ('pending', 'claimed')")
                ).scalar_one()
            if not left:
                return time.perf_counter() - started
            await asyncio.sleep(0.05)  # a 429 pushed rows a moment into the future


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default=None, help="database URL (default: a temporary SQLite file)"
    )
    parser.add_argument("--schedules", type=int, default=10000)
    parser.add_argument(
        "--rate", type=int, default=200, help="the fake platform's limit per second"
    )
    parser.add_argument("--seconds", type=float, default=10, help="length of the delivery run")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = make_engine(url)
    upgrade(engine)
    producers = Producers({KIND: produce})
    now = datetime.now(UTC) - timedelta(seconds=1)

    add_schedules(engine, args.schedules, now)
    # A round holds about five seconds of sending (well inside the lease), as in production.
    batch = max(100, min(10000, args.rate * 5))
    settings = DeliverySettings(telegram_per_second=args.rate, batch_size=batch)
    started = time.perf_counter()
    with Session(engine) as session:
        planned = plan_due(session, datetime.now(UTC), settings, producers)
        session.commit()
    plan_seconds = time.perf_counter() - started
    with Session(engine) as session:
        again = plan_due(session, datetime.now(UTC), settings, producers)
        session.commit()

    # Deliver rate x seconds of them; the rest are marked done so the run has a fixed size.
    to_send = int(args.rate * args.seconds)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE outbox SET state = 'skipped' WHERE id NOT IN "
                "(SELECT id FROM outbox ORDER BY id LIMIT :n)"
            ),
            {"n": to_send},
        )
    platform = LimitedPlatform(args.rate)
    elapsed = asyncio.run(deliver_all(engine, settings, platform))
    delivered = sum(platform.received.values())
    duplicates = sum(n - 1 for n in platform.received.values() if n > 1)
    achieved = delivered / elapsed

    rows = [
        ("database", engine.dialect.name, ""),
        ("schedules planned", f"{planned}", "" if planned == args.schedules else "MISSING"),
        ("rows planned per second", f"{planned / plan_seconds:,.0f}", ""),
        ("rows added by planning again", f"{again}", "goal 0"),
        ("rows delivered", f"{delivered} of {to_send}", ""),
        ("platform limit per second", f"{args.rate}", ""),
        ("rows delivered per second", f"{achieved:,.1f}", ""),
        ("achieved / limit", f"{achieved / args.rate:.3f}", "goal >= 0.9"),
        ("429 answers (over the limit)", f"{platform.violations}", "goal 0"),
        ("duplicates", f"{duplicates}", "goal 0"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'value':>16}  note")
    print("-" * (width + 30))
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>16}  {note}")
    db = engine.dialect.name
    emit(
        [
            Figure(
                f"delivery: rows planned per second ({db}, {planned:,} schedules)",
                f"{planned / plan_seconds:,.0f}/s",
                goal="(context)",
            ),
            Figure(
                f"delivery: paced sending ({db}, limit {args.rate}/s)",
                f"{achieved:,.1f}/s",
                f"{args.rate}/s limit",
                f"{achieved / args.rate:.3f}",
                ">= 0.9",
                achieved / args.rate >= 0.9,
            ),
            Figure(
                "delivery: 429s, duplicates, rows added by planning again",
                f"{platform.violations}, {duplicates}, {again}",
                goal="0, 0, 0",
                met=platform.violations == 0 and duplicates == 0 and again == 0,
            ),
            Figure(
                "delivery: rows delivered",
                f"{delivered} of {to_send}",
                goal="all",
                met=delivered == to_send,
            ),
        ]
    )
    engine.dispose()


if __name__ == "__main__":
    main()
