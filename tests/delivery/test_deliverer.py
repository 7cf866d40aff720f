"""Delivering on real databases: retries, permanent failures, recipients, leases, privacy."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery import (
    create_schedule,
    deliver_due,
    enqueue,
    outbox_report,
    plan_due,
    release_claims,
)
from core.delivery.deliverer import (
    LEASE_USE,
    SEND_TIMEOUT_SECONDS,
    backoff_seconds,
    claim_due,
    send_window,
)
from core.delivery.models import OutboxMessage, OutboxState, Schedule
from core.delivery.ports import PermanentFailure, Recipient, RetryAfter, TransientFailure
from core.identity.models import AuditEntry
from core.reply import Reply
from tests.delivery.helpers import (
    ScriptedMessenger,
    add_member,
    deliver,
    kind,
    note_producer,
    row_of,
    session_of,
)
from tests.talk import say

NOTE = "test.note"


def one_dm(app: Staffroom, clock: FixedClock, **member: object) -> int:
    with session_of(app) as session:
        m = add_member(session, "ana", clock.now(), **member)  # type: ignore[arg-type]
        assert m.id is not None
        row = enqueue(
            session,
            key="k1",
            reply=Reply.message("Time to reflect"),
            due_at=clock.now(),
            now=clock.now(),
            member_id=m.id,
        )
        session.commit()
        assert row is not None and row.id is not None
        return row.id


async def test_429_then_500_then_success_arrives_once(app: Staffroom, clock: FixedClock) -> None:
    row_id = one_dm(app, clock)
    messenger = ScriptedMessenger(
        "console", [RetryAfter(30), TransientFailure("HTTP 500 from the platform")]
    )
    first = await deliver(app, clock, messenger)
    assert (first.claimed, first.deferred) == (1, 1)
    row = row_of(app, row_id)
    assert row.state == OutboxState.PENDING and row.attempts == 0 and row.deferrals == 1
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=29))
    assert (await deliver(app, clock, messenger)).claimed == 0  # still waiting as asked
    clock.advance(timedelta(seconds=1))
    assert (await deliver(app, clock, messenger)).retried == 1
    row = row_of(app, row_id)
    wait = (row.next_attempt_at - clock.now()).total_seconds()
    assert row.attempts == 1 and 1.0 <= wait <= 2.0  # base 2 s, half fixed, half jitter
    clock.advance(timedelta(seconds=2))
    assert (await deliver(app, clock, messenger)).sent == 1
    clock.advance(timedelta(hours=1))
    assert (await deliver(app, clock, messenger)).claimed == 0
    assert messenger.texts() == ["Time to reflect"]
    assert len(messenger.calls) == 3
    row = row_of(app, row_id)
    assert row.state == OutboxState.SENT and row.platform_message_id == "console-1"
    assert row.sent_at == clock.now() - timedelta(hours=1)


async def test_permanent_failure_fails_pauses_and_audits(app: Staffroom, clock: FixedClock) -> None:
    clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    with kind(app, NOTE, note_producer):
        with session_of(app) as session:
            m = add_member(session, "ana", clock.now(), accounts=("telegram",))
            schedule = create_schedule(
                session,
                kind=NOTE,
                now=clock.now(),
                recurrence={"type": "daily", "time": "09:00"},
                timezone="UTC",
                member_id=m.id,
            )
            session.commit()
        clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
        with session_of(app) as session:
            assert plan_due(session, clock.now(), app.settings.delivery, app.producers) == 1
            session.commit()
        blocked = ScriptedMessenger(
            "telegram", [PermanentFailure("Forbidden: bot was blocked by the user")]
        )
        stats = await deliver(app, clock, blocked)
        assert stats.failed == 1
        clock.advance(timedelta(days=1))
        with session_of(app) as session:
            assert plan_due(session, clock.now(), app.settings.delivery, app.producers) == 0
            paused = session.get(Schedule, schedule.id)
            assert paused is not None
            assert paused.paused_reason == "delivery failed: Forbidden: bot was blocked by the user"
            (row,) = session.exec(select(OutboxMessage))
            assert row.state == OutboxState.FAILED and row.platform == "telegram"
            (audit,) = session.exec(
                select(AuditEntry).where(AuditEntry.action == "delivery.failed")
            )
            assert audit.member_id == m.id and audit.detail["schedule_paused"] is True
    report = outbox_report(app.engine)
    assert report.counts["failed"] == 1 and report.paused_schedules == 1
    assert report.recent_failures[0].error == "Forbidden: bot was blocked by the user"


async def test_transient_failures_give_up_after_max_attempts(
    app: Staffroom, clock: FixedClock
) -> None:
    row_id = one_dm(app, clock)
    limit = app.settings.delivery.max_attempts
    flaky = ScriptedMessenger("console", [TransientFailure("timeout")] * (limit + 2))
    for _ in range(limit):
        await deliver(app, clock, flaky)
        clock.advance(timedelta(seconds=app.settings.delivery.backoff_max_seconds))
    row = row_of(app, row_id)
    assert row.state == OutboxState.FAILED and row.attempts == limit
    assert (await deliver(app, clock, flaky)).claimed == 0
    assert len(flaky.calls) == limit and not flaky.delivered


def test_backoff_grows_and_is_capped() -> None:
    from core.delivery.settings import DeliverySettings

    settings = DeliverySettings(backoff_base_seconds=2, backoff_max_seconds=60)
    rng = random.Random(1)
    for attempt, (low, high) in {1: (1, 2), 2: (2, 4), 3: (4, 8), 10: (30, 60)}.items():
        for _ in range(20):
            assert low <= backoff_seconds(attempt, settings, rng) <= high


async def test_dm_goes_to_deliver_to_else_most_recent_account(
    app: Staffroom, clock: FixedClock
) -> None:
    slack, telegram = ScriptedMessenger("slack"), ScriptedMessenger("telegram")
    with session_of(app) as session:
        # telegram seen most recently; ana asked for slack; bob did not ask.
        ana = add_member(
            session, "ana", clock.now(), accounts=("slack", "telegram"), deliver_to="slack"
        )
        bob = add_member(session, "bob", clock.now(), accounts=("slack", "telegram"))
        cat = add_member(session, "cat", clock.now(), accounts=("discord",), deliver_to="discord")
        for m in (ana, bob, cat):
            enqueue(
                session,
                key=f"dm-{m.id}",
                reply=Reply.message("hi"),
                due_at=clock.now(),
                now=clock.now(),
                member_id=m.id,
            )
        session.commit()
    stats = await deliver(app, clock, slack, telegram)
    assert (stats.sent, stats.retried) == (2, 1)
    assert [r.user_id for r, _ in slack.delivered] == ["ana-slack"]
    assert [r.user_id for r, _ in telegram.delivered] == ["bob-telegram"]
    with session_of(app) as session:
        waiting = session.exec(select(OutboxMessage).where(OutboxMessage.member_id == cat.id)).one()
        assert waiting.last_error == "no messenger here for the member's platforms (discord)"


async def test_expired_lease_is_claimed_again_and_counted(
    app: Staffroom, clock: FixedClock
) -> None:
    row_id = one_dm(app, clock)
    settings = app.settings.delivery
    claims, _ = claim_due(app.engine, clock.now(), settings, "crashed-worker", ["console"])
    assert [c.id for c in claims] == [row_id]
    messenger = ScriptedMessenger("console")
    assert (await deliver(app, clock, messenger)).claimed == 0  # leased to the dead worker
    clock.advance(timedelta(seconds=settings.lease_seconds + 1))
    assert (await deliver(app, clock, messenger)).sent == 1
    row = row_of(app, row_id)
    assert row.attempts == 1 and row.state == OutboxState.SENT


async def test_stop_hands_back_without_counting(app: Staffroom, clock: FixedClock) -> None:
    row_id = one_dm(app, clock)
    claim_due(app.engine, clock.now(), app.settings.delivery, "w1", ["console"])
    assert release_claims(app.engine, "w1", clock.now()) == 1
    row = row_of(app, row_id)
    assert row.state == OutboxState.PENDING and row.attempts == 0


async def test_message_that_kills_its_worker_every_time_fails(
    app: Staffroom, clock: FixedClock
) -> None:
    row_id = one_dm(app, clock)
    settings = app.settings.delivery
    for n in range(settings.max_attempts):
        claims, _ = claim_due(app.engine, clock.now(), settings, f"dies-{n}", ["console"])
        assert [c.id for c in claims] == [row_id]  # ... and the worker dies before marking it
        clock.advance(timedelta(seconds=settings.lease_seconds + 1))
    claims, stats = claim_due(app.engine, clock.now(), settings, "last", ["console"])
    assert claims == [] and stats.failed == 1
    row = row_of(app, row_id)
    assert row.state == OutboxState.FAILED and row.attempts == settings.max_attempts
    assert row.last_error == "the worker's lease expired before it marked the message"
    assert row.lease_owner is None
    with session_of(app) as session:
        (audit,) = session.exec(select(AuditEntry).where(AuditEntry.action == "delivery.failed"))
        assert audit.detail["outbox_id"] == row_id


async def test_results_are_stamped_when_they_come_not_at_round_start(
    app: Staffroom, clock: FixedClock
) -> None:
    """A 429 minutes into a round waits its Retry-After from then, not from the round's start."""
    row_id = one_dm(app, clock)

    class SlowThen429(ScriptedMessenger):
        async def send(self, recipient: Recipient, reply: Reply) -> str:
            clock.advance(timedelta(minutes=5))  # the round has been busy for a while
            return await super().send(recipient, reply)

    await deliver(app, clock, SlowThen429("console", [RetryAfter(30)]))
    row = row_of(app, row_id)
    assert row.state == OutboxState.PENDING
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)


def test_every_send_ends_inside_its_lease() -> None:
    for lease in (5, 30, 60, 120, 150, 600, 3600):
        start_within, timeout = send_window(lease)
        assert start_within >= 0 and 0 < timeout <= SEND_TIMEOUT_SECONDS
        assert start_within + timeout <= lease * LEASE_USE < lease


async def test_a_hung_send_is_cut_off_before_the_lease_ends(
    app: Staffroom, clock: FixedClock
) -> None:
    """A send that never returns times out inside the lease; later ones are not started."""
    with session_of(app) as session:
        for name in ("ana", "bob"):
            m = add_member(session, name, clock.now())
            enqueue(
                session,
                key=f"dm-{name}",
                reply=Reply.message("hi"),
                due_at=clock.now(),
                now=clock.now(),
                member_id=m.id,
            )
        session.commit()

    class Hangs(ScriptedMessenger):
        async def send(self, recipient: Recipient, reply: Reply) -> str:
            self.calls.append((recipient, reply))
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

    hangs = Hangs("console")
    settings = app.settings.delivery.model_copy(update={"lease_seconds": 2})
    stats = await asyncio.wait_for(
        deliver_due(
            app.engine, {"console": hangs}, clock.now(), settings, "w1", concurrent_sends=1
        ),
        timeout=SEND_TIMEOUT_SECONDS / 2,  # the fixed 30 s timeout would outlive this lease
    )
    assert (stats.claimed, stats.retried, stats.released) == (2, 1, 1)
    assert len(hangs.calls) == 1
    with session_of(app) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        assert [(r.state, r.attempts, r.last_error) for r in rows] == [
            (OutboxState.PENDING, 1, "timed out"),
            (OutboxState.PENDING, 0, None),
        ]


async def test_stale_scheduled_row_is_skipped_not_sent(app: Staffroom, clock: FixedClock) -> None:
    clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    with kind(app, NOTE, note_producer):
        with session_of(app) as session:
            m = add_member(session, "ana", clock.now())
            create_schedule(
                session,
                kind=NOTE,
                now=clock.now(),
                recurrence={"type": "daily", "time": "09:00"},
                timezone="UTC",
                member_id=m.id,
            )
            session.commit()
        # The planner ran on time each day; the deliverer was down for three days.
        for day in (4, 5, 6, 7):
            clock.set(datetime(2027, 1, day, 9, 0, tzinfo=UTC))
            with session_of(app) as session:
                plan_due(session, clock.now(), app.settings.delivery, app.producers)
                session.commit()
    clock.set(datetime(2027, 1, 7, 9, 30, tzinfo=UTC))
    messenger = ScriptedMessenger("console")
    stats = await deliver(app, clock, messenger)
    assert (stats.sent, stats.skipped) == (1, 3)
    assert messenger.texts() == ["note for 2027-01-07T09:00:00+00:00"]


async def test_privacy_export_and_delete_cover_schedules_and_messages(
    app: Staffroom, clock: FixedClock
) -> None:
    say(app, "profile show")
    with session_of(app) as session:
        from core.identity.models import Account

        member_id = session.exec(select(Account.member_id)).one()
        create_schedule(
            session,
            kind=NOTE,
            now=clock.now(),
            recurrence={"type": "daily", "time": "09:00"},
            timezone="UTC",
            member_id=member_id,
        )
        enqueue(
            session,
            key="x",
            reply=Reply.message("hello"),
            due_at=clock.now(),
            now=clock.now(),
            member_id=member_id,
        )
        session.commit()
    exported = json.loads(say(app, "privacy export").attachments[0].data)
    assert exported["delivery"]["schedules"][0]["kind"] == NOTE
    assert exported["delivery"]["messages"][0]["key"] == "x"
    say(app, "privacy delete confirm")
    with session_of(app) as session:
        assert not list(session.exec(select(Schedule).where(Schedule.member_id == member_id)))
        assert not list(
            session.exec(select(OutboxMessage).where(col(OutboxMessage.member_id) == member_id))
        )
