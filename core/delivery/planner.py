"""Planning: due occurrences of schedules become outbox rows.

What it guarantees:

* **Idempotent.** Each occurrence's messages get the key ``"{schedule id}:{occurrence instant}:
  {suffix}"`` under the outbox's unique constraint, inserted with ``ON CONFLICT DO NOTHING``, so
  planning the same occurrence twice (a retry, two planner processes, a crash after insert) adds
  nothing. A producer that records the occurrence keeps a unique key of its own (a reflection
  prompt's ``(schedule_id, occurrence_at)``), so it opens it once however often it is planned.
* **Shared, never doubled.** On PostgreSQL each planner claims its batch of due schedules with
  ``FOR UPDATE SKIP LOCKED`` and holds them until its caller commits, so several planners share
  the work instead of repeating it; the unique keys are the guarantee either way.
* **Catch-up without floods.** After downtime only occurrences within the grace window
  (``delivery.grace_minutes``) count, and of those only the latest is planned: a daily prompt
  missed for three days arrives once, or not at all if even the latest is too old.
* **Pauses, quiet hours, once.** Paused occurrences are skipped (a pause until a date lifts by
  itself once passed), quiet hours defer the message (not the occurrence), and a once-schedule
  goes inactive after its instant.
* **Local time.** Occurrences are computed in the schedule's own timezone, which follows its
  member's (:func:`core.delivery.schedules.follow_member_timezone`); a schedule whose timezone is
  unknown is paused with the reason rather than fired at a guessed hour.
* **One broken schedule blocks no one.** A producer that raises loses only that occurrence (logged);
  its schedule still moves on and the next occurrence tries again. A kind no feature produces
  pauses its schedules with the reason.

How: set-based, a batch of up to :data:`CHUNK` due schedules at a time. One query claims the batch;
the next occurrences are worked out in Python (memoised for the pass: a burst is thousands of
schedules of a handful of shapes). Kinds with a batch producer (:class:`~core.delivery.kinds.
BatchProducer`) then get one bulk ``UPDATE`` of their schedules and one ``produce_many`` call per
kind and language; the other kinds are loaded as objects and planned one by one as before, but
inside one savepoint for the lot. When a savepoint's work raises, that part of the batch is rolled
back and planned again one occurrence at a time, each in a savepoint of its own, which is what
keeps a broken producer from costing anyone else their message. Every batch's outbox rows go in
with one statement (on PostgreSQL a ``COPY`` and one ``INSERT ... SELECT``, see
:func:`~core.delivery.outbox.execute_many`), and its long id lists are bound as one array there
(:func:`~core.delivery.outbox.among`). Within a batch, the kinds with a batch producer are planned
first, then the others in schedule order.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Table, Text, and_, cast, inspect, not_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from core.delivery.kinds import (
    BatchProducer,
    DueOccurrence,
    Outgoing,
    Producers,
    batch_producer,
)
from core.delivery.models import OutboxMessage, OutboxState, Schedule
from core.delivery.outbox import add_subjects, among, execute_many
from core.delivery.recurrence import after_quiet_hours, next_occurrence, zone_of
from core.delivery.schedules import paused_at
from core.delivery.settings import DeliverySettings
from core.errors import UserError
from core.i18n import language
from core.identity.models import Member

log = logging.getLogger("staffroom.delivery")

CHUNK = 5000
"""Schedules claimed per batch: large enough that per-statement costs vanish (a batch is some
twenty statements; 1,000 a batch made them a fifth of a PostgreSQL burst), small enough that a
batch's rows and messages stay well under the 50 MiB budget (about 17 MiB traced at 5,000)."""
_TINY = timedelta(microseconds=1)
_SCHEDULES: Table = Schedule.__table__  # type: ignore[attr-defined]
_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
_MEMO_LIMIT = 50_000
"""Distinct schedule shapes remembered in one pass before the memo starts again (memory bound)."""


def outbox_key(schedule_id: int, occurrence: datetime, suffix: str = "") -> str:
    """The idempotency key of one message of one occurrence."""
    return f"{schedule_id}:{_iso(occurrence)}:{suffix}"


def _iso(instant: datetime) -> str:
    # A burst's keys share a handful of instants, and isoformat costs more than a cache lookup.
    # Only UTC instants (all the planner makes) are cached: equal instants in other zones, or
    # either side of a clock change, compare equal but print differently.
    return _iso_utc(instant) if instant.tzinfo is UTC else instant.isoformat()


@lru_cache(maxsize=4096)
def _iso_utc(instant: datetime) -> str:
    return instant.isoformat()


def plan_due(
    session: Session, now: datetime, settings: DeliverySettings, producers: Producers
) -> int:
    """Turn every due occurrence into outbox rows; return how many rows were added.

    ``producers`` are the app's schedule kinds (``Staffroom.producers``).

    Safe to call again at any time and from several processes. The caller commits.
    """
    window_start = now - timedelta(minutes=settings.grace_minutes)
    locking = session.get_bind().dialect.name == "postgresql"
    walks = _Walks(now, window_start)
    batchers: dict[str, BatchProducer | None] = {}
    added = 0
    last_id = 0
    while True:
        session.flush()  # the claim below is a Core query: the session's own changes go first
        claimed = list(session.connection().execute(_claim(now, last_id, locking)))
        if claimed and _begin_on_sqlite(session):
            # Claimed again inside the transaction just begun: another planner may have planned
            # these between the first read and taking the database's write lock.
            claimed = list(session.connection().execute(_claim(now, last_id, locking)))
        if not claimed:
            return added
        last_id = claimed[-1].id
        spoken = _languages(session, {r.member_id for r in claimed if r.member_id is not None})
        in_bulk: list[Row[Any]] = []
        one_by_one: list[int] = []
        for row in claimed:
            if row.kind not in batchers:
                producer = producers.kinds.get(row.kind)
                batchers[row.kind] = batch_producer(producer) if producer is not None else None
            if batchers[row.kind] is not None:
                in_bulk.append(row)
            else:
                one_by_one.append(row.id)
        rows = _plan_rows(session, in_bulk, now, walks, batchers, spoken, producers)
        rows += _plan_objects(session, one_by_one, now, window_start, walks, spoken, producers)
        added += _insert_new(session, rows)
        session.flush()


def _claim(now: datetime, last_id: int, locking: bool) -> Any:
    """The next batch of due schedules after ``last_id``, locked on PostgreSQL."""
    c = _SCHEDULES.c
    query = (
        sa_select(
            c.id,
            c.kind,
            c.member_id,
            c.community_id,
            c.subject_id,
            c.timezone,
            c.paused_until,
            c.paused_reason,
            c.active,
            c.next_due_at,
            c.last_planned_at,
            # The JSON columns come as their text: a burst repeats a few recurrences and payloads
            # thousands of times, and _Walks decodes each distinct text once.
            cast(c.recurrence, Text).label("recurrence"),
            cast(c.quiet_hours, Text).label("quiet_hours"),
            cast(c.payload, Text).label("payload"),
        )
        .where(
            _SCHEDULES.c.active,
            _SCHEDULES.c.next_due_at <= now,
            _SCHEDULES.c.id > last_id,
            # Paused until resumed: nothing to plan, whatever is due.
            not_(
                and_(
                    _SCHEDULES.c.paused_reason.is_not(None),
                    _SCHEDULES.c.paused_until.is_(None),
                )
            ),
        )
        .order_by(_SCHEDULES.c.id)
        .limit(CHUNK)
    )
    return query.with_for_update(skip_locked=True) if locking else query


def _begin_on_sqlite(session: Session) -> bool:
    """Make sure a SQLite session is inside a real transaction (True if this began it).

    Python's sqlite3 opens a transaction only at the first INSERT or UPDATE. A savepoint taken
    before that starts one of its own, and releasing it commits everything, which would leave the
    caller nothing to roll back; the planner's savepoints can come first. ``BEGIN IMMEDIATE`` also
    takes the write lock now (waiting for another planner to commit), so planners on one SQLite
    file take turns instead of planning from the same read.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return False
    driver = connection.connection.driver_connection
    if driver is None or driver.in_transaction:
        return False
    driver.execute("BEGIN IMMEDIATE")
    return True


def _languages(session: Session, member_ids: set[int]) -> dict[int, str]:
    """The language of each schedule's member, in one query per batch."""
    if not member_ids:
        return {}
    dialect = session.get_bind().dialect.name
    rows = session.exec(
        select(Member.id, Member.language).where(among(col(Member.id), member_ids, dialect))
    )
    return {int(member_id): code for member_id, code in rows if member_id is not None}


# Working out occurrences ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Advance:
    """A schedule's columns after planning, and the occurrence to produce (if any)."""

    latest: datetime | None
    next_due_at: datetime | None
    active: bool
    paused_until: datetime | None
    paused_reason: str | None
    last_planned_at: datetime | None
    zone: ZoneInfo | None
    """None when the timezone is unknown (the schedule is then stopped, nothing produced)."""


class _Walks:
    """Occurrence arithmetic for one planning pass, remembered per schedule shape.

    What a schedule's walk gives (its latest live occurrence and the next one after ``now``)
    depends only on its recurrence, timezone, due instant and pause, and ``now`` is fixed for the
    pass, so at 09:00 on Monday 100,000 schedules of one shape cost one walk, not 100,000.
    """

    def __init__(self, now: datetime, window_start: datetime) -> None:
        self.now = now
        self.window_start = window_start
        self._zones: dict[str, ZoneInfo | None] = {}
        self._decoded: dict[str, Any] = {}
        self._walks: dict[Hashable, tuple[datetime | None, datetime | None]] = {}

    def decoded(self, text: str | None) -> Any:
        """A JSON column's value from its text, decoded once per distinct text (shared: read it,
        never change it)."""
        if text is None:
            return None
        if text not in self._decoded:
            if len(self._decoded) >= _MEMO_LIMIT:
                self._decoded.clear()
            self._decoded[text] = json.loads(text)
        return self._decoded[text]

    def zone(self, name: str) -> ZoneInfo | None:
        if name not in self._zones:
            try:
                self._zones[name] = zone_of(name)
            except UserError:
                self._zones[name] = None
        return self._zones[name]

    def advance(
        self,
        *,
        recurrence: dict[str, Any],
        timezone: str,
        next_due_at: datetime | None,
        paused_until: datetime | None,
        paused_reason: str | None,
        last_planned_at: datetime | None,
        active: bool,
        shape: Hashable | None = None,
    ) -> _Advance:
        """Move one schedule past ``now``: what :func:`plan_due` writes back, and what it plans.

        ``shape`` stands for the recurrence in the memo (its JSON text, when the caller has it).
        """
        zone = self.zone(timezone)
        if zone is None:
            reason = f"unknown timezone {timezone}"[:200]
            return _Advance(None, next_due_at, active, None, reason, last_planned_at, None)
        key = (
            _shape(recurrence) if shape is None else shape,
            timezone,
            next_due_at,
            paused_until,
            paused_reason is None,
        )
        walked = self._walks.get(key)
        if walked is None:
            walked = self._walk(recurrence, zone, next_due_at, paused_until, paused_reason)
            if len(self._walks) >= _MEMO_LIMIT:
                self._walks.clear()
            self._walks[key] = walked
        latest, upcoming = walked
        if paused_until is not None and paused_until <= self.now:
            paused_until = paused_reason = None  # a pause until a date that has passed is over
        return _Advance(
            latest,
            upcoming,
            active and upcoming is not None,  # a once-schedule fired (or was missed)
            paused_until,
            paused_reason,
            latest if latest is not None else last_planned_at,
            zone,
        )

    def _walk(
        self,
        recurrence: dict[str, Any],
        zone: ZoneInfo,
        occurrence: datetime | None,
        paused_until: datetime | None,
        paused_reason: str | None,
    ) -> tuple[datetime | None, datetime | None]:
        if occurrence is not None and occurrence < self.window_start:
            # Jump over the outage instead of walking through every missed occurrence.
            occurrence = next_occurrence(recurrence, zone, self.window_start - _TINY)
        latest: datetime | None = None
        while occurrence is not None and occurrence <= self.now:
            if not paused_at(paused_until, paused_reason, occurrence):
                latest = occurrence
            occurrence = next_occurrence(recurrence, zone, occurrence)
        return latest, occurrence


def _shape(recurrence: dict[str, Any]) -> Hashable:
    """A hashable stand-in for a recurrence (stored as JSON: a dict of strings, ints, lists)."""
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in recurrence.items()))
    try:
        hash(key)
    except TypeError:  # a value the recurrence format does not have; still correct, if slower
        return json.dumps(recurrence, sort_keys=True, default=str)
    return key


# Kinds with a batch producer: rows in, rows out ----------------------------------------------


@dataclass(frozen=True, slots=True)
class _Claimed:
    """A claimed schedule row with an occurrence to produce."""

    row: Row[Any]
    advance: _Advance
    due: DueOccurrence


def _plan_rows(
    session: Session,
    claimed: list[Row[Any]],
    now: datetime,
    walks: _Walks,
    batchers: dict[str, BatchProducer | None],
    spoken: dict[int, str],
    producers: Producers,
) -> list[dict[str, Any]]:
    """Plan schedules whose kind has a batch producer, without loading them as objects."""
    if not claimed:
        return []
    updates: list[dict[str, Any]] = []
    groups: dict[tuple[str, str], list[_Claimed]] = {}
    for row in claimed:
        advance = walks.advance(
            recurrence=walks.decoded(row.recurrence),
            timezone=row.timezone,
            next_due_at=row.next_due_at,
            paused_until=row.paused_until,
            paused_reason=row.paused_reason,
            last_planned_at=row.last_planned_at,
            active=row.active,
            shape=("json", row.recurrence),
        )
        updates.append(
            {
                "b_id": row.id,
                "b_next_due_at": advance.next_due_at,
                "b_active": advance.active,
                "b_paused_until": advance.paused_until,
                "b_paused_reason": advance.paused_reason,
                "b_last_planned_at": advance.last_planned_at,
            }
        )
        if advance.latest is None:
            continue
        due = DueOccurrence(
            schedule_id=row.id,
            kind=row.kind,
            member_id=row.member_id,
            community_id=row.community_id,
            subject_id=row.subject_id,
            timezone=row.timezone,
            payload=walks.decoded(row.payload) or {},
            at=advance.latest,
        )
        # Rendered in the recipient's language (a member's own schedules): one call per language.
        spoken_in = spoken.get(row.member_id or 0, producers.language)
        groups.setdefault((row.kind, spoken_in), []).append(_Claimed(row, advance, due))
    # Written before the producers run, as the one-by-one path has advanced its objects by then:
    # a producer that reads a schedule (a follow-up reads its prompt's) sees it moved on.
    _update_schedules(session, updates)
    rows: list[dict[str, Any]] = []
    payloads = _Payloads()
    for (kind, spoken_in), group in groups.items():
        producer = batchers[kind]
        assert producer is not None
        with language(spoken_in):
            produced = _produce_many(session, producer, kind, group, producers)
        for item, outgoing in zip(group, produced, strict=True):
            assert item.advance.zone is not None
            rows += _outbox_rows(
                item.row.id,
                kind,
                walks.decoded(item.row.quiet_hours),
                item.advance.zone,
                item.due.at,
                outgoing,
                now,
                payloads,
            )
    return rows


def _update_schedules(session: Session, updates: list[dict[str, Any]]) -> None:
    """Write the batch's advanced schedules: one ``UPDATE ... WHERE id IN (...)`` per distinct
    set of new values (a burst's thousands of schedules move to a handful of next instants)."""
    if not updates:
        return
    together: dict[tuple[Any, ...], list[int]] = {}
    for values in updates:
        ids = together.setdefault(
            (
                values["b_next_due_at"],
                values["b_active"],
                values["b_paused_until"],
                values["b_paused_reason"],
                values["b_last_planned_at"],
            ),
            [],
        )
        ids.append(values["b_id"])
    connection = session.connection()
    dialect = connection.dialect.name
    for (
        next_due_at,
        active,
        paused_until,
        paused_reason,
        last_planned_at,
    ), ids in together.items():
        connection.execute(
            update(_SCHEDULES)
            .where(among(_SCHEDULES.c.id, ids, dialect))
            .values(
                next_due_at=next_due_at,
                active=active,
                paused_until=paused_until,
                paused_reason=paused_reason,
                last_planned_at=last_planned_at,
            )
        )
    # A schedule this session holds as an object (loaded by an earlier producer) is now stale.
    written = {u["b_id"] for u in updates}
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Schedule):
            identity = inspect(instance).identity
            if identity is not None and identity[0] in written:
                session.expire(instance)


def _produce_many(
    session: Session,
    producer: BatchProducer,
    kind: str,
    group: list[_Claimed],
    producers: Producers,
) -> list[list[Outgoing]]:
    """The messages of each occurrence of one kind: in one call, or one at a time if it fails."""
    dues = [item.due for item in group]
    try:
        with session.begin_nested():
            produced = producer.produce_many(session, dues)
            if len(produced) != len(dues):
                raise ValueError(f"produce_many gave {len(produced)} lists for {len(dues)}")
        return produced
    except Exception:
        log.exception(
            "batch producer for %s failed on %d occurrences: planning them one at a time",
            kind,
            len(dues),
        )
    # The schedules were advanced above (outside the rolled-back savepoint), so the objects loaded
    # now are what the one-by-one path hands its producers.
    ids = [due.schedule_id for due in dues]
    loaded = {s.id: s for s in session.exec(select(Schedule).where(col(Schedule.id).in_(ids)))}
    results: list[list[Outgoing]] = []
    for due in dues:
        schedule = loaded.get(due.schedule_id)
        if schedule is None:  # deleted by a producer of this same batch
            results.append([])
            continue
        try:
            with session.begin_nested():
                results.append(producer(producers.occurrence(session, schedule, due.at)))
        except Exception:
            log.exception("producer for %s failed on schedule %s", kind, due.schedule_id)
            results.append([])
    return results


# Other kinds: schedule objects, one producer call each ---------------------------------------


class _Replay(Exception):
    """A producer failed while a batch was planned in one savepoint: plan it one at a time."""


def _plan_objects(
    session: Session,
    ids: list[int],
    now: datetime,
    window_start: datetime,
    walks: _Walks,
    spoken: dict[int, str],
    producers: Producers,
) -> list[dict[str, Any]]:
    """Plan schedules whose producer takes one occurrence at a time, as ORM objects.

    The whole batch runs in one savepoint (a savepoint per schedule costs more than most
    producers); if any producer raises, the savepoint is rolled back and the batch planned again
    with a savepoint per schedule, so only the broken one loses its occurrence.
    """
    if not ids:
        return []
    schedules = list(
        session.exec(select(Schedule).where(col(Schedule.id).in_(ids)).order_by(col(Schedule.id)))
    )
    payloads = _Payloads()
    try:
        with session.begin_nested():
            rows: list[dict[str, Any]] = []
            for schedule in schedules:
                with language(spoken.get(schedule.member_id or 0, producers.language)):
                    rows += _plan_one(session, schedule, now, walks, producers, payloads, False)
            return rows
    except _Replay:
        pass  # logged below, schedule by schedule
    rows = []
    for schedule in schedules:
        with language(spoken.get(schedule.member_id or 0, producers.language)):
            rows += _plan_one(session, schedule, now, walks, producers, payloads, True)
    return rows


def _plan_one(
    session: Session,
    schedule: Schedule,
    now: datetime,
    walks: _Walks,
    producers: Producers,
    payloads: _Payloads,
    isolated: bool,
) -> list[dict[str, Any]]:
    """Advance one schedule past ``now`` and return the outbox rows of its latest live occurrence.

    ``isolated``: the producer runs in a savepoint of its own and its failure is logged and
    skipped; otherwise a failure raises :class:`_Replay`.
    """
    assert schedule.id is not None and schedule.next_due_at is not None
    advance = walks.advance(
        recurrence=schedule.recurrence,
        timezone=schedule.timezone,
        next_due_at=schedule.next_due_at,
        paused_until=schedule.paused_until,
        paused_reason=schedule.paused_reason,
        last_planned_at=schedule.last_planned_at,
        active=schedule.active,
    )
    schedule.next_due_at = advance.next_due_at
    schedule.active = advance.active
    schedule.paused_until = advance.paused_until
    schedule.paused_reason = advance.paused_reason
    schedule.last_planned_at = advance.last_planned_at
    session.add(schedule)
    if advance.latest is None or advance.zone is None:
        return []
    outgoing = _produce(session, schedule, advance.latest, producers, isolated)
    return _outbox_rows(
        schedule.id,
        schedule.kind,
        schedule.quiet_hours,
        advance.zone,
        advance.latest,
        outgoing,
        now,
        payloads,
    )


def _produce(
    session: Session,
    schedule: Schedule,
    occurrence: datetime,
    producers: Producers,
    isolated: bool,
) -> list[Outgoing]:
    producer = producers.kinds.get(schedule.kind)
    if producer is None:
        # A kind no loaded feature produces: stop rather than drop every occurrence unseen.
        log.error("schedule %s has unknown kind %r: paused", schedule.id, schedule.kind)
        schedule.paused_until = None
        schedule.paused_reason = f"unknown schedule kind {schedule.kind}"[:200]
        return []
    if not isolated:
        try:
            return producer(producers.occurrence(session, schedule, occurrence))
        except Exception as error:
            raise _Replay from error
    try:
        with session.begin_nested():
            return producer(producers.occurrence(session, schedule, occurrence))
    except Exception:
        # One feature's bug must not stop everyone's prompts: this occurrence is skipped (and
        # logged); the next one tries again.
        log.exception("producer for %s failed on schedule %s", schedule.kind, schedule.id)
        return []


# Outbox rows ---------------------------------------------------------------------------------


class _Payloads:
    """Replies as outbox JSON, each reply object dumped once.

    A batch producer hands thousands of members the same reply object (one question, one
    language); dumping it once per batch instead of once per member is most of a row's cost.
    """

    def __init__(self) -> None:
        # Keyed by id(), with the reply kept alive in the value so no id is reused meanwhile.
        self._dumped: dict[int, tuple[object, dict[str, Any]]] = {}

    def of(self, message: Outgoing) -> dict[str, Any]:
        found = self._dumped.get(id(message.reply))
        if found is None or found[0] is not message.reply:
            found = (message.reply, message.reply.model_dump(mode="json"))
            self._dumped[id(message.reply)] = found
        return found[1]


def _outbox_rows(
    schedule_id: int,
    kind: str,
    quiet_hours: dict[str, Any] | None,
    zone: ZoneInfo,
    occurrence: datetime,
    outgoing: Iterable[Outgoing],
    now: datetime,
    payloads: _Payloads,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    due: datetime | None = None
    for message in outgoing:
        if (message.member_id is None) == (message.channel_id is None):
            log.error("producer %s gave a message with no single recipient", kind)
            continue
        if due is None:
            due = after_quiet_hours(quiet_hours, occurrence, zone)
        rows.append(
            {
                "key": outbox_key(schedule_id, occurrence, message.suffix),
                "schedule_id": schedule_id,
                "member_id": message.member_id,
                "platform": message.platform,
                "tenant": message.tenant,
                "channel_id": message.channel_id,
                "kind": kind,
                "payload": payloads.of(message),
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


def _insert_new(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows whose key is new, in one statement; return how many went in."""
    if not rows:
        return 0
    about = {row["key"]: row.pop("_about") for row in rows if row.get("_about")}
    for row in rows:
        row.pop("_about", None)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # One statement, many parameter sets, in the driver's executemany: its row count says how
    # many keys were new (see execute_many for why not RETURNING).
    statement = insert(_OUTBOX).on_conflict_do_nothing(index_elements=["key"])
    added = execute_many(session, statement, rows)
    if about:
        ids = session.exec(
            select(OutboxMessage.key, OutboxMessage.id).where(col(OutboxMessage.key).in_(about))
        ).all()
        add_subjects(session, {i: about[k] for k, i in ids if i is not None})
    return added
