"""The schools feature's part in ``privacy export``, ``privacy delete`` and account merging.

A member's school membership, their roles, their training records, and the roles they granted
and training they set (the school keeps those, credited to no one once they are gone).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from core.schools.models import School, SchoolMember, SchoolRole, Training, TrainingRecord


class SchoolData:
    """Membership, roles and training records; authorship of grants and requirements."""

    name = "schools"

    def export(self, session: Session, member_id: int) -> dict[str, Any]:
        names = {s.id: s.name for s in session.exec(select(School))}
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
        return {
            "school": (
                {
                    "name": names.get(membership.school_id),
                    "joined_at": membership.joined_at.isoformat(),
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
        }

    def delete(self, session: Session, member_id: int) -> None:
        for model in (TrainingRecord, SchoolRole, SchoolMember):
            for row in session.exec(select(model).where(model.member_id == member_id)):
                session.delete(row)
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
        for record in session.exec(
            select(TrainingRecord).where(TrainingRecord.member_id == source_id)
        ):
            record.member_id = target_id
            session.add(record)
        _credit(session, source_id, target_id)


def _credit(session: Session, old: int, new: int | None) -> None:
    """Credit the roles ``old`` granted and the training they set to ``new`` (None: no one)."""
    for role in session.exec(select(SchoolRole).where(SchoolRole.granted_by == old)):
        role.granted_by = new
        session.add(role)
    for training in session.exec(select(Training).where(Training.created_by == old)):
        training.created_by = new
        session.add(training)


SCHOOL_DATA = SchoolData()
