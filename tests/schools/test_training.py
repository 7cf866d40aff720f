"""Training a school requires: set by CPD leads, seen and recorded by each member, due again
``every`` months after the last time, and expired after that."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.app import Staffroom
from core.clock import FixedClock
from core.schools.models import Training
from core.schools.service import add_months, status_of
from tests.schools.helpers import create_school, grant, join, training_records
from tests.talk import say, text_of


@pytest.fixture
def school(app: Staffroom) -> Staffroom:
    hillside = create_school(app)
    join(app, hillside, "ana", "bob")
    join(app, create_school(app, "Oakfield High"), "zed")
    grant(app, "ana", "cpd-lead")
    return app


def _require(app: Staffroom) -> None:
    first = say(app, 'training require "Safeguarding" every=12 due=2026-12-31', user="ana")
    assert first.tone == "success", text_of(first)
    assert "#1 Safeguarding · again every 12 months · due by 2026-12-31" in text_of(first)
    second = say(app, 'training require "Fire safety"', user="ana")
    assert "#2 Fire safety · once" in text_of(second)


def test_leads_require_and_everyone_lists(school: Staffroom) -> None:
    refused = say(school, 'training require "Safeguarding"', user="bob")
    assert refused.tone == "error" and "Only CPD leads and school admins" in text_of(refused)
    assert "requires no training yet" in text_of(say(school, "training list", user="bob"))
    _require(school)
    twice = say(school, 'training require "safeguarding"', user="ana")
    assert twice.tone == "error" and "already requires Safeguarding (#1)" in text_of(twice)
    past = say(school, 'training require "Prevent" due=2026-01-01', user="ana")
    assert past.tone == "error" and "already passed" in text_of(past)
    assert say(school, 'training require "Prevent" every=0', user="ana").tone == "error"
    listed = text_of(say(school, "training list", user="bob"))
    assert "Training at Hillside Primary" in listed
    assert "#1 Safeguarding" in listed and "#2 Fire safety · once" in listed
    assert "requires no training yet" in text_of(say(school, "training list", user="zed"))


def test_status_follows_the_latest_record_and_the_clock(
    school: Staffroom, clock: FixedClock
) -> None:
    _require(school)
    before = text_of(say(school, "training status", user="bob"))
    assert "#1 Safeguarding · Due: by 2026-12-31" in before
    assert "#2 Fire safety · Due: not done yet" in before and "Still to do: 2." in before

    done = say(school, "training done 1 evidence=https://example.org/cert.pdf", user="bob")
    assert done.tone == "success", text_of(done)
    assert "Done: on 2026-11-23, valid until 2027-11-23" in text_of(done)
    assert "Evidence: https://example.org/cert.pdf" in text_of(done)
    say(school, "training done 2 date=2026-11-20", user="bob")
    assert "All done" in text_of(say(school, "training status", user="bob"))
    # Ana's record is her own.
    assert "Still to do: 2." in text_of(say(school, "training status", user="ana"))

    clock.advance(timedelta(days=340))  # 2027-10-29: within a month of expiring
    soon = text_of(say(school, "training status", user="bob"))
    assert "#1 Safeguarding · Due: again by 2027-11-23 (done 2026-11-23)" in soon
    assert "#2 Fire safety · Done: on 2026-11-20" in soon

    clock.advance(timedelta(days=30))  # 2027-11-28
    late = text_of(say(school, "training status", user="bob"))
    assert "#1 Safeguarding · Expired: valid until 2027-11-23 (done 2026-11-23)" in late
    assert "Still to do: 1." in late

    renewed = say(school, "training done 1", user="bob")
    assert "valid until 2028-11-28" in text_of(renewed)
    # An older record does not move the expiry back.
    say(school, "training done 1 date=2027-01-05", user="bob")
    assert "valid until 2028-11-28" in text_of(say(school, "training status", user="bob"))

    overdue = text_of(say(school, "training status", user="ana"))
    assert "#1 Safeguarding · Due: by 2026-12-31, now overdue" in overdue


def test_done_checks_the_training_the_day_and_the_activity(school: Staffroom) -> None:
    _require(school)
    other = say(school, "training done 1", user="zed")
    assert other.tone == "error" and "Oakfield High has no training #1" in text_of(other)
    future = say(school, "training done 1 date=2026-12-25", user="bob")
    assert future.tone == "error" and "is in the future" in text_of(future)
    assert say(school, "training done 1 evidence=nope", user="bob").tone == "error"
    theirs = say(school, 'cpd log 1 "Safeguarding update"', user="ana")
    assert theirs.tone == "success"
    stolen = say(school, "training done 1 activity=1", user="bob")
    assert stolen.tone == "error" and "no CPD activity #1" in text_of(stolen)
    mine = say(school, "training done 1 activity=1", user="ana")
    assert mine.tone == "success", text_of(mine)
    again = say(school, "training done 1 evidence=https://example.org/c", user="ana")
    assert "already recorded" in text_of(again)
    [record] = training_records(school)
    assert record.cpd_activity_id == 1 and record.evidence_url == "https://example.org/c"
    nowhere = say(school, "training status", user="newcomer")
    assert nowhere.tone == "error" and "not in a school yet" in text_of(nowhere)


def test_remove_asks_first_and_takes_the_records(school: Staffroom) -> None:
    _require(school)
    say(school, "training done 1", user="bob")
    say(school, "training done 2", user="bob")
    assert say(school, "training remove 1", user="bob").tone == "error"
    ask = say(school, "training remove 1", user="ana")
    assert "Stop requiring this training?" in text_of(ask)
    [button] = [a for a in ask.actions if a.command.startswith("training")]
    assert button.command == "training remove 1 confirm" and button.style == "danger"
    assert len(training_records(school)) == 2
    done = say(school, button.command, user="ana")
    assert done.tone == "success", text_of(done)
    assert [r.training_id for r in training_records(school)] == [2]
    listed = text_of(say(school, "training list", user="bob"))
    assert "Safeguarding" not in listed and "Fire safety" in listed
    assert say(school, "training remove 1 confirm", user="ana").tone == "error"


def test_months_end_on_the_last_day_of_shorter_months() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 23), 14) == date(2028, 1, 23)
    yearly = Training(school_id=1, title="t", every_months=12, created_at=None)  # type: ignore[arg-type]
    assert status_of(yearly, date(2026, 1, 1), date(2027, 1, 1)).state == "due"
    assert status_of(yearly, date(2026, 1, 1), date(2027, 1, 2)).state == "expired"
    assert status_of(yearly, date(2026, 1, 1), date(2026, 11, 30)).state == "done"
