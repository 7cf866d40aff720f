"""The events feature's part in the privacy contract: export, delete and merge a member's data."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from core.events.models import Event, Rsvp


class EventData:
    """The events feature's part in privacy export, deletion and account merging. Events a
    member organised stay with the community (others are coming); only the link to them goes."""

    name = "events"

    def export(self, session: Session, member_id: int) -> dict[str, Any]:
        organised = session.exec(
            select(Event).where(Event.created_by == member_id).order_by(col(Event.starts_at))
        ).all()
        answers = session.exec(
            select(Rsvp, Event)
            .join(Event, col(Event.id) == col(Rsvp.event_id))
            .where(Rsvp.member_id == member_id)
            .order_by(col(Event.starts_at))
        ).all()
        return {
            "organised": [
                {
                    "id": e.id,
                    "community_id": e.community_id,
                    "title": e.title,
                    "starts_at": e.starts_at.isoformat(),
                    "cancelled": e.cancelled_at is not None,
                }
                for e in organised
            ],
            "rsvps": [
                {
                    "event_id": e.id,
                    "title": e.title,
                    "answer": r.answer,
                    "answered_at": r.answered_at.isoformat(),
                }
                for r, e in answers
            ],
        }

    def delete(self, session: Session, member_id: int) -> None:
        for answer in session.exec(select(Rsvp).where(Rsvp.member_id == member_id)):
            session.delete(answer)
        for event in session.exec(select(Event).where(Event.created_by == member_id)):
            event.created_by = None
            session.add(event)
        session.flush()

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        for answer in session.exec(select(Rsvp).where(Rsvp.member_id == source_id)).all():
            kept = session.exec(
                select(Rsvp).where(Rsvp.event_id == answer.event_id, Rsvp.member_id == target_id)
            ).first()
            if kept is None:
                answer.member_id = target_id
                session.add(answer)
                continue
            if answer.answered_at > kept.answered_at:  # the latest answer is the person's own
                kept.answer = answer.answer
                kept.answered_at = answer.answered_at
                session.add(kept)
            session.delete(answer)
        session.flush()
        for event in session.exec(select(Event).where(Event.created_by == source_id)):
            event.created_by = target_id
            session.add(event)
        session.flush()


EVENT_DATA = EventData()
