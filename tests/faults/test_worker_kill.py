"""A real ``staffroom worker`` process, sending to the fake Telegram, killed with SIGKILL mid-burst
and started again: every due message is delivered, and only those in flight at the kill twice.

``tests/delivery/test_processes.py`` kills a bare deliverer loop writing to a recording file; this
test goes through everything a deployment runs instead: the CLI, settings from the environment,
the Runner, the APScheduler jobs, python-telegram-bot and its rate limiter, over HTTP.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.delivery.deliverer import CONCURRENT_SENDS
from tests.fakes.fake_telegram import FakeTelegram
from tests.faults.support import fill_outbox, outbox_states, sent_channels

pytestmark = [pytest.mark.fault, pytest.mark.timeout(90)]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123:ABC"
ROWS = 600
LEASE_SECONDS = 5
"""The smallest lease the settings allow: how long the restarted worker waits for the dead one's."""


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


def staffroom_command() -> list[str]:
    """The installed ``staffroom`` script next to this Python, else the module it runs."""
    script = Path(sys.executable).parent / "staffroom"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bots.cli"]


def start_worker(url: str, tg: FakeTelegram, workdir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "STAFFROOM_DATABASE__URL": url,
        "STAFFROOM_TELEGRAM__TOKEN": TOKEN,
        "STAFFROOM_TELEGRAM__API_BASE_URL": tg.api_base_url,
        "STAFFROOM_TELEGRAM__FILE_BASE_URL": tg.file_base_url,
        "STAFFROOM_DELIVERY__LEASE_SECONDS": str(LEASE_SECONDS),
        "STAFFROOM_DELIVERY__DELIVER_INTERVAL_SECONDS": "0.2",
        # Channel posts to many chats: the overall rate is what paces this burst. Raised so the
        # test is quick; the per-chat limit is untouched (each chat gets one message).
        "STAFFROOM_DELIVERY__TELEGRAM_PER_SECOND": "300",
    }
    # Its own working directory, so no staffroom.toml of the developer's is read.
    return subprocess.Popen(
        [*staffroom_command(), "worker"],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def delivered(tg: FakeTelegram) -> list[str]:
    """The chat id of every message Telegram accepted, in order (repeats kept)."""
    return [str(m["chat"]["id"]) for m in tg.sent_messages()]


async def wait_for(predicate: object, seconds: float, what: str) -> None:
    """Poll an outside process's progress (not a clock): fail with ``what`` after ``seconds``."""
    assert callable(predicate)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not predicate():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_killed_worker_restarted_delivers_everything_once_beyond_in_flight(
    db_url: str, tg: FakeTelegram, tmp_path: Path
) -> None:
    chats = [str(10_000 + n) for n in range(ROWS)]
    fill_outbox(db_url, "telegram", "123", chats, datetime.now(UTC) - timedelta(seconds=1), "Hi")

    doomed = start_worker(db_url, tg, tmp_path)
    try:
        await wait_for(lambda: len(delivered(tg)) >= ROWS // 4, 30, "the first sends")
    finally:
        doomed.send_signal(signal.SIGKILL)
    await asyncio.to_thread(doomed.wait, 10)
    before = delivered(tg)
    marked = sent_channels(db_url)
    in_flight = set(before) - marked
    print(
        f"\nkilled after {len(before)} sends; {len(marked)} marked sent; "
        f"{len(in_flight)} in flight (sent, not yet marked)"
    )
    assert len(before) < ROWS, "killed mid-burst"
    assert marked <= set(before), "nothing is marked sent that Telegram did not take"

    restarted = start_worker(db_url, tg, tmp_path)
    try:
        await wait_for(
            lambda: outbox_states(db_url) == Counter({"sent": ROWS}),
            LEASE_SECONDS + 30,
            "every row to be sent",
        )
    finally:
        restarted.send_signal(signal.SIGTERM)
    _out, err = await asyncio.to_thread(restarted.communicate, None, 20)
    assert restarted.returncode == 0, err.decode()
    assert b"Traceback" not in err, err.decode()

    counts = Counter(delivered(tg))
    twice = {chat for chat, n in counts.items() if n > 1}
    print(f"restart sent {len(delivered(tg)) - len(before)}; sent twice: {len(twice)}")
    assert set(counts) == set(chats), "every due message was delivered"
    assert max(counts.values()) <= 2
    assert twice <= in_flight, "only messages in flight at the kill were sent again"
    # The duplicate window the deliverer promises: the sends in flight plus the results waiting
    # for their mark transaction, which is one claimed batch at most.
    assert len(in_flight) <= max(CONCURRENT_SENDS, 200)
