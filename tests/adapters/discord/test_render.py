"""Reply -> Discord messages: escaping, embeds within Discord's limits, buttons and files."""

from __future__ import annotations

from adapters.discord.render import (
    DESCRIPTION_LIMIT,
    FIELDS_PER_EMBED,
    MESSAGE_EMBED_TOTAL,
    escape,
    render,
)
from core.reply import Reply, bold, code


def test_user_text_shows_literally() -> None:
    shown = escape("@everyone @here <@123456789012345678> <@&42> <#99> **loud** [x](https://e.vil)")

    assert "@\u200beveryone" in shown and "@\u200bhere" in shown
    assert "\\<@\u200b123456789012345678>" in shown and "\\<@&42>" in shown and "\\<#99>" in shown
    assert "\\*\\*loud\\*\\*" in shown and "\\[x](https://e.vil)" in shown


def test_a_short_plain_reply_is_content_and_styles_stay_on_our_text_only() -> None:
    [message] = render(Reply.success("Saved ", bold("*Phonics*"), " as ", code("a`b")))

    assert message.content == "✅ Saved **\\*Phonics\\*** as `aˋb`"
    assert message.embeds == []


def test_a_structured_reply_is_an_embed_with_title_fields_and_footer() -> None:
    reply = (
        Reply()
        .heading("Your CPD")
        .text("This year so far")
        .fields([("Hours", "12.5"), ("Goal", "<@1> 35")])
        .note("Since 1 September")
    )

    [message] = render(reply)
    [embed] = message.embeds

    assert embed.title == "Your CPD" and embed.description == "This year so far"
    assert [(f.name, f.value, f.inline) for f in embed.fields] == [
        ("Hours", "12.5", True),
        ("Goal", "\\<@1> 35", True),
    ]
    assert embed.footer.text == "Since 1 September"
    assert message.payload()["allowed_mentions"].to_dict() == {"parse": []}  # type: ignore[union-attr]


def test_long_replies_are_split_within_discords_limits() -> None:
    reply = Reply().heading("Everything")
    for n in range(12):
        reply.text(f"paragraph {n} " + "word " * 900)
    reply.fields([(f"f{n}", "v" * 2000) for n in range(60)])

    messages = render(reply)

    assert len(messages) > 1
    for message in messages:
        assert 1 <= len(message.embeds) <= 10
        assert sum(len(e) for e in message.embeds) <= MESSAGE_EMBED_TOTAL
        for embed in message.embeds:
            assert len(embed.description or "") <= DESCRIPTION_LIMIT
            assert len(embed.fields) <= FIELDS_PER_EMBED
            assert all(len(f.value or "") <= 1024 for f in embed.fields)
    assert messages[0].embeds[0].title == "Everything"


async def test_buttons_and_files_go_with_the_last_message() -> None:
    # async: discord.py's View needs a running loop to know it has been stopped
    reply = (
        Reply()
        .heading("Export")
        .text("Here it is")
        .action("Delete it", "cpd delete 3 confirm", "danger")
        .attach("cpd.csv", "text/csv", b"a,b\n")
    )

    [message] = render(reply, ["abcDEF123_-x"])
    view = message.view()

    assert view is not None and view.is_finished(), "not kept in memory: dynamic items route"
    [button] = view.children
    assert button.custom_id == "sr:abcDEF123_-x"  # type: ignore[attr-defined]
    assert button.item.label == "Delete it"  # type: ignore[attr-defined]
    [upload] = message.files()
    assert upload.filename == "cpd.csv" and upload.fp.read() == b"a,b\n"


def test_headings_are_escaped_like_any_user_text() -> None:
    reply = Reply().heading("**Maths** @everyone <@123456789012345678> __club__").text("Hello")

    [message] = render(reply)
    title = message.embeds[0].title or ""

    assert title.startswith("\\*\\*Maths\\*\\* @\u200beveryone \\<@\u200b123456789012345678>")
    assert "\\_\\_club\\_\\_" in title
