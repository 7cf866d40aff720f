"""The batch path for reflection prompts writes exactly what the one-by-one path writes.

Each test plans the same scenario twice in one transaction, rolled back in between: once with the
reflection producer as a plain function (each occurrence on its own, as before batching) and once
as the batch producer the app registers. Prompts, follow-up schedules, outbox rows and every
schedule's columns must come out the same, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.delivery import create_schedule, pause_schedule, plan_due
from core.delivery import planner as planner_module
from core.delivery.kinds import DueOccurrence, Occurrence, Outgoing, Producer, Producers
from core.delivery.models import OutboxMessage, Schedule
from core.reflection import library
from core.reflection.models import ReflectionPrompt
from core.reflection.schedules import (
    FOLLOW_UP_KIND,
    PROMPT_KIND,
    PromptProducer,
    produce_prompt,
    set_schedule,
)
from core.reflection.service import answer_prompt, open_prompt, pick_prompt
from core.reply import Reply
from tests.delivery.helpers import add_member

START = datetime(2027, 1, 3, 12, 0, tzinfo=UTC)  # a Sunday; Monday's 09:00s follow
ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Europe/Madrid")


class CountingPrompts(PromptProducer):
    """The real batch producer, counting its batches (so a test knows the batch path ran)."""

    def __init__(self) -> None:
        self.batches = 0

    def produce_many(
        self, session: Session, occurrences: Sequence[DueOccurrence]
    ) -> list[list[Outgoing]]:
        self.batches += 1
        return super().produce_many(session, occurrences)


def one_at_a_time(producer: Producer) -> Producer:
    """The same producer as a plain function: the planner then takes the one-by-one path."""

    def plain(occurrence: Occurrence) -> list[Outgoing]:
        return producer(occurrence)

    return plain


def populate(app: Staffroom) -> None:
    """Members in four timezones with every case the planner and the producer tell apart."""
    with Session(app.engine) as session:
        for n in range(14):
            member = add_member(session, f"m{n}", START, timezone=ZONES[n % len(ZONES)])
            assert member.id is not None
            if n == 4:
                member.language = "es"
                session.add(member)
            model = library.MODELS[n % len(library.MODELS)]
            schedule = set_schedule(
                session,
                member,
                weekdays=list(range(7)),
                at=time(9, 0),
                model_key=model,
                follow_up_hours=24 if n % 3 == 0 else (5 if n % 3 == 1 else 0),
                now=START,
            )
            if n in (0, 7):
                # History: two questions asked on request, one of them answered.
                for days in (9, 5):
                    at = START - timedelta(days=days)
                    asked = open_prompt(
                        session, member.id, pick_prompt(session, member.id, model), at
                    )
                    if days == 9:
                        answer_prompt(session, asked, "An answer", at, limit=2000)
            if n == 1:
                # Two live reflection schedules: the second prompt must see the first.
                create_schedule(
                    session,
                    kind=PROMPT_KIND,
                    now=START,
                    recurrence={"type": "daily", "time": "09:00"},
                    timezone=member.timezone,
                    member_id=member.id,
                    payload={"model": "gibbs", "follow_up_hours": 24},
                )
            if n == 2:
                pause_schedule(session, schedule, START + timedelta(days=2), "paused by the member")
            if n == 3:
                schedule.payload = {"model": "freud", "follow_up_hours": 0}  # not in the library
            if n == 5:
                schedule.quiet_hours = {"start": "08:00", "end": "10:30"}
            if n == 6:
                # Its first occurrence was planned before (a crash after the prompt was opened).
                assert schedule.next_due_at is not None
                produce_prompt(Occurrence(session, schedule, schedule.next_due_at))
            if n == 8:
                schedule.timezone = "Mars/Olympus"
            if n == 9:
                pause_schedule(session, schedule, None, "paused by the member")
            if n == 10:
                # Every question of the schedule's first stage asked already: the walk must
                # still come back to that stage in its turn, not skip to one with fresh questions.
                lead_in(session, member.id, model)
            session.add(schedule)
        session.commit()


def lead_in(session: Session, member_id: int, model_key: str) -> None:
    """History: every question of the model's first stage, asked (and swapped) before START."""
    first = library.model(model_key).stages[0]
    count = sum(p.stage == first for p in library.model(model_key).prompts)
    for n in range(count):
        at = START - timedelta(days=2, minutes=count - n)
        open_prompt(session, member_id, pick_prompt(session, member_id, model_key, stage=first), at)


def plan_days(app: Staffroom, session: Session, producers: Producers, days: int) -> list[int]:
    """Plan every three hours for ``days`` days in ``session`` (not committed); rows added each time."""
    added = []
    at = START
    while at <= START + timedelta(days=days):
        added.append(plan_due(session, at, app.settings.delivery, producers))
        at += timedelta(hours=3)
    return added


def snapshot(session: Session) -> dict[str, Any]:
    """Everything planning writes, with ids that differ between two runs (PostgreSQL does not
    give sequence numbers back on rollback) replaced by what they stand for."""
    session.flush()
    prompts = session.exec(select(ReflectionPrompt)).all()
    schedules = session.exec(select(Schedule)).all()
    prompt_of = {p.id: (p.schedule_id, p.occurrence_at, p.member_id, p.sent_at) for p in prompts}
    who: dict[int | None, Any] = {None: None}
    for schedule in schedules:
        follow_up = schedule.kind == FOLLOW_UP_KIND and schedule.created_at > START
        who[schedule.id] = (
            ("follow-up", prompt_of.get(schedule.subject_id)) if follow_up else schedule.id
        )
    outbox = session.exec(select(OutboxMessage)).all()
    return {
        "schedules": sorted(
            (
                repr(who[s.id]),
                s.kind,
                s.member_id,
                s.timezone,
                repr(s.recurrence),
                s.next_due_at,
                s.active,
                s.paused_until,
                s.paused_reason,
                s.last_planned_at,
                repr(prompt_of.get(s.subject_id) if s.kind == FOLLOW_UP_KIND else s.subject_id),
                repr(s.payload),
                repr(s.quiet_hours),
                s.follow_member_timezone,
                s.created_at,
            )
            for s in schedules
        ),
        "prompts": sorted(
            (
                p.member_id,
                p.prompt_key,
                p.model,
                p.stage,
                p.text,
                p.source,
                repr(who[p.schedule_id]),
                p.occurrence_at,
                p.outbox_key.split(":", 1)[1] if p.outbox_key else None,
                p.sent_at,
                p.answered_at,
                p.closed_at,
                p.followed_up_at,
            )
            for p in prompts
        ),
        "outbox": sorted(
            (
                repr(who[o.schedule_id]),
                o.key.split(":", 1)[1],
                o.member_id,
                o.kind,
                repr(o.payload),
                o.state,
                o.due_at,
                o.next_attempt_at,
                o.created_at,
            )
            for o in outbox
        ),
    }


@pytest.mark.parametrize("chunk", [4, 1000])
def test_batch_and_one_by_one_plan_the_same_rows(
    app: Staffroom, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # A chunk of 4 puts the scenario across many batches (a member's two schedules in two).
    monkeypatch.setattr(planner_module, "CHUNK", chunk)
    populate(app)
    counting = CountingPrompts()
    batch = Producers({**app.producers.kinds, PROMPT_KIND: counting})
    plain = Producers({**app.producers.kinds, PROMPT_KIND: one_at_a_time(produce_prompt)})
    with Session(app.engine) as session:
        one_by_one_added = plan_days(app, session, plain, days=4)
        one_by_one = snapshot(session)
        session.rollback()
        assert counting.batches == 0
        batch_added = plan_days(app, session, batch, days=4)
        batched = snapshot(session)
        session.rollback()
    assert counting.batches > 0
    assert batch_added == one_by_one_added
    for part in ("schedules", "prompts", "outbox"):
        assert batched[part] == one_by_one[part], part
    # The scenario did exercise what it means to: prompts with history, follow-ups, Spanish.
    prompts = one_by_one["prompts"]
    assert len(prompts) > 30
    assert any(row[0] == 2 and row[11] is not None for row in prompts)  # closed by a newer one
    assert any(s[1] == FOLLOW_UP_KIND for s in one_by_one["schedules"])
    assert any("reflexionar" in row[4] for row in one_by_one["outbox"])


def test_planning_the_batch_twice_adds_nothing(app: Staffroom) -> None:
    populate(app)
    monday = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
    with Session(app.engine) as session:
        first = plan_due(session, monday, app.settings.delivery, app.producers)
        session.commit()
        # Put every schedule back to its Monday occurrence, as a planner that crashed after
        # writing its rows but before moving its schedules would have left them.
        for schedule in session.exec(select(Schedule).where(Schedule.kind == PROMPT_KIND)):
            if schedule.last_planned_at is not None:
                schedule.next_due_at = schedule.last_planned_at
                session.add(schedule)
        session.commit()
        prompts = len(session.exec(select(ReflectionPrompt)).all())
        again = plan_due(session, monday, app.settings.delivery, app.producers)
        session.commit()
        assert first > 0 and again == 0
        assert len(session.exec(select(ReflectionPrompt)).all()) == prompts
        keys = session.exec(select(OutboxMessage.key)).all()
        assert len(keys) == len(set(keys)) == first


def scheduled_prompts(session: Session) -> list[tuple[int, datetime | None]]:
    return [
        (p.member_id, p.occurrence_at)
        for p in session.exec(
            select(ReflectionPrompt).where(ReflectionPrompt.source == "scheduled")
        )
    ]


class BrokenForOne(PromptProducer):
    """Fails its batches, and one member's occurrence even on its own."""

    def __init__(self, bad_member: int) -> None:
        self.bad_member = bad_member

    def __call__(self, occ: Occurrence) -> list[Outgoing]:
        if occ.schedule.member_id == self.bad_member:
            raise RuntimeError("a bug that only this member's data shows")
        return super().__call__(occ)

    def produce_many(
        self, session: Session, occurrences: Sequence[DueOccurrence]
    ) -> list[list[Outgoing]]:
        super().produce_many(session, occurrences)  # writes, then fails: must be rolled back
        raise RuntimeError("the batch fails")


def test_a_failing_batch_is_planned_one_by_one_and_only_the_broken_one_is_lost(
    app: Staffroom,
) -> None:
    populate(app)
    monday = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
    with Session(app.engine) as session:
        good = plan_due(session, monday, app.settings.delivery, app.producers)
        good_keys = set(session.exec(select(OutboxMessage.key)).all())
        good_prompts = set(scheduled_prompts(session))
        session.rollback()
        bad_member = session.exec(
            select(Schedule.member_id)
            .where(Schedule.kind == PROMPT_KIND)
            .order_by(col(Schedule.id))
        ).first()
        assert bad_member is not None
        broken = Producers({**app.producers.kinds, PROMPT_KIND: BrokenForOne(bad_member)})
        added = plan_due(session, monday, app.settings.delivery, broken)
        keys = set(session.exec(select(OutboxMessage.key)).all())
        assert len(good_keys - keys) == 1 and keys < good_keys
        assert added == good - 1
        # Everyone else's prompts opened as they would have; the batch's own writes are gone.
        assert set(scheduled_prompts(session)) == {
            (member, at)
            for member, at in good_prompts
            if member != bad_member or at < monday - timedelta(days=1)
        }
        # Every due schedule moved on, the broken one included: it tries again next time.
        stuck = session.exec(
            select(Schedule).where(
                Schedule.kind == PROMPT_KIND,
                col(Schedule.active),
                col(Schedule.next_due_at) <= monday,
                col(Schedule.paused_reason).is_(None),
            )
        ).all()
        assert stuck == []
        session.rollback()


@pytest.mark.parametrize("path", ["batch", "one by one"])
def test_both_paths_walk_the_model_stage_by_stage_and_say_where_they_are(
    app: Staffroom, path: str
) -> None:
    gibbs = library.model("gibbs")
    with Session(app.engine) as session:
        member = add_member(session, "walker", START, timezone="Europe/London")
        assert member.id is not None
        lead_in(session, member.id, "gibbs")
        set_schedule(
            session,
            member,
            weekdays=list(range(7)),
            at=time(9, 0),
            model_key="gibbs",
            follow_up_hours=0,
            now=START,
        )
        session.commit()
        walker = member.id
    counting = CountingPrompts()
    producer: Producer = counting if path == "batch" else one_at_a_time(produce_prompt)
    producers = Producers({**app.producers.kinds, PROMPT_KIND: producer})
    with Session(app.engine) as session:
        plan_days(app, session, producers, days=len(gibbs.stages) + 1)
        session.commit()
        sent = session.exec(
            select(ReflectionPrompt)
            .where(ReflectionPrompt.member_id == walker, ReflectionPrompt.source == "scheduled")
            .order_by(col(ReflectionPrompt.occurrence_at))
        ).all()
        outbox = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.member_id == walker)
            .order_by(col(OutboxMessage.due_at))
        ).all()
    assert (counting.batches > 0) == (path == "batch")
    # The lead-in asked every description question: the schedule goes on from feelings, round
    # to description again (its question seen longest ago), then feelings again.
    stages = [p.stage for p in sent]
    assert stages[: len(gibbs.stages) + 1] == [*gibbs.stages[1:], gibbs.stages[0], gibbs.stages[1]]
    assert sent[len(gibbs.stages) - 1].prompt_key == f"gibbs.{gibbs.stages[0]}.1"
    shown = [Reply.model_validate(row.payload).plain_text() for row in outbox]
    assert "Gibbs' reflective cycle · stage 2 of 6: Feelings" in shown[0]
    assert "stage 1 of 6: Description" in shown[len(gibbs.stages) - 1]
