"""Helpers shared by the fault tests: filling the outbox, reading delivery state, log checks."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import Engine, insert, text

from core.db import make_engine
from core.delivery.models import OutboxMessage
from core.reply import Reply

OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]


def fill_outbox(
    url: str, platform: str, tenant: str, channels: list[str], due: datetime, text_: str
) -> None:
    """One due channel post per channel id (no member, no schedule: never skipped as stale)."""
    payload = Reply.message(text_).model_dump(mode="json")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            insert(OUTBOX),
            [
                {
                    "key": f"fault:{platform}:{channel}",
                    "platform": platform,
                    "tenant": tenant,
                    "channel_id": channel,
                    "kind": "message",
                    "payload": payload,
                    "state": "pending",
                    "due_at": due,
                    "next_attempt_at": due,
                    "attempts": 0,
                    "deferrals": 0,
                    "created_at": due,
                }
                for channel in channels
            ],
        )
    engine.dispose()


def outbox_states(url: str) -> Counter[str]:
    """How many outbox rows are in each state."""
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT state, count(*) FROM outbox GROUP BY state"))
        found = Counter({str(state): int(n) for state, n in rows})
    engine.dispose()
    return found


def sent_channels(url: str) -> set[str]:
    """Channel ids of the rows marked sent."""
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT channel_id FROM outbox WHERE state = 'sent'"))
        found = {str(r[0]) for r in rows}
    engine.dispose()
    return found


def assert_no_crash_logged(caplog: pytest.LogCaptureFixture) -> None:
    """No log record at ERROR or above, and none carrying a traceback: a crash, however caught."""
    crashes = [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info]
    assert not crashes, "\n".join(f"{r.name}: {r.getMessage()}" for r in crashes)


def assert_whole_records(engine: Engine) -> None:
    """Nothing stored by halves: every member reachable by an account, every community with an
    owner, and (SQLite) no row pointing at one that is gone."""
    from sqlmodel import Session, col, func, select

    from core.communities.models import Community, CommunityMember
    from core.identity.models import Account, Member

    with Session(engine) as session:
        orphans = session.exec(
            select(func.count())
            .select_from(Member)
            .where(~col(Member.id).in_(select(Account.member_id)))
        ).one()
        assert orphans == 0, f"{orphans} member(s) without an account"
        ownerless = session.exec(
            select(Community.slug).where(
                ~col(Community.id).in_(
                    select(CommunityMember.community_id).where(CommunityMember.role == "owner")
                )
            )
        ).all()
        assert not ownerless, f"communities without an owner: {ownerless}"
        if engine.dialect.name == "sqlite":
            dangling = session.connection().exec_driver_sql("PRAGMA foreign_key_check").all()
            assert not dangling, f"rows pointing at rows that are gone: {dangling[:5]}"
