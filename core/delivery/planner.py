"""Planning: due occurrences of schedules become outbox rows.

Each occurrence's messages get the key ``"{schedule id}:{occurrence instant}:{suffix}"`` under the
outbox's unique constraint, so planning the same occurrence twice (a retry, two planner
processes, a crash after insert) adds nothing. On PostgreSQL each planner locks the schedules it
works on with ``FOR UPDATE SKIP LOCKED``, so several planners share the work instead of repeating
it; the unique key is the guarantee either way.

After downtime only occurrences within the grace window (``delivery.grace_minutes``) count, and of
those only the latest is planned: a daily prompt missed for three days arrives once, or not at all
if even the latest is too old. Paused occurrences are skipped, quiet hours defer the message (not
the occurrence), and a once-schedule goes inactive after its instant.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, not_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from core.delivery.kinds import Producers
from core.delivery.models import OutboxMessage, OutboxState, Schedule
from core.delivery.outbox import add_subjects
from core.delivery.recurrence import after_quiet_hours, next_occurrence, zone_of
from core.delivery.schedules import is_paused
from core.delivery.settings import DeliverySettings
from core.errors import UserError
from core.i18n import language
from core.identity.models import Member

log = logging.getLogger("staffroom.delivery")

CHUNK = 500
_TINY = timedelta(microseconds=1)


def outbox_key(schedule_id: int, occurrence: datetime, suffix: str = "") -> str:
    """The idempotency key of one message of one occurrence."""
    return f"{schedule_id}:{occurrence.isoformat()}:{suffix}"


def plan_due(
    session: Session, now: datetime, settings: DeliverySettings, producers: Producers
) -> int:
    """Turn every due occurrence into outbox rows; return how many rows were added.

    ``producers`` are the app's schedule kinds (``Staffroom.producers``).

    Safe to call again at any time and from several processes. The caller commits.
    """
    window_start = now - timedelta(minutes=settings.grace_minutes)
    locking = session.get_bind().dialect.name == "postgresql"
    added = 0
    last_id = 0
    while True:
        query = (
            select(Schedule)
            .where(
                col(Schedule.active),
                col(Schedule.next_due_at) <= now,
                col(Schedule.id) > last_id,
                # Paused until resumed: nothing to plan, whatever is due.
                not_(
                    and_(
                        col(Schedule.paused_reason).is_not(None),
                        col(Schedule.paused_until).is_(None),
                    )
                ),
            )
            .order_by(col(Schedule.id))
            .limit(CHUNK)
        )
        if locking:
            query = query.with_for_update(skip_locked=True)
        schedules = list(session.exec(query))
        if not schedules:
            return added
        rows: list[dict[str, Any]] = []
        spoken = _languages(session, schedules)
        for schedule in schedules:
            assert schedule.id is not None
            last_id = schedule.id
            with language(spoken.get(schedule.member_id or 0, producers.language)):
                # Rendered in the recipient's language (a member's own schedules).
                rows += _plan_one(session, schedule, now, window_start, producers)
        added += _insert_new(session, rows)
        session.flush()


def _languages(session: Session, schedules: list[Schedule]) -> dict[int, str]:
    """The language of each schedule's member, in one query per chunk."""
    ids = {s.member_id for s in schedules if s.member_id is not None}
    if not ids:
        return {}
    rows = session.exec(select(Member.id, Member.language).where(col(Member.id).in_(ids)))
    return {int(member_id): code for member_id, code in rows if member_id is not None}


def _plan_one(
    session: Session,
    schedule: Schedule,
    now: datetime,
    window_start: datetime,
    producers: Producers,
) -> list[dict[str, Any]]:
    """Advance one schedule past ``now`` and return the outbox rows of its latest live occurrence."""
    assert schedule.id is not None and schedule.next_due_at is not None
    try:
        zone = zone_of(schedule.timezone)
    except UserError:
        _stop(schedule, f"unknown timezone {schedule.timezone}")
        session.add(schedule)
        return []
    occurrence: datetime | None = schedule.next_due_at
    if occurrence is not None and occurrence < window_start:
        # Jump over the outage instead of walking through every missed occurrence.
        occurrence = next_occurrence(schedule.recurrence, zone, window_start - _TINY)
    latest: datetime | None = None
    while occurrence is not None and occurrence <= now:
        if not is_paused(schedule, occurrence):
            latest = occurrence
        occurrence = next_occurrence(schedule.recurrence, zone, occurrence)
    schedule.next_due_at = occurrence
    if occurrence is None:
        schedule.active = False  # a once-schedule fired (or was missed); nothing more to come
    paused_until = schedule.paused_until
    if paused_until is not None and paused_until <= now:
        schedule.paused_until = None
        schedule.paused_reason = None
    rows: list[dict[str, Any]] = []
    if latest is not None:
        schedule.last_planned_at = latest
        rows = _produce(session, schedule, latest, zone, now, producers)
    session.add(schedule)
    return rows


def _produce(
    session: Session,
    schedule: Schedule,
    occurrence: datetime,
    zone: Any,
    now: datetime,
    producers: Producers,
) -> list[dict[str, Any]]:
    assert schedule.id is not None
    producer = producers.kinds.get(schedule.kind)
    if producer is None:
        # A kind no loaded feature produces: stop rather than drop every occurrence unseen.
        log.error("schedule %s has unknown kind %r: paused", schedule.id, schedule.kind)
        schedule.paused_until = None
        schedule.paused_reason = f"unknown schedule kind {schedule.kind}"[:200]
        return []
    try:
        with session.begin_nested():
            outgoing = producer(producers.occurrence(session, schedule, occurrence))
    except Exception:
        # One feature's bug must not stop everyone's prompts: this occurrence is skipped (and
        # logged); the next one tries again.
        log.exception("producer for %s failed on schedule %s", schedule.kind, schedule.id)
        return []
    due = after_quiet_hours(schedule.quiet_hours, occurrence, zone)
    rows = []
    for message in outgoing:
        if (message.member_id is None) == (message.channel_id is None):
            log.error("producer %s gave a message with no single recipient", schedule.kind)
            continue
        rows.append(
            {
                "key": outbox_key(schedule.id, occurrence, message.suffix),
                "schedule_id": schedule.id,
                "member_id": message.member_id,
                "platform": message.platform,
                "tenant": message.tenant,
                "channel_id": message.channel_id,
                "kind": schedule.kind,
                "payload": message.reply.model_dump(mode="json"),
                "state": OutboxState.PENDING.value,
                "due_at": due,
                "next_attempt_at": due,
                "attempts": 0,
                "deferrals": 0,
                "created_at": now,
                "_about": message.about,
            }
        )
    return rows


def _stop(schedule: Schedule, reason: str) -> None:
    schedule.paused_until = None
    schedule.paused_reason = reason[:200]


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert rows whose key is new, in one statement; return how many went in."""
    if not rows:
        return 0
    about = {row["key"]: row.pop("_about") for row in rows if row.get("_about")}
    for row in rows:
        row.pop("_about", None)
    session.flush()  # producers' own rows first (foreign keys, their own unique checks)
    table: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # One statement, many parameter sets: SQLAlchemy batches them ("insertmanyvalues") and the
    # statement compiles once, whatever the chunk size. RETURNING counts what went in (rowcount is
    # not reliable for batched inserts on every driver).
    statement = insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
    added = len(session.connection().execute(statement, rows).all())
    if about:
        ids = session.exec(
            select(OutboxMessage.key, OutboxMessage.id).where(col(OutboxMessage.key).in_(about))
        ).all()
        add_subjects(session, {i: about[k] for k, i in ids if i is not None})
    return added
