"""CPD requests on Discord: the request reaches the school's CPD lead by DM with Approve and
Decline buttons, a press (a component interaction) runs as whoever pressed it, and the teacher
is told the answer by DM, through the real discord.py, the deliverer and the fake Discord."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from adapters.discord.modal import KEY_PREFIX
from core.schools.models import CpdRequest, RequestStatus
from tests.adapters.discord.conftest import ANA, BEN, CARA, Bot, callback_path, text_of
from tests.delivery.helpers import worker_pass
from tests.fakes.fake_discord import FakeMessage
from tests.schools.helpers import console_admin, create_school, grant

TEACHER, LEAD, STRANGER = ANA, BEN, CARA
ASK = {
    "title": "Maths hub conference",
    "date": "2026-12-10",
    "reason": "Our mastery work this year",
}


@pytest.fixture(autouse=True)
def _console_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    console_admin(monkeypatch)


async def _school(bot: Bot) -> None:
    """Hillside: the teacher and the CPD lead joined on Discord by code; the stranger is in
    none."""
    code = create_school(bot.app)
    for user in (TEACHER, LEAD):
        joined = await bot.command(user, ["school", "join"], {"code": code})
        assert "You are now a member of" in text_of(joined["data"])
    grant(bot.app, str(LEAD), "cpd-lead")


def _request(bot: Bot) -> CpdRequest:
    with Session(bot.app.engine) as session:
        return session.exec(select(CpdRequest)).one()


def _dms(bot: Bot, user: int, containing: str) -> list[FakeMessage]:
    return [m for m in bot.dc.messages(bot.dc.dm_channel_id(user)) if containing in text_of(m)]


async def _asked(bot: Bot) -> tuple[dict[str, str], FakeMessage]:
    """The teacher asks; returns the buttons of the DM the lead is sent, and the DM."""
    # On Discord a command that also heads a group is its group's "now": /cpd request now.
    asked = await bot.command(TEACHER, ["cpd", "request", "now"], ASK)
    assert "Asked the CPD leads of Hillside Primary" in text_of(asked["data"])
    await worker_pass(bot.app, {"discord": bot.platform.messenger})
    [ask] = _dms(bot, LEAD, "CPD request from")
    assert "Our mastery work this year" in text_of(ask)
    assert not _dms(bot, TEACHER, "CPD request from")
    buttons = {c["label"]: c["custom_id"] for row in ask.components for c in row["components"]}
    assert set(buttons) == {"Approve", "Decline"}
    assert all("cpd" not in key for key in buttons.values())  # the command stays server-side
    return buttons, ask


async def _press(bot: Bot, user: int, custom_id: str, message: FakeMessage) -> str:
    """``user`` presses the button on ``message``; returns the answer that comes back."""
    pressed = await bot.dc.interaction_component(user, custom_id, message_id=message.id)
    answer = await bot.dc.wait_for_request("POST", callback_path(pressed))
    return text_of(answer.json["data"])


async def _told(bot: Bot, containing: str) -> str:
    await worker_pass(bot.app, {"discord": bot.platform.messenger})
    [told] = _dms(bot, TEACHER, containing)
    return text_of(told)


async def test_the_lead_approves_by_button_and_forged_presses_change_nothing(
    synced: Bot,
) -> None:
    await _school(synced)
    buttons, ask = await _asked(synced)

    # The teacher presses Approve on their own request, a stranger presses it too: each runs
    # as the presser, to whom the request does not exist.
    for user in (TEACHER, STRANGER):
        refused = await _press(synced, user, buttons["Approve"], ask)
        assert "There is no CPD request #1 for you" in refused, refused
    request = _request(synced)
    assert (request.status, request.decided_by) == (RequestStatus.PENDING, None)

    approved = await _press(synced, LEAD, buttons["Approve"], ask)
    assert "Approved" in approved and "I have told them" in approved
    assert _request(synced).status == RequestStatus.APPROVED
    told = await _told(synced, "approved your CPD request #1")
    assert "Maths hub conference" in told and "2026-12-10" in told
    assert not _dms(synced, STRANGER, "Maths hub conference")

    # Decline opens the reason's form first; sent, it finds the request already answered.
    modal = await _open(synced, LEAD, buttons["Decline"], ask)
    again = await _submit(synced, LEAD, modal, {})
    assert "already approved" in again
    assert _request(synced).status == RequestStatus.APPROVED


async def _open(bot: Bot, user: int, custom_id: str, message: FakeMessage) -> dict[str, Any]:
    """``user`` presses Decline: a modal opens asking only for the reason (the request's number
    stays server-side, behind the button's key). Returns the modal."""
    pressed = await bot.dc.interaction_component(user, custom_id, message_id=message.id)
    answer = await bot.dc.wait_for_request("POST", callback_path(pressed))
    assert answer.json["type"] == 9, answer.json  # a modal
    modal: dict[str, Any] = answer.json["data"]
    inputs = [row["components"][0] for row in modal["components"]]
    assert [(i["custom_id"], i["required"]) for i in inputs] == [("reason", False)]
    assert "cpd" not in modal["custom_id"]
    return modal


async def _submit(bot: Bot, user: int, modal: dict[str, Any], fields: dict[str, str]) -> str:
    sent = await bot.dc.interaction_modal_submit(user, modal["custom_id"], fields)
    answer = await bot.dc.wait_for_request("POST", callback_path(sent))
    return text_of(answer.json["data"])


async def test_the_lead_declines_by_button_leaving_the_reason_out(synced: Bot) -> None:
    await _school(synced)
    buttons, ask = await _asked(synced)

    modal = await _open(synced, LEAD, buttons["Decline"], ask)
    assert _request(synced).status == RequestStatus.PENDING  # nothing happens until it is sent
    declined = await _submit(synced, LEAD, modal, {})
    assert "Declined" in declined and "I have told them" in declined
    request = _request(synced)
    assert request.status == RequestStatus.DECLINED and request.decision_note is None
    told = await _told(synced, "declined your CPD request #1")
    assert "Maths hub conference" in told and "Their reason" not in told


async def test_the_lead_declines_with_a_reason_and_a_forged_decline_is_refused(
    synced: Bot,
) -> None:
    await _school(synced)
    buttons, ask = await _asked(synced)

    # The stranger forges a press of the lead's Decline and sends the form: it runs as the
    # stranger, to whom the request does not exist.
    modal = await _open(synced, STRANGER, buttons["Decline"], ask)
    refused = await _submit(synced, STRANGER, modal, {"reason": "Not on my watch"})
    assert "There is no CPD request #1 for you" in refused, refused
    assert _request(synced).status == RequestStatus.PENDING

    modal = await _open(synced, LEAD, buttons["Decline"], ask)
    declined = await _submit(synced, LEAD, modal, {"reason": "No cover that week"})
    assert "Declined" in declined and "I have told them" in declined
    request = _request(synced)
    assert request.status == RequestStatus.DECLINED
    assert request.decision_note == "No cover that week"
    told = await _told(synced, "declined your CPD request #1")
    assert "No cover that week" in told and "Maths hub conference" in told
    assert not _dms(synced, STRANGER, "No cover that week")


async def test_a_form_naming_an_unknown_key_is_out_of_date(synced: Bot) -> None:
    sent = await synced.dc.interaction_modal_submit(
        LEAD, f"{KEY_PREFIX}forged-key", {"reason": "x"}
    )
    answer = await synced.dc.wait_for_request("POST", callback_path(sent))
    assert "out of date" in text_of(answer.json["data"])
