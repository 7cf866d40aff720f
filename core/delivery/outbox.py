"""Putting messages in the outbox. Features call these; the deliverer sends them later.

:func:`execute_many` is the bulk write the planner (and batch producers) use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Delete, Insert, Update
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


def execute_many(
    session: Session, statement: Insert | Update | Delete, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Run a DML ``statement`` once per row of ``rows`` in one driver ``executemany``; return the
    number of rows it changed (a row an ``ON CONFLICT DO NOTHING`` skipped counts none).

    For bulk writers (the planner). SQLAlchemy sends many rows as one huge multi-row statement
    when RETURNING is wanted, which on PostgreSQL costs four times what the driver's own
    executemany does, and without RETURNING it reports no row count. Here the statement compiles
    once, values are converted by the columns' own types (each distinct date or JSON value once:
    a burst repeats a handful across thousands of rows) and the count comes from the driver.
    Every row must give the same keys, the statement's parameters.
    """
    if not rows:
        return 0
    session.flush()  # the session's own pending rows first (foreign keys, unique checks)
    connection = session.connection()
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(rows[0]))
    binds = compiled.binds
    names = list(compiled.positiontup or ()) if compiled.positional else list(binds)
    convert = [
        _Converter(binds[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
    ]
    # Most columns (ids, keys, text) go to the driver as they are: convert only the others.
    converting = [(n, c) for n, c in enumerate(convert) if c.needed]
    pick = itemgetter(*names)
    parameters: list[Any] = []
    for row in rows:
        values = list(pick(row)) if len(names) > 1 else [row[names[0]]]
        for n, c in converting:
            values[n] = c(values[n])
        parameters.append(
            tuple(values) if compiled.positional else dict(zip(names, values, strict=True))
        )
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(compiled.string, parameters)
        return int(cursor.rowcount)
    finally:
        cursor.close()


class _Converter:
    """A column type's bind conversion, remembered for dates and JSON values."""

    __slots__ = ("_dates", "_objects", "_process")

    def __init__(self, process: Callable[[Any], Any] | None) -> None:
        self._process = process
        # Dates by value and zone (equal instants in two zones may convert differently); dicts
        # and lists by id(), with the object kept alive so its id is not reused meanwhile.
        self._dates: dict[tuple[datetime, Any], Any] = {}
        self._objects: dict[int, tuple[object, Any]] = {}

    @property
    def needed(self) -> bool:
        return self._process is not None

    def __call__(self, value: Any) -> Any:
        process = self._process
        if process is None or value is None:
            return value
        if isinstance(value, datetime):
            key = (value, value.tzinfo)
            if key not in self._dates:
                self._dates[key] = process(value)
            return self._dates[key]
        if isinstance(value, dict | list):
            found = self._objects.get(id(value))
            if found is None or found[0] is not value:
                found = self._objects[id(value)] = (value, process(value))
            return found[1]
        return process(value)
