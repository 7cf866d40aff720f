"""Small fakes and builders for delivery tests: a scripted Messenger, a recording one, members
with accounts, and one pass of the worker (plan, then deliver), or passes over a stretch of time,
for any test that needs them."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import Clock, FixedClock
from core.delivery import DeliveryStats, deliver_due, plan_due
from core.delivery.kinds import Occurrence, Outgoing, Producer, Producers
from core.delivery.models import OutboxMessage, Schedule
from core.delivery.ports import DeliveryError, Messenger, Recipient
from core.identity.models import Account, Member
from core.reply import Reply


class ScriptedMessenger:
    """Records what it was asked to send; answers each send with the next scripted failure, or
    succeeds when the script is empty."""

    def __init__(self, platform: str = "console", script: list[DeliveryError] | None = None):
        self.platform = platform
        self.script = list(script or [])
        self.calls: list[tuple[Recipient, Reply]] = []
        self.delivered: list[tuple[Recipient, Reply]] = []

    async def send(self, recipient: Recipient, reply: Reply) -> str:
        self.calls.append((recipient, reply))
        if self.script:
            raise self.script.pop(0)
        self.delivered.append((recipient, reply))
        return f"{self.platform}-{len(self.delivered)}"

    def texts(self) -> list[str]:
        return [reply.plain_text() for _r, reply in self.delivered]


class RecordingMessenger:
    """The console's Messenger port, writing down what it was asked to send, to whom (a user id,
    or ``#channel`` for a channel post) and when; every send succeeds."""

    platform = "console"

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.sent: list[tuple[str, Reply, datetime]] = []

    async def send(self, recipient: Recipient, reply: Reply) -> str:
        who = recipient.user_id or f"#{recipient.channel_id}"
        self.sent.append((who, reply, self.clock.now()))
        return f"msg-{len(self.sent)}"

    def to(self, who: str) -> list[tuple[Reply, datetime]]:
        """What ``who`` was sent, with when, oldest first."""
        return [(reply, at) for user, reply, at in self.sent if user == who]

    def texts_to(self, who: str) -> list[str]:
        """The plain text of what ``who`` was sent, oldest first."""
        return [reply.plain_text() for reply, _at in self.to(who)]


async def worker_pass(
    app: Staffroom, messengers: Mapping[str, Messenger], worker: str = "test-worker"
) -> DeliveryStats:
    """One pass of the worker at the app's time: plan what is due, then deliver it."""
    now = app.clock.now()
    with app.session() as session:
        plan_due(session, now, app.settings.delivery, app.producers)
    return await deliver_due(app.engine, messengers, now, app.settings.delivery, worker)


def tick(app: Staffroom, messenger: Messenger, runner: asyncio.Runner | None = None) -> None:
    """:func:`worker_pass` with one messenger, from synchronous code (on ``runner`` if given,
    so a test that ticks many times keeps one event loop)."""
    work = worker_pass(app, {messenger.platform: messenger})
    if runner is None:
        asyncio.run(work)
    else:
        runner.run(work)


def next_due(app: Staffroom, after: datetime) -> datetime | None:
    """The next instant after ``after`` anything is due: a schedule's occurrence or a waiting
    outbox row."""
    with Session(app.engine) as session:
        due = session.exec(
            select(Schedule.next_due_at).where(
                col(Schedule.active), col(Schedule.next_due_at) > after
            )
        ).all()
        waiting = session.exec(
            select(OutboxMessage.next_attempt_at).where(
                OutboxMessage.state == "pending", col(OutboxMessage.next_attempt_at) > after
            )
        ).all()
    found = [d for d in (*due, *waiting) if d is not None]
    return min(found) if found else None


def run_for(app: Staffroom, clock: FixedClock, messenger: Messenger, span: timedelta) -> None:
    """Move the clock through ``span``, stopping at every instant something falls due (as the
    bot's periodic planner would, to the second) and running the worker there (:func:`tick`)."""
    end = clock.now() + span
    with asyncio.Runner() as runner:
        tick(app, messenger, runner)
        while True:
            upcoming = next_due(app, clock.now())
            if upcoming is None or upcoming > end:
                clock.set(end)
                tick(app, messenger, runner)
                return
            clock.set(upcoming)
            tick(app, messenger, runner)


async def deliver(app: Staffroom, clock: FixedClock, *messengers: Messenger) -> DeliveryStats:
    """One delivery round (no planning) at ``clock``'s time, with a seeded jitter."""
    return await deliver_due(
        app.engine,
        {m.platform: m for m in messengers},
        clock.now(),
        app.settings.delivery,
        "worker-1",
        rng=random.Random(7),
        clock=clock.now,
    )


def row_of(app: Staffroom, row_id: int) -> OutboxMessage:
    with session_of(app) as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        return row


def add_member(
    session: Session,
    name: str,
    now: datetime,
    *,
    accounts: tuple[str, ...] = ("console",),
    timezone: str = "UTC",
    deliver_to: str | None = None,
) -> Member:
    """A member with one account per platform; later platforms in ``accounts`` seen more recently."""
    member = Member(display_name=name, timezone=timezone, deliver_to=deliver_to, created_at=now)
    session.add(member)
    session.flush()
    assert member.id is not None
    for n, platform in enumerate(accounts):
        session.add(
            Account(
                member_id=member.id,
                platform=platform,
                tenant="T1",
                user_id=f"{name}-{platform}",
                created_at=now,
                last_seen_at=now - timedelta(days=len(accounts) - n),
            )
        )
    session.flush()
    return member


def note_producer(occurrence: Occurrence) -> list[Outgoing]:
    """A kind for tests: one DM to the schedule's member saying when the occurrence was."""
    schedule = occurrence.schedule
    assert schedule.member_id is not None
    return [
        Outgoing(
            reply=Reply.message(f"note for {occurrence.at.isoformat()}"),
            member_id=schedule.member_id,
        )
    ]


@contextmanager
def kind(app: Staffroom, name: str, producer: Producer) -> Iterator[None]:
    """Give this app (only) one more schedule kind for the length of a test."""
    before = app.producers
    app.producers = Producers({**before.kinds, name: producer}, before.digest_sections)
    try:
        yield
    finally:
        app.producers = before


def session_of(app: Staffroom) -> Session:
    return Session(app.engine, expire_on_commit=False)
