"""What every front-end must agree on: inbound dedupe (Slack events and signed requests,
Telegram updates) and the per-member command limit.

The keys are hashes of platform ids (no member data), so the feature has no privacy participant.
"""

from __future__ import annotations

from core.feature import Feature
from core.inbound.models import InboundKey, RateCount

FEATURE = Feature(name="inbound", tables=(InboundKey, RateCount))
