"""The delivery engine: schedules as data, an outbox, and workers that send each message once.

Features call :func:`create_schedule` (recurring or future messages, produced by the
:data:`Producer` their ``Feature(kinds=...)`` names) or :func:`enqueue` (one message now or later). The bot process runs
:func:`plan_due` and :func:`deliver_due` periodically (``bots/scheduler.py``).
"""

from core.delivery.deliverer import DeliveryStats, deliver_due, release_claims
from core.delivery.housekeeping import (
    OutboxReport,
    outbox_report,
    prune,
)
from core.delivery.kinds import DigestSection, Occurrence, Outgoing, Producer, Producers
from core.delivery.models import OutboxMessage, OutboxSubject, Schedule
from core.delivery.outbox import enqueue
from core.delivery.pacing import Pacer
from core.delivery.planner import outbox_key, plan_due
from core.delivery.privacy import DELIVERY_DATA
from core.delivery.schedules import (
    cancel_schedule,
    create_schedule,
    follow_member_timezone,
    is_paused,
    pause_schedule,
    resume_schedule,
    schedules_for,
)
from core.feature import Feature

__all__ = [
    "FEATURE",
    "DeliveryStats",
    "DigestSection",
    "Occurrence",
    "OutboxReport",
    "Outgoing",
    "Pacer",
    "Producer",
    "Producers",
    "cancel_schedule",
    "create_schedule",
    "deliver_due",
    "enqueue",
    "is_paused",
    "outbox_key",
    "outbox_report",
    "pause_schedule",
    "plan_due",
    "prune",
    "release_claims",
    "resume_schedule",
    "schedules_for",
]

FEATURE = Feature(
    name="delivery",
    data=DELIVERY_DATA,
    on_timezone_change=(follow_member_timezone,),
    tables=(Schedule, OutboxMessage, OutboxSubject),
)
