"""Linking accounts takes the presser's explicit yes; linked accounts can be listed and removed."""

from __future__ import annotations

import re
import threading

from sqlmodel import Session, select

from core.app import Staffroom
from core.identity.models import Account, LinkCode, Member
from tests.talk import say, text_of

MALLORY = {"user": "M1", "platform": "slack", "tenant": "T1", "name": "Mallory"}
VICTIM = {"user": "42", "platform": "telegram", "tenant": "bot", "name": "Vic"}


def _code(app: Staffroom, **who: str) -> str:
    found = re.search(r"link ([A-Z2-9]{8})", text_of(say(app, "link", **who)))  # type: ignore[arg-type]
    assert found
    return found.group(1)


def _members(app: Staffroom) -> int:
    with Session(app.engine) as session:
        return len(session.exec(select(Member)).all())


def test_a_code_made_by_someone_else_never_merges_without_a_yes(app: Staffroom) -> None:
    say(app, 'journal add "Private thoughts"', **VICTIM)  # type: ignore[arg-type]
    code = _code(app, **MALLORY)

    asked = say(app, f"link {code}", **VICTIM)  # type: ignore[arg-type]
    shown = text_of(asked)
    assert "Link this account?" in shown and "Mallory" in shown and "Slack" in shown
    assert "press Cancel" in shown
    # The buttons carry no code: the claim is held in the database for this member only.
    assert [a.command for a in asked.actions] == ["link confirm", "link cancel"]
    assert _members(app) == 2

    # Someone else cannot confirm the victim's claim, and cancelling forgets it.
    assert "no link waiting" in text_of(say(app, "link confirm", **MALLORY))  # type: ignore[arg-type]
    assert "Nothing was linked" in text_of(say(app, "link cancel", **VICTIM))  # type: ignore[arg-type]
    assert "no link waiting" in text_of(say(app, "link confirm", **VICTIM))  # type: ignore[arg-type]
    assert _members(app) == 2
    assert "Private thoughts" not in text_of(say(app, "journal list", **MALLORY))  # type: ignore[arg-type]


def test_confirming_merges_and_says_who_is_kept(app: Staffroom) -> None:
    code = _code(app, user="ana", name="Ana")
    say(app, f"link {code}", user="42", platform="telegram", tenant="bot")
    done = say(app, "link confirm", user="42", platform="telegram", tenant="bot")
    assert done.tone == "success" and "Telegram, the console" in text_of(done)
    assert _members(app) == 1
    with Session(app.engine) as session:
        used = session.exec(select(LinkCode)).one()
        assert used.used_at is not None
    # The code is spent: typing it again is a wrong code.
    again = say(app, f"link {code}", user="99", platform="discord", tenant="g")
    assert "wrong or has expired" in text_of(again)


def test_link_list_and_remove(app: Staffroom) -> None:
    code = _code(app, user="ana", name="Ana")
    say(app, f"link {code}", user="42", platform="telegram", tenant="bot")
    say(app, "link confirm", user="42", platform="telegram", tenant="bot")
    say(app, "settings deliver-to telegram")
    listed = text_of(say(app, "link list"))
    assert "Telegram" in listed and "the console" in listed and "this account" in listed

    refused = say(app, "link remove console")
    assert refused.tone == "error" and "using that account now" in text_of(refused)
    assert "no linked Discord" in text_of(say(app, "link remove discord"))

    removed = say(app, "link remove telegram")
    assert removed.tone == "success" and "no longer linked" in text_of(removed)
    with Session(app.engine) as session:
        accounts = session.exec(select(Account)).all()
        assert [a.platform for a in accounts] == ["console"]
        member = session.get(Member, accounts[0].member_id)
        assert member is not None and member.deliver_to is None  # no telegram account now
    assert "Only this one" in text_of(say(app, "link list"))
    # The Telegram account starts afresh, as a new person.
    say(app, "profile show", user="42", platform="telegram", tenant="bot")
    assert _members(app) == 2


def test_two_confirmations_at_once_merge_once(app: Staffroom) -> None:
    code = _code(app, user="ana", name="Ana")
    say(app, f"link {code}", user="42", platform="telegram", tenant="bot")
    barrier = threading.Barrier(4)
    replies: list[str] = []

    def confirm() -> None:
        barrier.wait()
        replies.append(
            text_of(say(app, "link confirm", user="42", platform="telegram", tenant="bot"))
        )

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum("Linked." in r for r in replies) == 1, replies
    assert _members(app) == 1
