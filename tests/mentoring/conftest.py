"""Mentoring fixtures: an app with an admin, members with profiles, and a community."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from core.app import Staffroom
from core.clock import FixedClock
from core.communities.models import Community, CommunityMember
from core.delivery.models import OutboxMessage
from core.identity.models import Account
from core.reply import Reply
from tests.conftest import make_settings
from tests.talk import say


@pytest.fixture
def mapp(db_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    """A Staffroom on SQLite and PostgreSQL where console user "admin" is a Staffroom admin."""
    staffroom = Staffroom(
        make_settings(db_url, staffroom={"admins": ["console:local:admin"]}), clock=clock
    )
    yield staffroom
    staffroom.engine.dispose()


def ok(reply: Reply) -> Reply:
    assert reply.tone != "error", reply.plain_text()
    return reply


def member_id(app: Staffroom, user: str) -> int:
    with Session(app.engine) as session:
        return session.exec(select(Account.member_id).where(Account.user_id == user)).one()


def community(app: Staffroom, slug: str, members: dict[str, str]) -> int:
    """A community whose members are ``{user: role}`` (each user must have spoken already)."""
    with Session(app.engine) as session:
        found = Community(slug=slug, name=slug.title(), created_at=app.clock.now())
        session.add(found)
        session.flush()
        assert found.id is not None
        for user, role in members.items():
            session.add(
                CommunityMember(
                    community_id=found.id,
                    member_id=session.exec(
                        select(Account.member_id).where(Account.user_id == user)
                    ).one(),
                    role=role,
                    joined_at=app.clock.now(),
                )
            )
        session.commit()
        return found.id


def dms(app: Staffroom, user: str) -> list[Reply]:
    """Direct messages waiting in the outbox for ``user``, oldest first."""
    with Session(app.engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.member_id == member_id(app, user))
            .order_by(OutboxMessage.id)  # type: ignore[arg-type]
        ).all()
        return [Reply.model_validate(row.payload) for row in rows]


def person(app: Staffroom, user: str, profile: str) -> None:
    ok(say(app, f"profile set {profile}", user=user))
