"""Resident memory of ``staffroom run`` with Slack, Telegram and Discord connected to the fakes:
idle, then after 10,000 commands.

The commands go mostly over the fastest path, Slack HTTP mode (90%: signed slash commands to the
endpoint, answered through ``response_url``), the rest as Telegram updates and Discord
interactions (5% each) so every adapter's inbound and rendering code runs. The mix is that of
bench/load.py (a quarter ``cpd log`` writes, a quarter ``resource search``, the rest reads), from
300 members, at most 32 commands in flight. The per-member limit is raised to 10,000 a minute for
this run: it is about memory, not pacing.

RSS is VmRSS from /proc/PID/status of the ``staffroom run`` process. Goals: idle <= 150 MB, growth
<= 10% after 10,000 commands. Growth from the first 1,000 commands to the end is shown too: the
first commands load code and fill caches once, so that figure is the one that would show a leak.

    .venv/bin/python bench/memory.py [--commands 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import Figure, at_most, emit
from bench.platforms import Member, Outcome, deployment, mixed_command

IDLE_GOAL_MB = 150.0
GROWTH_GOAL = 0.10
PER_PLATFORM = 100
IN_FLIGHT = 32
SETTLE_SECONDS = 3.0


async def settle(read: object, seconds: float) -> float:
    """RSS after ``seconds`` of quiet (the last of a few samples)."""
    samples = []
    for _ in range(int(seconds / 0.5)):
        await asyncio.sleep(0.5)  # letting the process go quiet is the point of the wait
        samples.append(read())  # type: ignore[operator]
    return float(samples[-1])


def share(members: list[Member], commands: int) -> dict[int, list[int]]:
    """Command numbers per member index: 90% to Slack members, 5% each to the others."""
    by_platform = {
        p: [i for i, m in enumerate(members) if m.platform == p]
        for p in ("slack", "telegram", "discord")
    }
    plan: dict[int, list[int]] = {i: [] for i in range(len(members))}
    for n in range(commands):
        slot = n % 20
        platform = "telegram" if slot == 0 else "discord" if slot == 1 else "slack"
        group = by_platform[platform]
        plan[group[(n // 20) % len(group)]].append(n)
    return plan


async def main_async(commands: int) -> list[Figure]:
    async with deployment(PER_PLATFORM, commands_per_minute=10_000) as d:
        idle = await settle(d.rss_mb, SETTLE_SECONDS)
        print(f"staffroom run (pid {d.process.pid if d.process else '?'}) idle: {idle:.1f} MB")
        rng = random.Random(7)
        mix = [mixed_command(rng, n) for n in range(commands)]
        gate = asyncio.Semaphore(IN_FLIGHT)
        outcomes: list[Outcome] = []
        warm: list[float] = []
        warm_at = min(1_000, commands // 10)

        async def member_run(member: Member, numbers: list[int]) -> None:
            for n in numbers:
                async with gate:
                    outcomes.append(await member.send(mix[n]))
                if len(outcomes) == warm_at:
                    warm.append(d.rss_mb())

        started = time.perf_counter()
        plan = share(d.members, commands)
        await asyncio.gather(*(member_run(d.members[i], plan[i]) for i in plan))
        elapsed = time.perf_counter() - started
        after = await settle(d.rss_mb, SETTLE_SECONDS)

    errors = [o for o in outcomes if o.error]
    by_platform = Counter(o.platform for o in outcomes)
    growth = (after - idle) / idle
    warm_growth = (after - warm[0]) / warm[0]
    print(
        f"{len(outcomes):,} commands in {elapsed:.1f} s ({len(outcomes) / elapsed:,.0f}/s): "
        + ", ".join(f"{p} {n:,}" for p, n in by_platform.items())
        + f"; {len(errors)} errors"
    )
    for outcome in errors[:5]:
        print(f"  error: {outcome.platform} {outcome.kind}: {outcome.error}")
    print(f"  RSS after {warm_at:,}: {warm[0]:.1f} MB; after {len(outcomes):,}: {after:.1f} MB")
    print(
        f"  growth from idle {growth:+.1%} (goal <= {GROWTH_GOAL:.0%}); from warm {warm_growth:+.1%}"
    )
    return [
        Figure(
            "memory: staffroom run idle, 3 platforms connected",
            f"{idle:.1f} MB",
            goal=f"<= {IDLE_GOAL_MB:.0f} MB",
            met=at_most(idle, IDLE_GOAL_MB),
        ),
        Figure(
            f"memory: after {len(outcomes):,} commands (90% Slack HTTP)",
            f"{after:.1f} MB",
            f"{idle:.1f} MB idle",
            f"{growth:+.1%}",
            f"growth <= {GROWTH_GOAL:.0%}",
            at_most(growth, GROWTH_GOAL),
        ),
        Figure(
            f"memory: growth after the first {warm_at:,} commands (leak check)",
            f"{after:.1f} MB",
            f"{warm[0]:.1f} MB warm",
            f"{warm_growth:+.1%}",
            "(context)",
        ),
        Figure(
            "memory run: command errors",
            f"{len(errors)} of {len(outcomes):,}",
            goal="0",
            met=not errors,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=10_000)
    args = parser.parse_args()
    emit(asyncio.run(main_async(args.commands)))


if __name__ == "__main__":
    main()
