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
