"""Schedule kinds: each feature says how one occurrence of its schedules becomes messages.

A producer gets the :class:`Occurrence` (the schedule and its instant) and returns the messages to put in the
outbox (possibly none: a digest with nothing new, a goal already done). Producers run inside the
planner's transaction and must not send anything themselves, nor do any I/O but through the
session they are given.

A kind whose occurrences come in bursts (every member's Monday prompt at 09:00) may also plan many
at once: its producer is then a :class:`BatchProducer`, an object that is still called with one
:class:`Occurrence` like any producer and also has ``produce_many(session, occurrences)``, given a
batch of :class:`DueOccurrence` and returning one list of messages per occurrence, in order. The
planner uses ``produce_many`` where it can, and falls back to calling the object one occurrence
at a time (each in a savepoint of its own) when ``produce_many`` raises, so one bad schedule
costs its batch a retry, not its messages. Both ways must make the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.delivery.models import Schedule
from core.reply import Reply, SpanLike


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message an occurrence produces: to a member (DM) or to a channel.

    ``suffix`` tells apart several messages of one occurrence (e.g. one per bound channel) in the
    outbox key, which is ``schedule id : occurrence instant : suffix``.
    """

    reply: Reply
    member_id: int | None = None
    platform: str | None = None
    tenant: str | None = None
    channel_id: str | None = None
    suffix: str = ""
    about: tuple[int, ...] = ()
    """Members whose data the message shows besides its recipient (see ``enqueue``)."""


SectionLines = Callable[[Session, Any, datetime, datetime, ZoneInfo], list[list[SpanLike]]]
"""(session, community, since, until, zone) -> the section's lines, none if nothing to say."""


@dataclass(frozen=True, slots=True)
class DigestSection:
    """A section another feature adds to a community's weekly digest (events: upcoming ones)."""

    title: str
    """Marked with N_ by the feature; translated when the digest is built."""
    lines: SectionLines


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of a schedule, and what a producer may need besides the database."""

    session: Session
    schedule: Schedule
    at: datetime
    digest_sections: tuple[DigestSection, ...] = ()


@dataclass(frozen=True, slots=True)
class DueOccurrence:
    """One occurrence as a batch producer sees it: the schedule's stored fields and the instant.

    Not an ORM :class:`Schedule`: a batch holds thousands, and loading each as an object costs more
    than producing its message. The schedule row has already been advanced past this occurrence
    when ``produce_many`` runs (as the ORM schedule has for a one-at-a-time producer).
    """

    schedule_id: int
    kind: str
    member_id: int | None
    community_id: int | None
    subject_id: int | None
    timezone: str
    payload: Mapping[str, Any]
    at: datetime


Producer = Callable[[Occurrence], list[Outgoing]]
"""Turns one occurrence into the messages to put in the outbox (possibly none). A
:class:`BatchProducer` is one too."""


@runtime_checkable
class BatchProducer(Protocol):
    """A producer that can also plan a whole batch of occurrences with a few queries."""

    def __call__(self, occurrence: Occurrence, /) -> list[Outgoing]:
        """One occurrence, exactly as a plain :data:`Producer`."""
        ...

    def produce_many(
        self, session: Session, occurrences: Sequence[DueOccurrence], /
    ) -> list[list[Outgoing]]:
        """The messages of each occurrence, in the order given (an empty list for none).

        Must write what calling the producer on each occurrence in turn would write, and may
        raise: the planner then rolls the batch back and calls the producer one at a time.
        """
        ...


def batch_producer(producer: Producer) -> BatchProducer | None:
    """``producer`` as a batch producer, or None when it plans one occurrence at a time."""
    return producer if isinstance(producer, BatchProducer) else None


@dataclass(frozen=True, slots=True)
class Producers:
    """An app's schedule kinds and digest sections, gathered from its features, for the planner."""

    kinds: Mapping[str, Producer] = field(default_factory=dict)
    digest_sections: tuple[DigestSection, ...] = ()
    language: str = "en"
    """The install's language: for posts to channels and schedules of no one member."""

    def occurrence(self, session: Session, schedule: Schedule, at: datetime) -> Occurrence:
        return Occurrence(session, schedule, at, self.digest_sections)
