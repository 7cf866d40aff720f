"""The bot end to end: real python-telegram-bot polling the fake Bot API, real SQLite."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session

from core.identity.models import Member
from tests.adapters.telegram.conftest import ANA, BEN, BOT_ID, Bot
from tests.talk import say


async def test_start_welcomes_by_name_and_shows_help(bot: Bot) -> None:
    bot.tg.push_text(ANA, "/start", first_name="Ana <Admin>")
    call = await bot.tg.wait_for_call("sendMessage")

    assert call.params["chat_id"] == ANA
    assert call.params["parse_mode"] == "HTML"
    text = call.params["text"]
    assert text.startswith("<b>Staffroom: professional learning where you already chat</b>\n")
    assert "Welcome to Staffroom, <b>Ana &lt;Admin&gt;</b>!" in text
    assert "• <b>profile</b> — Your profile" in text
    account = bot.account(ANA)
    assert (
        account is not None and account.tenant == BOT_ID and account.display_name == "Ana <Admin>"
    )


async def test_menu_is_published_from_the_registry(bot: Bot) -> None:
    published = bot.tg.commands()
    names = [c["command"] for c in published]

    groups = bot.app.registry.groups()
    assert names[0] == "help"
    assert sorted(names) == sorted(g.replace("-", "_") for g in groups)
    assert {"profile", "settings", "link", "privacy"} <= set(names)
    assert all(re.fullmatch(r"[a-z0-9_]{1,32}", n) for n in names)
    assert all(0 < len(c["description"]) <= 256 for c in published)
    privacy = next(c for c in published if c["command"] == "privacy")
    assert privacy["description"].startswith("Export everything Staffroom holds")


async def test_help_and_help_group(bot: Bot) -> None:
    overview = await bot.say(ANA, "/help")
    group = await bot.say(ANA, "/help privacy")

    assert "Staffroom: professional learning" in overview
    assert group.startswith("<b>privacy commands</b>")
    assert "<code>privacy export</code>" in group


async def test_profile_set_parses_the_rest_of_the_line(bot: Bot) -> None:
    text = await bot.say(
        ANA, '/profile set role=teacher subjects=maths,physics bio="Maths & physics at Hillside"'
    )

    assert text.startswith("<b>Profile updated</b>")
    assert "<b>Role</b>: teacher" in text
    assert "Maths &amp; physics at Hillside" in text
    member = bot.member(ANA)
    assert member is not None
    assert (member.role, member.subjects) == ("teacher", ["maths", "physics"])


async def test_bad_value_says_what_was_wrong(bot: Bot) -> None:
    text = await bot.say(ANA, "/settings timezone Mars/Olympus")

    assert text.startswith("⚠️ ")
    assert "<i>Usage: settings timezone &lt;zone&gt;</i>" in text


async def test_user_text_is_shown_literally_and_pings_nobody(bot: Bot) -> None:
    await bot.say(
        ANA,
        '/profile set name="<b>Ana</b>" '
        'bio="<b>bold</b> & <script>alert(1)</script> @everyone <!channel> <@U123>"',
    )
    text = await bot.say(ANA, "/profile show")

    assert text.startswith("<b>&lt;b&gt;Ana&lt;/b&gt;</b>\n")
    bio = (
        "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; "
        "@\u2060everyone &lt;!channel&gt; &lt;@\u2060U123&gt;"
    )
    assert f"\n{bio}\n" in text
    assert "<script>" not in text and "<b>bold" not in text


async def test_link_gives_a_code_and_a_deep_link_joins_two_accounts(bot: Bot) -> None:
    say(bot.app, "profile set role=mentor", user="ana-console")
    code_reply = say(bot.app, "link", user="ana-console").plain_text()
    code = re.search(r"link ([A-Z0-9]{8})", code_reply)
    assert code is not None

    text = await bot.say(ANA, f"/start link-{code.group(1)}")

    assert "Linked. You are one member on: <b>console, telegram</b>" in text
    member = bot.member(ANA)
    assert member is not None and member.role == "mentor"
    shown = await bot.say(ANA, "/link")
    assert "On your other platform, send <b>link " in shown


async def test_a_wrong_deep_link_code_is_refused_kindly(bot: Bot) -> None:
    text = await bot.say(ANA, "/start link-ZZZZZZZZ")

    assert "That code is wrong or has expired (4 tries left)" in text


async def test_an_unknown_deep_link_still_welcomes(bot: Bot) -> None:
    text = await bot.say(ANA, "/start <weird>")

    assert "Welcome to Staffroom" in text


async def test_unknown_command_in_a_private_chat_gets_a_suggestion(bot: Bot) -> None:
    text = await bot.say(ANA, "/profil show")

    assert "I don't know the command" in text and "Did you mean profile show?" in text


async def test_button_runs_as_the_presser_and_is_answered(bot: Bot) -> None:
    await bot.say(ANA, "/profile set role=teacher")
    await bot.say(BEN, "/profile set role=mentor")
    bot.tg.push_text(ANA, "/privacy delete")
    asked = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)
    [[button]] = asked.params["reply_markup"]["inline_keyboard"]
    key = button["callback_data"]
    assert len(key.encode()) <= 64 and "privacy" not in key and str(ANA) not in key

    # Ben forges a press on Ana's confirmation: it acts on Ben alone, answered in Ben's chat.
    forged = bot.tg.push_callback(BEN, key, message_id=asked.result["message_id"], chat_id=ANA)
    answer = await bot.tg.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == forged
    )
    done = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == BEN)

    assert "text" not in answer.params
    assert "Everything Staffroom held about you has been deleted" in done.params["text"]
    assert bot.account(BEN) is None
    ana = bot.member(ANA)
    assert ana is not None and ana.role == "teacher"

    pressed = bot.tg.push_callback(ANA, key, message_id=asked.result["message_id"])
    await bot.tg.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == pressed
    )
    await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)
    assert bot.account(ANA) is None


async def test_an_unknown_button_key_is_refused_and_still_answered(bot: Bot) -> None:
    await bot.say(ANA, "/profile set role=teacher")
    query = bot.tg.push_callback(ANA, "privacy delete confirm", message_id=1)
    answer = await bot.tg.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query
    )

    assert answer.params["text"].startswith("That button has expired.")
    assert bot.account(ANA) is not None
    member = bot.member(ANA)
    assert member is not None and member.role == "teacher"
    assert len(bot.tg.sent_messages(chat_id=ANA)) == 1


async def test_export_arrives_as_a_document(bot: Bot) -> None:
    await bot.say(ANA, "/profile set role=teacher")
    text = await bot.say(ANA, "/privacy export")
    await bot.tg.wait_for_call("sendDocument")

    assert "Here is everything Staffroom holds about you." in text
    [document] = bot.tg.sent_documents(chat_id=ANA)
    assert re.fullmatch(r"staffroom-export-\d+\.json", document.filename)
    data = json.loads(document.content)
    assert data["profile"]["member"]["role"] == "teacher"
    assert data["profile"]["accounts"][0]["user_id"] == str(ANA)


async def test_in_groups_only_our_commands_and_replies_count(bot: Bot) -> None:
    group = -1001
    for text in ("/help@other_bot", "/frobnicate", "hello everyone"):
        bot.tg.push_text(ANA, text, chat_id=group, chat_type="group")
    bot.tg.push_text(ANA, "/profile@staffroom_bot show", chat_id=group, chat_type="group")

    private = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)
    notice = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == group)

    # The profile (meant for Ana alone) goes to her private chat; the group gets a pointer.
    assert "<b>Timezone</b>: UTC" in private.params["text"]
    assert notice.params["text"] == "I answered you in a private chat."
    assert "reply_parameters" in notice.params
    assert len(bot.tg.sent_messages()) == 2


async def test_group_member_who_never_pressed_start_gets_the_onboarding_link(bot: Bot) -> None:
    group = -1001
    bot.tg.fail_next("sendMessage", error_code=403)
    bot.tg.push_text(ANA, "/link", chat_id=group, chat_type="group")
    notice = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == group)

    assert "https://t.me/staffroom_bot" in notice.params["text"]
    assert "link " not in notice.params["text"]  # the code itself never reaches the group


async def test_a_plain_private_message_reaches_the_core_as_a_message(bot: Bot) -> None:
    text = await bot.say(ANA, "thanks, that was useful")

    assert text == "I only understand commands here. Send help to see them."


async def test_member_ids_are_telegram_ids_never_names(bot: Bot) -> None:
    await bot.say(ANA, "/profile show", first_name="Ben")
    await bot.say(BEN, "/profile show", first_name="Ben")

    ana, ben = bot.account(ANA), bot.account(BEN)
    assert ana is not None and ben is not None
    assert ana.member_id != ben.member_id
    with Session(bot.app.engine) as session:
        assert session.get(Member, ana.member_id) is not None


async def test_a_join_deep_link_joins_the_community(bot: Bot) -> None:
    if ("community", "join") not in bot.app.registry.commands:
        pytest.skip("the communities feature has not landed")
    created = say(bot.app, 'community create "Maths secondary" "KS3-5 maths"', user="cara")
    assert created.tone == "success", created.plain_text()

    text = await bot.say(ANA, "/start join-maths-secondary")
    members = await bot.say(ANA, "/community members maths-secondary")

    assert "Maths secondary" in text and not text.startswith("⚠️"), text
    assert "Ana" in members, members
