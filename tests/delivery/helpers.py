"""Small fakes and builders for delivery tests: a scripted Messenger, members with accounts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlmodel import Session

from core.app import Staffroom
from core.delivery.kinds import Occurrence, Outgoing, Producer, Producers
from core.delivery.ports import DeliveryError, Recipient
from core.identity.models import Account, Member
from core.reply import Reply


class ScriptedMessenger:
    """Records what it was asked to send; answers each send with the next scripted failure, or
    succeeds when the script is empty."""

    def __init__(self, platform: str = "console", script: list[DeliveryError] | None = None):
        self.platform = platform
        self.script = list(script or [])
        self.calls: list[tuple[Recipient, Reply]] = []
        self.delivered: list[tuple[Recipient, Reply]] = []

    async def send(self, recipient: Recipient, reply: Reply) -> str:
        self.calls.append((recipient, reply))
        if self.script:
            raise self.script.pop(0)
        self.delivered.append((recipient, reply))
        return f"{self.platform}-{len(self.delivered)}"

    def texts(self) -> list[str]:
        return [reply.plain_text() for _r, reply in self.delivered]


def add_member(
    session: Session,
    name: str,
    now: datetime,
    *,
    accounts: tuple[str, ...] = ("console",),
    timezone: str = "UTC",
    deliver_to: str | None = None,
) -> Member:
    """A member with one account per platform; later platforms in ``accounts`` seen more recently."""
    member = Member(display_name=name, timezone=timezone, deliver_to=deliver_to, created_at=now)
    session.add(member)
    session.flush()
    assert member.id is not None
    for n, platform in enumerate(accounts):
        session.add(
            Account(
                member_id=member.id,
                platform=platform,
                tenant="T1",
                user_id=f"{name}-{platform}",
                created_at=now,
                last_seen_at=now - timedelta(days=len(accounts) - n),
            )
        )
    session.flush()
    return member


def note_producer(occurrence: Occurrence) -> list[Outgoing]:
    """A kind for tests: one DM to the schedule's member saying when the occurrence was."""
    schedule = occurrence.schedule
    assert schedule.member_id is not None
    return [
        Outgoing(
            reply=Reply.message(f"note for {occurrence.at.isoformat()}"),
            member_id=schedule.member_id,
        )
    ]


@contextmanager
def kind(app: Staffroom, name: str, producer: Producer) -> Iterator[None]:
    """Give this app (only) one more schedule kind for the length of a test."""
    before = app.producers
    app.producers = Producers({**before.kinds, name: producer}, before.digest_sections)
    try:
        yield
    finally:
        app.producers = before


def session_of(app: Staffroom) -> Session:
    return Session(app.engine, expire_on_commit=False)
