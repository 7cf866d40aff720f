"""The reflection feature's part in ``privacy export``, ``privacy delete`` and account linking."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from core.delivery.models import Schedule
from core.reflection.models import JournalEntry, JournalShare, ReflectionPrompt
from core.reflection.schedules import KINDS, PROMPT_KIND
from core.reflection.service import withdraw_unsent_posts


def _schedules(session: Session, member_id: int) -> list[Schedule]:
    return list(
        session.exec(
            select(Schedule)
            .where(Schedule.member_id == member_id, col(Schedule.kind).in_(KINDS))
            .order_by(col(Schedule.id))
        )
    )


class ReflectionData:
    """Journal entries, the prompts sent, where entries were shared, and reflection schedules."""

    name = "reflection"

    def export(self, session: Session, member_id: int) -> dict[str, Any]:
        entries = session.exec(
            select(JournalEntry)
            .where(JournalEntry.member_id == member_id)
            .order_by(col(JournalEntry.id))
        ).all()
        prompts = session.exec(
            select(ReflectionPrompt)
            .where(ReflectionPrompt.member_id == member_id)
            .order_by(col(ReflectionPrompt.id))
        ).all()
        shares = session.exec(
            select(JournalShare)
            .where(JournalShare.member_id == member_id)
            .order_by(col(JournalShare.id))
        ).all()
        return {
            "journal": [e.model_dump(mode="json", exclude={"member_id"}) for e in entries],
            "prompts": [p.model_dump(mode="json", exclude={"member_id"}) for p in prompts],
            "shares": [s.model_dump(mode="json", exclude={"member_id"}) for s in shares],
            "schedules": [
                s.model_dump(
                    mode="json",
                    include={
                        "id",
                        "kind",
                        "recurrence",
                        "timezone",
                        "paused_until",
                        "active",
                        "payload",
                        "next_due_at",
                        "created_at",
                    },
                )
                for s in _schedules(session, member_id)
            ],
        }

    def delete(self, session: Session, member_id: int) -> None:
        for share in session.exec(select(JournalShare).where(JournalShare.member_id == member_id)):
            withdraw_unsent_posts(session, share)
            session.delete(share)
        session.flush()
        for entry in session.exec(select(JournalEntry).where(JournalEntry.member_id == member_id)):
            session.delete(entry)
        session.flush()
        for prompt in session.exec(
            select(ReflectionPrompt).where(ReflectionPrompt.member_id == member_id)
        ):
            session.delete(prompt)
        for schedule in _schedules(session, member_id):
            session.delete(schedule)

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        for model in (JournalShare, JournalEntry, ReflectionPrompt):
            for row in session.exec(select(model).where(model.member_id == source_id)):
                row.member_id = target_id
                session.add(row)
        # One reflection schedule per person: the account being linked into keeps its own.
        target_has_one = any(
            s.kind == PROMPT_KIND and s.active for s in _schedules(session, target_id)
        )
        for schedule in _schedules(session, source_id):
            if target_has_one and schedule.kind == PROMPT_KIND:
                session.delete(schedule)
            else:
                schedule.member_id = target_id
                session.add(schedule)


REFLECTION_DATA = ReflectionData()
