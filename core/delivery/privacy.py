"""The delivery engine's part in the privacy contract: a member's schedules and messages."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from core.delivery.models import OutboxMessage, Schedule


class DeliveryData:
    """Schedules a member owns and messages addressed to them, out (export), gone (delete) or
    moved to the member they are linked into (merge)."""

    name = "delivery"

    def export(self, session: Session, member_id: int) -> dict[str, Any]:
        schedules = session.exec(
            select(Schedule).where(Schedule.member_id == member_id).order_by(col(Schedule.id))
        )
        messages = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.member_id == member_id)
            .order_by(col(OutboxMessage.id))
        )
        return {
            "schedules": [s.model_dump(mode="json", exclude={"member_id"}) for s in schedules],
            "messages": [
                m.model_dump(mode="json", exclude={"member_id", "lease_owner", "lease_until"})
                for m in messages
            ],
        }

    def delete(self, session: Session, member_id: int) -> None:
        for message in session.exec(
            select(OutboxMessage).where(OutboxMessage.member_id == member_id)
        ):
            session.delete(message)
        session.flush()
        for schedule in session.exec(select(Schedule).where(Schedule.member_id == member_id)):
            session.delete(schedule)

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        for model in (Schedule, OutboxMessage):
            for row in session.exec(select(model).where(model.member_id == source_id)):
                row.member_id = target_id
                session.add(row)


DELIVERY_DATA = DeliveryData()
