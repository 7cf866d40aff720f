"""Small helpers shared by the communities and events tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from core.app import Staffroom
from core.delivery.models import OutboxMessage
from core.identity.models import Account
from core.reply import Reply
from tests.talk import say, text_of


def member_id(app: Staffroom, user: str, platform: str = "console") -> int:
    """The member id behind a test user (who must have said something already)."""
    with Session(app.engine) as session:
        account = session.exec(
            select(Account).where(Account.user_id == user, Account.platform == platform)
        ).one()
        return account.member_id


def ok(app: Staffroom, text: str, **kwargs: Any) -> Reply:
    """Say something that must succeed."""
    reply = say(app, text, **kwargs)
    assert reply.tone != "error", text_of(reply)
    return reply


def refused(app: Staffroom, text: str, **kwargs: Any) -> str:
    """Say something that must be refused; returns the message."""
    reply = say(app, text, **kwargs)
    assert reply.tone == "error", text_of(reply)
    return text_of(reply)


def count(app: Staffroom, model: Any, *where: Any) -> int:
    with Session(app.engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def outbox(app: Staffroom, prefix: str) -> list[OutboxMessage]:
    """Outbox rows whose key starts with ``prefix``, oldest first."""
    with Session(app.engine) as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.key.startswith(prefix))  # type: ignore[attr-defined]
                .order_by(OutboxMessage.id)  # type: ignore[arg-type]
            )
        )
