"""The identity feature's part in the privacy contract: export, delete and merge a member's data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, select

from core.identity.models import Account, AuditEntry, LinkAttempt, LinkCode, Member

if TYPE_CHECKING:
    pass
from core.identity.service import accounts_of, get_member


class IdentityData:
    """The identity feature's part in the privacy contract."""

    name = "profile"

    def export(self, session: Session, member_id: int) -> dict[str, object]:
        member = get_member(session, member_id)
        return {
            "member": member.model_dump(mode="json"),
            "accounts": [
                a.model_dump(mode="json", exclude={"member_id"})
                for a in accounts_of(session, member_id)
            ],
        }

    def delete(self, session: Session, member_id: int) -> None:
        for model in (LinkCode, LinkAttempt, Account):
            for row in session.exec(select(model).where(model.member_id == member_id)):
                session.delete(row)
        for entry in session.exec(select(AuditEntry).where(AuditEntry.member_id == member_id)):
            session.delete(entry)
        session.flush()
        member = session.get(Member, member_id)
        if member is not None:
            session.delete(member)

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        source, target = get_member(session, source_id), get_member(session, target_id)
        for account in accounts_of(session, source_id):
            account.member_id = target_id
            session.add(account)
        for field_name in ("role", "school", "years_experience", "deliver_to"):
            if getattr(target, field_name) in (None, "") and getattr(source, field_name):
                setattr(target, field_name, getattr(source, field_name))
        for list_field in ("subjects", "phases", "languages"):
            merged = list(
                dict.fromkeys([*getattr(target, list_field), *getattr(source, list_field)])
            )
            setattr(target, list_field, merged)
        if not target.bio and source.bio:
            target.bio = source.bio
        if target.timezone == "UTC" and source.timezone != "UTC":
            target.timezone = source.timezone
        session.add(target)
        for model in (LinkCode, LinkAttempt):
            for row in session.exec(select(model).where(model.member_id == source_id)):
                session.delete(row)
        for entry in session.exec(select(AuditEntry).where(AuditEntry.member_id == source_id)):
            entry.member_id = target_id
            session.add(entry)
        session.flush()
        session.delete(source)


IDENTITY_DATA = IdentityData()
