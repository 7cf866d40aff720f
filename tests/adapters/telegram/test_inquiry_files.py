"""Files as inquiry evidence on Telegram: a document or photo sent to the bot with the caption
``/inquiry post ID note`` (or ``inquiry post ID`` in the private chat) becomes a post with the
file, kept as a reference (its file_id, name, size and type; Telegram gives no link); a file
without such a caption is answered with how to add it."""

from __future__ import annotations

import time
from itertools import count
from typing import Any

from sqlmodel import Session, col, select

from core.inquiry.models import InquiryFile, InquiryPost
from tests.adapters.telegram.conftest import ANA, BEN, Bot

_ids = count(9001)


def push_file(
    bot: Bot, user: int, caption: str | None, *, chat: int | None = None, **content: Any
) -> None:
    """Queue a message from ``user`` carrying ``content`` (a document or photo) with
    ``caption``; a leading "/command" gets its bot_command caption entity, as Telegram sends it."""
    sender = {"id": user, "is_bot": False, "first_name": "Ben"}
    where = (
        {"id": user, "type": "private", "first_name": "Ben"}
        if chat is None
        else {"id": chat, "type": "group", "title": "Maths staff"}
    )
    message: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": where,
        "from": sender,
        **content,
    }
    if caption is not None:
        message["caption"] = caption
        if caption.startswith("/"):
            length = len(caption.split(maxsplit=1)[0])
            message["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    bot.tg.push_update({"message": message})


async def answer(bot: Bot, user: int, containing: str) -> str:
    call = await bot.tg.wait_for_call(
        "sendMessage",
        lambda c: c.params["chat_id"] == user and containing in str(c.params["text"]),
    )
    return str(call.params["text"])


QUIZ = {
    "document": {
        "file_id": "BQACAgQAAxkBAAIQUIZ",
        "file_unique_id": "AgADQUIZ",
        "file_name": "quiz\u202e.pdf",
        "mime_type": "application/pdf",
        "file_size": 48_213,
    }
}
PHOTO = {
    "photo": [
        {
            "file_id": "AgAC-small",
            "file_unique_id": "s",
            "width": 90,
            "height": 67,
            "file_size": 1_200,
        },
        {
            "file_id": "AgAC-large",
            "file_unique_id": "l",
            "width": 1280,
            "height": 960,
            "file_size": 180_000,
        },
        {
            "file_id": "AgAC-mid",
            "file_unique_id": "m",
            "width": 320,
            "height": 240,
            "file_size": 14_000,
        },
    ]
}


def _files(bot: Bot) -> list[InquiryFile]:
    with Session(bot.app.engine) as session:
        return list(session.exec(select(InquiryFile).order_by(col(InquiryFile.id))))


async def test_a_document_or_photo_captioned_with_the_command_is_a_post_with_the_file(
    bot: Bot,
) -> None:
    await bot.say(ANA, '/community create "Maths" "Maths teachers"')
    await bot.say(BEN, "/community join maths")
    await bot.say(ANA, '/inquiry create "Do retrieval starters help?" community=maths')
    assert "You joined inquiry #1" in await bot.say(BEN, "/inquiry join 1")

    push_file(bot, BEN, '/inquiry post 1 "Week 2 quiz"', **QUIZ)
    posted = await answer(bot, BEN, "Added post #1")
    assert "quiz.pdf" in posted and "48.2 kB" in posted
    assert "not a copy" in posted

    # A photo, its caption the command without a slash, no note: the largest size is kept.
    push_file(bot, BEN, "inquiry post 1", **PHOTO)
    await answer(bot, BEN, "Added post #2")

    files = _files(bot)
    assert [(f.platform, f.ref, f.name, f.size, f.content_type, f.url) for f in files] == [
        ("telegram", "BQACAgQAAxkBAAIQUIZ", "quiz.pdf", 48_213, "application/pdf", None),
        ("telegram", "AgAC-large", files[1].name, 180_000, "image/jpeg", None),
    ]
    with Session(bot.app.engine) as session:
        posts = session.exec(select(InquiryPost).order_by(col(InquiryPost.id))).all()
    assert [p.text for p in posts] == ["Week 2 quiz", ""]

    # Ana, a member, sees both files in the timeline, named and sized, kept on Telegram.
    shown = await bot.say(ANA, "/inquiry show 1")
    assert "quiz.pdf</b> (48.2 kB) on Telegram" in shown, shown
    assert "(180 kB) on Telegram" in shown


async def test_a_file_in_a_group_and_a_file_without_a_command(bot: Bot) -> None:
    await bot.say(ANA, '/community create "Maths" "Maths teachers"')
    await bot.say(BEN, "/community join maths")
    await bot.say(ANA, '/inquiry create "Do retrieval starters help?" community=maths')
    await bot.say(BEN, "/inquiry join 1")

    # In a group, the command in the caption works; the answer goes to Ben's private chat.
    push_file(bot, BEN, '/inquiry post 1 "From the department meeting"', chat=-100, **QUIZ)
    await answer(bot, BEN, "Added post #1")

    # A file with no caption, or a caption that is not a command: how to add it, nothing stored.
    push_file(bot, BEN, None, **PHOTO)
    hint = await answer(bot, BEN, "caption /inquiry post ID")
    assert "not a copy" in hint
    push_file(bot, BEN, "look at this", **QUIZ)
    await answer(bot, BEN, "caption /inquiry post ID")
    # The other photos of an album (captioned once, on the first) get no hint each.
    push_file(bot, BEN, None, media_group_id="album-1", **PHOTO)
    # In a group, a file without a command is not for the bot at all.
    push_file(bot, BEN, None, chat=-100, **QUIZ)
    push_file(bot, BEN, '/inquiry post 1 "marker"', chat=-100, **QUIZ)  # after it, in order
    push_file(bot, BEN, '/inquiry post 1 "marker two"', **QUIZ)  # after the album photo
    await answer(bot, BEN, "Added post #2")
    await answer(bot, BEN, "Added post #3")
    assert len(_files(bot)) == 3
    hints = [
        c
        for c in bot.tg.calls_to("sendMessage")
        if "caption /inquiry post ID" in str(c.params["text"])
    ]
    assert len(hints) == 2
