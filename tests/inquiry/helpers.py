"""Small helpers for the inquiry tests: a community of three in three timezones, and the bot's
scheduler (the real planner and deliverer) run over a stretch of time."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery import deliver_due, plan_due
from core.delivery.models import OutboxMessage, Schedule
from core.delivery.ports import Recipient
from core.reply import Reply
from tests.communities.support import ok

ZONES = {"ana": "Europe/London", "bob": "America/New_York", "cat": "Asia/Kolkata"}
QUESTION = "How do retrieval starters affect Y9 recall?"


def maths_group(app: Staffroom) -> None:
    """Ana, Bob and Cat in the open community Maths (bound to channel C-maths), each in their
    own timezone; Dan is in Maths too, Eve is in no community."""
    for user, zone in ZONES.items():
        ok(app, f"settings timezone {zone}", user=user)
    ok(app, 'community create "Maths" "Maths teachers"')
    ok(app, "community bind maths", channel="C-maths", direct=False)
    for user in ("bob", "cat", "dan"):
        ok(app, "community join maths", user=user)
    ok(app, "profile show", user="eve")


def start_inquiry(app: Staffroom, *joiners: str, extra: str = "") -> None:
    """Ana starts inquiry #1 in Maths; ``joiners`` join it."""
    ok(app, f'inquiry create "{QUESTION}" community=maths {extra}'.strip())
    for user in joiners:
        ok(app, "inquiry join 1", user=user)


class RecordingMessenger:
    """A console platform that writes down what it was asked to send, to whom, and when."""

    platform = "console"

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.sent: list[tuple[str, Reply, datetime]] = []

    async def send(self, recipient: Recipient, reply: Reply) -> str:
        who = recipient.user_id or f"#{recipient.channel_id}"
        self.sent.append((who, reply, self.clock.now()))
        return f"msg-{len(self.sent)}"

    def to(self, who: str) -> list[tuple[Reply, datetime]]:
        return [(reply, at) for user, reply, at in self.sent if user == who]


def _tick(app: Staffroom, messenger: RecordingMessenger, runner: asyncio.Runner) -> None:
    now = app.clock.now()
    with app.session() as session:
        plan_due(session, now, app.settings.delivery, app.producers)
    runner.run(
        deliver_due(app.engine, {"console": messenger}, now, app.settings.delivery, "test-worker")
    )


def _next_due(app: Staffroom, after: datetime) -> datetime | None:
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


def run_for(
    app: Staffroom, clock: FixedClock, messenger: RecordingMessenger, span: timedelta
) -> None:
    """Move the clock through ``span``, running the scheduler at every instant something falls
    due, as the bot's periodic jobs would."""
    end = clock.now() + span
    with asyncio.Runner() as runner:
        _tick(app, messenger, runner)
        while True:
            upcoming = _next_due(app, clock.now())
            if upcoming is None or upcoming > end:
                clock.set(end)
                _tick(app, messenger, runner)
                return
            clock.set(upcoming)
            _tick(app, messenger, runner)
