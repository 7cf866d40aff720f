"""Collaborative inquiry on Telegram: a colleague joins by the Join button, the findings reach
every member by DM, and Log as CPD works in two presses (the button, then the hours)."""

from __future__ import annotations

from sqlmodel import Session, select

from core.cpd.models import CpdActivity
from core.inquiry.models import InquiryMember
from tests.adapters.telegram.conftest import ANA, BEN, Bot
from tests.adapters.telegram.test_observation import _buttons, deliver, press

CAROL = 91


async def test_join_by_button_findings_by_dm_and_cpd_in_two_presses(bot: Bot) -> None:
    await bot.say(ANA, '/community create "Maths" "Maths teachers"')
    await bot.say(BEN, "/community join maths")
    await bot.say(CAROL, "/profile set role=teacher")
    made = await bot.say(ANA, '/inquiry create "Do retrieval starters help?" community=maths')
    assert "Inquiry #1" in made

    bot.tg.push_text(BEN, "/inquiry show 1")
    shown = await bot.tg.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == BEN and "retrieval" in str(c.params["text"])
    )
    join = _buttons(shown.params)["Join"]
    assert "inquiry" not in join  # the command stays on the server
    refused = await press(bot, CAROL, join, shown.result["message_id"], "")
    assert "Join the community first" in refused
    joined = await press(bot, BEN, join, shown.result["message_id"], "")
    assert "You joined inquiry #1" in joined
    with Session(bot.app.engine) as session:
        members = session.exec(select(InquiryMember)).all()
    assert len(members) == 2  # Ana and Ben; Carol, outside the community, did not join

    await bot.say(ANA, '/inquiry findings 1 "Starters lifted recall a little."')
    await deliver(bot)
    found = await bot.tg.wait_for_call(
        "sendMessage",
        lambda c: c.params["chat_id"] == BEN and "lifted recall" in str(c.params["text"]),
    )
    query = bot.tg.push_callback(
        BEN, _buttons(found.params)["Log as CPD"], message_id=found.result["message_id"]
    )
    await bot.tg.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query
    )
    asked = await bot.tg.wait_for_call(
        "sendMessage",
        lambda c: c.params["chat_id"] == BEN and "How many hours" in str(c.params["text"]),
    )
    choices = _buttons(asked.params)
    assert set(choices) == {"2 hours", "5 hours", "10 hours"}
    logged = await press(bot, BEN, choices["5 hours"], asked.result["message_id"], "")
    assert "5" in logged
    with Session(bot.app.engine) as session:
        rows = session.exec(select(CpdActivity)).all()
    assert [(r.hours, r.category) for r in rows] == [(5.0, "collaborative enquiry")]
