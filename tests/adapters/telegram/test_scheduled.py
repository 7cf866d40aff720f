"""Scheduled reflection prompts by DM through the delivery engine, answered in Telegram."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from core.clock import FixedClock
from core.delivery.models import Schedule
from tests.adapters.telegram.conftest import ANA, Bot

planner = pytest.importorskip("core.delivery.planner")
deliverer = pytest.importorskip("core.delivery.deliverer")
reflection = pytest.importorskip("core.reflection.models")


async def deliver(bot: Bot) -> None:
    """One planning pass and one delivery round, as the scheduler runs them."""
    clock = bot.app.clock
    assert isinstance(clock, FixedClock)
    settings = bot.app.settings.delivery
    with bot.app.session() as session:
        planner.plan_due(session, clock.now(), settings, bot.app.producers)
    await deliverer.deliver_due(
        bot.app.engine, {"telegram": bot.platform.messenger}, clock.now(), settings, "test-worker"
    )


async def schedule_prompt(bot: Bot) -> None:
    text = await bot.say(ANA, "/reflect schedule daily 10:30")
    assert not text.startswith("⚠️"), text
    clock = bot.app.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(minutes=31))


async def test_a_scheduled_prompt_arrives_by_dm_and_the_answer_is_journalled(bot: Bot) -> None:
    await schedule_prompt(bot)

    await deliver(bot)
    prompt = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)
    answer = await bot.say(
        ANA,
        "Cold calling <worked> & kept Year 9 on task",
        reply_to_message_id=prompt.result["message_id"],
    )

    assert answer and not answer.startswith("⚠️"), answer
    member = bot.member(ANA)
    assert member is not None
    with Session(bot.app.engine) as session:
        entries = session.exec(
            select(reflection.JournalEntry).where(reflection.JournalEntry.member_id == member.id)
        ).all()
    assert [e.body for e in entries] == ["Cold calling <worked> & kept Year 9 on task"]


async def test_a_blocked_bot_pauses_the_schedule(bot: Bot) -> None:
    await schedule_prompt(bot)
    bot.tg.fail_next("sendMessage", error_code=403)

    await deliver(bot)

    member = bot.member(ANA)
    assert member is not None
    with Session(bot.app.engine) as session:
        schedule = session.exec(
            select(Schedule).where(
                Schedule.member_id == member.id, Schedule.kind == "reflection.prompt"
            )
        ).one()
    assert schedule.paused_reason is not None
    assert "blocked" in schedule.paused_reason
    # Only the schedule's confirmation reached Ana: the prompt was refused by Telegram.
    assert len(bot.tg.sent_messages(chat_id=ANA)) == 1
