"""The delivery engine's part in the privacy contract: a member's schedules and messages."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from core.delivery.models import OutboxMessage, OutboxState, OutboxSubject, Schedule
from core.i18n import _
from core.reply import Reply


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
        # Messages to others that show this member's data: withdrawn if still waiting, blanked
        # if already sent or failed (Staffroom cannot unsend, but keeps no copy).
        about = session.exec(
            select(OutboxMessage)
            .join(OutboxSubject, col(OutboxSubject.outbox_id) == col(OutboxMessage.id))
            .where(OutboxSubject.member_id == member_id)
        ).all()
        removed = Reply.message(_("(This message was removed at a member's request.)"))
        for message in about:
            if message.state == OutboxState.PENDING:
                session.delete(message)
            else:
                message.payload = removed.model_dump(mode="json")
                message.last_error = None
                session.add(message)
        session.flush()
        for schedule in session.exec(select(Schedule).where(Schedule.member_id == member_id)):
            session.delete(schedule)

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        for model in (Schedule, OutboxMessage):
            for row in session.exec(select(model).where(model.member_id == source_id)):
                row.member_id = target_id
                session.add(row)
        kept = set(
            session.exec(
                select(OutboxSubject.outbox_id).where(OutboxSubject.member_id == target_id)
            ).all()
        )
        for subject in session.exec(
            select(OutboxSubject).where(OutboxSubject.member_id == source_id)
        ):
            if subject.outbox_id in kept:
                session.delete(subject)
            else:
                subject.member_id = target_id
                session.add(subject)


DELIVERY_DATA = DeliveryData()
