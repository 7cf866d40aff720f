"""Remembering recent Slack event ids, so an event Slack retries is handled once.

The same memory also keeps the signatures of recent HTTP requests (a replay is refused) and the
members whose Home tab was just published (a refresh moments later is skipped).

Slack retries an event it thinks was not acknowledged (``X-Slack-Retry-Num`` over HTTP,
``retry_attempt`` over Socket Mode) with the same ``event_id``. The memory is per process: several
HTTP-mode instances behind a load balancer may each see one copy of a retry, so a retry that lands
on another instance within the window is handled there again (Slack retries at most three times,
after 0 s, 1 min and 5 min; the window covers them).
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
