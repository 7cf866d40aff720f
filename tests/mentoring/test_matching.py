"""The matching maths as pure functions: capacity, exclusions, priority, optimality."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime

import numpy as np
import pytest

from core.mentoring.assignment import assign, greedy, total_fit
from core.mentoring.explain import explain
from core.mentoring.fit import EXCLUDED, MenteeProfile, MentorProfile, fit_matrix, reasons
from core.mentoring.settings import MatchWeights

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TOPICS = ["behaviour management", "assessment", "curriculum design", "leadership", "phonics"]


def population(n: int, m: int, seed: int) -> tuple[list[MenteeProfile], list[MentorProfile]]:
    rng = random.Random(seed)
    mentees = [
        MenteeProfile(
            member_id=i,
            name=f"e{i}",
            goals=tuple(rng.sample(TOPICS, 2)),
            subjects=(rng.choice(["maths", "english"]),),
            phases=(rng.choice(["primary", "secondary"]),),
            timezone=rng.choice(["Europe/London", "Asia/Tokyo"]),
            school=rng.choice(["a", "b", "c"]),
        )
        for i in range(n)
    ]
    mentors = [
        MentorProfile(
            member_id=1000 + j,
            name=f"t{j}",
            topics=tuple(rng.sample(TOPICS, 2)),
            subjects=(rng.choice(["maths", "english"]),),
            phases=(rng.choice(["primary", "secondary"]),),
            timezone=rng.choice(["Europe/London", "Asia/Tokyo"]),
            years=rng.randint(2, 20),
            school=rng.choice(["a", "b", "c"]),
            capacity=rng.randint(1, 3),
        )
        for j in range(m)
    ]
    return mentees, mentors


@pytest.mark.parametrize("seed", range(5))
def test_capacity_never_exceeded_and_each_mentee_once(seed: int) -> None:
    mentees, mentors = population(40, 8, seed)
    fit = fit_matrix(mentees, mentors, MatchWeights(), NOW)
    capacity = [t.capacity for t in mentors]
    pairs = assign(fit, capacity)
    used = np.bincount([j for _, j in pairs], minlength=len(mentors))
    assert (used <= np.array(capacity)).all()
    assert len({i for i, _ in pairs}) == len(pairs)
    assert len(pairs) == sum(capacity)  # more mentees than places: every place is used


def test_sparse_solver_respects_capacity_and_matches_dense_on_easy_instance() -> None:
    mentees, mentors = population(60, 12, 7)
    fit = fit_matrix(mentees, mentors, MatchWeights(), NOW)
    capacity = [t.capacity for t in mentors]
    dense = assign(fit, capacity)
    sparse = assign(fit, capacity, dense_limit=0, top_k=len(mentors))
    used = np.bincount([j for _, j in sparse], minlength=len(mentors))
    assert (used <= np.array(capacity)).all()
    assert total_fit(fit, sparse) == pytest.approx(total_fit(fit, dense), rel=1e-5)


@pytest.mark.parametrize("seed", range(5))
def test_optimal_is_at_least_greedy(seed: int) -> None:
    mentees, mentors = population(50, 10, seed)
    fit = fit_matrix(mentees, mentors, MatchWeights(), NOW)
    capacity = [t.capacity for t in mentors]
    assert total_fit(fit, assign(fit, capacity)) >= total_fit(fit, greedy(fit, capacity)) - 1e-4


def test_optimal_beats_greedy_where_greedy_is_short_sighted() -> None:
    fit = np.array([[10, 9], [8, 0]], dtype=np.float32)
    assert total_fit(fit, assign(fit, [1, 1])) == 17
    assert total_fit(fit, greedy(fit, [1, 1])) == 10


def test_exclusions_hold() -> None:
    mentees, mentors = population(30, 10, 3)
    me = mentors[0]
    mentees.append(
        MenteeProfile(member_id=me.member_id, name="self", goals=me.topics, subjects=me.subjects)
    )
    declined = [(mentees[0].member_id, mentors[1].member_id)]
    fit = fit_matrix(
        mentees, mentors, MatchWeights(), NOW, excluded_pairs=declined, exclude_same_school=True
    )
    assert fit[len(mentees) - 1, 0] == EXCLUDED
    assert fit[0, 1] == EXCLUDED
    for i, j in itertools.product(range(30), range(10)):
        if mentees[i].school == mentors[j].school:
            assert fit[i, j] == EXCLUDED
    for i, j in assign(fit, [5] * len(mentors)):
        assert fit[i, j] > 0
        assert mentees[i].school != mentors[j].school
        assert (mentees[i].member_id, mentors[j].member_id) not in declined
        assert mentees[i].member_id != mentors[j].member_id


def test_priority_wins_the_last_place() -> None:
    mentor = MentorProfile(member_id=10, name="Ana", topics=("assessment",), capacity=1)
    a = MenteeProfile(member_id=1, name="A", goals=("assessment",), subjects=("maths",))
    b = MenteeProfile(member_id=2, name="B", goals=("assessment",))
    fit = fit_matrix([a, b], [mentor], MatchWeights(), NOW)
    assert assign(fit, [1]) == [(0, 0)]
    waited = MenteeProfile(member_id=2, name="B", goals=("assessment",), priority=True)
    fit = fit_matrix([a, waited], [mentor], MatchWeights(), NOW)
    assert assign(fit, [1]) == [(1, 0)]


def test_min_fit_keeps_out_pairs_with_nothing_in_common() -> None:
    mentor = MentorProfile(member_id=10, name="Ana", topics=("phonics",), capacity=1)
    mentee = MenteeProfile(member_id=1, name="B", goals=("leadership",))
    fit = fit_matrix([mentee], [mentor], MatchWeights(), NOW, min_fit=2.0)
    assert assign(fit, [1]) == []


def test_explanation_names_the_real_reasons_for_each_side() -> None:
    ana = MentorProfile(
        member_id=10,
        name="Ana",
        topics=("behaviour management",),
        subjects=("maths",),
        phases=("secondary",),
        timezone="Europe/Madrid",
        years=12,
    )
    bob = MenteeProfile(
        member_id=1,
        name="Bob",
        goals=("behaviour management", "marking"),
        subjects=("maths",),
        phases=("secondary",),
        timezone="Europe/London",
        years=1,
    )
    why = reasons(bob, ana, NOW)
    to_bob = explain(why, viewer="mentee", other_name="Ana")
    assert to_bob.startswith("You both teach secondary maths")
    assert "Ana mentors on behaviour management, your first goal" in to_bob
    assert "1 h apart" in to_bob
    to_ana = explain(why, viewer="mentor", other_name="Bob")
    assert "Bob's first goal, behaviour management, matches your topic" in to_ana
    assert "experience" not in to_ana


def test_timezone_distance_is_measured_now() -> None:
    summer = datetime(2026, 7, 1, 12, tzinfo=UTC)
    ny = MentorProfile(member_id=10, name="Ny", timezone="America/New_York")
    ldn = MenteeProfile(member_id=1, name="Ldn", timezone="Europe/London")
    assert {"code": "hours", "hours": 5.0} in reasons(ldn, ny, summer)
    # On 2026-11-01 New York is back on EST while London has been on GMT for a week.
    assert {"code": "hours", "hours": 5.0} in reasons(ldn, ny, NOW)
    assert {"code": "hours", "hours": 4.0} in reasons(
        ldn, ny, datetime(2026, 10, 28, 12, tzinfo=UTC)
    )


def test_a_mismatch_costs_more_than_a_shared_timezone_and_language_bring() -> None:
    weights = MatchWeights()
    shared_clock_and_tongue = weights.language + weights.timezone
    assert weights.phases + weights.phase_mismatch > shared_clock_and_tongue
    assert weights.subjects + weights.subject_mismatch > shared_clock_and_tongue


def test_a_primary_request_goes_to_the_primary_mentor_not_the_nearby_secondary_one() -> None:
    phonics = MenteeProfile(
        member_id=1,
        name="Pia",
        goals=("phonics",),
        subjects=("english",),
        phases=("primary",),
        languages=("en",),
        timezone="Europe/London",
    )
    nearby = MentorProfile(
        member_id=10,
        name="Sam",
        topics=("behaviour management",),
        subjects=("maths",),
        phases=("secondary",),
        languages=("en",),
        timezone="Europe/London",
    )
    primary = MentorProfile(
        member_id=11,
        name="Yui",
        topics=("reading",),
        phases=("primary",),
        languages=("ja",),
        timezone="Asia/Tokyo",
    )
    fit = fit_matrix([phonics], [nearby, primary], MatchWeights(), NOW, min_fit=2.0)
    assert fit[0, 0] == EXCLUDED  # a shared clock and language alone are no reason
    assert assign(fit, [1, 1]) == [(0, 1)]
    # With no primary mentor, a secondary maths mentor sharing only those is not proposed.
    alone = fit_matrix([phonics], [nearby], MatchWeights(), NOW, min_fit=2.0)
    assert assign(alone, [1]) == []


def test_a_mismatched_pair_made_for_the_goal_says_what_does_not_fit() -> None:
    sam = MentorProfile(
        member_id=10,
        name="Sam",
        topics=("behaviour management",),
        subjects=("maths",),
        phases=("secondary",),
        timezone="Europe/London",
    )
    pia = MenteeProfile(
        member_id=1,
        name="Pia",
        goals=("behaviour management",),
        subjects=("english",),
        phases=("primary",),
        timezone="Europe/London",
    )
    fit = fit_matrix([pia], [sam], MatchWeights(), NOW, min_fit=2.0)
    assert assign(fit, [1]) == [(0, 0)]
    why = reasons(pia, sam, NOW)
    to_pia = explain(why, viewer="mentee", other_name="Sam")
    assert "Sam mentors on behaviour management, your first goal" in to_pia
    assert "You both teach" not in to_pia
    assert to_pia.endswith("What does not fit: Sam teaches secondary maths, not primary english.")
    to_sam = explain(why, viewer="mentor", other_name="Pia")
    assert to_sam.endswith("What does not fit: Pia teaches primary english, not secondary maths.")
    # A shared phase is said as shared, and only the subjects as what differs.
    sam_primary = MentorProfile(
        member_id=10, name="Sam", topics=sam.topics, subjects=("maths",), phases=("primary",)
    )
    shown = explain(reasons(pia, sam_primary, NOW), viewer="mentee", other_name="Sam")
    assert shown.startswith("You both teach primary")
    assert shown.endswith("What does not fit: Sam teaches maths, not english.")


def test_an_empty_profile_is_unknown_not_a_mismatch() -> None:
    sam = MentorProfile(member_id=10, name="Sam", topics=("phonics",), phases=("primary",))
    pia = MenteeProfile(member_id=1, name="Pia", goals=("phonics",), subjects=("english",))
    assert not any(r["code"] == "differs" for r in reasons(pia, sam, NOW))
    plain = fit_matrix([pia], [sam], MatchWeights(), NOW)
    assert float(plain[0, 0]) == pytest.approx(MatchWeights().goals + MatchWeights().timezone)
