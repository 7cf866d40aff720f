"""Registers the delivery engine with the rest of Staffroom: its privacy participant, and moving
members' schedules when they change timezone. (It has no commands of its own: the operator's
view is ``staffroom outbox``.)"""

from __future__ import annotations

from core.delivery.member_data import DELIVERY_DATA
from core.delivery.schedules import follow_member_timezone
from core.privacy.registry import PRIVACY
from core.signals import timezone_changed

if DELIVERY_DATA not in PRIVACY.participants:
    PRIVACY.register(DELIVERY_DATA)
timezone_changed.connect(follow_member_timezone)
