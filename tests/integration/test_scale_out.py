"""Scale-out roles as real ``staffroom`` OS processes on one PostgreSQL database: a Slack HTTP
front-end (``run --only slack --no-scheduler``) next to a deliverer (``worker``), and a worker
stopped by SIGTERM in the middle of a burst. Each process is configured by STAFFROOM_* variables
only and talks to the fake Slack in this test process over loopback."""

from __future__ import annotations

import asyncio
import re
import signal
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.fakes.fake_slack import FakeSlack
from tests.integration.conftest import (
    due_prompts,
    free_port,
    outbox_states,
    process_env,
    prompts_at,
    slash,
    staffroom_process,
    stop_process,
    wait_for,
    wait_until_healthy,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]

PROMPTS = 1000
STOP_WITHIN = 10.0
"""Seconds a SIGTERMed process may take to stop (in-flight sends finish, leases are handed back)."""


def worker_totals(log: Path) -> dict[str, int]:
    """The counts a worker prints when it stops."""
    found = re.search(r"worker stopped: (\d+) sent, (\d+) retried, (\d+) failed", log.read_text())
    assert found is not None, log.read_text()[-2000:]
    sent, retried, failed = (int(n) for n in found.groups())
    return {"sent": sent, "retried": retried, "failed": failed}


def exactly_once(received: Counter[str]) -> bool:
    return len(received) == PROMPTS and set(received.values()) == {1}


async def test_front_end_and_worker_deliver_a_thousand_prompts_exactly_once(
    process_database: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    due_prompts(process_database, PROMPTS)
    port = free_port()
    env = process_env(process_database, fake_slack, STAFFROOM_SERVER__PORT=str(port))
    front = staffroom_process(["run", "--only", "slack", "--no-scheduler"], env, tmp_path, "front")
    worker = None
    try:
        async with aiohttp.ClientSession() as http:
            await wait_until_healthy(http, port, front, tmp_path / "front.log")
            assert prompts_at(fake_slack) == Counter(), "the front-end does not deliver"

            worker = staffroom_process(["worker"], env, tmp_path, "worker")
            await wait_for(lambda: len(prompts_at(fake_slack)) >= PROMPTS // 10, 30, "a burst")
            # In the middle of the burst a teacher's slash command is answered by the front-end.
            during = len(prompts_at(fake_slack))
            answer = await slash(
                http, port, fake_slack, 'cpd log 1 "Peer observation"', user="U00007"
            )
            assert "logged" in answer.lower() and ":warning:" not in answer, answer
            await wait_for(lambda: len(prompts_at(fake_slack)) >= PROMPTS, 60, "every prompt")
        assert stop_process(worker, STOP_WITHIN) == 0
        received = prompts_at(fake_slack)
        totals = worker_totals(tmp_path / "worker.log")
        print(
            f"\nslash command answered while {during} of {PROMPTS} prompts had arrived; "
            f"fake Slack received {sum(received.values())} prompts, {len(received)} distinct; "
            f"worker reports {totals}; outbox {outbox_states(process_database)}"
        )
        assert exactly_once(received)
        assert totals["sent"] == PROMPTS
        assert outbox_states(process_database) == {"sent": PROMPTS, "leased": 0}
        assert stop_process(front, STOP_WITHIN) == 0
    finally:
        for process in (front, worker):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=10)


class SlowSlack(FakeSlack):
    """Slack that takes ``delay`` seconds per posted message and handles a few at a time, so a
    burst of prompts lasts long enough to be interrupted."""

    def __init__(self, delay: float, at_once: int) -> None:
        super().__init__()
        self.delay = delay
        self._gate = asyncio.Semaphore(at_once)

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "chat.postMessage":
            return await super()._handle_api(request)
        async with self._gate:
            await asyncio.sleep(self.delay)  # the platform's round trip
            return await super()._handle_api(request)


@pytest.fixture
async def slow_slack() -> AsyncIterator[SlowSlack]:
    async with SlowSlack(delay=0.02, at_once=8) as fake:
        yield fake


async def test_sigterm_mid_burst_loses_nothing_and_doubles_nothing(
    process_database: str, slow_slack: SlowSlack, tmp_path: Path
) -> None:
    due_prompts(process_database, PROMPTS)
    env = process_env(process_database, slow_slack)
    first = staffroom_process(["worker"], env, tmp_path, "first")
    second = None
    try:
        await wait_for(lambda: len(prompts_at(slow_slack)) >= PROMPTS // 5, 30, "a burst")
        signalled = asyncio.get_running_loop().time()
        first.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(first.wait, STOP_WITHIN)
        stopped_after = asyncio.get_running_loop().time() - signalled
        before = prompts_at(slow_slack)
        states = outbox_states(process_database)
        totals = worker_totals(tmp_path / "first.log")
        print(
            f"\nSIGTERM after {sum(before.values())} prompts; exited {code} "
            f"({stopped_after:.2f} s after the signal); worker reports {totals}; "
            f"outbox then {states}"
        )
        assert code == 0
        assert sum(before.values()) < PROMPTS, "stopped mid-burst"
        assert states.get("claimed", 0) == 0 and states["leased"] == 0, "every lease handed back"
        assert states["sent"] == totals["sent"] == sum(before.values()) == len(before)
        assert states["pending"] == PROMPTS - states["sent"]
        assert stopped_after < STOP_WITHIN

        second = staffroom_process(["worker"], env, tmp_path, "second")
        await wait_for(lambda: len(prompts_at(slow_slack)) >= PROMPTS, 60, "every prompt")
        assert stop_process(second, STOP_WITHIN) == 0
        after = prompts_at(slow_slack)
        again = worker_totals(tmp_path / "second.log")
        doubled = sum(n - 1 for n in after.values())
        print(
            f"restart sent {again['sent']}; {len(after)} distinct prompts arrived, "
            f"{doubled} twice; outbox {outbox_states(process_database)}"
        )
        assert exactly_once(after)
        assert totals["sent"] + again["sent"] == PROMPTS
        assert outbox_states(process_database) == {"sent": PROMPTS, "leased": 0}
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=10)
