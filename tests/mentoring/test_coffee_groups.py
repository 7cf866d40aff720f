"""Coffee grouping as a pure function: everyone placed, no recent repeats."""

from __future__ import annotations

from itertools import combinations

import pytest

from core.mentoring.coffee_groups import coffee_groups, pair_key


def test_fifty_members_ten_rounds_no_repeat_within_window() -> None:
    people = list(range(1, 51))
    window = 6
    history: list[list[list[int]]] = []
    for _round in range(10):
        recent = {
            pair_key(a, b)
            for groups in history[-window:]
            for group in groups
            for a, b in combinations(group, 2)
        }
        groups = coffee_groups(people, recent=recent)
        assert sorted(m for g in groups for m in g) == people
        assert all(len(g) == 2 for g in groups)
        for group in groups:
            for a, b in combinations(group, 2):
                assert pair_key(a, b) not in recent
        history.append(groups)


@pytest.mark.parametrize(("n", "size"), [(7, 2), (3, 2), (11, 3), (13, 3), (2, 3), (9, 2)])
def test_nobody_is_dropped(n: int, size: int) -> None:
    groups = coffee_groups(range(n), size=size)
    assert sorted(m for g in groups for m in g) == list(range(n))
    assert all(len(g) >= 2 for g in groups)
    if n >= 2 * size:
        assert all(size <= len(g) <= size + 1 for g in groups)


def test_one_person_gets_no_group() -> None:
    assert coffee_groups([5]) == []


def test_odd_one_out_joins_a_pair_they_have_not_met() -> None:
    recent = {pair_key(1, 2), pair_key(1, 3)}
    groups = coffee_groups([1, 2, 3, 4, 5], recent=recent)
    trio = next(g for g in groups if len(g) == 3)
    for a, b in combinations(trio, 2):
        assert pair_key(a, b) not in recent


@pytest.mark.parametrize("size", [2, 3, 4, 5])
def test_groups_stay_within_size_and_one_more_when_the_numbers_allow(size: int) -> None:
    for people in range(2, 40):
        groups = coffee_groups(range(1, people + 1), size=size)
        lengths = sorted(len(g) for g in groups)
        assert sum(lengths) == people and all(n >= 2 for n in lengths)
        if people <= size + 1:
            assert lengths == [people]
            continue
        fits = any(g * size <= people <= g * (size + 1) for g in range(1, people + 1))
        assert lengths[-1] <= size + 1, (people, size, lengths)
        if fits:
            assert lengths[0] >= size, (people, size, lengths)
        else:  # some groups one smaller, as evenly as possible (5 in threes: 3 and 2)
            assert lengths[-1] - lengths[0] <= 1, (people, size, lengths)
