"""The delivery service: a few periodic jobs in the bot's event loop, not one job per member.

APScheduler's ``AsyncIOScheduler`` runs three jobs: *plan* (due occurrences -> outbox rows),
*deliver* (claim and send; it keeps going while rounds come back full, so a burst is not spread
over the tick interval; it also takes back rows whose worker's lease expired) and *housekeeping*
(prune old rows, metrics).
Each job runs one at a time (``max_instances=1``) and a late tick is merged into one run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from core.clock import Clock
from core.config import Settings
from core.db import session_scope
from core.delivery import (
    DeliveryStats,
    Pacer,
    deliver_due,
    outbox_report,
    plan_due,
    prune,
    release_claims,
)
from core.delivery.kinds import Producers
from core.delivery.ports import Messenger
from core.inbound.service import prune_keys

log = logging.getLogger("staffroom.delivery")

HOUSEKEEPING_SECONDS = 60.0


class App(Protocol):
    """What the service needs of a Staffroom (``core.app.Staffroom`` has it)."""

    engine: Engine
    settings: Settings
    clock: Clock
    producers: Producers


def worker_name() -> str:
    """A name unique to this process, shown as the lease owner of the rows it holds."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class DeliveryService:
    """Plans and delivers scheduled messages inside the running event loop."""

    def __init__(
        self,
        app: App,
        messengers: Mapping[str, Messenger],
        *,
        plan: bool = True,
        housekeeping: bool = True,
        worker_id: str | None = None,
    ) -> None:
        self.app = app
        self.messengers = dict(messengers)
        self.worker_id = worker_id or worker_name()
        self.pacer = Pacer.from_settings(app.settings.delivery)
        self.stopping = asyncio.Event()
        self.totals = DeliveryStats()
        self._plan_enabled = plan
        self._housekeeping_enabled = housekeeping
        self._scheduler: AsyncIOScheduler | None = None
        self._deliver_lock = asyncio.Lock()
        self._plan_lock = asyncio.Lock()

    @property
    def settings(self) -> Settings:
        return self.app.settings

    def _now(self) -> datetime:
        return self.app.clock.now()

    def start(self) -> None:
        """Start the periodic jobs on the running loop (call from inside it)."""
        delivery = self.settings.delivery
        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        if self._plan_enabled:
            scheduler.add_job(
                self.plan_once,
                "interval",
                seconds=delivery.plan_interval_seconds,
                id="plan",
                next_run_time=self._wall_now(),
                **common,
            )
        scheduler.add_job(
            self.deliver,
            "interval",
            seconds=delivery.deliver_interval_seconds,
            id="deliver",
            next_run_time=self._wall_now(),
            **common,
        )
        if self._housekeeping_enabled:
            scheduler.add_job(
                self.housekeeping,
                "interval",
                seconds=HOUSEKEEPING_SECONDS,
                id="housekeeping",
                **common,
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info("delivery service %s started (%s)", self.worker_id, ", ".join(self.messengers))

    @staticmethod
    def _wall_now() -> datetime:
        # APScheduler's own timing is real time; only the jobs' work uses the injected clock.
        return datetime.now().astimezone()

    async def plan_once(self) -> int:
        """Plan every due occurrence now; return how many messages were added."""
        async with self._plan_lock:
            return await asyncio.to_thread(self._plan_sync)

    def _plan_sync(self) -> int:
        with session_scope(self.app.engine) as session:
            added = plan_due(session, self._now(), self.settings.delivery, self.app.producers)
        if added:
            log.info("planned %d messages", added)
        return added

    async def deliver(self) -> DeliveryStats:
        """Deliver rounds until one comes back short (the outbox has nothing more due now)."""
        stats = DeliveryStats()
        async with self._deliver_lock:
            while not self.stopping.is_set():
                round_stats = await deliver_due(
                    self.app.engine,
                    self.messengers,
                    self._now(),
                    self.settings.delivery,
                    self.worker_id,
                    pacer=self.pacer,
                    stopping=self.stopping,
                    clock=self.app.clock.now,
                )
                stats.add(round_stats)
                if round_stats.claimed < self.settings.delivery.batch_size:
                    break
        self.totals.add(stats)
        return stats

    async def housekeeping(self) -> None:
        """Prune old rows, refresh the outbox gauge."""
        pruned = await asyncio.to_thread(prune, self.app.engine, self._now())
        pruned += await asyncio.to_thread(self._prune_inbound_keys)
        await asyncio.to_thread(outbox_report, self.app.engine)
        self.pacer.forget_idle()
        if pruned:
            log.info("housekeeping: %d old rows pruned", pruned)

    def _prune_inbound_keys(self) -> int:
        with session_scope(self.app.engine) as session:
            return prune_keys(session, self._now())

    async def stop(self) -> None:
        """Stop taking work, let sends in flight finish and be marked, then hand back every row
        this worker still holds so another worker can send it at once."""
        self.stopping.set()
        if self._scheduler is not None:
            self._scheduler.pause()
        async with self._deliver_lock, self._plan_lock:
            pass  # waits for a running round or plan to end
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        released = await asyncio.to_thread(
            release_claims, self.app.engine, self.worker_id, self._now()
        )
        if released:
            log.info("handed back %d messages on stop", released)
