"""Control characters stop at the core's edge: a NUL never reaches PostgreSQL, URLs stay one line."""

from __future__ import annotations

from sqlmodel import Session, select

from core.app import Staffroom
from core.identity.models import Member
from core.invocation import Invocation, clean_line, clean_text
from core.reflection.models import JournalEntry
from tests.talk import run, say, text_of


def test_a_nul_in_a_name_or_text_is_dropped_not_a_crash(app: Staffroom) -> None:
    reply = say(app, 'journal add "Went\x00 well\x1b[31m today"', name="Ana\x00 \n Smith\u2028")
    assert reply.tone == "success", text_of(reply)
    with Session(app.engine) as session:
        member = session.exec(select(Member)).one()
        assert member.display_name == "Ana Smith"
        entry = session.exec(select(JournalEntry)).one()
        assert "\x00" not in entry.body and "\x1b" not in entry.body
        assert entry.body.startswith("Went well")
    assert say(app, "profile show", name="\x00").tone != "error"


def test_urls_with_line_breaks_or_tabs_are_refused(app: Staffroom) -> None:
    for url in ("https://x.org/a\nb", "https://x.org/a\tb", "https://x.org/a\rb"):
        reply = run(app, "resource share", {"url": url, "title": "Exit tickets"})
        assert reply.tone == "error" and "web address" in text_of(reply), url
    assert run(app, "resource share", {"url": "https://x.org/a", "title": "Ok"}).tone == "success"


def test_prose_keeps_newlines_and_tabs() -> None:
    assert clean_text("one\r\ntwo\tthree\x00\x07") == "one\ntwo\tthree"
    assert clean_line(" a\tb\nc\x85d ") == "a b c d"
    given = Invocation("console", "local", "u", display_name="x\x00y", args={"t": ["a\x00", 3]})
    assert given.display_name == "xy" and given.args == {"t": ["a", 3]}
