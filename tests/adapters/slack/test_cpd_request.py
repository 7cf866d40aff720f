"""CPD requests on Slack: the request reaches the school's CPD lead by DM with Approve and
Decline buttons, a press runs as whoever pressed it, and the teacher is told the answer by DM,
all through the real Bolt app, the deliverer and the fake Slack."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from core.schools.models import CpdRequest, RequestStatus
from tests.adapters.slack.conftest import Harness
from tests.adapters.slack.test_http_mode import all_text, slash
from tests.adapters.slack.test_observation import buttons, dms_to, press
from tests.delivery.helpers import worker_pass
from tests.fakes.fake_slack import block_actions_body, view_submission_body
from tests.schools.helpers import console_admin, create_school, grant

TEACHER, LEAD, STRANGER = "U1", "U2", "U3"
ASK = 'cpd request "Maths hub conference" date=2026-12-10 reason="Our mastery work this year"'


@pytest.fixture(autouse=True)
def _console_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    console_admin(monkeypatch)


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

    # Decline opens the reason's modal first; sent, it finds the request already answered.
    view = await _open(h, LEAD, offered["Decline"], "trig-again")
    assert await _submit(h, LEAD, view, None) == (200, "")
    assert _request(h).status == RequestStatus.APPROVED
    assert "already approved" in await _dm(h, LEAD, "CPD request #1 is")


async def _open(h: Harness, user: str, button: dict[str, Any], trigger: str) -> dict[str, Any]:
    """``user`` presses Decline: a modal opens on their trigger asking only for the reason,
    the request's number carried with it. Returns the view."""
    before = len(h.fake.calls_to("views.open"))
    body = block_actions_body(
        user_id=user,
        action_id=button["action_id"],
        value=button["value"],
        response_url=h.fake.response_url(trigger),
        trigger_id=trigger,
        channel_id=f"D{user}",
    )
    assert (await h.post(body))[0] == 200
    opened = (await h.fake.wait_for_calls("views.open", count=before + 1))[-1].args
    assert opened["trigger_id"] == trigger
    view: dict[str, Any] = opened["view"]
    assert [b["block_id"] for b in view["blocks"]] == ["reason"]
    assert view["blocks"][0]["optional"] is True
    return view


async def _dm(h: Harness, user: str, containing: str) -> str:
    """The DM to ``user`` containing ``containing``, waited for: a form's answer is posted
    after the submission is acknowledged."""
    count = 1
    while True:
        posts = await h.fake.wait_for_calls("chat.postMessage", count=count)
        for post in posts:
            if post.args["channel"] == f"D{user}" and containing in json.dumps(post.args):
                return json.dumps(post.args)
        count = len(posts) + 1


async def _submit(
    h: Harness, user: str, view: dict[str, Any], reason: str | None
) -> tuple[int, str]:
    values = {"reason": {"value": {"type": "plain_text_input", "value": reason}}} if reason else {}
    body = view_submission_body(
        user_id=user,
        callback_id=view["callback_id"],
        values=values,
        private_metadata=view["private_metadata"],
    )
    return await h.post(body)


async def test_the_lead_declines_by_button_leaving_the_reason_out(http_slack: Harness) -> None:
    h = http_slack
    await _school(h)
    offered = await _asked(h)

    view = await _open(h, LEAD, offered["Decline"], "trig-decline")
    assert _request(h).status == RequestStatus.PENDING  # nothing happens until it is sent
    assert await _submit(h, LEAD, view, None) == (200, "")
    request = _request(h)
    assert request.status == RequestStatus.DECLINED and request.decision_note is None
    assert "I have told them" in await _dm(h, LEAD, "Declined")
    told = await _told(h, "declined your CPD request #1")
    assert "Maths hub conference" in told and "Their reason" not in told


async def test_the_lead_declines_with_a_reason_and_a_forged_decline_is_refused(
    http_slack: Harness,
) -> None:
    h = http_slack
    await _school(h)
    offered = await _asked(h)

    # The stranger forges a press of the lead's Decline and sends the form: it runs as the
    # stranger, to whom the request does not exist, and the refusal shows on the form.
    view = await _open(h, STRANGER, offered["Decline"], "trig-forged")
    status, ack = await _submit(h, STRANGER, view, "Not on my watch")
    assert status == 200 and "There is no CPD request #1 for you" in ack, ack
    assert json.loads(ack)["response_action"] == "errors"
    assert _request(h).status == RequestStatus.PENDING

    view = await _open(h, LEAD, offered["Decline"], "trig-reason")
    assert await _submit(h, LEAD, view, "No cover that week") == (200, "")
    request = _request(h)
    assert request.status == RequestStatus.DECLINED
    assert request.decision_note == "No cover that week"
    told = await _told(h, "declined your CPD request #1")
    assert "No cover that week" in told and "Maths hub conference" in told
    assert not await dms_to(h, f"D{STRANGER}", "No cover that week")
