"""The schools feature's part in ``privacy export``, ``privacy delete`` and account merging.

A member's school membership (with their line manager), their roles (in a school, and on a
trust), their training records, their CPD requests, and what they did for others: the roles
they granted (school and trust) and training they set
(the school keeps those, credited to no one once they are gone), being someone's line manager
(forgotten), and their answers to others' CPD requests (the answer stays the requester's; the
answerer's name and their reason, in their own words, go).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, or_, select

from core.delivery.models import Schedule
from core.schools.models import (
    CpdRequest,
    School,
    SchoolMember,
    SchoolRole,
    Training,
    TrainingRecord,
    Trust,
    TrustRole,
)
from core.schools.reminders import TRAINING_REMINDER


class SchoolData:
    """Membership, roles and training records; authorship of grants and requirements."""

    name = "schools"

    def export(self, session: Session, member_id: int) -> dict[str, Any]:
        names = {s.id: s.name for s in session.exec(select(School))}
        trusts = {t.id: t.name for t in session.exec(select(Trust))}
        trust_roles = session.exec(
            select(TrustRole).where(TrustRole.member_id == member_id).order_by(col(TrustRole.id))
        ).all()
        trust_granted = session.exec(
            select(TrustRole).where(TrustRole.granted_by == member_id).order_by(col(TrustRole.id))
        ).all()
        membership = session.exec(
            select(SchoolMember).where(SchoolMember.member_id == member_id)
        ).first()
        roles = session.exec(
            select(SchoolRole).where(SchoolRole.member_id == member_id).order_by(col(SchoolRole.id))
        ).all()
        granted = session.exec(
            select(SchoolRole)
            .where(SchoolRole.granted_by == member_id)
            .order_by(col(SchoolRole.id))
        ).all()
        records = session.exec(
            select(TrainingRecord, Training)
            .join(Training, col(Training.id) == col(TrainingRecord.training_id))
            .where(TrainingRecord.member_id == member_id)
            .order_by(col(TrainingRecord.done_on), col(TrainingRecord.id))
        ).all()
        set_by = session.exec(
            select(Training).where(Training.created_by == member_id).order_by(col(Training.id))
        ).all()
        requests = session.exec(
            select(CpdRequest).where(CpdRequest.member_id == member_id).order_by(col(CpdRequest.id))
        ).all()
        answered = session.exec(
            select(CpdRequest)
            .where(CpdRequest.decided_by == member_id)
            .order_by(col(CpdRequest.id))
        ).all()
        managing = session.exec(
            select(SchoolMember.member_id).where(SchoolMember.manager_id == member_id)
        ).all()
        asked = session.exec(select(CpdRequest.id).where(CpdRequest.approver_id == member_id)).all()
        return {
            "school": (
                {
                    "name": names.get(membership.school_id),
                    "joined_at": membership.joined_at.isoformat(),
                    "manager_id": membership.manager_id,
                }
                if membership is not None
                else None
            ),
            "roles": [
                {
                    "school": names.get(r.school_id),
                    "role": r.role,
                    "granted_at": r.granted_at.isoformat(),
                }
                for r in roles
            ],
            "roles_granted": [
                {
                    "school": names.get(r.school_id),
                    "role": r.role,
                    "member_id": r.member_id,
                    "granted_at": r.granted_at.isoformat(),
                }
                for r in granted
            ],
            "trust_roles": [
                {
                    "trust": trusts.get(r.trust_id),
                    "role": r.role,
                    "granted_at": r.granted_at.isoformat(),
                }
                for r in trust_roles
            ],
            "trust_roles_granted": [
                {
                    "trust": trusts.get(r.trust_id),
                    "role": r.role,
                    "member_id": r.member_id,
                    "granted_at": r.granted_at.isoformat(),
                }
                for r in trust_granted
            ],
            "training_records": [
                {
                    "training": t.title,
                    "school": names.get(t.school_id),
                    "done_on": r.done_on.isoformat(),
                    "evidence_url": r.evidence_url,
                    "cpd_activity_id": r.cpd_activity_id,
                    "recorded_at": r.created_at.isoformat(),
                }
                for r, t in records
            ],
            "training_required": [
                {"title": t.title, "school": names.get(t.school_id), "id": t.id} for t in set_by
            ],
            "cpd_requests": [
                {
                    "id": r.id,
                    "school": names.get(r.school_id),
                    "title": r.title,
                    "date": r.day.isoformat(),
                    "cost": r.cost,
                    "provider": r.provider,
                    "reason": r.reason,
                    "status": r.status,
                    "approver_id": r.approver_id,
                    "decided_by": r.decided_by,
                    "decided_at": r.decided_at.isoformat() if r.decided_at else None,
                    "decision_note": r.decision_note,
                    "activity_id": r.activity_id,
                    "created_at": r.created_at.isoformat(),
                }
                for r in requests
            ],
            "cpd_requests_answered": [
                {
                    "id": r.id,
                    "member_id": r.member_id,
                    "status": r.status,
                    "decided_at": r.decided_at.isoformat() if r.decided_at else None,
                    "decision_note": r.decision_note,
                }
                for r in answered
            ],
            "cpd_requests_sent_to_me": list(asked),
            "line_manager_of": list(managing),
        }

    def delete(self, session: Session, member_id: int) -> None:
        for model in (CpdRequest, TrainingRecord, SchoolRole, TrustRole, SchoolMember):
            for row in session.exec(select(model).where(model.member_id == member_id)):
                session.delete(row)
        for request in session.exec(
            select(CpdRequest).where(
                or_(CpdRequest.decided_by == member_id, CpdRequest.approver_id == member_id)
            )
        ):
            if request.decided_by == member_id:
                request.decided_by, request.decision_note = None, None
            if request.approver_id == member_id:
                request.approver_id = None  # a pending one goes to the school's leads
            session.add(request)
        _credit(session, member_id, None)

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        source = session.exec(
            select(SchoolMember).where(SchoolMember.member_id == source_id)
        ).first()
        target = session.exec(
            select(SchoolMember).where(SchoolMember.member_id == target_id)
        ).first()
        if source is not None and target is None:
            source.member_id = target_id
            session.add(source)
            kept: int | None = source.school_id
        else:
            # One school per member: the target's, when both accounts had one.
            if source is not None:
                session.delete(source)
            kept = target.school_id if target is not None else None
        session.flush()
        held = {
            (r.school_id, r.role)
            for r in session.exec(select(SchoolRole).where(SchoolRole.member_id == target_id))
        }
        for role in session.exec(select(SchoolRole).where(SchoolRole.member_id == source_id)):
            # Roles belong to members of the school: those in a school not kept go.
            if role.school_id != kept or (role.school_id, role.role) in held:
                session.delete(role)
            else:
                role.member_id = target_id
                session.add(role)
        # Trust roles do not depend on a school: the target keeps both accounts' trusts.
        held_trusts = {
            (r.trust_id, r.role)
            for r in session.exec(select(TrustRole).where(TrustRole.member_id == target_id))
        }
        for trust_role in session.exec(select(TrustRole).where(TrustRole.member_id == source_id)):
            if (trust_role.trust_id, trust_role.role) in held_trusts:
                session.delete(trust_role)
            else:
                trust_role.member_id = target_id
                session.add(trust_role)
        for record in session.exec(
            select(TrainingRecord).where(TrainingRecord.member_id == source_id)
        ):
            record.member_id = target_id
            session.add(record)
        for request in session.exec(
            select(CpdRequest).where(
                or_(
                    CpdRequest.member_id == source_id,
                    CpdRequest.approver_id == source_id,
                    CpdRequest.decided_by == source_id,
                )
            )
        ):
            for column in ("member_id", "approver_id", "decided_by"):
                if getattr(request, column) == source_id:
                    setattr(request, column, target_id)
            if request.approver_id == request.member_id:
                request.approver_id = None  # no one approves their own request
            session.add(request)
        for membership in session.exec(
            select(SchoolMember).where(SchoolMember.manager_id == source_id)
        ):
            membership.manager_id = None if membership.member_id == target_id else target_id
            session.add(membership)
        mine = session.exec(select(SchoolMember).where(SchoolMember.member_id == target_id)).first()
        if mine is not None and mine.manager_id == target_id:
            mine.manager_id = None  # the source named the target: one person now
            session.add(mine)
        if session.exec(
            select(Schedule.id).where(
                Schedule.kind == TRAINING_REMINDER, Schedule.member_id == target_id
            )
        ).first():
            # One daily training check per member: the target's. (Delivery, which merges
            # after this feature, would otherwise move the source's over as a second one.)
            for schedule in session.exec(
                select(Schedule).where(
                    Schedule.kind == TRAINING_REMINDER, Schedule.member_id == source_id
                )
            ):
                session.delete(schedule)
        _credit(session, source_id, target_id)


def _credit(session: Session, old: int, new: int | None) -> None:
    """Credit the roles ``old`` granted and the training they set to ``new`` (None: no one)."""
    for role in session.exec(select(SchoolRole).where(SchoolRole.granted_by == old)):
        role.granted_by = new
        session.add(role)
    for trust_role in session.exec(select(TrustRole).where(TrustRole.granted_by == old)):
        trust_role.granted_by = new
        session.add(trust_role)
    for training in session.exec(select(Training).where(Training.created_by == old)):
        training.created_by = new
        session.add(training)


SCHOOL_DATA = SchoolData()
