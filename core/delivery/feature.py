"""The delivery engine as a feature: its tables, its privacy participant and following members'
timezones. It has no commands of its own: the operator's view is ``staffroom outbox``."""

from __future__ import annotations

from core.delivery.member_data import DELIVERY_DATA
from core.delivery.models import OutboxMessage, Schedule
from core.delivery.schedules import follow_member_timezone
from core.feature import Feature

FEATURE = Feature(
    name="delivery",
    data=DELIVERY_DATA,
    on_timezone_change=(follow_member_timezone,),
    tables=(Schedule, OutboxMessage),
)
