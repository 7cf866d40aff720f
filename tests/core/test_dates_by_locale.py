"""Dates read and printed the member's way: digits by the install's date order, with an
ambiguous date echoed in words; day and month names in the member's language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import Session, select

from core.app import Staffroom
from core.clock import FixedClock
from core.cpd.models import CpdActivity
from tests.conftest import make_settings
from tests.talk import say, text_of


def logged_on(app: Staffroom) -> list[date]:
    with Session(app.engine) as session:
        return [a.occurred_on for a in session.exec(select(CpdActivity))]


def test_digits_read_day_first_and_an_ambiguous_date_is_echoed_in_words(
    sqlite_app: Staffroom,
) -> None:
    reply = say(sqlite_app, 'cpd log 1 "Phonics training" date=03/11/2026')
    assert reply.tone == "success", text_of(reply)
    assert "Read 03/11/2026 as 3 November 2026." in text_of(reply)
    plain = say(sqlite_app, 'cpd log 1 "Reading CPD" date=13/11/2026')
    assert "Read " not in text_of(plain)  # only one day it can be
    assert logged_on(sqlite_app) == [date(2026, 11, 3), date(2026, 11, 13)]


@pytest.fixture
def us_app(sqlite_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    app = Staffroom(make_settings(sqlite_url, staffroom={"date_order": "MDY"}), clock=clock)
    yield app
    app.engine.dispose()


def test_an_install_can_read_month_first(us_app: Staffroom) -> None:
    reply = say(us_app, 'cpd log 1 "Phonics training" date=03/11/2026')
    assert "Read 03/11/2026 as 11 March 2026." in text_of(reply)
    assert logged_on(us_app) == [date(2026, 3, 11)]


def test_natural_dates_in_the_members_language_and_names_in_their_words(
    sqlite_app: Staffroom,
) -> None:
    assert say(sqlite_app, "settings language es").tone == "success"
    reply = say(sqlite_app, 'cpd log 1 "Formación de lectura" date=ayer')
    assert reply.tone == "success", text_of(reply)
    assert logged_on(sqlite_app) == [date(2026, 11, 22)]  # the clock is Mon 23 Nov 2026
    ok = say(sqlite_app, 'community create "Lengua" "Profes de lengua"')
    assert ok.tone == "success", text_of(ok)
    made = say(sqlite_app, 'event create lengua "Tertulia" "2026-12-01 16:00"')
    assert "mar 01 dic 2026, 16:00" in text_of(made), text_of(made)
    assert "Read " not in text_of(made)  # ISO dates are never ambiguous
