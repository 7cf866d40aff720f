"""Peer observation on Telegram: the request arrives with buttons, the colleague accepts with a
press, the notes are written step by step in the private chat, and reach the teacher alone."""

from __future__ import annotations

from sqlmodel import Session, select

from core.observation.models import Observation, ObservationStatus
from core.reflection.models import JournalEntry
from tests.adapters.telegram.conftest import ANA, BEN, Bot
from tests.delivery.helpers import worker_pass

CAROL = 91


async def deliver(bot: Bot) -> None:
    await worker_pass(bot.app, {"telegram": bot.platform.messenger})


def _buttons(call_params: dict[str, object]) -> dict[str, str]:
    markup = call_params.get("reply_markup")
    assert isinstance(markup, dict)
    return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}


def observation(bot: Bot) -> Observation:
    with Session(bot.app.engine) as session:
        return session.exec(select(Observation)).one()


async def press(bot: Bot, user: int, key: str, message_id: int, expect: str) -> str:
    """Press a button as ``user``; return the bot's answer in their chat that contains
    ``expect`` (notices delivered earlier may arrive in between)."""
    query = bot.tg.push_callback(user, key, message_id=message_id)
    await bot.tg.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query
    )
    call = await bot.tg.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == user and expect in str(c.params["text"])
    )
    return str(call.params["text"])


async def test_request_accept_notes_step_by_step_on_telegram(bot: Bot) -> None:
    await bot.say(ANA, "/profile set role=teacher")
    await bot.say(BEN, "/profile set role=teacher")
    ben = bot.member(BEN)
    assert ben is not None
    asked = await bot.say(ANA, f'/observe request #{ben.id} focus="questioning <and> wait time"')
    assert "Asked" in asked and "&lt;and&gt;" in asked  # member text is escaped, never markup

    await deliver(bot)
    request = await bot.tg.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == BEN and "observe" in str(c.params["text"])
    )
    buttons = _buttons(request.params)
    assert set(buttons) == {"Accept", "Decline"}
    assert all("observe" not in key for key in buttons.values())  # the command stays server-side

    # Carol forges a press of Ben's Accept: it runs as Carol, who is not part of it.
    await bot.say(CAROL, "/profile set role=teacher")
    forged = await press(bot, CAROL, buttons["Accept"], request.result["message_id"], "")
    assert "no observation" in forged
    assert observation(bot).status == ObservationStatus.PROPOSED

    accepted = await press(bot, BEN, buttons["Accept"], request.result["message_id"], "")
    assert "Accepted" in accepted
    assert observation(bot).status == ObservationStatus.ACCEPTED

    first = await bot.say(BEN, "/observe notes 1")
    assert "part 1 of 4" in first
    assert "part 2 of 4" in await bot.say(BEN, "Pupils had time to think before answering.")
    assert "part 3 of 4" in await bot.say(BEN, "skip")
    assert "part 4 of 4" in await bot.say(BEN, "Could pupils jot an answer first?")
    sent = await bot.say(BEN, "Try mini-whiteboards for the first question.")
    assert "Notes sent" in sent

    await deliver(bot)
    notes = await bot.tg.wait_for_call(
        "sendMessage",
        lambda c: c.params["chat_id"] == ANA and "notes on your lesson" in str(c.params["text"]),
    )
    assert "mini-whiteboards" in str(notes.params["text"])
    assert set(_buttons(notes.params)) == {"Reflect on it", "Log as CPD"}
    assert not [
        c
        for c in bot.tg.calls_to("sendMessage")
        if c.params["chat_id"] == CAROL and "mini-whiteboards" in str(c.params["text"])
    ]
    reflect = await press(
        bot, ANA, _buttons(notes.params)["Reflect on it"], notes.result["message_id"], "Reflect"
    )
    assert "what will you try next" in reflect
    bot.tg.push_text(ANA, "I will use whiteboards on Monday.")
    await bot.tg.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == ANA and "journal" in str(c.params["text"])
    )
    with Session(bot.app.engine) as session:
        entry = session.exec(select(JournalEntry)).one()
    assert entry.body == "I will use whiteboards on Monday." and entry.prompt_id is not None
    assert observation(bot).reflection_prompt_id == entry.prompt_id
