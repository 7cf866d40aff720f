"""Small helpers shared by the school tests."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.delivery.models import OutboxMessage
from core.identity.models import Account, AuditEntry
from core.reply import Reply
from core.schools.models import SchoolMember, SchoolRole, TrainingRecord
from tests.schools.conftest import ADMIN
from tests.talk import say, text_of

SCHOOL = "Hillside Primary"
CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{8}\b")


def console_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the console's ``root`` a Staffroom admin (who creates schools and names their leads)
    in the apps a platform's test builds from the environment, as ``app`` here is built."""
    monkeypatch.setenv("STAFFROOM_STAFFROOM__ADMINS", json.dumps([f"console:local:{ADMIN}"]))


def member_id(app: Staffroom, user: str) -> int:
    with Session(app.engine) as session:
        return session.exec(select(Account.member_id).where(Account.user_id == user)).one()


def create_school(app: Staffroom, name: str = SCHOOL) -> str:
    """Create a school as the Staffroom admin; returns its join code."""
    reply = say(app, f'school create "{name}"', user=ADMIN)
    assert reply.tone == "success", text_of(reply)
    found = CODE.search(text_of(reply))
    assert found is not None
    return found.group(0)


def join(app: Staffroom, code: str, *users: str) -> None:
    """Members join by code."""
    for user in users:
        reply = say(app, f"school join {code}", user=user)
        assert reply.tone == "success", text_of(reply)


def grant(app: Staffroom, user: str, role: str, *, by: str = ADMIN) -> None:
    reply = say(app, f"admin grant #{member_id(app, user)} {role}", user=by)
    assert reply.tone == "success", text_of(reply)


def school_rows(app: Staffroom) -> tuple[list[SchoolMember], list[SchoolRole]]:
    with Session(app.engine) as session:
        members = list(session.exec(select(SchoolMember).order_by(col(SchoolMember.id))))
        roles = list(session.exec(select(SchoolRole).order_by(col(SchoolRole.id))))
        return members, roles


def training_records(app: Staffroom) -> list[TrainingRecord]:
    with Session(app.engine) as session:
        return list(session.exec(select(TrainingRecord).order_by(col(TrainingRecord.id))))


def audited(app: Staffroom, prefix: str) -> list[AuditEntry]:
    with Session(app.engine) as session:
        return [
            e
            for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
            if e.action.startswith(prefix)
        ]


def ok(reply: Reply) -> Reply:
    assert reply.tone != "error", text_of(reply)
    return reply


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def dms(app: Staffroom, user: str) -> list[Reply]:
    """Direct messages put in the outbox for ``user``, oldest first."""
    with Session(app.engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.member_id == member_id(app, user))
            .order_by(col(OutboxMessage.id))
        ).all()
        return [Reply.model_validate(row.payload) for row in rows]
