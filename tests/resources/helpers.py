"""Small helpers for resource tests: members by user id, communities with roles."""

from __future__ import annotations

from sqlmodel import Session, select

from core.app import Staffroom
from core.communities.models import Community, CommunityMember, MembershipStatus, Role
from core.identity.models import Account
from core.resources.models import Resource
from tests.talk import say


def member_id(app: Staffroom, user: str) -> int:
    """The member id of a console user, creating the member by saying hello first."""
    say(app, "help", user=user)
    with Session(app.engine) as session:
        return session.exec(select(Account.member_id).where(Account.user_id == user)).one()


def make_community(
    app: Staffroom,
    slug: str,
    *,
    approval: bool = False,
    roles: dict[str, Role] | None = None,
    pending: tuple[str, ...] = (),
) -> int:
    """A community with the given console users as active members (and some pending)."""
    ids = {user: member_id(app, user) for user in [*(roles or {}), *pending]}
    now = app.clock.now()
    with app.session() as session:
        community = Community(
            slug=slug,
            name=slug.replace("-", " ").title(),
            approval_required=approval,
            created_at=now,
        )
        session.add(community)
        session.flush()
        assert community.id is not None
        for user, role in (roles or {}).items():
            session.add(
                CommunityMember(
                    community_id=community.id, member_id=ids[user], role=role, joined_at=now
                )
            )
        for user in pending:
            session.add(
                CommunityMember(
                    community_id=community.id,
                    member_id=ids[user],
                    status=MembershipStatus.PENDING,
                    joined_at=now,
                )
            )
        return community.id


def resource_count(app: Staffroom) -> int:
    with Session(app.engine) as session:
        return len(session.exec(select(Resource.id)).all())


def share(app: Staffroom, text: str, user: str = "ana") -> int:
    """Share and return the new resource's id (asserting it worked)."""
    reply = say(app, f"resource share {text}", user=user)
    assert reply.tone == "success", reply.plain_text()
    with Session(app.engine) as session:
        return max(session.exec(select(Resource.id)).all())
