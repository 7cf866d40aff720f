"""Resolving the account behind every command: one query, and last_seen_at written only when it
has moved enough to matter, without ever losing which account was used last."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.identity.models import Account
from core.identity.service import LAST_SEEN_PRECISION
from tests.talk import say, text_of


def _account(app: Staffroom, platform: str, user: str) -> Account:
    with Session(app.engine) as session:
        return session.exec(
            select(Account).where(Account.platform == platform, Account.user_id == user)
        ).one()


def _seen(app: Staffroom, platform: str, user: str) -> datetime:
    return _account(app, platform, user).last_seen_at


def test_last_seen_moves_only_after_the_precision_window(app: Staffroom, clock: FixedClock) -> None:
    start = clock.now()
    say(app, "help")
    assert _seen(app, "console", "ana") == start
    clock.advance(LAST_SEEN_PRECISION - timedelta(seconds=1))
    say(app, "help")
    assert _seen(app, "console", "ana") == start
    clock.advance(timedelta(seconds=1))
    say(app, "help")
    assert _seen(app, "console", "ana") == clock.now()


def test_a_new_display_name_is_kept_at_once(app: Staffroom, clock: FixedClock) -> None:
    say(app, "help", name="Ana")
    clock.advance(timedelta(seconds=30))
    say(app, "help", name="Ana María")
    account = _account(app, "console", "ana")
    assert account.display_name == "Ana María"


def test_the_account_used_last_stays_the_latest_seen(app: Staffroom, clock: FixedClock) -> None:
    say(app, "help", user="U1", platform="slack")
    reply = text_of(say(app, "link", user="U1", platform="slack"))
    code = re.search(r"link ([A-Z2-9]{8})", reply)
    assert code, reply
    say(app, f"link {code.group(1)}", user="42", platform="telegram")
    assert say(app, "link confirm", user="42", platform="telegram").tone == "success"

    def latest() -> str:
        with Session(app.engine) as session:
            accounts = session.exec(
                select(Account).order_by(col(Account.last_seen_at).desc(), col(Account.id).desc())
            ).all()
            assert len({a.member_id for a in accounts}) == 1
            return accounts[0].platform

    # Within one precision window, back and forth: whichever was used last is the latest seen,
    # which is how scheduled messages choose the platform to reach the member on.
    for platform, user in [("slack", "U1"), ("telegram", "42"), ("slack", "U1")]:
        clock.advance(timedelta(seconds=20))
        say(app, "help", user=user, platform=platform)
        assert latest() == platform
