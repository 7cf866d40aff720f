"""The bot end to end: real python-telegram-bot polling the fake Bot API, real SQLite."""

from __future__ import annotations

import json
import re

from sqlmodel import Session, select

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

    asked = await bot.say(ANA, f"/start link-{code.group(1)}")
    # A deep link never merges by itself: the presser sees who made the code, and confirms.
    assert "Link this account?" in asked and "<b>Ana-Console</b>" in asked
    assert bot.member(ANA) is not None and bot.member(ANA).role != "mentor"  # type: ignore[union-attr]
    text = await bot.say(ANA, "/link confirm")

    assert "Linked. You are one member on: <b>Telegram, the console</b>" in text
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


async def test_a_join_deep_link_shows_the_community_and_joins_on_the_button(bot: Bot) -> None:
    created = say(bot.app, 'community create "Maths secondary" "KS3-5 maths"', user="cara")
    assert created.tone == "success", created.plain_text()

    bot.tg.push_text(ANA, "/start join-maths-secondary")
    shown = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)
    assert "Maths secondary" in shown.params["text"]
    assert bot.member(ANA) is not None
    with Session(bot.app.engine) as session:
        from core.communities.models import CommunityMember

        assert len(session.exec(select(CommunityMember)).all()) == 1  # only Cara, so far
    buttons = [b for row in shown.params["reply_markup"]["inline_keyboard"] for b in row]
    join = next(b for b in buttons if b["text"] == "Join")
    bot.tg.push_callback(ANA, join["callback_data"], shown.result["message_id"])
    await bot.tg.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == ANA and "Welcome to" in c.params["text"]
    )
    members = await bot.say(ANA, "/community members maths-secondary")
    assert "Ana" in members, members


GROUP = -1001500
ANONYMOUS_ADMIN_ID = 1087968824
"""Telegram's GroupAnonymousBot: the sender shown for any admin who remains anonymous."""
ANONYMOUS_ADMIN = {"id": ANONYMOUS_ADMIN_ID, "is_bot": True, "first_name": "Group"}
OTHER_BOT_ID = 555


def push_group_message(bot: Bot, text: str, **message: object) -> None:
    """A message in GROUP with the given senders (raw fields the fake's push_text cannot set)."""
    chat = {"id": GROUP, "type": "supergroup", "title": "Hillside staff"}
    body: dict[str, object] = {"message_id": len(bot.tg.calls) + 1000, "date": 0, "chat": chat}
    body.update(text=text, **message)
    if text.startswith("/"):
        length = len(text.split()[0])
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    bot.tg.push_update({"message": body})


async def test_anonymous_admins_channel_posts_and_bots_are_not_members(bot: Bot) -> None:
    group_chat = {"id": GROUP, "type": "supergroup", "title": "Hillside staff"}
    channel = {"id": -1002600, "type": "channel", "title": "Hillside news"}
    anonymous = {"from": ANONYMOUS_ADMIN, "sender_chat": group_chat}
    push_group_message(bot, "/profile@staffroom_bot set role=head", **anonymous)
    push_group_message(bot, "/privacy export", **{"from": ANONYMOUS_ADMIN, "sender_chat": channel})
    forwarded = {"from": ANONYMOUS_ADMIN, "sender_chat": channel, "is_automatic_forward": True}
    push_group_message(bot, "/help", **forwarded)
    other_bot = {"id": OTHER_BOT_ID, "is_bot": True, "first_name": "Quiz", "username": "quiz_bot"}
    push_group_message(bot, "/help@staffroom_bot", **{"from": other_bot})
    bot.tg.push_text(ANA, "/profile@staffroom_bot show", chat_id=GROUP, chat_type="supergroup")

    pointer = await bot.tg.wait_for_call(
        "sendMessage", lambda c: c.params["text"] == "I answered you in a private chat."
    )

    group = [m["text"] for m in bot.tg.sent_messages(chat_id=GROUP)]
    assert len(group) == 4 and group[-1] == pointer.params["text"]
    assert all(text.startswith("⚠️ I can only act for a person") for text in group[:3])
    assert bot.account(ANONYMOUS_ADMIN_ID) is None and bot.account(OTHER_BOT_ID) is None
    assert bot.tg.sent_documents() == []
    ana = bot.member(ANA)
    assert ana is not None and ana.role is None


async def test_a_bot_pressing_a_button_runs_nothing(bot: Bot) -> None:
    await bot.say(ANA, "/profile set role=teacher")
    robot = {"id": 556, "is_bot": True, "first_name": "Clicker"}
    message = {"message_id": 1, "date": 0, "chat": {"id": 556, "type": "private"}}
    bot.tg.push_update(
        {
            "callback_query": {
                "id": "robot-press",
                "from": robot,
                "chat_instance": "556",
                "data": "help",
                "message": message,
            }
        }
    )
    answer = await bot.tg.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == "robot-press"
    )

    assert answer.params["text"] == "Only people can press my buttons."
    assert bot.account(556) is None and len(bot.tg.sent_messages()) == 1


async def test_a_button_press_is_answered_before_its_command_runs(bot: Bot) -> None:
    bot.tg.push_text(ANA, "/privacy delete")
    asked = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)
    [[button]] = asked.params["reply_markup"]["inline_keyboard"]

    pressed = bot.tg.push_callback(ANA, button["callback_data"], asked.result["message_id"])
    done = await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)

    answered = next(
        i
        for i, c in enumerate(bot.tg.calls)
        if c.method == "answerCallbackQuery" and c.params["callback_query_id"] == pressed
    )
    assert answered < bot.tg.calls.index(done), "the spinner stops before the command's work"
    assert "deleted" in done.params["text"]


async def test_one_chats_messages_are_handled_in_the_order_sent(bot: Bot) -> None:
    schools = [f"School{n}" for n in range(6)]
    for school in schools:
        bot.tg.push_text(ANA, f"/profile set school={school}")
    bot.tg.push_text(BEN, "/profile set school=Elsewhere")
    bot.tg.push_text(ANA, "/profile show")

    for _message in [*schools, "show"]:
        await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == ANA)
    await bot.tg.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == BEN)

    texts = [m["text"] for m in bot.tg.sent_messages(chat_id=ANA)]
    shown = [re.search(r"<b>School</b>: (\w+)", t) for t in texts]
    assert [m.group(1) if m else None for m in shown] == [*schools, "School5"], texts
