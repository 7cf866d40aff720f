"""CPD requests on Telegram: the request reaches the school's CPD lead in their private chat
with Approve and Decline buttons, a press (a callback query) runs as whoever pressed it, and
the teacher is told the answer, through the real python-telegram-bot, the deliverer and the
fake Bot API."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from core.schools.models import CpdRequest, RequestStatus
from tests.adapters.telegram.conftest import ANA, BEN, Bot
from tests.adapters.telegram.test_observation import _buttons, press
from tests.delivery.helpers import worker_pass
from tests.fakes.fake_telegram import ApiCall
from tests.schools.conftest import ADMIN
from tests.schools.helpers import create_school, grant

TEACHER, LEAD, STRANGER = ANA, BEN, 91
ASK = '/cpd request "Maths hub conference" date=2026-12-10 reason="Our mastery work this year"'


@pytest.fixture(autouse=True)
def _console_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console's ``root`` is a Staffroom admin, who creates the school and names its lead."""
    monkeypatch.setenv("STAFFROOM_STAFFROOM__ADMINS", json.dumps([f"console:local:{ADMIN}"]))


async def _school(bot: Bot) -> None:
    """Hillside: the teacher and the CPD lead joined on Telegram by code; the stranger is in
    none."""
    code = create_school(bot.app)
    for user in (TEACHER, LEAD):
        assert "You are now a member of" in await bot.say(user, f"/school join {code}")
    await bot.say(STRANGER, "/profile set role=teacher")
    grant(bot.app, str(LEAD), "cpd-lead")


def _request(bot: Bot) -> CpdRequest:
    with Session(bot.app.engine) as session:
        return session.exec(select(CpdRequest)).one()


def _sent_to(bot: Bot, chat: int, containing: str) -> list[ApiCall]:
    return [
        c
        for c in bot.tg.calls_to("sendMessage")
        if c.params["chat_id"] == chat and containing in str(c.params["text"])
    ]


async def _asked(bot: Bot) -> tuple[dict[str, str], int]:
    """The teacher asks; returns the buttons of the message the lead is sent, and its id."""
    asked = await bot.say(TEACHER, ASK)
    assert "Asked the CPD leads of Hillside Primary" in asked
    await worker_pass(bot.app, {"telegram": bot.platform.messenger})
    ask = await bot.tg.wait_for_call(
        "sendMessage",
        lambda c: c.params["chat_id"] == LEAD and "CPD request from" in str(c.params["text"]),
    )
    assert "Our mastery work this year" in str(ask.params["text"])
    assert not _sent_to(bot, TEACHER, "CPD request from")
    buttons = _buttons(ask.params)
    assert set(buttons) == {"Approve", "Decline"}
    assert all("cpd" not in key for key in buttons.values())  # the command stays server-side
    return buttons, int(ask.result["message_id"])


async def _told(bot: Bot, containing: str) -> str:
    await worker_pass(bot.app, {"telegram": bot.platform.messenger})
    told = await bot.tg.wait_for_call(
        "sendMessage",
        lambda c: c.params["chat_id"] == TEACHER and containing in str(c.params["text"]),
    )
    return str(told.params["text"])


async def test_the_lead_approves_by_button_and_forged_presses_change_nothing(bot: Bot) -> None:
    await _school(bot)
    buttons, message_id = await _asked(bot)

    # The teacher presses Approve on their own request, a stranger presses it too: each runs
    # as the presser, to whom the request does not exist.
    for user in (TEACHER, STRANGER):
        refused = await press(bot, user, buttons["Approve"], message_id, "CPD request #1")
        assert "There is no CPD request #1 for you" in refused, refused
    request = _request(bot)
    assert (request.status, request.decided_by) == (RequestStatus.PENDING, None)

    approved = await press(bot, LEAD, buttons["Approve"], message_id, "request")
    assert "Approved" in approved and "I have told them" in approved
    assert _request(bot).status == RequestStatus.APPROVED
    told = await _told(bot, "approved your CPD request #1")
    assert "Maths hub conference" in told and "2026-12-10" in told
    assert not _sent_to(bot, STRANGER, "Maths hub conference")

    again = await press(bot, LEAD, buttons["Decline"], message_id, "already")
    assert "already approved" in again
    assert _request(bot).status == RequestStatus.APPROVED


async def test_the_lead_declines_by_button(bot: Bot) -> None:
    await _school(bot)
    buttons, message_id = await _asked(bot)

    declined = await press(bot, LEAD, buttons["Decline"], message_id, "request")
    assert "Declined" in declined and "I have told them" in declined
    request = _request(bot)
    assert request.status == RequestStatus.DECLINED and request.decision_note is None
    told = await _told(bot, "declined your CPD request #1")
    assert "Maths hub conference" in told and "Their reason" not in told
