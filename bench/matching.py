"""Mentor matching at scale: time of the fit matrix and of the optimal assignment, and its total fit
against a greedy baseline on the same instance.

Run: ``.venv/bin/python bench/matching.py`` (about a minute on one core). Profiles are random but
realistic in shape: a few subjects and phases each, goals written as short phrases, timezones from
a handful of regions, 0-30 years of experience.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.figures import Figure, emit
from core.mentoring.assignment import DENSE_LIMIT, assign, greedy, total_fit
from core.mentoring.fit import MenteeProfile, MentorProfile, fit_matrix
from core.mentoring.settings import MatchWeights

SUBJECTS = [
    "maths",
    "english",
    "science",
    "physics",
    "chemistry",
    "biology",
    "history",
    "geography",
    "art",
    "music",
    "computing",
    "languages",
    "pe",
    "drama",
    "re",
]
PHASES = ["early-years", "primary", "secondary", "further"]
TOPICS = [
    "behaviour management",
    "assessment for learning",
    "curriculum design",
    "first-year teaching",
    "leadership",
    "inclusion and send",
    "workload",
    "feedback and marking",
    "questioning",
    "parental engagement",
    "exam preparation",
    "differentiation",
    "classroom routines",
    "retrieval practice",
    "oracy",
    "phonics",
    "reading for pleasure",
    "wellbeing",
    "coaching",
    "edtech",
]
ZONES = [
    "Europe/London",
    "Europe/Madrid",
    "Europe/Athens",
    "America/New_York",
    "America/Chicago",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
    "Africa/Lagos",
]
LANGUAGES = ["en", "es", "fr", "de", "ar", "hi", "pt"]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def people(
    mentees: int, mentors: int, seed: int
) -> tuple[list[MenteeProfile], list[MentorProfile]]:
    rng = random.Random(seed)
    out_mentees = [
        MenteeProfile(
            member_id=i,
            name=f"mentee{i}",
            goals=tuple(rng.sample(TOPICS, rng.randint(1, 3))),
            subjects=tuple(rng.sample(SUBJECTS, rng.randint(1, 2))),
            phases=(rng.choice(PHASES),),
            languages=tuple(rng.sample(LANGUAGES, rng.randint(1, 2))),
            timezone=rng.choice(ZONES),
            years=rng.randint(0, 5),
            school=f"school{rng.randint(0, mentees // 20)}",
            priority=rng.random() < 0.1,
        )
        for i in range(mentees)
    ]
    out_mentors = [
        MentorProfile(
            member_id=mentees + j,
            name=f"mentor{j}",
            topics=tuple(rng.sample(TOPICS, rng.randint(2, 5))),
            subjects=tuple(rng.sample(SUBJECTS, rng.randint(1, 3))),
            phases=tuple(rng.sample(PHASES, rng.randint(1, 2))),
            languages=tuple(rng.sample(LANGUAGES, rng.randint(1, 3))),
            timezone=rng.choice(ZONES),
            years=rng.randint(3, 30),
            school=f"school{rng.randint(0, mentees // 20)}",
            capacity=4,
        )
        for j in range(mentors)
    ]
    return out_mentees, out_mentors


def run(mentees: int, mentors: int, time_goal: float | None) -> list[Figure]:
    """Time and compare on one instance; return the figures for bench/run's table."""
    pool, offers = people(mentees, mentors, seed=mentees)
    started = time.perf_counter()
    fit = fit_matrix(pool, offers, MatchWeights(), NOW, exclude_same_school=True, min_fit=2.0)
    fit_seconds = time.perf_counter() - started
    capacity = np.array([o.capacity for o in offers])
    started = time.perf_counter()
    pairs = assign(fit, capacity)
    solve_seconds = time.perf_counter() - started
    slots = int(capacity.sum())
    method = (
        "dense linear_sum_assignment"
        if mentees * slots <= DENSE_LIMIT
        else ("sparse top-40 + min_weight_full_bipartite_matching")
    )
    started = time.perf_counter()
    baseline = greedy(fit, capacity)
    greedy_seconds = time.perf_counter() - started
    best, naive = total_fit(fit, pairs), total_fit(fit, baseline)
    used = np.bincount([j for _, j in pairs], minlength=len(offers))
    assert (used <= capacity).all(), "capacity exceeded"
    print(f"{mentees:,} mentees x {mentors:,} mentors (capacity 4, {slots:,} places): {method}")
    print(
        f"  fit matrix {fit_seconds:.2f} s, assignment {solve_seconds:.2f} s, "
        f"total {fit_seconds + solve_seconds:.2f} s"
    )
    print(
        f"  matched {len(pairs):,}; total fit optimal {best:,.1f} vs greedy {naive:,.1f} "
        f"({len(baseline):,} pairs, {greedy_seconds:.2f} s): "
        f"{(best - naive) / naive * 100:+.2f}%"
    )
    size = f"{mentees:,} x {mentors:,}"
    total = fit_seconds + solve_seconds
    return [
        Figure(
            f"mentor matching time ({size})",
            f"{total:.2f} s",
            f"{greedy_seconds:.2f} s greedy",
            f"{total / greedy_seconds:.2f}",
            f"< {time_goal:.0f} s" if time_goal else "(context)",
            total < time_goal if time_goal else None,
        ),
        Figure(
            f"mentor matching total fit ({size})",
            f"{best:,.1f}",
            f"{naive:,.1f} greedy",
            f"{best / naive:.4f}",
            ">= greedy",
            best >= naive,
        ),
    ]


if __name__ == "__main__":
    emit(run(2_000, 500, time_goal=2.0) + run(10_000, 2_500, time_goal=None))
