"""Small helpers for the reflection tests: members by name, communities set up in the database."""

from __future__ import annotations

from sqlmodel import Session, select

from core.app import Staffroom
from core.communities.models import ChannelBinding, Community, CommunityMember, Role
from core.identity.models import Account
from core.reflection.models import JournalEntry
from tests.talk import say


def member_id(app: Staffroom, user: str) -> int:
    """The member id behind a console user, creating the member on first use."""
    say(app, "help", user=user)
    with Session(app.engine) as session:
        account = session.exec(select(Account).where(Account.user_id == user)).one()
        return account.member_id


def community(
    app: Staffroom,
    slug: str,
    *,
    roles: dict[str, Role],
    channels: int = 1,
) -> int:
    """A community with the given members (user -> role) and ``channels`` bound channels."""
    ids = {user: member_id(app, user) for user in roles}
    now = app.clock.now()
    with Session(app.engine) as session:
        found = Community(slug=slug, name=slug.replace("-", " ").title(), created_at=now)
        session.add(found)
        session.flush()
        assert found.id is not None
        for user, role in roles.items():
            session.add(
                CommunityMember(
                    community_id=found.id, member_id=ids[user], role=role, joined_at=now
                )
            )
        for n in range(channels):
            session.add(
                ChannelBinding(
                    community_id=found.id,
                    platform="slack" if n % 2 == 0 else "discord",
                    tenant="T1",
                    channel_id=f"C-{slug}-{n}",
                    created_at=now,
                )
            )
        session.commit()
        return found.id


def entries_of(app: Staffroom, user: str) -> list[JournalEntry]:
    with Session(app.engine) as session:
        mid = member_id(app, user)
        return list(session.exec(select(JournalEntry).where(JournalEntry.member_id == mid)))
