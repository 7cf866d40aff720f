"""Putting messages in the outbox. Features call these; the deliverer sends them later.

:func:`execute_many` is the bulk write the planner (and batch producers) use, :func:`among` their
long lists of ids.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import count
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    ColumnElement,
    Delete,
    Insert,
    Integer,
    Table,
    Update,
    any_,
    bindparam,
    column,
    table,
)
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
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
    Every row must give the same keys, the statement's parameters. An ``INSERT`` (without
    RETURNING) on PostgreSQL goes through ``COPY`` instead (:func:`_copy_insert`).
    """
    if not rows:
        return 0
    session.flush()  # the session's own pending rows first (foreign keys, unique checks)
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql" and isinstance(statement, Insert):
        return _copy_insert(connection, statement, rows)
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


def among(
    column: ColumnElement[Any] | Mapped[Any], values: Collection[int], dialect: str
) -> ColumnElement[bool]:
    """``column IN values`` for a bulk statement's long list of ids.

    On PostgreSQL ``column = ANY(array)``, one bound array: ``IN`` with a thousand ids renders a
    thousand placeholders, which SQLAlchemy expands and psycopg parses again on every call (too
    long for its cache), costing more than the query itself (profiled on the burst).
    """
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(Integer)))
    return column.in_(values)


_ORDER = "copy_order"
"""The staging table's column that keeps the rows in the order given."""


def _copy_insert(
    connection: Connection, statement: Insert, rows: Sequence[Mapping[str, Any]]
) -> int:
    """``statement`` for each row, through ``COPY`` into a staging table and one
    ``INSERT ... SELECT`` (which keeps the statement's ``ON CONFLICT``); returns the rows added.

    psycopg's executemany still handles every row in Python, one bind message each (profiled:
    most of a burst's planning time on PostgreSQL); ``COPY`` streams them as text in one go. The
    staging table has the target's column types (``CREATE TABLE ... AS ... WITH NO DATA``, so no
    constraints), lives only for this call, and is dropped with the transaction or a rolled-back
    savepoint if anything fails. Rows go in in the order given, so their ids follow it.
    """
    target: Table = statement.table  # type: ignore[assignment]
    names = list(rows[0])
    quote = connection.dialect.identifier_preparer.quote
    staging = quote(f"staging_{target.name}")
    columns = ", ".join(quote(name) for name in names)
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS SELECT {columns}, "
        f"0::bigint AS {_ORDER} FROM {quote(target.name)} WITH NO DATA"
    )
    dialect = connection.dialect
    convert = [_CopyValue(target.c[name].type, dialect) for name in names]
    converting = [(n, c) for n, c in enumerate(convert) if c.needed]
    pick = itemgetter(*names)
    order = count()
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(f"COPY {staging} ({columns}, {_ORDER}) FROM STDIN") as copy:
            for row in rows:
                values = list(pick(row)) if len(names) > 1 else [row[names[0]]]
                for n, c in converting:
                    values[n] = c(values[n])
                values.append(next(order))
                copy.write_row(values)
    finally:
        cursor.close()
    source = table(f"staging_{target.name}", *(column(name) for name in names), column(_ORDER))
    moved = statement.from_select(
        names,
        sa_select(*(source.c[name] for name in names)).order_by(source.c[_ORDER]),
        include_defaults=False,
    ).compile(dialect=dialect)
    # Through the driver's cursor: SQLAlchemy reports no row count for an INSERT.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(moved.string, moved.params)
        added = int(cursor.rowcount)
    finally:
        cursor.close()
    connection.exec_driver_sql(f"DROP TABLE {staging}")
    return added


class _CopyValue:
    """A column's value as ``COPY`` takes it: the column type's conversion (a UTC date), and JSON
    as its text, dumped once per distinct object (a burst's rows share a handful of payloads)."""

    __slots__ = ("_convert", "_json")

    def __init__(self, type_: Any, dialect: Any) -> None:
        self._json = isinstance(type_, JSON)
        # JSON is dumped here; the type's own bind conversion would wrap it for the driver.
        process = None if self._json else type_.dialect_impl(dialect).bind_processor(dialect)
        self._convert = _Converter(_dumps if self._json else process)

    @property
    def needed(self) -> bool:
        return self._convert.needed

    def __call__(self, value: Any) -> Any:
        return self._convert(value)


def _dumps(value: Any) -> str:
    # The engine's JSON columns use the default serializer (core.db sets none): the same text.
    return json.dumps(value)


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
