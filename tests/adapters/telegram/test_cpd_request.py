"""CPD requests on Telegram: the request reaches the school's CPD lead in their private chat
with Approve and Decline buttons, a press (a callback query) runs as whoever pressed it, and
the teacher is told the answer, through the real python-telegram-bot, the deliverer and the
fake Bot API."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from core.schools.models import CpdRequest, RequestStatus
from tests.adapters.telegram.conftest import ANA, BEN, Bot
from tests.adapters.telegram.test_observation import _buttons, press
from tests.delivery.helpers import worker_pass
from tests.fakes.fake_telegram import ApiCall
from tests.schools.helpers import console_admin, create_school, grant

TEACHER, LEAD, STRANGER = ANA, BEN, 91
ASK = '/cpd request "Maths hub conference" date=2026-12-10 reason="Our mastery work this year"'


@pytest.fixture(autouse=True)
def _console_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    console_admin(monkeypatch)


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

    # Decline asks for a reason first; sent, it finds the request already answered.
    await press(bot, LEAD, buttons["Decline"], message_id, "Reason")
    again = await bot.say(LEAD, "Too late now")
    assert "already approved" in again
    assert _request(bot).status == RequestStatus.APPROVED


async def _reason_asked(bot: Bot, user: int, key: str, message_id: int) -> ApiCall:
    """``user`` presses Decline: the reason is asked in their private chat, the request's
    number already given (never asked)."""
    query = bot.tg.push_callback(user, key, message_id=message_id)
    await bot.tg.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query
    )
    asked = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == user)
    text = str(asked.params["text"])
    assert "cpd request decline" in text and "Reason" in text, text
    assert "question 2 of 2" in text  # the id was question 1, given by the button
    return asked


async def test_the_lead_declines_by_button_skipping_the_reason(bot: Bot) -> None:
    await _school(bot)
    buttons, message_id = await _asked(bot)

    asked = await _reason_asked(bot, LEAD, buttons["Decline"], message_id)
    assert _request(bot).status == RequestStatus.PENDING  # nothing happens until answered
    skip = _buttons(asked.params)["Skip"]
    declined = await press(bot, LEAD, skip, int(asked.result["message_id"]), "Declined")
    assert "I have told them" in declined
    request = _request(bot)
    assert request.status == RequestStatus.DECLINED and request.decision_note is None
    told = await _told(bot, "declined your CPD request #1")
    assert "Maths hub conference" in told and "Their reason" not in told


async def test_the_lead_declines_with_a_reason_and_a_forged_decline_is_refused(bot: Bot) -> None:
    await _school(bot)
    buttons, message_id = await _asked(bot)

    # The stranger forges a press of the lead's Decline and answers the question: the command
    # runs as the stranger, to whom the request does not exist.
    await _reason_asked(bot, STRANGER, buttons["Decline"], message_id)
    refused = await bot.say(STRANGER, "Not on my watch")
    assert "There is no CPD request #1 for you" in refused, refused
    assert _request(bot).status == RequestStatus.PENDING

    await _reason_asked(bot, LEAD, buttons["Decline"], message_id)
    declined = await bot.say(LEAD, "No cover that week")
    assert "Declined" in declined and "I have told them" in declined
    request = _request(bot)
    assert request.status == RequestStatus.DECLINED
    assert request.decision_note == "No cover that week"
    told = await _told(bot, "declined your CPD request #1")
    assert "No cover that week" in told and "Maths hub conference" in told
    assert not _sent_to(bot, STRANGER, "No cover that week")
