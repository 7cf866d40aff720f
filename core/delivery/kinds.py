"""Schedule kinds: each feature says how one occurrence of its schedules becomes messages.

A producer gets the :class:`Occurrence` (the schedule and its instant) and returns the messages to put in the
outbox (possibly none: a digest with nothing new, a goal already done). Producers run inside the
planner's transaction and must not send anything themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
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


Producer = Callable[[Occurrence], list[Outgoing]]
"""Turns one occurrence into the messages to put in the outbox (possibly none)."""


@dataclass(frozen=True, slots=True)
class Producers:
    """An app's schedule kinds and digest sections, gathered from its features, for the planner."""

    kinds: Mapping[str, Producer] = field(default_factory=dict)
    digest_sections: tuple[DigestSection, ...] = ()
    language: str = "en"
    """The install's language: for posts to channels and schedules of no one member."""

    def occurrence(self, session: Session, schedule: Schedule, at: datetime) -> Occurrence:
        return Occurrence(session, schedule, at, self.digest_sections)
