"""Delivering: claim due outbox rows, send them through the platforms' Messengers, record the result.

Claiming
    One ``UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING`` moves due rows to ``claimed`` with
    a lease (``lease_owner``, ``lease_until = now + lease_seconds``) and commits before anything is
    sent. On PostgreSQL the inner select is ``FOR UPDATE SKIP LOCKED``, so any number of workers
    share the outbox and never claim the same row. SQLite has no row locks: the statement runs
    under SQLite's single write lock, so one process at a time holds the claim; run one deliverer
    per SQLite database (several do not send twice, but they only take turns).

Sending
    A direct message goes to the member's ``deliver_to`` platform if they set one and it has an
    account and a Messenger here, else to their most recently seen account that has one. Pacing
    (:mod:`core.delivery.pacing`) spaces the sends. Every send ends within ``LEASE_USE`` of the
    lease (:func:`send_window`): a worker starts sends only while one can still time out in that
    share, and puts the rest back (also when asked to stop), so no send outlives its lease and
    the rest of the lease is left for marking the results.

Removed workspaces
    A workspace that removed Staffroom (uninstalled it, or revoked its tokens) is never sent to
    (:func:`core.installations.reach.removed_workspaces`, asked once per claimed batch). A direct
    message goes to the member's other accounts instead; when the member has none, and a
    channel post in such a workspace always, the row is held: skipped with the removal's reason,
    neither attempted nor failed, so no schedule is paused for it and no error counted. The
    removal itself paused the schedules of members reached only there; a re-install sends the
    held rows still due within the grace window and drops the older ones
    (:func:`core.installations.service.save_installation`). Posts to a community's channels
    elsewhere are separate rows and go out as usual.

Results
    Sent rows are marked ``sent`` with the platform's message id as soon as the send returns (in
    small transactions), each batch stamped with the time it is recorded (not the round's start).
    ``RetryAfter`` (429) waits the time asked, for that row and the rest of this round on the
    platform, and counts as a failed attempt only beyond ``max_deferrals``.
    ``TransientFailure``, timeouts and unexpected errors retry with exponential backoff and jitter
    until ``max_attempts``, then fail. ``PermanentFailure`` fails the row at once, pauses its
    schedule with the reason, and leaves an audit entry.

Crashes and duplicates (at-least-once)
    A worker that dies between a send and its mark leaves the row ``claimed``; when the lease
    expires another worker (or the restarted one) claims it again and sends it again. So the
    duplicate window is exactly the messages in flight at the crash: sends started but not yet
    marked, at most ``concurrent_sends`` plus the few results waiting for the next mark
    transaction. Discord collapses a repeat: each message carries a nonce derived from the outbox
    row and its part, with ``enforce_nonce``, so a re-send within a few minutes returns the message
    already posted. Slack and Telegram offer no idempotency key for bot messages, so there the
    window above is as small as it gets. Re-claiming after an expired lease (:func:`claim_due`, the only path that takes such
    rows back) counts as an attempt, so a message that crashes the worker every time ends up
    failed at ``max_attempts`` instead of looping.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, and_, bindparam, case, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.clock import utc
from core.delivery.models import OutboxMessage, OutboxState, Schedule
from core.delivery.pacing import Pacer
from core.delivery.ports import (
    Messenger,
    PermanentFailure,
    Recipient,
    RetryAfter,
    TransientFailure,
)
from core.delivery.settings import DeliverySettings
from core.identity.models import Account, AuditEntry, Member

# The core offers this as a function, rather than the deliverer taking a predicate the app
# wires: it is a fact in the same database, read in the claim's own transaction (so it agrees
# with what was claimed), and every deliverer gets it, the workers and the tests alike, with
# nothing to forget to pass. ``reach`` imports only the installation tables, so this adds no
# import cycle (``core.installations.service`` builds on the delivery models, not on this).
from core.installations.reach import removed_workspaces
from core.metrics import DELIVERIES
from core.reply import Reply

log = logging.getLogger("staffroom.delivery")

LEASE_USE = 0.8
"""Share of the lease within which every send starts and ends; the rest is margin for marking."""
MAX_DEFERRALS = 20
"""429 answers a message may get before further ones count as failed attempts."""
SEND_TIMEOUT_SECONDS = 30.0
"""A send that takes longer is abandoned and retried (a timeout); shorter on short leases."""
CONCURRENT_SENDS = 32
"""Sends in flight at once per worker (pacing still applies)."""
OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
LEASE_EXPIRED = "the worker's lease expired before it marked the message"


@dataclass(slots=True)
class DeliveryStats:
    """What one delivery round did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    deferred: int = 0
    failed: int = 0
    skipped: int = 0
    released: int = 0

    def add(self, other: DeliveryStats) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class Claim:
    """A claimed row, ready to send: where to, what, or why it cannot go."""

    id: int
    key: str
    kind: str
    schedule_id: int | None
    member_id: int | None
    attempts: int
    deferrals: int
    reply: Reply | None
    recipient: Recipient | None
    problem: str | None = None
    permanent: bool = False
    held: str | None = None
    """Why the row is held instead of sent: its workspace removed Staffroom."""


@dataclass(slots=True)
class Outcome:
    """The result of one claim: ``sent``, ``retry``, ``deferred``, ``failed`` or ``released``."""

    claim: Claim
    result: str
    message_id: str | None = None
    error: str | None = None
    wait_seconds: float = 0.0


@dataclass(slots=True)
class _Round:
    outcomes: list[Outcome] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    finished: bool = False
    held_back: dict[str, float] = field(default_factory=dict)
    """Platform -> loop time until which this round sends nothing more there (after a 429)."""


async def deliver_due(
    engine: Engine,
    messengers: Mapping[str, Messenger],
    now: datetime,
    settings: DeliverySettings,
    worker_id: str,
    *,
    pacer: Pacer | None = None,
    stopping: asyncio.Event | None = None,
    rng: random.Random | None = None,
    concurrent_sends: int = CONCURRENT_SENDS,
    clock: Callable[[], datetime] | None = None,
) -> DeliveryStats:
    """Claim up to ``batch_size`` due rows, send them, record every result; one round.

    At most ``concurrent_sends`` sends are in flight at once (the duplicate window after a crash).
    ``now`` stamps the claim (the leases); each batch of results is stamped with ``clock()`` when
    it is recorded (by default ``now`` plus the time elapsed since), so a Retry-After or a backoff
    counts from when the answer came. The pacing waits and the send window use real time. Keep
    one ``pacer`` per process so its buckets hold across rounds. When ``stopping`` is set, sends
    not yet started are put back for later and the round ends after those in flight.
    """
    pacer = pacer or Pacer.from_settings(settings)
    rng = rng or random.Random()
    loop = asyncio.get_running_loop()
    started = loop.time()  # before the claim, so the lease as measured here never runs late
    if clock is None:

        def clock() -> datetime:
            return now + timedelta(seconds=loop.time() - started)

    claims, stats = await asyncio.to_thread(
        claim_due, engine, now, settings, worker_id, sorted(messengers)
    )
    if not claims:
        return stats
    start_within, send_timeout = send_window(settings.lease_seconds)
    deadline = started + start_within
    state = _Round()
    gate = asyncio.Semaphore(concurrent_sends)

    async def record() -> None:
        while True:
            await state.wake.wait()
            state.wake.clear()
            while state.outcomes:
                batch = list(state.outcomes)
                state.outcomes.clear()
                await asyncio.to_thread(
                    record_outcomes, engine, batch, clock(), settings, worker_id, rng
                )
            if state.finished:
                return

    def done(outcome: Outcome) -> None:
        _count(stats, outcome)
        state.outcomes.append(outcome)
        state.wake.set()

    def must_hold(claim: Claim) -> Outcome | None:
        """Why this send should not start now, as the outcome to record instead."""
        assert claim.recipient is not None
        held = state.held_back.get(claim.recipient.platform)
        if held is not None and held > loop.time():
            return Outcome(claim, "released", wait_seconds=held - loop.time())
        if (stopping is not None and stopping.is_set()) or loop.time() >= deadline:
            return Outcome(claim, "released")
        return None

    async def send(claim: Claim) -> None:
        if claim.problem is not None:
            done(Outcome(claim, "failed" if claim.permanent else "retry", error=claim.problem))
            return
        recipient, reply = claim.recipient, claim.reply
        assert recipient is not None and reply is not None
        messenger = messengers[recipient.platform]
        chat = recipient.channel_id or recipient.user_id or ""
        await pacer.wait_chat(recipient.platform, recipient.tenant, chat)
        async with gate:
            await pacer.wait_overall(recipient.platform)
            held = must_hold(claim)
            if held is not None:
                done(held)
                return
            try:
                message_id = await asyncio.wait_for(messenger.send(recipient, reply), send_timeout)
            except RetryAfter as exc:
                until = loop.time() + exc.seconds
                state.held_back[recipient.platform] = max(
                    until, state.held_back.get(recipient.platform, 0.0)
                )
                done(Outcome(claim, "deferred", error=str(exc), wait_seconds=exc.seconds))
            except PermanentFailure as exc:
                done(Outcome(claim, "failed", error=str(exc) or type(exc).__name__))
            except TransientFailure as exc:
                done(Outcome(claim, "retry", error=str(exc) or type(exc).__name__))
            except TimeoutError:
                done(Outcome(claim, "retry", error="timed out"))
            except Exception as exc:
                log.exception("messenger %s failed on outbox row %s", recipient.platform, claim.id)
                done(Outcome(claim, "retry", error=f"{type(exc).__name__}: {exc}"))
            else:
                done(Outcome(claim, "sent", message_id=str(message_id)[:128]))

    recorder = asyncio.create_task(record())
    try:
        await asyncio.gather(*(send(claim) for claim in claims))
    finally:
        state.finished = True
        state.wake.set()
        await recorder
    return stats


def send_window(lease_seconds: float) -> tuple[float, float]:
    """How long after the claim sends may start, and how long each may take, so that every send
    ends within ``LEASE_USE`` of the lease: never while another worker could claim the row."""
    send_timeout = min(SEND_TIMEOUT_SECONDS, lease_seconds * LEASE_USE / 2)
    return lease_seconds * LEASE_USE - send_timeout, send_timeout


def _count(stats: DeliveryStats, outcome: Outcome) -> None:
    name = {
        "sent": "sent",
        "retry": "retried",
        "deferred": "deferred",
        "failed": "failed",
        "released": "released",
    }[outcome.result]
    setattr(stats, name, getattr(stats, name) + 1)


def claim_due(
    engine: Engine,
    now: datetime,
    settings: DeliverySettings,
    worker_id: str,
    platforms: Sequence[str],
) -> tuple[list[Claim], DeliveryStats]:
    """Lease up to ``batch_size`` due rows to ``worker_id`` and commit; resolve where each goes.

    Rows whose lease expired (their worker died) are claimed again, counting an attempt; one that
    has used up ``max_attempts`` that way fails instead of being sent again. A scheduled row never
    tried and already older than the grace window is skipped, not sent.
    """
    stats = DeliveryStats()
    c = OUTBOX.c
    expired = c.state == OutboxState.CLAIMED.value
    due = and_(
        or_(
            and_(c.state == OutboxState.PENDING.value, c.next_attempt_at <= now),
            and_(expired, c.lease_until < now),
        ),
        or_(c.member_id.is_not(None), c.platform.in_(list(platforms))),
    )
    with Session(engine, expire_on_commit=False) as session:
        pick = (
            sa_select(c.id).where(due).order_by(c.next_attempt_at, c.id).limit(settings.batch_size)
        )
        if engine.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        claim = (
            update(OUTBOX)
            .where(c.id.in_(pick.scalar_subquery()), due)
            .values(
                state=OutboxState.CLAIMED.value,
                lease_owner=worker_id,
                lease_until=now + timedelta(seconds=settings.lease_seconds),
                attempts=case((expired, c.attempts + 1), else_=c.attempts),
                last_error=case((expired, LEASE_EXPIRED), else_=c.last_error),
            )
            .returning(
                c.id,
                c.key,
                c.kind,
                c.schedule_id,
                c.member_id,
                c.platform,
                c.tenant,
                c.channel_id,
                c.payload,
                c.attempts,
                c.deferrals,
                c.due_at,
            )
        )
        rows = list(session.connection().execute(claim))
        stale_before = now - timedelta(minutes=settings.grace_minutes)
        stale = [
            r.id
            for r in rows
            if r.schedule_id is not None
            and r.attempts == 0
            and r.deferrals == 0
            and utc(r.due_at) < stale_before
        ]
        if stale:
            session.connection().execute(
                update(OUTBOX)
                .where(c.id.in_(stale))
                .values(
                    state=OutboxState.SKIPPED.value,
                    lease_owner=None,
                    lease_until=None,
                    last_error="missed by more than the grace window (the service was down)",
                )
            )
            stats.skipped = len(stale)
            DELIVERIES.labels(platform="any", result="skipped").inc(len(stale))
        exhausted = [
            r.id for r in rows if r.id not in stale and r.attempts >= settings.max_attempts
        ]
        for row_id in exhausted:
            row = session.get(OutboxMessage, row_id)
            assert row is not None
            _fail(session, row, now, LEASE_EXPIRED, permanent=False)
            row.lease_owner, row.lease_until = None, None
            session.add(row)
            DELIVERIES.labels(platform=row.platform or "unknown", result="failed").inc()
        stats.failed = len(exhausted)
        live = [r for r in rows if r.id not in {*stale, *exhausted}]
        claims = _resolve(session, live, platforms)
        held = [claim for claim in claims if claim.held is not None]
        if held:
            session.connection().execute(
                update(OUTBOX)
                .where(c.id == bindparam("row_id"))
                .values(
                    state=OutboxState.SKIPPED.value,
                    lease_owner=None,
                    lease_until=None,
                    last_error=bindparam("reason"),
                ),
                [{"row_id": claim.id, "reason": claim.held} for claim in held],
            )
            stats.skipped += len(held)
            DELIVERIES.labels(platform="any", result="skipped").inc(len(held))
            claims = [claim for claim in claims if claim.held is None]
        session.commit()
    stats.claimed = len(rows)
    return claims, stats


def _resolve(session: Session, rows: Sequence[Any], platforms: Sequence[str]) -> list[Claim]:
    """Build a Claim per row: the recipient (choosing the member's account for a DM), or why
    the row is held (its workspace removed Staffroom)."""
    member_ids = {r.member_id for r in rows if r.member_id is not None}
    accounts: dict[int, list[Account]] = {}
    preferred: dict[int, str | None] = {}
    if member_ids:
        for account in session.exec(
            select(Account)
            .where(col(Account.member_id).in_(member_ids))
            .order_by(col(Account.last_seen_at).desc(), col(Account.id).desc())
        ):
            accounts.setdefault(account.member_id, []).append(account)
        for member in session.exec(select(Member).where(col(Member.id).in_(member_ids))):
            assert member.id is not None
            preferred[member.id] = member.deliver_to
    removed = removed_workspaces(
        session,
        [(r.platform, r.tenant) for r in rows if r.member_id is None]
        + [(a.platform, a.tenant) for mine in accounts.values() for a in mine],
    )
    claims = []
    chosen_updates = []
    for row in rows:
        claim = Claim(
            id=row.id,
            key=row.key,
            kind=row.kind,
            schedule_id=row.schedule_id,
            member_id=row.member_id,
            attempts=row.attempts,
            deferrals=row.deferrals,
            reply=None,
            recipient=None,
        )
        claims.append(claim)
        try:
            claim.reply = Reply.model_validate(row.payload)
        except ValidationError:
            claim.problem, claim.permanent = "the stored message is not a valid Reply", True
            continue
        if row.member_id is None:
            claim.held = removed.get((row.platform, row.tenant))
            claim.recipient = Recipient(
                platform=row.platform,
                tenant=row.tenant or "",
                channel_id=row.channel_id,
                delivery=f"outbox-{row.id}",
            )
            continue
        mine = accounts.get(row.member_id, [])
        usable = [a for a in mine if a.platform in platforms]
        reachable = [a for a in usable if (a.platform, a.tenant) not in removed]
        wanted = preferred.get(row.member_id)
        pick = next((a for a in reachable if a.platform == wanted), None) or (
            reachable[0] if reachable else None
        )
        elsewhere = [a for a in mine if (a.platform, a.tenant) not in removed]
        if pick is None and usable and not elsewhere:
            claim.held = removed[(usable[0].platform, usable[0].tenant)]
            continue
        if pick is None:
            if mine:
                names = ", ".join(sorted({a.platform for a in elsewhere or mine}))
                claim.problem = f"no messenger here for the member's platforms ({names})"
            else:
                claim.problem, claim.permanent = "the member has no account to reach", True
            continue
        claim.recipient = Recipient(
            platform=pick.platform,
            tenant=pick.tenant,
            user_id=pick.user_id,
            channel_id=pick.dm_channel,
            delivery=f"outbox-{row.id}",
        )
        chosen_updates.append({"row_id": row.id, "platform": pick.platform, "tenant": pick.tenant})
    if chosen_updates:
        session.connection().execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == bindparam("row_id"))
            .values(platform=bindparam("platform"), tenant=bindparam("tenant")),
            chosen_updates,
        )
    return claims


def backoff_seconds(attempts: int, settings: DeliverySettings, rng: random.Random) -> float:
    """Exponential backoff with jitter: half the step fixed, half random (never a thundering herd,
    never a retry sooner than half the step)."""
    step = min(
        settings.backoff_max_seconds, settings.backoff_base_seconds * 2 ** max(attempts - 1, 0)
    )
    return float(step / 2 + rng.uniform(0, step / 2))


def record_outcomes(
    engine: Engine,
    outcomes: Sequence[Outcome],
    now: datetime,
    settings: DeliverySettings,
    worker_id: str,
    rng: random.Random,
) -> None:
    """Write one batch of results in one transaction."""
    c = OUTBOX.c
    sent = [o for o in outcomes if o.result == "sent"]
    others = [o for o in outcomes if o.result != "sent"]
    with Session(engine, expire_on_commit=False) as session:
        if sent:
            # Marked sent even if the lease was lost meanwhile: it was sent, so nobody should
            # send it again.
            session.connection().execute(
                update(OUTBOX)
                .where(
                    c.id == bindparam("row_id"),
                    or_(
                        c.state == OutboxState.PENDING.value,
                        c.state == OutboxState.CLAIMED.value,
                    ),
                )
                .values(
                    state=OutboxState.SENT.value,
                    sent_at=now,
                    platform_message_id=bindparam("message_id"),
                    lease_owner=None,
                    lease_until=None,
                    last_error=None,
                ),
                [{"row_id": o.claim.id, "message_id": o.message_id} for o in sent],
            )
        for outcome in others:
            _record_other(session, outcome, now, settings, worker_id, rng)
        session.commit()
    for outcome in outcomes:
        platform = outcome.claim.recipient.platform if outcome.claim.recipient else "unknown"
        DELIVERIES.labels(platform=platform, result=outcome.result).inc()


def _record_other(
    session: Session,
    outcome: Outcome,
    now: datetime,
    settings: DeliverySettings,
    worker_id: str,
    rng: random.Random,
) -> None:
    row = session.get(OutboxMessage, outcome.claim.id)
    if row is None or row.state != OutboxState.CLAIMED or row.lease_owner != worker_id:
        return  # deleted meanwhile (member gone) or taken over by another worker
    row.lease_owner = None
    row.lease_until = None
    error = (outcome.error or "")[:500] or None
    if outcome.result == "released":
        row.state = OutboxState.PENDING
        row.next_attempt_at = now + timedelta(seconds=outcome.wait_seconds)
    elif outcome.result == "deferred":
        row.deferrals += 1
        row.last_error = error
        if row.deferrals > MAX_DEFERRALS:
            row.attempts += 1
        row.state = OutboxState.PENDING
        row.next_attempt_at = now + timedelta(seconds=max(outcome.wait_seconds, 0.0))
        if row.attempts >= settings.max_attempts:
            _fail(session, row, now, error, permanent=False)
    elif outcome.result == "retry":
        row.attempts += 1
        row.last_error = error
        if row.attempts >= settings.max_attempts:
            _fail(session, row, now, error, permanent=False)
        else:
            row.state = OutboxState.PENDING
            row.next_attempt_at = now + timedelta(
                seconds=backoff_seconds(row.attempts, settings, rng)
            )
    else:
        row.attempts += 1
        _fail(session, row, now, error, permanent=True)
    session.add(row)


def _fail(
    session: Session, row: OutboxMessage, now: datetime, error: str | None, *, permanent: bool
) -> None:
    """Mark the row failed, leave an audit entry, and after a permanent failure pause its schedule
    (the next occurrence would fail the same way) with the reason."""
    row.state = OutboxState.FAILED
    row.last_error = error
    paused = False
    if permanent and row.schedule_id is not None:
        schedule = session.get(Schedule, row.schedule_id)
        if schedule is not None and schedule.active:
            schedule.paused_until = None
            schedule.paused_reason = f"delivery failed: {error or 'permanent failure'}"[:200]
            session.add(schedule)
            paused = True
    session.add(
        AuditEntry(
            at=now,
            member_id=row.member_id,
            action="delivery.failed",
            detail={
                "outbox_id": row.id,
                "key": row.key,
                "kind": row.kind,
                "platform": row.platform,
                "channel_id": row.channel_id,
                "attempts": row.attempts,
                "permanent": permanent,
                "schedule_id": row.schedule_id,
                "schedule_paused": paused,
                "error": error,
            },
        )
    )


def release_claims(engine: Engine, worker_id: str, now: datetime) -> int:
    """Put back every row ``worker_id`` still holds (a clean shutdown); return how many."""
    c = OUTBOX.c
    with Session(engine) as session:
        result = session.connection().execute(
            update(OUTBOX)
            .where(c.state == OutboxState.CLAIMED.value, c.lease_owner == worker_id)
            .values(state=OutboxState.PENDING.value, lease_owner=None, lease_until=None)
        )
        session.commit()
    return max(int(result.rowcount or 0), 0)
