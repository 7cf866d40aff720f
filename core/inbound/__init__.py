"""Inbound dedupe shared by every front-end: Slack events and signed requests, Telegram updates.

The keys are hashes of platform ids (no member data), so the feature has no privacy participant.
"""

from __future__ import annotations

from core.feature import Feature
from core.inbound.models import InboundKey

FEATURE = Feature(name="inbound", tables=(InboundKey,))
