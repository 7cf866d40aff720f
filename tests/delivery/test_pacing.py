"""Real-time pacing, bounded tightly: no faster than the limit, and close to it."""

from __future__ import annotations

import asyncio
import itertools

from core.delivery.pacing import Pacer, PlatformLimits


async def test_overall_limit_spaces_sends_and_keeps_up() -> None:
    pacer = Pacer({"telegram": PlatformLimits(per_second=100, per_chat_per_second=1000)})
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def one(chat: int) -> None:
        await pacer.wait_turn("telegram", "T", str(chat))
        times.append(loop.time())

    await asyncio.gather(*(one(n) for n in range(30)))
    span = times[-1] - times[0]
    # 29 gaps of 10.1 ms: never faster than the limit, and not much slower.
    assert span >= 29 * 0.01
    assert span < 29 * 0.01 * 1.5
    assert all(b - a > 0.005 for a, b in itertools.pairwise(times))


async def test_one_busy_chat_does_not_hold_up_the_others() -> None:
    pacer = Pacer({"slack": PlatformLimits(per_chat_per_second=20)})
    loop = asyncio.get_running_loop()
    done: dict[str, list[float]] = {"busy": [], "quiet": []}
    start = loop.time()

    async def one(chat: str) -> None:
        await pacer.wait_turn("slack", "T", chat)
        done[chat].append(loop.time() - start)

    await asyncio.gather(*(one("busy") for _ in range(5)), one("quiet"))
    assert done["quiet"][0] < 0.04
    assert done["busy"][-1] >= 4 * 0.05
    assert Pacer({}).limits == {}
