"""Every notice to the other side of an observation is in that person's language and on their
clock, whoever acts and whatever language the one acting reads."""

from __future__ import annotations

from core.app import Staffroom
from tests.observation.test_observation import LESSON, dms, ok
from tests.talk import say, text_of


def _last(app: Staffroom, user: str) -> str:
    return text_of(dms(app, user)[-1])


def test_each_side_is_told_in_their_own_language_and_time(app: Staffroom) -> None:
    ok(say(app, "settings timezone Europe/London", user="ana", name="Ana"))
    ok(say(app, "settings timezone Europe/Madrid", user="bob", name="Bob"))
    ok(say(app, "settings language es", user="bob"))

    ok(say(app, f'observe request @bob focus="questioning" date="{LESSON}"'))
    asked = _last(app, "bob")
    assert "Ana te pide que observes una de sus clases" in asked
    assert "11:40 (Europe/Madrid)" in asked  # 10:40 in London

    ok(say(app, "observe accept 1", user="bob"))
    assert "Bob accepted: observation 1" in _last(app, "ana")
    assert "10:40 (Europe/London)" in _last(app, "ana")

    ok(say(app, 'observe edit 1 date="2026-11-27 09:00"'))
    changed = _last(app, "bob")
    assert "Ana ha modificado la observación 1" in changed and "10:00 (Europe/Madrid)" in changed

    ok(say(app, 'observe notes 1 went_well="Wait time" next_step="Cold call"', user="bob"))
    assert "Bob's notes on your lesson" in _last(app, "ana")
    ok(say(app, 'observe notes 1 went_well="Wait time after questions"', user="bob"))
    assert "Bob corrected their notes on your lesson" in _last(app, "ana")

    ok(say(app, 'observe offer @ana focus="transitions"', user="bob"))
    assert "Bob offers to observe one of your lessons" in _last(app, "ana")
    ok(say(app, "observe cancel 2 confirm", user="bob"))
    assert "Bob cancelled observation 2" in _last(app, "ana")
    ok(say(app, 'observe offer @bob focus="questioning"'))
    ok(say(app, "observe decline 3", user="bob"))
    assert "Bob declined observation 3" in _last(app, "ana")
