"""Lesson study: the teacher opens it in a community, colleagues join as observers (each joining
makes their observation of the lesson), and after it everyone is prompted to talk it over."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery.models import OutboxMessage, Schedule
from core.observation.models import LessonStudy, Observation, ObservationStatus
from core.reflection.models import JournalEntry
from tests.conftest import make_settings
from tests.core.test_privacy import rows_mentioning
from tests.delivery.helpers import RecordingMessenger, tick
from tests.observation.test_observation import dms, member_id, ok
from tests.talk import say, tell, text_of

LESSON = "2026-11-26 10:40"


@pytest.fixture
def app(db_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    staffroom = Staffroom(make_settings(db_url), clock=clock)
    yield staffroom
    staffroom.engine.dispose()


def group(app: Staffroom) -> None:
    """Ana, Bob and Carol in the maths community (bound to a channel); Dan is not in it."""
    ok(say(app, 'community create "Maths" "Maths teachers"', name="Ana"))
    ok(say(app, "community bind maths", channel="C-maths", direct=False))
    for user in ("bob", "carol"):
        ok(say(app, "community join maths", user=user, name=user.title()))
    ok(say(app, "profile show", user="dan", name="Dan"))


def opened(app: Staffroom) -> None:
    group(app)
    made = ok(
        say(app, f'observe study create maths focus="hinge questions" date="{LESSON}" lesson="Y8"')
    )
    assert "Lesson study 1 opened" in text_of(made)
    assert "0 of the 2 observers" in text_of(made)


def test_colleagues_join_as_observers_and_the_teacher_hears(app: Staffroom) -> None:
    opened(app)
    with Session(app.engine) as session:
        [post] = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.key).startswith("observation.study:"))
        ).all()
    assert post.channel_id == "C-maths"
    assert post.payload["actions"][0]["command"] == "observe study join 1"
    assert "You teach this lesson" in text_of(say(app, "observe study join 1"))
    assert "no lesson study 1" in text_of(say(app, "observe study join 1", user="dan"))
    joined = ok(say(app, "observe study join 1", user="bob"))
    assert "You observe Ana's research lesson" in text_of(joined)
    assert "already observe" in text_of(say(app, "observe study join 1", user="bob"))
    ok(say(app, "observe study join 1", user="carol"))
    assert "Carol joined your lesson study" in text_of(dms(app, "ana")[-1])
    shown = text_of(say(app, "observe study show 1", user="carol"))
    assert "Observers: Bob, Carol" in shown and "enough for a lesson study" in shown
    assert "#1 hinge questions" in text_of(say(app, "observe study list", user="bob"))
    with Session(app.engine) as session:
        rows = session.exec(select(Observation).order_by(col(Observation.id))).all()
    assert [(o.observed_id, o.observer_id, o.status, o.study_id) for o in rows] == [
        (member_id(app, "ana"), member_id(app, "bob"), ObservationStatus.ACCEPTED, 1),
        (member_id(app, "ana"), member_id(app, "carol"), ObservationStatus.ACCEPTED, 1),
    ]
    # Each observer's notes go to the teacher alone, as for any observation.
    ok(say(app, 'observe notes 1 went_well="Hinge question split the class"', user="bob"))
    assert "no observation 1" in text_of(say(app, "observe show 1", user="carol"))


def test_after_the_lesson_everyone_is_prompted_to_talk_it_over(
    app: Staffroom, clock: FixedClock
) -> None:
    opened(app)
    ok(say(app, "observe study join 1", user="bob"))
    ok(say(app, "observe study join 1", user="carol"))
    ok(say(app, 'observe notes 2 went_well="x"', user="carol"))
    messenger = RecordingMessenger(clock)
    clock.set(datetime(2026, 11, 26, 12, 41, tzinfo=UTC))  # two hours after it started
    tick(app, messenger)
    talks = {
        who: reply for who, reply, _at in messenger.sent if "time to talk it over" in text_of(reply)
    }
    assert set(talks) == {"ana", "bob", "carol"}
    assert [a.command for a in talks["bob"].actions] == [
        "observe study reflect 1",
        "observe notes 1",
    ]
    assert [a.command for a in talks["carol"].actions] == ["observe study reflect 1"]  # notes done
    asked = ok(say(app, "observe study reflect 1", user="bob"))
    assert "did not expect" in text_of(asked)
    tell(app, "They needed more thinking time before the hinge question.", user="bob")
    with Session(app.engine) as session:
        entry = session.exec(select(JournalEntry)).one()
    assert entry.member_id == member_id(app, "bob") and entry.prompt_text
    assert "no lesson study 1" in text_of(say(app, "observe study reflect 1", user="dan"))


def test_leave_and_cancel(app: Staffroom, clock: FixedClock) -> None:
    opened(app)
    ok(say(app, "observe study join 1", user="bob"))
    ok(say(app, "observe study join 1", user="carol"))
    ok(say(app, "observe study leave 1", user="carol"))
    assert "Carol left your lesson study" in text_of(dms(app, "ana")[-1])
    assert "Only the teacher" in text_of(say(app, "observe study cancel 1 confirm", user="bob"))
    ask = say(app, "observe study cancel 1")
    assert ask.actions[0].command == "observe study cancel 1 confirm"
    done = ok(say(app, "observe study cancel 1 confirm"))
    assert "1 observer was told" in text_of(done)
    assert "Cancelled: the lesson study in Maths" in text_of(dms(app, "bob")[-1])
    with Session(app.engine) as session:
        assert not [
            s
            for s in session.exec(select(Schedule))
            if s.active and s.kind.startswith("observation.")
        ]
    messenger = RecordingMessenger(clock)
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    tick(app, messenger)
    assert not [r for _w, r, _at in messenger.sent if "talk it over" in text_of(r)]


def test_bad_input(app: Staffroom) -> None:
    group(app)
    past = say(app, 'observe study create maths focus="x" date="2026-11-01 09:00"')
    assert past.tone == "error" and "in the past" in text_of(past)
    outsider = say(app, 'observe study create maths focus="x" date="2026-12-01 09:00"', user="dan")
    assert outsider.tone == "error"
    assert "No lesson studies" in text_of(say(app, "observe study list"))
    with Session(app.engine) as session:
        assert session.exec(select(LessonStudy)).all() == []


def test_privacy_of_a_lesson_study(app: Staffroom) -> None:
    opened(app)
    ok(say(app, "observe study join 1", user="bob"))
    data = json.loads(say(app, "privacy export").attachments[0].data)["observation"]
    assert data["lesson_studies_i_taught"][0]["focus"] == "hinge questions"
    bob = member_id(app, "bob")
    ok(say(app, "privacy delete confirm", user="bob"))
    assert rows_mentioning(app, bob) == {}
    ana = member_id(app, "ana")
    ok(say(app, "privacy delete confirm"))
    assert rows_mentioning(app, ana) == {}
    with Session(app.engine) as session:
        assert session.exec(select(LessonStudy)).all() == []
        assert session.exec(select(Observation)).all() == []
