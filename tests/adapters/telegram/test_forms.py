"""Forms on Telegram: a form command sent bare is asked field by field in the private chat, the
progress kept in the database (so another bot process can carry on), then run as the command."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from adapters.telegram import create_platform
from core.clock import FixedClock
from core.cpd.models import CpdActivity
from core.forms.models import FormProgress
from tests.adapters.telegram.conftest import ANA, BEN, TOKEN, Bot, telegram_staffroom
from tests.fakes.fake_telegram import ApiCall, FakeTelegram
from tests.talk import say, text_of

MakeBot = Callable[..., Awaitable[Bot]]
GROUP = -100500


async def send(bot: Bot, user: int, text: str, *, tg: FakeTelegram | None = None) -> ApiCall:
    """Send ``text`` as ``user`` (through ``tg``, default the bot's fake); the bot's answer."""
    fake = tg or bot.tg
    fake.push_text(user, text)
    return await fake.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == user)


async def press(
    bot: Bot, user: int, asked: ApiCall, label: str, *, tg: FakeTelegram | None = None
) -> ApiCall:
    """Press the button called ``label`` under the bot's message ``asked``; the next answer."""
    fake = tg or bot.tg
    query = fake.push_callback(user, buttons(asked)[label], message_id=asked.result["message_id"])
    await fake.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query
    )
    return await fake.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == user)


def buttons(call: ApiCall) -> dict[str, str]:
    markup = call.params.get("reply_markup")
    assert isinstance(markup, dict) and "inline_keyboard" in markup, markup
    return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}


def text(call: ApiCall) -> str:
    return str(call.params["text"])


def forms(bot: Bot) -> list[FormProgress]:
    with Session(bot.app.engine) as session:
        return list(session.exec(select(FormProgress)).all())


def activities(bot: Bot) -> list[CpdActivity]:
    with Session(bot.app.engine) as session:
        return list(session.exec(select(CpdActivity)).all())


async def test_cpd_log_is_asked_field_by_field_then_logged(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="staffroom")
    first = await send(bot, ANA, "/cpd log")
    assert "cpd log: question 1 of 9" in text(first)
    assert "<b>Hours</b>: how long, like 1.5, 90m or 1h30" in text(first)
    # A required field typed in: the reply box opens, with an example as its placeholder.
    assert first.params["reply_markup"] == {
        "force_reply": True,
        "input_field_placeholder": "like 1.5 or 90m",
    }

    second = await send(bot, ANA, "1h30")
    assert "question 2 of 9" in text(second) and "<b>Title</b>" in text(second)
    third = await send(bot, ANA, '"Formative <assessment> workshop"')
    assert "question 3 of 9" in text(third) and "<b>Category</b>" in text(third)
    assert {"Skip", "Finish"} <= set(buttons(third))
    fourth = await send(bot, ANA, "-")  # typed instead of Skip
    assert "question 4 of 9" in text(fourth) and "<b>Date</b>" in text(fourth)

    done = await press(bot, ANA, fourth, "Finish")
    assert "Formative &lt;assessment&gt; workshop" in text(done)
    [logged] = activities(bot)
    assert (logged.hours, logged.title) == (1.5, "Formative <assessment> workshop")
    assert logged.category == bot.app.settings.cpd.categories[0]
    assert forms(bot) == []
    # What Ana typed is in no log line and no button.
    assert not [r for r in caplog.records if "Formative" in r.getMessage()]
    payloads = [c for c in bot.tg.calls_to("sendMessage") if "inline_keyboard" in str(c.params)]
    assert payloads and all(
        re.fullmatch(r"[A-Za-z0-9_-]{1,16}", key) for c in payloads for key in buttons(c).values()
    )


async def test_a_bad_value_asks_the_same_field_again_with_the_reason(bot: Bot) -> None:
    await send(bot, ANA, "/cpd log")
    again = await send(bot, ANA, "a whole afternoon")

    assert text(again).startswith("⚠️ hours must be a length of time, like 1.5, 90m or 1h30.")
    assert "question 1 of 9" in text(again)
    assert forms(bot)[0].answers == {}
    assert "question 2 of 9" in text(await send(bot, ANA, "90m"))
    assert forms(bot)[0].answers == {"hours": "90m"}


async def test_a_value_the_command_refuses_is_asked_again_with_the_rest_kept(bot: Bot) -> None:
    await send(bot, ANA, "/cpd log")
    await send(bot, ANA, "1")
    await send(bot, ANA, "Reading")
    await send(bot, ANA, "-")
    provider = await send(bot, ANA, "tomorrow")  # a date, but CPD cannot be in the future
    assert "question 5 of 9" in text(provider)

    refused = await press(bot, ANA, provider, "Finish")
    assert "is in the future" in text(refused) and "question 4 of 9" in text(refused)
    assert activities(bot) == []
    done = await send(bot, ANA, "yesterday")
    assert "Reading" in text(done)
    [logged] = activities(bot)
    assert logged.occurred_on == (bot.app.clock.now() - timedelta(days=1)).date()


async def test_a_choice_by_button_and_a_skip(bot: Bot) -> None:
    name = await send(bot, ANA, "/profile set")
    assert "profile set: question 1 of 9" in text(name) and "<b>Name</b>" in text(name)

    role = await press(bot, ANA, name, "Skip")
    assert "<b>Role</b>" in text(role)
    assert {"teacher", "Skip", "Finish"} <= set(buttons(role))
    subjects = await press(bot, ANA, role, "teacher")
    assert "<b>Subjects</b>" in text(subjects)
    # An old button answers nothing but its own question.
    stale = await press(bot, ANA, role, "mentor")
    assert "belongs to an earlier question" in text(stale) and "<b>Subjects</b>" in text(stale)

    done = await press(bot, ANA, subjects, "Finish")
    assert text(done).startswith("<b>Profile updated</b>")
    member = bot.member(ANA)
    assert member is not None and member.role == "teacher"
    assert forms(bot) == []


async def test_cancel_stops_the_form(bot: Bot) -> None:
    await send(bot, ANA, "/cpd log")
    await send(bot, ANA, "2")

    stopped = await send(bot, ANA, "/cancel")
    assert "Stopped" in text(stopped) and "cpd log" in text(stopped)
    assert forms(bot) == []
    after = await send(bot, ANA, "Behaviour workshop")  # no longer an answer
    assert "question" not in text(after)
    assert activities(bot) == []
    assert "no form to stop" in text(await send(bot, ANA, "/cancel"))


async def test_another_command_puts_the_form_away(bot: Bot) -> None:
    await send(bot, ANA, "/cpd log")
    shown = await send(bot, ANA, "/profile show")

    assert "I put the cpd log form away" in text(shown)
    assert forms(bot) == []


async def test_a_form_given_in_a_group_is_asked_in_private(bot: Bot) -> None:
    await bot.say(ANA, "/start")
    bot.tg.push_text(ANA, "/cpd log", chat_id=GROUP, chat_type="group")
    said = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == GROUP)
    asked = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)

    assert "in a private chat" in text(said)
    assert "cpd log: question 1 of 9" in text(asked)
    assert [f.chat_id for f in forms(bot)] == [str(ANA)]

    # Ben never pressed Start, so Telegram refuses the question: the group learns how to begin,
    # and no form waits to take Ben's first private message.
    bot.tg.fail_next("sendMessage", 403)
    bot.tg.push_text(BEN, "/cpd log", chat_id=GROUP, chat_type="group", first_name="Ben")
    notice = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == GROUP)
    assert "https://t.me/staffroom_bot" in text(notice)
    assert [f.chat_id for f in forms(bot)] == [str(ANA)]


async def test_a_second_bot_process_continues_the_form(
    bot: Bot, sqlite_url: str, clock: FixedClock
) -> None:
    """Two front-ends on one database (as behind a load balancer): each answer may reach
    either, and the form carries on wherever it lands."""
    async with FakeTelegram(token=TOKEN, bot_username="staffroom_bot") as other_tg:
        other_app = telegram_staffroom(sqlite_url, clock, other_tg)
        other = create_platform(other_app)
        await other.start()
        try:
            await send(bot, ANA, "/cpd log")
            title = await send(bot, ANA, "1.5", tg=other_tg)
            assert "question 2 of 9" in text(title)
            category = await send(bot, ANA, "Coaching session", tg=bot.tg)
            assert "question 3 of 9" in text(category)
            done = await press(bot, ANA, category, "Finish", tg=bot.tg)
            assert "Coaching session" in text(done)
        finally:
            await other.stop()
            other_app.engine.dispose()
    [logged] = activities(bot)
    assert (logged.hours, logged.title) == (1.5, "Coaching session")


async def test_a_form_left_waiting_is_forgotten(bot: Bot, clock: FixedClock) -> None:
    await send(bot, ANA, "/cpd log")
    await send(bot, ANA, "1")
    clock.advance(timedelta(minutes=31))

    late = await send(bot, ANA, "Reading group")
    assert "waited more than 30 minutes" in text(late)
    assert "question" not in text(late)
    assert forms(bot) == [] and activities(bot) == []


async def test_privacy_delete_removes_open_forms(bot: Bot) -> None:
    say(bot.app, "profile set role=teacher", user="ana-console")
    code = re.search(r"link ([A-Z0-9]{8})", say(bot.app, "link", user="ana-console").plain_text())
    assert code is not None
    await bot.say(ANA, f"/start link-{code.group(1)}")
    await bot.say(ANA, "/link confirm")
    await send(bot, ANA, "/cpd log")
    await send(bot, ANA, "2.5")
    await send(bot, BEN, "/cpd goal add")  # someone else's form stays

    exported = say(bot.app, "privacy export", user="ana-console")
    data: dict[str, Any] = json.loads(exported.attachments[0].data)
    assert [f["answers"] for f in data["forms"]] == [{"hours": "2.5"}]
    done = say(bot.app, "privacy delete confirm", user="ana-console")
    assert done.tone == "success", text_of(done)

    assert [f.command for f in forms(bot)] == ["cpd goal add"]
