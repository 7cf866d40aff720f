"""Send pacing per platform, so a burst goes out as fast as each platform allows and no faster.

Each limit is a bucket that hands out evenly spaced send slots (one every ``1/rate`` seconds, no
burst): in any window of ``t`` seconds at most ``1 + rate * t`` sends pass. A send first waits for
its chat's bucket (Telegram 1/s per chat, Slack 1/s per channel), then for the platform's overall
bucket (Telegram 30/s, Discord's global limit), so a busy chat never holds up the others.

Pacing is the only place the deliverer uses real time (the event loop's monotonic clock); every
state change uses the injected ``now``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from core.delivery.settings import DeliverySettings


class SendSlots:
    """Sends at most ``rate`` per second, evenly spaced, on the running loop's monotonic clock.

    Callers queue on a lock and each takes the next slot only once it has arrived, so a late
    wake-up (a busy loop) never lets a backlog of slots out at once. The spacing has a 1% margin:
    platforms count in their own clocks, and a send that lands a hair early earns a 429.
    """

    __slots__ = ("_lock", "_next_free", "interval")

    MARGIN = 1.01

    def __init__(self, rate: float) -> None:
        self.interval = self.MARGIN / rate
        self._next_free = 0.0
        self._lock = asyncio.Lock()

    def idle(self, now: float) -> bool:
        """No one is waiting and a send could go at once."""
        return self._next_free <= now and not self._lock.locked()

    async def wait(self) -> None:
        """Wait for this caller's slot."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            delay = self._next_free - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            now = loop.time()
            # Count from the slot, not from a late wake-up (sleeps overshoot by a fraction of a
            # millisecond, which at 200/s is a tenth of the rate); but after a real gap start
            # afresh, so idle time is never saved up as a burst.
            late = now - self._next_free
            self._next_free = (now if late > self.interval / 2 else self._next_free) + self.interval


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    """How fast one platform lets a bot send: overall and per chat (None: no such limit)."""

    per_second: float | None = None
    per_chat_per_second: float | None = None


def limits_from(settings: DeliverySettings) -> dict[str, PlatformLimits]:
    """The platforms' published limits, as configured. Platforms not named are not paced."""
    return {
        "telegram": PlatformLimits(
            per_second=settings.telegram_per_second,
            per_chat_per_second=settings.telegram_per_chat_per_second,
        ),
        "slack": PlatformLimits(per_chat_per_second=settings.slack_per_channel_per_second),
        # discord.py also honours each route's own bucket from the response headers.
        "discord": PlatformLimits(per_second=settings.discord_per_second),
    }


@dataclass(slots=True)
class Pacer:
    """Holds every bucket of one worker; keep one for the life of the process."""

    limits: dict[str, PlatformLimits]
    _overall: dict[str, SendSlots] = field(default_factory=dict)
    _chats: dict[tuple[str, str, str], SendSlots] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: DeliverySettings) -> Pacer:
        return cls(limits_from(settings))

    async def wait_chat(self, platform: str, tenant: str, chat: str) -> None:
        """Wait until ``chat`` on ``platform`` may receive another message."""
        limits = self.limits.get(platform)
        if limits is None or limits.per_chat_per_second is None:
            return
        key = (platform, tenant, chat)
        slots = self._chats.get(key)
        if slots is None:
            slots = self._chats[key] = SendSlots(limits.per_chat_per_second)
        await slots.wait()

    async def wait_overall(self, platform: str) -> None:
        """Wait until ``platform`` may take another message from this bot."""
        limits = self.limits.get(platform)
        if limits is None or limits.per_second is None:
            return
        overall = self._overall.get(platform)
        if overall is None:
            overall = self._overall[platform] = SendSlots(limits.per_second)
        await overall.wait()

    async def wait_turn(self, platform: str, tenant: str, chat: str) -> None:
        """Wait for the chat's turn, then the platform's."""
        await self.wait_chat(platform, tenant, chat)
        await self.wait_overall(platform)

    def forget_idle(self) -> None:
        """Drop chat buckets whose slots are all in the past (they would allow a send now anyway),
        so a long-running worker does not keep one per chat it ever wrote to."""
        loop_time = asyncio.get_running_loop().time()
        for key in [k for k, s in self._chats.items() if s.idle(loop_time)]:
            del self._chats[key]
