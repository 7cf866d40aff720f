"""Trusts: groups of schools, the schools in each, and the trust admins who hold a role on one.

A school is in one trust at most. A trust admin's role is held on the trust (``trust_role``),
never on a school, and reaches the schools of that trust only: it lets them add and remove the
trust's schools, map a workspace to one of them, make other trust admins, and see each school's
report totals. It never shows them a school's members one by one: that stays with the school's
own CPD leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _
from core.identity.models import Member
from core.schools.models import RoleName, School, Trust, TrustRole
from core.schools.service import _clean_name


def create_trust(session: Session, name: str, now: datetime) -> Trust:
    """A new trust; names are unique whatever their case."""
    name = _clean_name(name)
    if sum(c.isalnum() for c in name) < 2:
        raise UserError(
            _('A trust name needs at least two letters or digits, like "Riverside Trust".'),
            show_usage=True,
        )
    taken = session.exec(select(Trust).where(func.lower(Trust.name) == name.lower())).first()
    if taken is not None:
        raise UserError(
            _("There is already a trust called {name}. Choose another name.", name=taken.name)
        )
    trust = Trust(name=name, created_at=now)
    session.add(trust)
    session.flush()
    return trust


def find_trust(session: Session, name: str) -> Trust:
    """A trust by its name, any case."""
    wanted = _clean_name(name).lower()
    found = session.exec(select(Trust).where(func.lower(Trust.name) == wanted)).first()
    if found is None:
        raise NotFound(
            _("There is no trust called {name}. Check the spelling.", name=_clean_name(name)[:60])
        )
    return found


def all_trusts(session: Session) -> list[Trust]:
    return list(session.exec(select(Trust).order_by(col(Trust.name))))


def trust_of(session: Session, school: School) -> Trust | None:
    """The trust the school is in, if any."""
    return session.get(Trust, school.trust_id) if school.trust_id is not None else None


def schools_in(session: Session, trust_id: int) -> list[School]:
    """The trust's schools, by name."""
    return list(
        session.exec(select(School).where(School.trust_id == trust_id).order_by(col(School.name)))
    )


def add_school(session: Session, trust: Trust, school: School) -> bool:
    """Put the school in the trust; False if it already was. A school in another trust is
    refused: it leaves that one first (``trust remove``), so no trust loses a school unasked."""
    if school.trust_id == trust.id:
        return False
    if school.trust_id is not None:
        other = session.get(Trust, school.trust_id)
        raise UserError(
            _(
                "{school} is in {other} already, and a school can be in one trust only. "
                "An admin of {other} removes it first with trust remove.",
                school=school.name,
                other=other.name if other is not None else "?",
            )
        )
    school.trust_id = trust.id
    session.add(school)
    session.flush()
    return True


def remove_school(session: Session, trust: Trust, school: School) -> None:
    """Take the school out of the trust; one that is not in it is refused."""
    if school.trust_id != trust.id:
        raise NotFound(_("{school} is not in {trust}.", school=school.name, trust=trust.name))
    school.trust_id = None
    session.add(school)
    session.flush()


# Trust roles ---------------------------------------------------------------------------------


def administered_trusts(session: Session, member_id: int) -> list[Trust]:
    """The trusts the member is a trust admin of, by name."""
    return list(
        session.exec(
            select(Trust)
            .join(TrustRole, col(TrustRole.trust_id) == col(Trust.id))
            .where(TrustRole.member_id == member_id, TrustRole.role == RoleName.TRUST_ADMIN)
            .order_by(col(Trust.name))
        )
    )


def is_trust_admin(session: Session, trust_id: int, member_id: int) -> bool:
    return (
        session.exec(
            select(TrustRole.id).where(
                TrustRole.trust_id == trust_id,
                TrustRole.member_id == member_id,
                TrustRole.role == RoleName.TRUST_ADMIN,
            )
        ).first()
        is not None
    )


def require_trust_admin(session: Session, trust: Trust, member_id: int) -> None:
    """Refuse unless the member is a trust admin of the trust."""
    assert trust.id is not None
    if not is_trust_admin(session, trust.id, member_id):
        raise PermissionDenied(_("Only trust admins of {trust} can do that.", trust=trust.name))


def grant_trust_role(
    session: Session, trust: Trust, member_id: int, *, by: int, now: datetime
) -> bool:
    """Make the member a trust admin of the trust; False if they already were."""
    assert trust.id is not None
    if is_trust_admin(session, trust.id, member_id):
        return False
    session.add(
        TrustRole(
            trust_id=trust.id,
            member_id=member_id,
            role=RoleName.TRUST_ADMIN,
            granted_by=by,
            granted_at=now,
        )
    )
    session.flush()
    return True


def revoke_trust_role(session: Session, trust: Trust, member_id: int) -> bool:
    """Take the trust admin role away; False if the member did not hold it."""
    found = session.exec(
        select(TrustRole).where(
            TrustRole.trust_id == trust.id,
            TrustRole.member_id == member_id,
            TrustRole.role == RoleName.TRUST_ADMIN,
        )
    ).first()
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


@dataclass(frozen=True, slots=True)
class TrustRoleHolder:
    role: TrustRole
    member: Member
    granted_by: Member | None


def trust_role_holders(session: Session, trust_id: int) -> list[TrustRoleHolder]:
    """The trust's admins, by name."""
    rows = session.exec(
        select(TrustRole, Member)
        .join(Member, col(Member.id) == col(TrustRole.member_id))
        .where(TrustRole.trust_id == trust_id)
    ).all()
    holders = [
        TrustRoleHolder(
            role,
            member,
            session.get(Member, role.granted_by) if role.granted_by is not None else None,
        )
        for role, member in rows
    ]
    return sorted(holders, key=lambda h: (h.member.display_name.lower(), h.member.id))
