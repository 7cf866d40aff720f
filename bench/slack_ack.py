"""How fast Staffroom's Slack endpoint acknowledges slash commands, against a bare Bolt app.

1,000 correctly signed ``/staffroom`` slash commands at concurrency 50 over loopback to each of:
a bare Bolt app whose listener only acks, and Staffroom's Slack HTTP endpoint (which then does the
real work: dispatch in a thread, answer through ``response_url`` on a fake Slack). Both servers run
in one event loop on a thread of their own; the load comes from another thread, so the client's
work does not count as server time. Prints p50/p99 acknowledgement latency and the p99 ratio.

    .venv/bin/python bench/slack_ack.py [--requests 1000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import create_platform
from bench.figures import Figure, emit
from core.app import Staffroom
from core.config import Settings
from core.db import make_engine, upgrade
from tests.fakes.fake_slack import FakeSlack, sign, slash_command_body

SECRET = "bench-signing-secret"
GOAL_RATIO = 1.5
TRIGGERS = itertools.count(1)


class Servers:
    """The fake Slack, a bare Bolt app and Staffroom's endpoint, in a loop on their own thread."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.fake = FakeSlack()
        self.cleanups: list[Callable[[], Awaitable[None]]] = []
        self.bare_url = ""
        self.staffroom_url = ""

    def run(self, coro: Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()  # type: ignore[arg-type]

    def start(self) -> None:
        self.thread.start()
        self.run(self._start())

    async def _start(self) -> None:
        await self.fake.start()
        self.cleanups.append(self.fake.stop)
        bare = AsyncApp(
            client=AsyncWebClient(token="xoxb-bench", base_url=self.fake.api_base_url),
            signing_secret=SECRET,
        )

        @bare.command("/staffroom")
        async def only_ack(ack: Any) -> None:
            await ack()

        runner = web.AppRunner(bare.server(path="/slack/events").web_app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self.cleanups.append(runner.cleanup)
        self.bare_url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"

        engine = make_engine(f"sqlite:///{self.database}")
        upgrade(engine)
        engine.dispose()
        settings = Settings(
            database={"url": f"sqlite:///{self.database}"},  # type: ignore[arg-type]
            limits={"commands_per_minute": 10_000},  # type: ignore[arg-type]
            server={"host": "127.0.0.1", "port": 0},  # type: ignore[arg-type]
            slack={  # type: ignore[arg-type]
                "mode": "http",
                "api_base_url": self.fake.api_base_url,
                "bot_token": "xoxb-bench",
                "signing_secret": SECRET,
            },
        )
        platform = create_platform(Staffroom(settings))
        await platform.start()
        self.cleanups.append(platform.stop)
        self.staffroom_url = f"http://127.0.0.1:{platform.port}/slack/events"

    def stop(self) -> None:
        async def stop_all() -> None:
            for cleanup in reversed(self.cleanups):
                await cleanup()

        self.run(stop_all())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


async def load(url: str, response_url: str, requests: int, concurrency: int) -> list[float]:
    """Send signed slash commands; return each acknowledgement's latency in seconds."""
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(n: int) -> None:
            # A trigger id of its own, as Slack gives every request: identical bodies signed in
            # the same second are refused as replays (409), rightly.
            body = slash_command_body(
                text="help",
                user_id=f"U{n % 50}",
                response_url=response_url,
                trigger_id=f"{next(TRIGGERS)}.bench",
            )
            async with gate:
                headers = sign(SECRET, body)
                started = time.perf_counter()
                async with session.post(url, data=body.encode(), headers=headers) as response:
                    await response.read()
                    latencies.append(time.perf_counter() - started)
                    if response.status != 200:
                        raise RuntimeError(f"{url} answered {response.status}")

        await asyncio.gather(*(one(n) for n in range(requests)))
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    options = parser.parse_args()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)  # slack_sdk would send even 127.0.0.1 through a proxy

    with tempfile.TemporaryDirectory() as folder:
        servers = Servers(Path(folder) / "bench.db")
        servers.start()
        try:
            response_url = servers.fake.response_url("bench")
            warm = min(100, options.requests)
            for url in (servers.bare_url, servers.staffroom_url):
                asyncio.run(load(url, response_url, warm, options.concurrency))
            results: dict[str, list[float]] = {}
            for label, url in (
                ("bare Bolt", servers.bare_url),
                ("Staffroom", servers.staffroom_url),
            ):
                results[label] = asyncio.run(
                    load(url, response_url, options.requests, options.concurrency)
                )
            expected = warm + options.requests
            servers.run(servers.fake.wait_for_responses(expected, timeout=60))
            answered = len(servers.fake.responses)
        finally:
            servers.stop()

    print(f"{options.requests} signed slash commands, concurrency {options.concurrency}, loopback")
    for label, latencies in results.items():
        p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
        print(
            f"  {label:<10} ack p50 {p50 * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms   "
            f"mean {statistics.mean(latencies) * 1000:7.2f} ms"
        )
    ratio = percentile(results["Staffroom"], 0.99) / percentile(results["bare Bolt"], 0.99)
    verdict = "within" if ratio <= GOAL_RATIO else "OVER"
    print(f"  p99 ratio Staffroom / bare Bolt: {ratio:.2f}x ({verdict} the {GOAL_RATIO}x goal)")
    print(f"  answers delivered to response_url: {answered} of {expected}")
    bare, ours = results["bare Bolt"], results["Staffroom"]
    emit(
        [
            Figure(
                f"Slack slash-command ack p99 ({options.requests:,} at concurrency "
                f"{options.concurrency})",
                f"{percentile(ours, 0.99) * 1000:.1f} ms",
                f"{percentile(bare, 0.99) * 1000:.1f} ms bare Bolt",
                f"{ratio:.2f}",
                f"<= {GOAL_RATIO}x bare Bolt",
                ratio <= GOAL_RATIO,
            ),
            Figure(
                "Slack slash-command ack p50",
                f"{percentile(ours, 0.50) * 1000:.1f} ms",
                f"{percentile(bare, 0.50) * 1000:.1f} ms bare Bolt",
                f"{percentile(ours, 0.50) / percentile(bare, 0.50):.2f}",
                "(context)",
            ),
            Figure(
                "Slack answers delivered to response_url",
                f"{answered} of {expected}",
                goal="all",
                met=answered == expected,
            ),
        ]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
