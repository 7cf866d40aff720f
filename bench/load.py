"""Load: 300 simulated members across Slack, Telegram and Discord (100 each) for 60 s of mixed
commands against one ``staffroom run``; errors and reply latency.

Each member thinks for 2-8 s (uniformly at random), sends one command and waits for its answer:
about 60 commands a second offered in all, 20 per platform (Telegram allows a bot about 30 messages
a second, so this stays within what a real platform would carry). The mix: a quarter ``cpd log``,
a quarter ``resource search`` over 5,000 resources, and ``help``, ``profile show``, ``cpd summary``,
``community list``, ``journal list``, a tenth each. The per-member limit is the default (30 a
minute), as in production.

Latency is from injecting the event to the fake platform receiving the answer (see
bench/platforms.py). The baseline is the same commands sent one at a time by one member per
platform on the otherwise idle process, just before the load. An error is a refused request, an
answer later than 30 s, or an answer in the error style (a warning mark). Goals: 0 errors; p99 at
most 3 s, the time Slack and Discord give an interactive request before the user sees a failure.

    .venv/bin/python bench/load.py [--seconds 60] [--members 300]
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
from bench.platforms import Command, Deployment, Member, Outcome, deployment, mixed_command

P99_GOAL_SECONDS = 3.0
THINK = (2.0, 8.0)
BASELINE_PER_PLATFORM = 20
PLATFORMS = ("slack", "telegram", "discord")
COMMUNITIES = ["Maths secondary", "Early reading", "Science practicals"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def warm_up(d: Deployment) -> list[Outcome]:
    """First contact for every member (it creates their account), and a few communities to list."""
    firsts = await asyncio.gather(*(m.send(Command("help", "help", ("help",))) for m in d.members))
    creators = [m for m in d.members if m.platform == "slack"][: len(COMMUNITIES)]
    for member, name in zip(creators, COMMUNITIES, strict=True):
        firsts.append(await member.send(create_community(name)))
    return list(firsts)


def create_community(name: str) -> Command:
    description = "Teachers sharing what works"
    return Command(
        "community create",
        f'community create "{name}" "{description}"',
        ("community", "create"),
        {"name": name, "description": description},
    )


async def baseline(members: list[Member], rng: random.Random) -> list[Outcome]:
    """The same mix, one command at a time, one member per platform, nothing else running.

    These members take no part in the load: their burst would count against the per-member limit
    there."""
    found = []
    for member in members:
        for n in range(BASELINE_PER_PLATFORM):
            found.append(await member.send(mixed_command(rng, n)))
    return found


async def under_load(d: Deployment, seconds: float, rng: random.Random) -> list[Outcome]:
    deadline = time.perf_counter() + seconds
    outcomes: list[Outcome] = []

    async def member_run(member: Member, seed: int) -> None:
        own = random.Random(seed)
        await asyncio.sleep(own.uniform(0, THINK[1]))  # members arrive spread out, not at once
        n = 0
        while time.perf_counter() < deadline:
            outcomes.append(await member.send(mixed_command(own, seed * 1000 + n)))
            n += 1
            # The member reads the answer and thinks; no new command starts after the window.
            await asyncio.sleep(min(own.uniform(*THINK), max(0.0, deadline - time.perf_counter())))

    await asyncio.gather(*(member_run(m, rng.randrange(1 << 30)) for m in d.members))
    return outcomes


def describe(label: str, outcomes: list[Outcome]) -> None:
    done = [o.seconds for o in outcomes if not o.error]
    if not done:
        print(f"  {label}: no answers")
        return
    print(
        f"  {label:<9} {len(outcomes):6,} commands  p50 {percentile(done, 0.5) * 1000:7.1f} ms"
        f"  p99 {percentile(done, 0.99) * 1000:7.1f} ms  errors {sum(1 for o in outcomes if o.error)}"
    )


async def main_async(seconds: float, members: int) -> list[Figure]:
    rng = random.Random(2026)
    async with deployment(members // 3 + 1) as d:
        warm = await warm_up(d)
        calm = [next(m for m in reversed(d.members) if m.platform == p) for p in PLATFORMS]
        d.members = [m for m in d.members if m not in calm]
        rest = await baseline(calm, rng)
        started = time.perf_counter()
        outcomes = await under_load(d, seconds, rng)
        elapsed = max(seconds, time.perf_counter() - started)
        unmatched = d.inbox.unmatched

    errors = [o for o in outcomes if o.error]
    warm_errors = [o for o in warm + rest if o.error]
    print(
        f"{len(d.members)} members, {seconds:.0f} s: {len(outcomes):,} commands "
        f"({len(outcomes) / elapsed:.1f}/s), {len(errors)} errors; warm-up errors "
        f"{len(warm_errors)}; extra messages {unmatched}"
    )
    describe("at rest", rest)
    describe("all", outcomes)
    for platform in ("slack", "telegram", "discord"):
        describe(platform, [o for o in outcomes if o.platform == platform])
    for kind, count in Counter(o.kind for o in errors).most_common():
        print(f"  errors in {kind}: {count}")
    for outcome in (errors + warm_errors)[:5]:
        print(f"  e.g. {outcome.platform} {outcome.kind}: {outcome.error}")

    done = [o.seconds for o in outcomes if not o.error]
    rest_done = [o.seconds for o in rest if not o.error]
    p50, p99 = percentile(done, 0.5), percentile(done, 0.99)
    rest50, rest99 = percentile(rest_done, 0.5), percentile(rest_done, 0.99)
    slowest = max(
        ("slack", "telegram", "discord"),
        key=lambda p: percentile(
            [o.seconds for o in outcomes if o.platform == p and not o.error] or [0.0], 0.99
        ),
    )
    slowest_p99 = percentile(
        [o.seconds for o in outcomes if o.platform == slowest and not o.error] or [0.0], 0.99
    )
    label = f"{len(d.members)} members, {seconds:.0f} s"
    return [
        Figure(
            f"load ({label}): commands answered",
            f"{len(done):,} ({len(outcomes) / elapsed:.1f}/s)",
            goal="(context)",
        ),
        Figure(
            f"load ({label}): errors",
            f"{len(errors)} of {len(outcomes):,}",
            goal="0",
            met=not errors and not warm_errors,
        ),
        Figure(
            f"load ({label}): reply latency p50",
            f"{p50 * 1000:.0f} ms",
            f"{rest50 * 1000:.0f} ms at rest",
            f"{p50 / rest50:.2f}",
            "(context)",
        ),
        Figure(
            f"load ({label}): reply latency p99",
            f"{p99 * 1000:.0f} ms",
            f"{rest99 * 1000:.0f} ms at rest",
            f"{p99 / rest99:.2f}",
            f"<= {P99_GOAL_SECONDS:.0f} s",
            at_most(p99, P99_GOAL_SECONDS),
        ),
        Figure(
            f"load ({label}): slowest platform p99 ({slowest})",
            f"{slowest_p99 * 1000:.0f} ms",
            goal=f"<= {P99_GOAL_SECONDS:.0f} s",
            met=at_most(slowest_p99, P99_GOAL_SECONDS),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--members", type=int, default=300, help="split evenly over 3 platforms")
    args = parser.parse_args()
    emit(asyncio.run(main_async(args.seconds, args.members)))


if __name__ == "__main__":
    main()
