"""Keeping the outbox healthy, and the operator's view of it (``staffroom outbox``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.clock import utc
from core.delivery.models import OutboxMessage, OutboxState, Schedule
from core.metrics import OUTBOX_DEPTH

OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
KEEP_DAYS = 30
"""Sent and skipped messages are pruned after this many days; failed ones are kept."""


def prune(engine: Engine, now: datetime, keep_days: int = KEEP_DAYS) -> int:
    """Delete sent and skipped rows older than ``keep_days``; failed rows stay for the operator."""
    c = OUTBOX.c
    cutoff = now - timedelta(days=keep_days)
    with Session(engine) as session:
        result = session.connection().execute(
            delete(OUTBOX).where(
                c.state.in_([OutboxState.SENT.value, OutboxState.SKIPPED.value]),
                c.due_at < cutoff,
            )
        )
        session.commit()
    return max(int(result.rowcount or 0), 0)


@dataclass(slots=True)
class Failure:
    """One failed message, as the operator sees it."""

    id: int
    key: str
    kind: str
    platform: str | None
    attempts: int
    error: str | None
    due_at: datetime


@dataclass(slots=True)
class OutboxReport:
    """Counts by state, the oldest message waiting, recent failures and paused schedules."""

    counts: dict[str, int] = field(default_factory=dict)
    oldest_pending: datetime | None = None
    recent_failures: list[Failure] = field(default_factory=list)
    paused_schedules: int = 0

    @property
    def waiting(self) -> int:
        return self.counts.get(OutboxState.PENDING, 0) + self.counts.get(OutboxState.CLAIMED, 0)


def outbox_report(engine: Engine, *, failures: int = 10) -> OutboxReport:
    """The state of the outbox, and update the ``staffroom_outbox_pending`` gauge."""
    c = OUTBOX.c
    report = OutboxReport(counts={state.value: 0 for state in OutboxState})
    with Session(engine) as session:
        for state, count in session.connection().execute(
            sa_select(c.state, func.count()).group_by(c.state)
        ):
            report.counts[str(state)] = int(count)
        oldest = (
            session.connection()
            .execute(sa_select(func.min(c.due_at)).where(c.state == OutboxState.PENDING.value))
            .scalar()
        )
        report.oldest_pending = utc(oldest) if isinstance(oldest, datetime) else None
        for row in session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.FAILED)
            .order_by(col(OutboxMessage.id).desc())
            .limit(failures)
        ):
            assert row.id is not None
            report.recent_failures.append(
                Failure(
                    row.id,
                    row.key,
                    row.kind,
                    row.platform,
                    row.attempts,
                    row.last_error,
                    row.due_at,
                )
            )
        report.paused_schedules = int(
            session.connection()
            .execute(
                sa_select(func.count())
                .select_from(Schedule.__table__)  # type: ignore[attr-defined]
                .where(
                    col(Schedule.active),
                    col(Schedule.paused_reason).is_not(None),
                    col(Schedule.paused_until).is_(None),
                )
            )
            .scalar_one()
        )
    OUTBOX_DEPTH.set(report.waiting)
    return report
