"""Schedule kinds: each feature says how one occurrence of its schedules becomes messages.

A producer gets the schedule and the occurrence instant and returns the messages to put in the
outbox (possibly none: a digest with nothing new, a goal already done). Producers run inside the
planner's transaction and must not send anything themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from core.delivery.models import Schedule
from core.reply import Reply


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


Producer = Callable[[Session, Schedule, datetime], list[Outgoing]]

KINDS: dict[str, Producer] = {}


def schedule_kind(name: str) -> Callable[[Producer], Producer]:
    """Register the producer for schedules of kind ``name`` (e.g. ``"reflection.prompt"``)."""

    def register(producer: Producer) -> Producer:
        if name in KINDS and KINDS[name] is not producer:
            raise ValueError(f"schedule kind {name!r} registered twice")
        KINDS[name] = producer
        return producer

    return register
