"""How long Slack's retries and replays are guarded against, and a small per-process memory.

Slack retries an event it thinks was not acknowledged (``X-Slack-Retry-Num`` over HTTP,
``retry_attempt`` over Socket Mode) with the same ``event_id``, at most three times, after 0 s,
1 min and 5 min; :data:`RETRY_WINDOW` covers them and the five minutes a signature is valid.
Event ids and signatures are taken in the database (``Staffroom.first_time``), so every
front-end agrees. :class:`RecentEvents` is only for what one process may forget without harm:
the members whose Home tab was just published (a refresh moments later is skipped).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from core.clock import Clock

RETRY_WINDOW = timedelta(minutes=10)
MAX_REMEMBERED = 20_000


class RecentEvents:
    """Event ids seen in the last ``window``; the oldest are forgotten first."""

    def __init__(
        self, clock: Clock, window: timedelta = RETRY_WINDOW, limit: int = MAX_REMEMBERED
    ) -> None:
        self.clock = clock
        self.window = window
        self.limit = limit
        self._seen: OrderedDict[str, datetime] = OrderedDict()

    def __len__(self) -> int:
        """How many ids are remembered (expired ones go at the next ``first_time``)."""
        return len(self._seen)

    def first_time(self, event_id: str) -> bool:
        """True the first time ``event_id`` is offered within the window, False for a repeat."""
        now = self.clock.now()
        while self._seen:
            oldest_id, at = next(iter(self._seen.items()))
            if now - at < self.window and len(self._seen) < self.limit:
                break
            del self._seen[oldest_id]
        if event_id in self._seen:
            return False
        self._seen[event_id] = now
        return True
