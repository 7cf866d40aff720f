"""Profiles, timezones and linking accounts across platforms (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from core.app import Staffroom
from core.clock import FixedClock
from core.identity.models import Account, Member
from tests.talk import say, text_of


def test_profile_set_and_show(app: Staffroom) -> None:
    reply = say(
        app,
        "profile set role=teacher subjects=maths,Physics phases=secondary "
        "timezone=Europe/London languages=en,es",
    )
    assert reply.tone == "success"
    shown = text_of(say(app, "profile show"))
    assert "teacher" in shown and "maths, physics" in shown and "Europe/London" in shown
    other = text_of(say(app, "profile show Ana", user="bob"))
    assert "teacher" in other and "School" not in other


def test_timezone_is_validated_with_a_suggestion(app: Staffroom) -> None:
    reply = say(app, "settings timezone europe/london")
    assert reply.tone == "error" and "Did you mean Europe/London?" in text_of(reply)
    assert say(app, "settings timezone America/New_York").tone == "success"


def _code(reply_text: str) -> str:
    match = re.search(r"link ([A-Z2-9]{8})", reply_text)
    assert match, reply_text
    return match.group(1)


def test_link_merges_two_accounts_into_one_member(app: Staffroom) -> None:
    say(app, "profile set role=teacher", user="U1", platform="slack", tenant="T1")
    say(app, "profile set timezone=Asia/Tokyo", user="42", platform="telegram", tenant="bot")
    code = _code(text_of(say(app, "link", user="U1", platform="slack", tenant="T1")))
    asked = say(app, f"link {code}", user="42", platform="telegram", tenant="bot")
    assert "Link this account?" in text_of(asked) and "Slack" in text_of(asked)
    assert [a.command for a in asked.actions] == ["link confirm", "link cancel"]
    with Session(app.engine) as session:
        assert len(session.exec(select(Member)).all()) == 2  # nothing merged before the yes
    reply = say(app, "link confirm", user="42", platform="telegram", tenant="bot")
    assert reply.tone == "success" and "Slack, Telegram" in text_of(reply)
    with Session(app.engine) as session:
        accounts = session.exec(select(Account)).all()
        assert len({a.member_id for a in accounts}) == 1
        member = session.get(Member, accounts[0].member_id)
        assert member is not None and member.role == "teacher" and member.timezone == "Asia/Tokyo"
        assert len(session.exec(select(Member)).all()) == 1
    # The code worked once.
    again = say(app, f"link {code}", user="99", platform="discord", tenant="g")
    assert again.tone == "error" and "wrong or has expired" in text_of(again)


def test_link_code_expires(app: Staffroom, clock: FixedClock) -> None:
    code = _code(text_of(say(app, "link", user="a")))
    clock.advance(timedelta(minutes=16))
    assert say(app, f"link {code}", user="b", platform="telegram").tone == "error"


def test_wrong_link_attempts_are_limited(app: Staffroom) -> None:
    code = _code(text_of(say(app, "link", user="a")))
    for _ in range(5):
        assert "wrong" in text_of(say(app, "link AAAAAAAA", user="b", platform="telegram"))
    reply = say(app, f"link {code}", user="b", platform="telegram")
    assert "Too many wrong codes" in text_of(reply)


def test_own_code_is_refused(app: Staffroom) -> None:
    code = _code(text_of(say(app, "link", user="a")))
    assert "your own" in text_of(say(app, f"link {code}", user="a"))


def test_member_found_by_mention_and_id_not_by_ambiguous_name(app: Staffroom) -> None:
    say(app, "profile set role=mentor", user="U2", platform="slack", tenant="T1", name="Sam")
    say(app, "profile show", user="U3", platform="slack", tenant="T1", name="Sam")
    by_mention = say(app, "profile show <@U2>", user="U9", platform="slack", tenant="T1")
    assert "mentor" in text_of(by_mention)
    ambiguous = say(app, "profile show Sam", user="U9", platform="slack", tenant="T1")
    assert ambiguous.tone == "error" and "use their id" in text_of(ambiguous)


def test_deliver_to_only_a_linked_platform(app: Staffroom) -> None:
    refused = say(app, "settings deliver-to telegram", user="U1", platform="slack", tenant="T1")
    assert refused.tone == "error" and "no telegram account" in text_of(refused)
    code = _code(text_of(say(app, "link", user="U1", platform="slack", tenant="T1")))
    say(app, f"link {code}", user="42", platform="telegram", tenant="bot")
    say(app, "link confirm", user="42", platform="telegram", tenant="bot")
    assert (
        say(app, "settings deliver-to telegram", user="U1", platform="slack", tenant="T1").tone
        == "success"
    )
    with Session(app.engine) as session:
        assert session.exec(select(Member)).one().deliver_to == "telegram"


def test_names_do_not_count_where_it_matters(app: Staffroom) -> None:
    from core.errors import NotFound
    from core.identity.service import find_member

    say(app, "profile set name=Ana", user="impostor")
    with Session(app.engine) as session:
        assert find_member(session, "Ana", "console", "local").display_name == "Ana"
        with pytest.raises(NotFound, match="by id"):
            find_member(session, "Ana", "console", "local", by_name=False)


def test_the_phases_help_lists_the_phases() -> None:
    from core.identity.commands import PHASES, profile_set

    phases = next(p for p in profile_set.params if p.name == "phases")
    assert all(phase in phases.help for phase in PHASES)
