"""Set-based planning: batches, a broken producer in a batch, and planners running side by side."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.delivery import create_schedule, plan_due
from core.delivery import planner as planner_module
from core.delivery.kinds import DueOccurrence, Occurrence, Outgoing, Producers
from core.delivery.models import OutboxMessage, Schedule
from core.delivery.outbox import execute_many
from core.reflection.models import ReflectionPrompt
from core.reflection.schedules import PROMPT_KIND, set_schedule
from core.reply import Reply
from tests.delivery.helpers import add_member, note_producer

NOTE = "test.note"
MONDAY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
DRIVER_INTEGRITY = (sqlite3.IntegrityError, psycopg.IntegrityError)


class NoteBatch:
    """A batch producer for tests: the same notes as ``note_producer``, one call per batch."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def __call__(self, occurrence: Occurrence) -> list[Outgoing]:
        return note_producer(occurrence)

    def produce_many(
        self, session: Session, occurrences: Sequence[DueOccurrence]
    ) -> list[list[Outgoing]]:
        self.batches.append(len(occurrences))
        return [
            [Outgoing(reply=Reply.message(f"note for {o.at.isoformat()}"), member_id=o.member_id)]
            for o in occurrences
        ]


def daily_notes(app: Staffroom, count: int, **kw: object) -> list[int]:
    """``count`` members with a daily 09:00 UTC note schedule; their schedule ids."""
    ids = []
    with Session(app.engine) as session:
        for n in range(count):
            member = add_member(session, f"n{n}", MONDAY - timedelta(days=1))
            schedule = create_schedule(
                session,
                kind=NOTE,
                now=MONDAY - timedelta(days=1),
                recurrence={"type": "daily", "time": "09:00"},
                timezone="UTC",
                member_id=member.id,
                **kw,  # type: ignore[arg-type]
            )
            assert schedule.id is not None
            ids.append(schedule.id)
        session.commit()
    return ids


def outbox_rows(session: Session) -> list[tuple[str, int | None, str, object]]:
    return sorted(
        (o.key, o.member_id, o.due_at.isoformat(), repr(o.payload))
        for o in session.exec(select(OutboxMessage))
    )


def test_a_batch_producer_plans_what_the_plain_one_does(
    app: Staffroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planner_module, "CHUNK", 7)
    daily_notes(app, 20, quiet_hours={"start": "08:30", "end": "10:00"})
    batch = NoteBatch()
    with Session(app.engine) as session:
        plain = plan_due(session, MONDAY, app.settings.delivery, Producers({NOTE: note_producer}))
        expected = outbox_rows(session)
        due = session.exec(select(Schedule.id, Schedule.next_due_at, Schedule.last_planned_at))
        expected_due = sorted(due)
        session.rollback()
        added = plan_due(session, MONDAY, app.settings.delivery, Producers({NOTE: batch}))
        assert added == plain == 20
        assert outbox_rows(session) == expected
        due = session.exec(select(Schedule.id, Schedule.next_due_at, Schedule.last_planned_at))
        assert sorted(due) == expected_due
        session.rollback()
    assert batch.batches == [7, 7, 6]  # one call per batch, not per schedule


def test_one_broken_plain_producer_costs_only_its_own_occurrence(app: Staffroom) -> None:
    ids = daily_notes(app, 6)
    broken = ids[2]

    def fragile(occurrence: Occurrence) -> list[Outgoing]:
        # Writes something first, so a rollback that missed it would show.
        occurrence.session.add(
            ReflectionPrompt(
                member_id=occurrence.schedule.member_id or 0,
                prompt_key="written.before.failing",
                model="gibbs",
                stage="description",
                text="?",
                sent_at=occurrence.at,
            )
        )
        occurrence.session.flush()
        if occurrence.schedule.id == broken:
            raise RuntimeError("a bug only this schedule's data shows")
        return note_producer(occurrence)

    with Session(app.engine) as session:
        added = plan_due(session, MONDAY, app.settings.delivery, Producers({NOTE: fragile}))
        session.commit()
        assert added == 5
        planned = {o.schedule_id for o in session.exec(select(OutboxMessage))}
        assert planned == set(ids) - {broken}
        # The broken producer's own writes were rolled back; the others' kept.
        assert len(session.exec(select(ReflectionPrompt)).all()) == 5
        moved = session.exec(select(Schedule.next_due_at)).all()
        assert set(moved) == {MONDAY + timedelta(days=1)}  # the broken one moved on too


def test_a_caller_rollback_undoes_the_whole_pass_on_every_database(app: Staffroom) -> None:
    daily_notes(app, 3)
    with Session(app.engine) as session:
        before = sorted(session.exec(select(Schedule.id, Schedule.next_due_at)))
        assert plan_due(session, MONDAY, app.settings.delivery, Producers({NOTE: note_producer}))
        session.rollback()
        assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0
        assert plan_due(session, MONDAY, app.settings.delivery, Producers({NOTE: NoteBatch()}))
        session.rollback()
        assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0
        assert sorted(session.exec(select(Schedule.id, Schedule.next_due_at))) == before


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_two_planners_at_once_on_postgres_never_double_plan(
    app: Staffroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    if app.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's: SQLite planners take turns (a write lock)")
    monkeypatch.setattr(planner_module, "CHUNK", 25)
    members = 400
    with Session(app.engine) as session:
        for n in range(members):
            member = add_member(session, f"p{n}", MONDAY - timedelta(days=1))
            set_schedule(
                session,
                member,
                weekdays=[0],
                at=datetime.min.time().replace(hour=9),
                model_key="gibbs",
                follow_up_hours=24,
                now=MONDAY - timedelta(days=1),
            )
        session.commit()
    start = threading.Barrier(2)
    added: list[int] = []
    errors: list[BaseException] = []

    def planner() -> None:
        try:
            with Session(app.engine) as session:
                start.wait()
                added.append(plan_due(session, MONDAY, app.settings.delivery, app.producers))
                session.commit()
        except BaseException as error:  # reported below, with the other thread's result
            errors.append(error)

    threads = [threading.Thread(target=planner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(added) == members
    with Session(app.engine) as session:
        keys = session.exec(select(OutboxMessage.key)).all()
        assert len(keys) == len(set(keys)) == members
        prompts = session.exec(
            select(ReflectionPrompt.schedule_id, ReflectionPrompt.occurrence_at)
        ).all()
        assert len(prompts) == len(set(prompts)) == members
        follow_ups = session.exec(
            select(func.count()).select_from(Schedule).where(Schedule.kind != PROMPT_KIND)
        ).one()
        assert follow_ups == members
        due = session.exec(
            select(func.count())
            .select_from(Schedule)
            .where(Schedule.kind == PROMPT_KIND, col(Schedule.next_due_at) <= MONDAY)
        ).one()
        assert due == 0


def test_bulk_inserts_add_only_new_keys_in_the_order_given(app: Staffroom) -> None:
    # On PostgreSQL execute_many inserts through COPY and a staging table; on SQLite through
    # executemany. Both must count only the new keys and store rows (JSON, dates) as given.
    insert = pg_insert if app.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage.__table__).on_conflict_do_nothing(  # type: ignore[attr-defined]
        index_elements=["key"]
    )
    with Session(app.engine) as session:
        member = add_member(session, "bulk", MONDAY)
        shared = {"text": "the same reply, shared by rows"}

        def row(key: str, payload: dict[str, object]) -> dict[str, object]:
            return {
                "key": key,
                "member_id": member.id,
                "kind": NOTE,
                "payload": payload,
                "state": "pending",
                "due_at": MONDAY,
                "next_attempt_at": MONDAY + timedelta(minutes=1),
                "attempts": 0,
                "deferrals": 0,
                "created_at": MONDAY,
            }

        first = [row(f"bulk:{n}", shared) for n in (3, 1, 2)]
        assert execute_many(session, statement, first) == 3
        again = [*first[1:], row("bulk:0", {"text": "new", "n": [1, 2]}), row("bulk:0", shared)]
        assert execute_many(session, statement, again) == 1
        session.commit()
        stored = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    assert [o.key for o in stored] == ["bulk:3", "bulk:1", "bulk:2", "bulk:0"]
    assert [o.payload for o in stored] == [shared] * 3 + [{"text": "new", "n": [1, 2]}]
    assert {(o.due_at, o.next_attempt_at) for o in stored} == {
        (MONDAY, MONDAY + timedelta(minutes=1))
    }


def test_a_failed_bulk_insert_leaves_nothing_behind(app: Staffroom) -> None:
    insert = pg_insert if app.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage.__table__).on_conflict_do_nothing(  # type: ignore[attr-defined]
        index_elements=["key"]
    )
    good = {
        "key": "bulk:ok",
        "member_id": None,
        "channel_id": "c",
        "kind": NOTE,
        "payload": {},
        "state": "pending",
        "due_at": MONDAY,
        "next_attempt_at": MONDAY,
        "attempts": 0,
        "deferrals": 0,
        "created_at": MONDAY,
    }
    with Session(app.engine) as session:
        session.exec(select(func.count()).select_from(OutboxMessage)).one()  # begin
        # The drivers' own errors: execute_many works on the driver's cursor.
        with pytest.raises(DRIVER_INTEGRITY), session.begin_nested():
            execute_many(session, statement, [good, {**good, "key": "bulk:bad", "member_id": -1}])
        # The savepoint rolled back (the staging table with it): the same insert works again.
        assert execute_many(session, statement, [good]) == 1
        session.commit()
        assert session.exec(select(OutboxMessage.key)).all() == ["bulk:ok"]
