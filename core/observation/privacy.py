"""The observation feature's part in ``privacy export``, ``privacy delete`` and account merging.

The notes belong to the observed teacher. When they delete their data the observations of their
lessons go, notes and all, and so do the lesson studies of lessons they taught. When an observer deletes theirs, the notes they wrote stay with the
teacher they observed, credited to no one, and observations still planned are called off.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, or_, select

from core.delivery.schedules import cancel_schedule
from core.observation.lesson_study import stop_discussion
from core.observation.models import (
    NOTE_FIELDS,
    OPEN,
    LessonStudy,
    Observation,
    ObservationShare,
    ObservationStatus,
)
from core.observation.service import reminders_of


def _as_dict(o: Observation) -> dict[str, Any]:
    return {
        "id": o.id,
        "observed_member_id": o.observed_id,
        "observer_member_id": o.observer_id,
        "asked_by_observed": o.asked_by_observed,
        "status": o.status,
        "focus": o.focus,
        "hope": o.hope,
        "lesson": o.lesson,
        "at": o.at.isoformat() if o.at else None,
        **{name: getattr(o, name) for name in NOTE_FIELDS},
        "created_at": o.created_at.isoformat(),
        "notes_at": o.notes_at.isoformat() if o.notes_at else None,
        "observed_cpd_activity_id": o.observed_cpd_id,
        "observer_cpd_activity_id": o.observer_cpd_id,
    }


class ObservationData:
    """Observations of the member's lessons, those they made, and notes shared with them."""

    name = "observation"

    def export(self, session: Session, member_id: int) -> dict[str, Any]:
        rows = session.exec(
            select(Observation)
            .where(or_(Observation.observed_id == member_id, Observation.observer_id == member_id))
            .order_by(col(Observation.id))
        ).all()
        shared = session.exec(
            select(ObservationShare)
            .where(ObservationShare.member_id == member_id)
            .order_by(col(ObservationShare.id))
        ).all()
        shares_given = session.exec(
            select(ObservationShare)
            .join(Observation, col(Observation.id) == col(ObservationShare.observation_id))
            .where(Observation.observed_id == member_id)
            .order_by(col(ObservationShare.id))
        ).all()
        studies = session.exec(
            select(LessonStudy)
            .where(LessonStudy.teacher_id == member_id)
            .order_by(col(LessonStudy.id))
        ).all()
        return {
            "lesson_studies_i_taught": [
                {
                    "id": s.id,
                    "community_id": s.community_id,
                    "focus": s.focus,
                    "lesson": s.lesson,
                    "plan_url": s.plan_url,
                    "at": s.at.isoformat(),
                    "cancelled_at": s.cancelled_at.isoformat() if s.cancelled_at else None,
                }
                for s in studies
            ],
            "of_my_lessons": [_as_dict(o) for o in rows if o.observed_id == member_id],
            "observed_by_me": [_as_dict(o) for o in rows if o.observer_id == member_id],
            "i_shared": [
                {
                    "observation_id": s.observation_id,
                    "with_member_id": s.member_id,
                    "shared_at": s.shared_at.isoformat(),
                }
                for s in shares_given
            ],
            "shared_with_me": [
                {"observation_id": s.observation_id, "shared_at": s.shared_at.isoformat()}
                for s in shared
            ],
        }

    def delete(self, session: Session, member_id: int) -> None:
        for share in session.exec(
            select(ObservationShare).where(ObservationShare.member_id == member_id)
        ):
            session.delete(share)
        for observation in session.exec(
            select(Observation).where(Observation.observed_id == member_id)
        ):
            _drop(session, observation)
        for study in session.exec(select(LessonStudy).where(LessonStudy.teacher_id == member_id)):
            # The research lesson was theirs: its observations went with theirs above.
            assert study.id is not None
            stop_discussion(session, study.id)
            session.delete(study)
        for observation in session.exec(
            select(Observation).where(Observation.observer_id == member_id)
        ):
            observation.observer_id = None
            observation.observer_cpd_id = None
            observation.drafting = None
            if observation.status in OPEN:
                observation.status = ObservationStatus.CANCELLED
                _stop_reminders(session, observation)
            session.add(observation)

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        for study in session.exec(select(LessonStudy).where(LessonStudy.teacher_id == source_id)):
            study.teacher_id = target_id
            session.add(study)
        seen = set(
            session.exec(
                select(ObservationShare.observation_id).where(
                    ObservationShare.member_id == target_id
                )
            )
        )
        for share in session.exec(
            select(ObservationShare).where(ObservationShare.member_id == source_id)
        ):
            if share.observation_id in seen:
                session.delete(share)
            else:
                share.member_id = target_id
                session.add(share)
        for observation in session.exec(
            select(Observation).where(
                or_(Observation.observed_id == source_id, Observation.observer_id == source_id)
            )
        ):
            if observation.observed_id == source_id:
                observation.observed_id = target_id
            if observation.observer_id == source_id:
                observation.observer_id = target_id
            session.add(observation)


def _stop_reminders(session: Session, observation: Observation) -> None:
    if observation.id is not None:
        for schedule in reminders_of(session, observation.id):
            cancel_schedule(session, schedule)


def _drop(session: Session, observation: Observation) -> None:
    _stop_reminders(session, observation)
    for share in session.exec(
        select(ObservationShare).where(ObservationShare.observation_id == observation.id)
    ):
        session.delete(share)
    session.delete(observation)


OBSERVATION_DATA = ObservationData()
