"""Rendering replies as Telegram HTML: escaping, structure, buttons, splitting long replies."""

from __future__ import annotations

import html
import re

import pytest

from adapters.telegram.render import MESSAGE_LIMIT, escape, render
from core.reply import Reply, bold, code, italic, link


def unescape(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\u2060", "")


def balanced(text: str) -> bool:
    return all(text.count(f"<{t}>") == text.count(f"</{t}>") for t in ("b", "i", "code"))


def test_blocks_become_bold_headings_fields_bullets_and_italic_notes() -> None:
    reply = (
        Reply()
        .heading("CPD <summary>")
        .text("Logged ", bold("1.5 h"), " of ", italic("reading"), " in ", code("cpd log"))
        .fields([("Hours", "1.5"), ("Title", "Tom & Jerry")])
        .items([["first"], ["second"]])
        .items([["one"]], ordered=True)
        .note("Page 1 of 2")
    )

    [text] = render(reply).texts

    assert text.split("\n") == [
        "<b>CPD &lt;summary&gt;</b>",
        "Logged <b>1.5 h</b> of <i>reading</i> in <code>cpd log</code>",
        "<b>Hours</b>: 1.5",
        "<b>Title</b>: Tom &amp; Jerry",
        "• first",
        "• second",
        "1. one",
        "<i>Page 1 of 2</i>",
    ]


def test_only_web_links_become_links() -> None:
    reply = Reply.message(
        link("guide", 'https://example.org/a?b=1&c="x"'), " ", link("Ana", "tg://user?id=42")
    )

    [text] = render(reply).texts

    assert text == '<a href="https://example.org/a?b=1&amp;c=&quot;x&quot;">guide</a> Ana'


def test_error_replies_are_marked() -> None:
    [text] = render(Reply.error("That went wrong.", usage="Usage: link [code]")).texts

    assert text == "⚠️ That went wrong.\n<i>Usage: link [code]</i>"


def test_mentions_in_any_text_are_defused() -> None:
    assert escape("@everyone @here @ana <@U1>") == (
        "@\u2060everyone @\u2060here @\u2060ana &lt;@\u2060U1&gt;"
    )
    assert escape("ana@school.org") == "ana@\u2060school.org"


def test_buttons_carry_only_their_keys() -> None:
    reply = Reply.message("Sure?").action("Yes", "privacy delete confirm", "danger")
    reply.action("Cancel", "help").action("Profile", "profile show")

    rendered = render(reply, {"privacy delete confirm": "k1", "help": "k2", "profile show": "k3"})

    assert rendered.keyboard is not None
    rows = [[(b.text, b.callback_data) for b in row] for row in rendered.keyboard.inline_keyboard]
    assert rows == [[("⚠️ Yes", "k1"), ("Cancel", "k2")], [("Profile", "k3")]]


def test_a_button_without_a_key_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no callback key"):
        render(Reply.message("Sure?").action("Yes", "privacy delete confirm"))


def test_long_replies_split_between_lines_under_the_limit() -> None:
    lines = [f"Resource {n}: <exit tickets> & more " + "x" * 40 for n in range(400)]
    reply = (
        Reply()
        .heading("Resources")
        .items([[line] for line in lines])
        .action("More", "resource list page=2")
    )

    rendered = render(reply, {"resource list page=2": "key"})

    assert len(rendered.texts) > 1
    assert all(len(t) <= MESSAGE_LIMIT for t in rendered.texts)
    assert all(balanced(t) for t in rendered.texts)
    shown = "\n".join(rendered.texts).split("\n")
    assert len(shown) == 401 and shown[1] == "• " + escape(lines[0])
    # Each line is whole in exactly one message.
    assert all(any(line in t.split("\n") for t in rendered.texts) for line in shown)


def test_one_enormous_line_is_cut_between_characters_not_inside_entities() -> None:
    body = "Tom & Jerry <3 @ana " * 1200  # 24,000 characters, many needing escapes
    reply = Reply().text(bold("Journal"), " ", body)

    texts = render(reply).texts

    assert len(texts) >= 6
    assert all(len(t) <= MESSAGE_LIMIT for t in texts)
    assert all(balanced(t) for t in texts)
    assert all(not re.search(r"&[a-z]*$", t) for t in texts)
    assert "".join(unescape(t) for t in texts) == "Journal " + body


def test_files_are_kept_for_upload() -> None:
    reply = Reply.success("Here it is.").attach("cpd.csv", "text/csv", b"a,b\n")

    rendered = render(reply)

    assert [d.filename for d in rendered.documents] == ["cpd.csv"]
    assert rendered.texts == ["Here it is."]


def test_a_reply_of_buttons_alone_still_has_a_message_to_hang_them_on() -> None:
    rendered = render(Reply().action("Go", "help"), {"help": "k"})

    assert rendered.texts == ["…"]
