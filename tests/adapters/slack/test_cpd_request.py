"""CPD requests on Slack: the request reaches the school's CPD lead by DM with Approve and
Decline buttons, a press runs as whoever pressed it, and the teacher is told the answer by DM,
all through the real Bolt app, the deliverer and the fake Slack."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from core.schools.models import CpdRequest, RequestStatus
from tests.adapters.slack.conftest import Harness
from tests.adapters.slack.test_http_mode import all_text, slash
from tests.adapters.slack.test_observation import buttons, dms_to, press
from tests.delivery.helpers import worker_pass
from tests.schools.conftest import ADMIN
from tests.schools.helpers import create_school, grant

TEACHER, LEAD, STRANGER = "U1", "U2", "U3"
ASK = 'cpd request "Maths hub conference" date=2026-12-10 reason="Our mastery work this year"'


@pytest.fixture(autouse=True)
def _console_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console's ``root`` is a Staffroom admin, who creates the school and names its lead."""
    monkeypatch.setenv("STAFFROOM_STAFFROOM__ADMINS", json.dumps([f"console:local:{ADMIN}"]))


async def _school(h: Harness) -> None:
    """Hillside: the teacher and the CPD lead joined on Slack by code; the stranger is in none."""
    code = create_school(h.app)
    for user in (TEACHER, LEAD):
        joined = await slash(h, f"school join {code}", user=user, name=f"join-{user}")
        assert "You are now a member of" in all_text(joined["blocks"])
    await slash(h, "profile set role=teacher", user=STRANGER, name="stranger")
    grant(h.app, LEAD, "cpd-lead")


def _request(h: Harness) -> CpdRequest:
    with Session(h.app.engine) as session:
        return session.exec(select(CpdRequest)).one()


async def _asked(h: Harness) -> dict[str, dict[str, object]]:
    """The teacher asks; returns the buttons of the DM the lead is sent."""
    asked = await slash(h, ASK, user=TEACHER, name="ask")
    assert "Asked the CPD leads of Hillside Primary" in all_text(asked["blocks"])
    await worker_pass(h.app, {"slack": h.platform.messenger})
    [ask] = await dms_to(h, f"D{LEAD}", "CPD request from")
    assert "Our mastery work this year" in json.dumps(ask.args)
    assert not await dms_to(h, f"D{TEACHER}", "CPD request from")
    offered = buttons(ask)
    assert set(offered) == {"Approve", "Decline"}
    return offered


async def _told(h: Harness, containing: str) -> str:
    await worker_pass(h.app, {"slack": h.platform.messenger})
    [told] = await dms_to(h, f"D{TEACHER}", containing)
    return json.dumps(told.args)


async def test_the_lead_approves_by_button_and_forged_presses_change_nothing(
    http_slack: Harness,
) -> None:
    h = http_slack
    await _school(h)
    offered = await _asked(h)

    # The teacher presses Approve on their own request, a stranger presses it too: each runs
    # as the presser, to whom the request does not exist.
    for user in (TEACHER, STRANGER):
        refused = await press(h, user, offered["Approve"], f"forged-{user}")
        assert "There is no CPD request #1 for you" in refused, refused
    request = _request(h)
    assert (request.status, request.decided_by) == (RequestStatus.PENDING, None)
    assert not await dms_to(h, f"D{TEACHER}", "your CPD request")

    approved = await press(h, LEAD, offered["Approve"], "lead-approve")
    assert "Approved" in approved and "I have told them" in approved
    assert _request(h).status == RequestStatus.APPROVED
    told = await _told(h, "approved your CPD request #1")
    assert "Maths hub conference" in told and "2026-12-10" in told

    again = await press(h, LEAD, offered["Decline"], "lead-again")
    assert "already approved" in again
    assert _request(h).status == RequestStatus.APPROVED


async def test_the_lead_declines_by_button(http_slack: Harness) -> None:
    h = http_slack
    await _school(h)
    offered = await _asked(h)

    declined = await press(h, LEAD, offered["Decline"], "lead-decline")
    assert "Declined" in declined and "I have told them" in declined
    request = _request(h)
    assert request.status == RequestStatus.DECLINED and request.decision_note is None
    told = await _told(h, "declined your CPD request #1")
    assert "Maths hub conference" in told and "Their reason" not in told
