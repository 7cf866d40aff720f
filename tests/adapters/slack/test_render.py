"""Block Kit rendering: escaping of user text and Slack's size limits."""

from __future__ import annotations

import json

from adapters.slack.render import escape, render, render_blocks
from core.reply import Reply, bold, code, link


def texts(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_user_text_can_never_become_markup() -> None:
    nasty = "@everyone @here <!channel> <!here> <!everyone> <@U123> <!subteam^S1> <#C9> a&b"
    reply = (
        Reply()
        .heading(nasty)
        .text(nasty, bold(nasty), code("x`y"))
        .fields([("Bio", nasty)])
        .items([[nasty]])
        .note(nasty)
    )
    out = render(reply)
    shown = texts(out["blocks"]) + out["text"]
    for token in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<!subteam", "<#C9>"):
        assert token not in shown
    assert "&lt;@U123&gt;" in shown and "a&amp;b" in shown
    assert out["blocks"][0]["text"]["type"] == "plain_text"  # headers cannot hold markup


def test_links_escape_their_url_and_label() -> None:
    reply = Reply().text(link("a|b>c", "https://example.org/x?a=1&b=<2>|3"))
    text = render_blocks(reply)[0]["text"]["text"]
    assert text == "<https://example.org/x?a=1&amp;b=&lt;2&gt;%7C3|a¦b&gt;c>"
    bad = Reply().text(link("click", "javascript:alert(1)"))
    assert render_blocks(bad)[0]["text"]["text"] == "click"


def test_long_text_is_split_into_sections_of_3000() -> None:
    reply = Reply().text("word " * 2000)
    blocks = render_blocks(reply)
    assert len(blocks) >= 4
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert "".join(b["text"]["text"] for b in blocks).count("word") == 2000


def test_splitting_never_cuts_an_escape() -> None:
    reply = Reply().text("<" * 5000)
    for block in render_blocks(reply):
        assert block["text"]["text"].replace("&lt;", "") == ""


def test_fields_go_ten_to_a_section() -> None:
    blocks = render_blocks(Reply().fields([(f"k{i}", f"v{i}") for i in range(23)]))
    assert [len(b["fields"]) for b in blocks] == [10, 10, 3]


def test_too_many_blocks_are_cut_with_a_note_and_buttons_kept() -> None:
    reply = Reply()
    for i in range(80):
        reply.text(f"paragraph {i}")
    for i in range(30):
        reply.action(f"Button {i}", f"resource save {i}")
    blocks = render_blocks(reply)
    assert len(blocks) == 50
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    ids = [e["action_id"] for a in actions for e in a["elements"]]
    assert len(set(ids)) == 30
    assert blocks[-3]["type"] == "context"


def test_tone_is_marked_on_the_first_paragraph() -> None:
    error = render_blocks(Reply.error("That did not work", usage="Usage: cpd log <hours>"))
    assert error[0]["text"]["text"].startswith(":warning: ")
    assert error[1]["type"] == "context"


def test_escape() -> None:
    assert escape("<&>") == "&lt;&amp;&gt;"


def test_every_message_has_a_plain_text_fallback() -> None:
    # Notifications and screen readers read ``text``; Slack counts a blank one as missing.
    shapes = {
        "empty": Reply(),
        "buttons only": Reply().action("Accept", "mentor accept 1").action("Decline", "x"),
        "blank text": Reply().text("   "),
        "a file only": Reply().attach("cpd.csv", "text/csv", b"date\n"),
        "a heading": Reply().heading("Your week"),
    }
    texts = {name: render(reply)["text"] for name, reply in shapes.items()}
    assert all(text.strip() for text in texts.values()), texts
    assert texts["buttons only"] == "Accept · Decline"
    assert texts["a heading"] == "Your week"
