"""Small helpers shared by the CPD tests."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from core.app import Staffroom
from core.cpd.models import CpdActivity, CpdGoal
from core.cpd.schedules import NUDGE_TIME, NUDGE_WEEKDAY, next_weekly
from core.delivery.models import OutboxMessage, Schedule
from core.delivery.outbox import enqueue
from core.identity.models import Account


def member_id(app: Staffroom, user: str = "ana") -> int:
    with Session(app.engine) as session:
        account = session.exec(select(Account).where(Account.user_id == user)).one()
        return account.member_id


def activities(app: Staffroom, user: str = "ana") -> list[CpdActivity]:
    with Session(app.engine) as session:
        return list(
            session.exec(
                select(CpdActivity)
                .join(Account, col(Account.member_id) == col(CpdActivity.member_id))
                .where(Account.user_id == user)
                .order_by(col(CpdActivity.id))
            )
        )


def goals(app: Staffroom, user: str = "ana") -> list[CpdGoal]:
    with Session(app.engine) as session:
        return list(
            session.exec(
                select(CpdGoal)
                .join(Account, col(Account.member_id) == col(CpdGoal.member_id))
                .where(Account.user_id == user)
                .order_by(col(CpdGoal.id))
            )
        )


def schedules(app: Staffroom, kind: str) -> list[Schedule]:
    with Session(app.engine) as session:
        return list(
            session.exec(select(Schedule).where(Schedule.kind == kind).order_by(col(Schedule.id)))
        )


def run_due(
    app: Staffroom, now: datetime, kinds: tuple[str, ...] = ("cpd.goal_reminder", "cpd.nudge")
) -> list[OutboxMessage]:
    """What the planner does for CPD kinds: every due occurrence through its producer into the
    outbox, keyed by schedule and occurrence; returns the rows added."""
    added: list[OutboxMessage] = []
    with app.session() as session:
        due = session.exec(
            select(Schedule).where(
                col(Schedule.active),
                col(Schedule.next_due_at) <= now,
                col(Schedule.kind).in_(kinds),
            )
        ).all()
        for schedule in due:
            assert schedule.next_due_at is not None and schedule.id is not None
            occurrence = schedule.next_due_at
            produce = app.producers.kinds[schedule.kind]
            for message in produce(app.producers.occurrence(session, schedule, occurrence)):
                row = enqueue(
                    session,
                    key=f"{schedule.id}:{occurrence.isoformat()}:{message.suffix}",
                    reply=message.reply,
                    due_at=occurrence,
                    now=now,
                    member_id=message.member_id,
                    kind=schedule.kind,
                    schedule_id=schedule.id,
                )
                if row is not None:
                    added.append(row)
            schedule.last_planned_at = occurrence
            if schedule.recurrence["type"] == "once":
                schedule.active = False
            else:
                schedule.next_due_at = next_weekly(
                    occurrence, NUDGE_WEEKDAY, NUDGE_TIME, schedule.timezone
                )
            session.add(schedule)
    return added
