"""Peer observation end to end through dispatch: ask, answer, reminders through the real planner
and deliverer, notes step by step, reflection, CPD, sharing, and privacy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.cpd.models import CpdActivity
from core.delivery.models import OutboxMessage, Schedule
from core.identity.models import Account
from core.observation.models import Observation, ObservationShare, ObservationStatus
from core.observation.privacy import OBSERVATION_DATA
from core.reflection.models import JournalEntry
from core.reply import Reply
from tests.conftest import make_settings
from tests.core.test_privacy import rows_mentioning
from tests.delivery.helpers import RecordingMessenger, tick
from tests.schools.helpers import create_school, grant, join
from tests.talk import say, tell, text_of

ADMIN = "root"
LESSON = "2026-11-26 10:40"  # a Thursday; Ana's clock is London's (UTC in November)


@pytest.fixture
def app(db_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    settings = make_settings(db_url, staffroom={"admins": [f"console:local:{ADMIN}"]})
    staffroom = Staffroom(settings, clock=clock)
    yield staffroom
    staffroom.engine.dispose()


def ok(reply: Reply) -> Reply:
    assert reply.tone != "error", text_of(reply)
    return reply


def member_id(app: Staffroom, user: str) -> int:
    with Session(app.engine) as session:
        return session.exec(select(Account.member_id).where(Account.user_id == user)).one()


def dms(app: Staffroom, user: str) -> list[Reply]:
    with Session(app.engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.member_id == member_id(app, user))
            .order_by(col(OutboxMessage.id))
        ).all()
        return [Reply.model_validate(row.payload) for row in rows]


def observation(app: Staffroom, obs_id: int = 1) -> Observation:
    with Session(app.engine) as session:
        found = session.get(Observation, obs_id)
        assert found is not None
        return found


def people(app: Staffroom) -> None:
    ok(say(app, "settings timezone Europe/London", user="ana", name="Ana"))
    ok(say(app, "settings timezone Europe/Madrid", user="bob", name="Bob"))
    ok(say(app, "profile show", user="carol", name="Carol"))


def planned(app: Staffroom) -> int:
    """Ana asks Bob to observe her, Bob accepts; returns the observation's id."""
    people(app)
    asked = ok(
        say(
            app,
            f'observe request @bob focus="questioning" date="{LESSON}" lesson="Y9 maths, P3" '
            'hope="Do I give enough wait time?"',
        )
    )
    assert "Asked Bob to observe your lesson" in text_of(asked)
    ok(say(app, "observe accept 1", user="bob"))
    return 1


def test_a_request_waits_for_the_colleagues_accept(app: Staffroom) -> None:
    people(app)
    ok(say(app, f'observe request @bob focus="questioning" date="{LESSON}"'))
    ask = dms(app, "bob")[-1]
    assert "Ana asks you to observe a lesson" in text_of(ask)
    assert "questioning" in text_of(ask)
    assert "Thu 26 Nov 2026, 11:40 (Europe/Madrid)" in text_of(ask)  # on Bob's clock
    assert [a.command for a in ask.actions] == ["observe accept 1", "observe decline 1"]
    # Nothing was agreed on Bob's behalf; Ana cannot accept for him; Carol cannot see it.
    assert observation(app).status == ObservationStatus.PROPOSED
    assert "has not answered yet" in text_of(say(app, "observe accept 1"))
    assert "no observation 1" in text_of(say(app, "observe show 1", user="carol"))
    assert "no observation 1" in text_of(say(app, "observe accept 1", user="carol"))
    ok(say(app, "observe accept 1", user="bob"))
    assert "Bob accepted: observation 1" in text_of(dms(app, "ana")[-1])
    assert "already planned" in text_of(say(app, "observe decline 1", user="bob"))
    with Session(app.engine) as session:
        kinds = session.exec(
            select(Schedule.next_due_at).where(
                Schedule.kind == "observation.reminder", col(Schedule.active)
            )
        ).all()
    lesson = datetime(2026, 11, 26, 10, 40, tzinfo=UTC)
    assert sorted(kinds) == [
        lesson - timedelta(days=1),
        lesson - timedelta(hours=1),
        lesson + timedelta(hours=1),
    ]


def test_an_offer_and_a_decline(app: Staffroom) -> None:
    people(app)
    ok(say(app, 'observe offer @ana focus="behaviour for learning"', user="bob"))
    assert "Bob offers to observe one of your lessons" in text_of(dms(app, "ana")[-1])
    assert "has not answered yet" in text_of(say(app, "observe accept 1", user="bob"))
    ok(say(app, "observe decline 1"))
    assert "Ana declined observation 1" in text_of(dms(app, "bob")[-1])
    assert observation(app).status == ObservationStatus.DECLINED


def test_bad_input_is_refused_kindly_and_stores_nothing(app: Staffroom) -> None:
    people(app)
    assert "cannot observe yourself" in text_of(say(app, 'observe request @ana focus="x"'))
    past = say(app, 'observe request @bob focus="x" date="2026-11-01 09:00"')
    assert past.tone == "error" and "in the past" in text_of(past)
    unknown = say(app, 'observe request @nobody focus="x"')
    assert unknown.tone == "error"
    with Session(app.engine) as session:
        assert session.exec(select(Observation)).all() == []
    assert "No observations yet" in text_of(say(app, "observe list"))


def test_reminders_and_the_notes_nudge_go_through_the_planner_and_deliverer(
    app: Staffroom, clock: FixedClock
) -> None:
    planned(app)
    messenger = RecordingMessenger(clock)
    clock.set(datetime(2026, 11, 25, 10, 41, tzinfo=UTC))  # a day before
    tick(app, messenger)
    assert any(
        "Coming up: Bob observes your lesson" in t and "10:40 (Europe/London)" in t
        for t in messenger.texts_to("ana")
    )
    assert any(
        "Coming up: you observe Ana's lesson" in t and "11:40 (Europe/Madrid)" in t
        for t in messenger.texts_to("bob")
    )
    clock.set(datetime(2026, 11, 26, 9, 41, tzinfo=UTC))  # an hour before
    before = len(messenger.texts_to("ana"))
    tick(app, messenger)
    assert len(messenger.texts_to("ana")) == before + 1
    clock.set(datetime(2026, 11, 26, 11, 41, tzinfo=UTC))  # an hour after the lesson
    tick(app, messenger)
    assert any("How did Ana's lesson go?" in t for t in messenger.texts_to("bob"))
    nudge = messenger.to("bob")[-1][0]
    assert nudge.actions[0].command == "observe notes 1"
    assert len(messenger.texts_to("ana")) == before + 1  # the nudge is Bob's alone


def test_cancelled_observation_sends_no_reminders(app: Staffroom, clock: FixedClock) -> None:
    planned(app)
    ask = say(app, "observe cancel 1", user="bob")
    assert ask.actions[0].command == "observe cancel 1 confirm"
    assert observation(app).status == ObservationStatus.ACCEPTED  # asked first
    ok(say(app, "observe cancel 1 confirm", user="bob"))
    assert "Bob cancelled observation 1" in text_of(dms(app, "ana")[-1])
    messenger = RecordingMessenger(clock)
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    tick(app, messenger)
    assert not [
        t for t in messenger.texts_to("ana") + messenger.texts_to("bob") if "Coming up" in t
    ]
    assert not [t for t in messenger.texts_to("bob") if "How did" in t]


def test_notes_step_by_step_reach_the_observed_teacher_only(app: Staffroom) -> None:
    planned(app)
    assert "Only Bob" in text_of(say(app, "observe notes 1 went_well=x"))
    first = ok(say(app, "observe notes 1", user="bob"))
    assert "part 1 of 4" in text_of(first) and "questioning" in text_of(first)
    assert "part 2 of 4" in text_of(tell(app, "Open questions, good wait time.", user="bob"))
    assert "part 3 of 4" in text_of(tell(app, "skip", user="bob"))
    assert "part 4 of 4" in text_of(tell(app, "What if pupils wrote first?", user="bob"))
    sent = ok(tell(app, "Try think-pair-share before taking answers.", user="bob"))
    assert "Notes sent to Ana" in text_of(sent)
    notes = dms(app, "ana")[-1]
    body = text_of(notes)
    assert "Bob's notes on your lesson" in body
    assert "Open questions, good wait time." in body and "think-pair-share" in body
    assert "Evidence seen" not in body  # skipped
    assert [a.command for a in notes.actions] == ["observe reflect 1", "observe cpd 1"]
    found = observation(app)
    assert found.status == ObservationStatus.DONE and found.evidence is None
    # The two involved see it; Carol does not, by id or in her list.
    assert "think-pair-share" in text_of(say(app, "observe show 1", user="bob"))
    assert "no observation 1" in text_of(say(app, "observe show 1", user="carol"))
    assert "No observations yet" in text_of(say(app, "observe list", user="carol"))
    # A later message is not taken for notes any more.
    assert say(app, "observe list", user="bob").tone != "error"


def test_stop_keeps_a_draft_and_corrections_tell_the_teacher_again(app: Staffroom) -> None:
    planned(app)
    ok(say(app, "observe notes 1", user="bob"))
    tell(app, "Calm start.", user="bob")
    assert "draft" in text_of(tell(app, "stop", user="bob"))
    assert observation(app).went_well == "Calm start."
    assert observation(app).status == ObservationStatus.ACCEPTED
    assert "Bob's notes" not in " ".join(text_of(r) for r in dms(app, "ana"))
    ok(say(app, 'observe notes 1 evidence="12 of 28 hands up" next_step="Cold call"', user="bob"))
    ok(say(app, 'observe notes 1 next_step="Cold call by name"', user="bob"))
    assert "corrected their notes" in text_of(dms(app, "ana")[-1])
    found = observation(app)
    assert (found.went_well, found.next_step) == ("Calm start.", "Cold call by name")


def test_reflect_log_cpd_in_one_step_each(app: Staffroom) -> None:
    planned(app)
    ok(say(app, 'observe notes 1 went_well="Wait time" next_step="Cold call"', user="bob"))
    asked = ok(say(app, "observe reflect 1"))
    assert "Bob's notes on questioning" in text_of(asked)
    saved = ok(tell(app, "I will count to five before taking answers."))
    assert "journal" in text_of(saved).lower()
    with Session(app.engine) as session:
        entry = session.exec(select(JournalEntry)).one()
        assert entry.member_id == member_id(app, "ana")
    assert f"journal entry {entry.id}" in text_of(say(app, "observe show 1"))
    logged = ok(say(app, "observe cpd 1 standards=TS4"))
    assert "Peer observation of my lesson: questioning" in text_of(logged)
    assert "Already logged" in text_of(say(app, "observe cpd 1"))
    ok(say(app, "observe cpd 1 hours=1.5", user="bob"))
    with Session(app.engine) as session:
        rows = session.exec(select(CpdActivity).order_by(col(CpdActivity.id))).all()
    assert [(r.category, r.hours) for r in rows] == [
        ("peer observation", 1.0),
        ("peer observation", 1.5),
    ]
    assert rows[0].reflection_entry_id == entry.id and rows[0].standards == ["TS4"]
    assert rows[1].title == "Observed a colleague's lesson: questioning"  # no name
    assert str(rows[0].occurred_on) == "2026-11-23"  # logged before the lesson's date: today
    assert "only they" not in text_of(say(app, "observe cpd 1", user="carol"))


def test_sharing_is_the_observed_teachers_choice_and_only_with_mentor_or_lead(
    app: Staffroom,
) -> None:
    planned(app)
    ok(say(app, 'observe notes 1 went_well="Wait time"', user="bob"))
    refused = say(app, "observe share 1 @carol")
    assert refused.tone == "error" and "mentor or a CPD lead" in text_of(refused)
    assert "Only Ana" in text_of(say(app, "observe share 1 @carol", user="bob"))
    code = create_school(app)
    join(app, code, "ana", "carol")
    grant(app, "carol", "cpd-lead")
    ok(say(app, "observe share 1 @carol"))
    assert "Ana shared the notes" in text_of(dms(app, "carol")[-1])
    assert "Wait time" in text_of(say(app, "observe show 1", user="carol"))
    assert "Shared with you" in text_of(say(app, "observe list", user="carol"))
    assert "Shared with: Carol" in text_of(say(app, "observe show 1"))
    ok(say(app, "observe unshare 1 @carol"))
    assert "no observation 1" in text_of(say(app, "observe show 1", user="carol"))


def test_edit_and_delete(app: Staffroom) -> None:
    planned(app)
    assert "for the observed teacher" in text_of(
        say(app, 'observe edit 1 focus="transitions"', user="bob")
    )
    ok(say(app, 'observe edit 1 date="2026-11-27 09:00"', user="bob"))
    assert "Bob changed observation 1" in text_of(dms(app, "ana")[-1])
    with Session(app.engine) as session:
        due = session.exec(
            select(Schedule.next_due_at).where(
                Schedule.kind == "observation.reminder", col(Schedule.active)
            )
        ).all()
    # 09:00 on Bob's clock (Madrid) is 08:00 UTC; the day-before reminder moved with it.
    assert min(d for d in due if d is not None) == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert "still planned" in text_of(say(app, "observe delete 1 confirm"))
    ok(say(app, 'observe notes 1 went_well="x"', user="bob"))
    assert "only they can delete" in text_of(say(app, "observe delete 1 confirm", user="bob"))
    ask = say(app, "observe delete 1")
    assert ask.actions[0].command == "observe delete 1 confirm"
    ok(say(app, "observe delete 1 confirm"))
    with Session(app.engine) as session:
        assert session.exec(select(Observation)).all() == []


def test_an_observer_deleting_their_data_leaves_the_teachers_notes(app: Staffroom) -> None:
    planned(app)
    ok(say(app, 'observe notes 1 went_well="Wait time" next_step="Cold call"', user="bob"))
    ok(say(app, "observe cpd 1", user="bob"))
    export = say(app, "privacy export", user="bob")
    data = json.loads(export.attachments[0].data)["observation"]
    assert data["observed_by_me"][0]["went_well"] == "Wait time"
    bob = member_id(app, "bob")
    ok(say(app, "privacy delete confirm", user="bob"))
    assert rows_mentioning(app, bob) == {}
    found = observation(app)
    assert found.observer_id is None and found.went_well == "Wait time"
    shown = text_of(say(app, "observe show 1"))
    assert "a former colleague" in shown and "Wait time" in shown
    ana = member_id(app, "ana")
    ok(say(app, "privacy delete confirm"))
    assert rows_mentioning(app, ana) == {}
    with Session(app.engine) as session:
        assert session.exec(select(Observation)).all() == []


def test_an_open_observation_is_called_off_when_the_observer_leaves(
    app: Staffroom, clock: FixedClock
) -> None:
    planned(app)
    ok(say(app, "privacy delete confirm", user="bob"))
    assert observation(app).status == ObservationStatus.CANCELLED
    messenger = RecordingMessenger(clock)
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    tick(app, messenger)
    assert messenger.texts_to("ana") == []


def test_merge_moves_observations_and_shares(app: Staffroom) -> None:
    planned(app)
    ok(say(app, "profile show", user="dan", name="Dan"))
    ana, bob, dan = member_id(app, "ana"), member_id(app, "bob"), member_id(app, "dan")
    with Session(app.engine) as session:
        session.add(ObservationShare(observation_id=1, member_id=dan, shared_at=app.clock.now()))
        session.commit()
    with Session(app.engine) as session:
        OBSERVATION_DATA.merge(session, bob, dan)
        session.commit()
    found = observation(app)
    assert (found.observed_id, found.observer_id) == (ana, dan)
    with Session(app.engine) as session:
        assert session.exec(select(ObservationShare.member_id)).all() == [dan]


def test_help_observe_lists_the_journey(app: Staffroom) -> None:
    shown = text_of(say(app, "help observe"))
    for name in ("observe request", "observe offer", "observe notes", "observe share"):
        assert name in shown
    assert "observe request" in text_of(say(app, "observe"))
