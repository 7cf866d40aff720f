"""The DeliveryService in a running loop: plans, delivers, and stops cleanly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlmodel import select

from bots.scheduler import DeliveryService
from core.app import Staffroom
from core.clock import FixedClock
from core.delivery import create_schedule
from core.delivery.models import OutboxMessage, OutboxState
from core.delivery.ports import Recipient
from core.reply import Reply
from tests.delivery.helpers import add_member, kind, note_producer, session_of


class SignallingMessenger:
    platform = "console"

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.texts: list[str] = []

    async def send(self, recipient: Recipient, reply: Reply) -> str:
        self.texts.append(reply.plain_text())
        self.arrived.set()
        return "c-1"


async def test_service_plans_and_delivers_then_stops(
    sqlite_app: Staffroom, clock: FixedClock
) -> None:
    clock.set(datetime(2027, 1, 4, 8, 59, tzinfo=UTC))
    with kind(sqlite_app, "test.note", note_producer):
        with session_of(sqlite_app) as session:
            member = add_member(session, "ana", clock.now())
            create_schedule(
                session,
                kind="test.note",
                now=clock.now(),
                recurrence={"type": "daily", "time": "09:00"},
                timezone="UTC",
                member_id=member.id,
            )
            session.commit()
        clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
        messenger = SignallingMessenger()
        service = DeliveryService(sqlite_app, {"console": messenger}, worker_id="svc")
        service.start()
        try:
            assert await service.plan_once() == 1
            await asyncio.wait_for(messenger.arrived.wait(), timeout=10)
        finally:
            await service.stop()
    assert messenger.texts == ["note for 2027-01-04T09:00:00+00:00"]
    with session_of(sqlite_app) as session:
        (row,) = session.exec(select(OutboxMessage))
        assert row.state == OutboxState.SENT and row.lease_owner is None
