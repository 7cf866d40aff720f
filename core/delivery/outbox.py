"""Putting messages in the outbox. Features call these; the deliverer sends them later."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.delivery.models import OutboxMessage, OutboxState, OutboxSubject
from core.reply import Reply


def enqueue(
    session: Session,
    *,
    key: str,
    reply: Reply,
    due_at: datetime,
    now: datetime,
    member_id: int | None = None,
    platform: str | None = None,
    tenant: str | None = None,
    channel_id: str | None = None,
    kind: str = "message",
    schedule_id: int | None = None,
    about: Iterable[int] = (),
) -> OutboxMessage | None:
    """Add one message unless a message with the same ``key`` exists (then return None).

    Give ``member_id`` for a direct message, or ``platform``/``tenant``/``channel_id`` for a post in a
    channel. The key makes the call idempotent: announcing, planning or retrying twice sends once.
    ``about`` names the members whose data the message shows besides its recipient (an
    announcement's author): their ``privacy delete`` withdraws or blanks it.
    """
    if (member_id is None) == (channel_id is None):
        raise ValueError("enqueue needs exactly one of member_id or channel_id")
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.key == key)).first() is not None:
        return None
    row = OutboxMessage(
        key=key,
        schedule_id=schedule_id,
        member_id=member_id,
        platform=platform,
        tenant=tenant,
        channel_id=channel_id,
        kind=kind,
        payload=reply.model_dump(mode="json"),
        due_at=due_at,
        next_attempt_at=due_at,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None  # another process planned the same key a moment ago
    add_subjects(session, {row.id: about} if row.id is not None else {})
    return row


def add_subjects(session: Session, about: Mapping[int, Iterable[int]]) -> None:
    """Record whose data each outbox row (by id) shows; rows already recorded are kept."""
    wanted = {(outbox_id, m) for outbox_id, members in about.items() for m in set(members)}
    if not wanted:
        return
    known = set(
        session.exec(
            select(OutboxSubject.outbox_id, OutboxSubject.member_id).where(
                col(OutboxSubject.outbox_id).in_({o for o, _m in wanted})
            )
        ).all()
    )
    for outbox_id, member_id in sorted(wanted - known):
        session.add(OutboxSubject(outbox_id=outbox_id, member_id=member_id))
    session.flush()


def withdraw_unsent(session: Session, key_prefix: str) -> int:
    """Drop the messages whose key starts with ``key_prefix`` that have not gone out yet (their
    subject was deleted). Returns how many were dropped.

    Messages already delivered stay where they are: Staffroom cannot unsend them. A message a
    worker is sending right now (claimed) is left to finish.
    """
    rows = session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.key).startswith(key_prefix, autoescape=True),
            col(OutboxMessage.state).in_((OutboxState.PENDING, OutboxState.FAILED)),
        )
    ).all()
    for row in rows:
        session.delete(row)
    return len(rows)
