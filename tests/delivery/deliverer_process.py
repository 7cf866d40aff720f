"""A deliverer in its own OS process, for the multi-process and kill tests.

``python -m tests.delivery.deliverer_process URL WORKER LOG OFFSET_SECONDS`` delivers rows of the
``recorder`` platform until the outbox has nothing left to send, appending each sent channel id to
LOG (one ``write`` per line on an O_APPEND file: it survives SIGKILL). OFFSET_SECONDS shifts the
process's clock, so a restarted deliverer can be "after" a dead one's lease without waiting.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.db import make_engine
from core.delivery import Pacer, deliver_due
from core.delivery.models import OutboxMessage, OutboxState
from core.delivery.ports import Recipient
from core.delivery.settings import DeliverySettings
from core.reply import Reply


class RecordingMessenger:
    platform = "recorder"

    def __init__(self, path: str, latency: float) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.latency = latency

    async def send(self, recipient: Recipient, reply: Reply) -> str:
        await asyncio.sleep(self.latency)  # the platform's round trip
        os.write(self.fd, f"{recipient.channel_id}\n".encode())
        return f"m{recipient.channel_id}"


async def main(url: str, worker: str, log: str, offset: float, latency: float) -> None:
    engine = make_engine(url)
    settings = DeliverySettings(batch_size=100, lease_seconds=30)
    messengers = {"recorder": RecordingMessenger(log, latency)}
    pacer = Pacer.from_settings(settings)
    while True:
        now = datetime.now(UTC) + timedelta(seconds=offset)
        stats = await deliver_due(
            engine, messengers, now, settings, worker, pacer=pacer, concurrent_sends=16
        )
        if stats.claimed:
            continue
        with engine.connect() as connection:
            left = connection.execute(
                select(func.count())
                .select_from(OutboxMessage.__table__)  # type: ignore[attr-defined]
                .where(
                    OutboxMessage.__table__.c.state.in_(  # type: ignore[attr-defined]
                        [OutboxState.PENDING.value, OutboxState.CLAIMED.value]
                    )
                )
            ).scalar_one()
        if not left:
            break
        await asyncio.sleep(0.02)  # the other worker holds the rest; look again shortly
    engine.dispose()


if __name__ == "__main__":
    url, worker, log, offset = sys.argv[1:5]
    latency = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    asyncio.run(main(url, worker, log, float(offset), latency))
