"""The first-run demo: sample data made through the ordinary commands, once."""

from __future__ import annotations

from bots.demo import seed_demo
from core.app import Staffroom
from tests.talk import say, text_of


def test_demo_seeds_once_and_is_usable(sqlite_app: Staffroom) -> None:
    assert seed_demo(sqlite_app) is True
    assert seed_demo(sqlite_app) is False
    assert "Maths secondary (maths-secondary) — 3 members" in text_of(
        say(sqlite_app, "community list")
    )
    assert "Welcome" in text_of(say(sqlite_app, "community join maths-secondary"))
    assert "Exit tickets teachmeet" in text_of(say(sqlite_app, "event list"))
    found = text_of(say(sqlite_app, "resource search mastery"))
    assert "NCETM" in found and "2 votes" in found
