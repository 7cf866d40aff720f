"""The CPD record's part in ``privacy export``, ``privacy delete`` and account merging."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.cpd.models import CpdActivity, CpdGoal, CpdPreference
from core.cpd.schedules import GOAL_REMINDER, NUDGE
from core.delivery.models import Schedule


class CpdData:
    """Activities, goals, the reminder preference and the CPD reminder schedules."""

    name = "cpd"

    def export(self, session: Session, member_id: int) -> dict[str, object]:
        activities = session.exec(
            select(CpdActivity)
            .where(CpdActivity.member_id == member_id)
            .order_by(col(CpdActivity.occurred_on), col(CpdActivity.id))
        )
        goals = session.exec(
            select(CpdGoal).where(CpdGoal.member_id == member_id).order_by(col(CpdGoal.id))
        )
        preference = session.exec(
            select(CpdPreference).where(CpdPreference.member_id == member_id)
        ).first()
        return {
            "activities": [a.model_dump(mode="json", exclude={"member_id"}) for a in activities],
            "goals": [g.model_dump(mode="json", exclude={"member_id"}) for g in goals],
            "reminders": preference.reminders if preference else True,
        }

    def delete(self, session: Session, member_id: int) -> None:
        for row in self._schedules(session, member_id):
            session.delete(row)
        for model in (CpdActivity, CpdGoal, CpdPreference):
            for found in session.exec(select(model).where(model.member_id == member_id)):
                session.delete(found)

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        for model in (CpdActivity, CpdGoal):
            for found in session.exec(select(model).where(model.member_id == source_id)):
                found.member_id = target_id
                session.add(found)
        source_pref = session.exec(
            select(CpdPreference).where(CpdPreference.member_id == source_id)
        ).first()
        target_pref = session.exec(
            select(CpdPreference).where(CpdPreference.member_id == target_id)
        ).first()
        if source_pref is not None:
            if target_pref is None:
                source_pref.member_id = target_id
                session.add(source_pref)
            else:
                # Someone who switched reminders off on either account meant it.
                target_pref.reminders = target_pref.reminders and source_pref.reminders
                session.add(target_pref)
                session.delete(source_pref)
        target_has_nudge = any(s.kind == NUDGE for s in self._schedules(session, target_id))
        for schedule in self._schedules(session, source_id):
            if schedule.kind == NUDGE and target_has_nudge:
                session.delete(schedule)
                continue
            schedule.member_id = target_id
            session.add(schedule)

    @staticmethod
    def _schedules(session: Session, member_id: int) -> list[Schedule]:
        return list(
            session.exec(
                select(Schedule).where(
                    Schedule.member_id == member_id, col(Schedule.kind).in_([GOAL_REMINDER, NUDGE])
                )
            )
        )


CPD_DATA = CpdData()
