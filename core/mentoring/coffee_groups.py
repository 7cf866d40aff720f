"""Forming coffee groups for one round: everyone placed, recent partners avoided.

Pairs come from a maximum-weight matching (networkx's blossom algorithm) in which a pair that met
within the avoid-repeat window is worth almost nothing, a pair that met longer ago a little less
than a new pair. Among the matchings that pair the most people, it picks the one with the fewest
recent repeats, so a repeat only happens when nothing else is possible. People left over (the odd
one out, or the third of each group when groups are of three) join groups by a linear assignment
that again avoids recent partners. Nobody is dropped.

networkx, NumPy and SciPy are imported inside the functions that group: a running Staffroom needs
them only while a rotation forms its groups, not to sit waiting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from itertools import combinations

NEW_PAIR = 100
MET_EARLIER = 99
MET_RECENTLY = 1


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _weight(
    a: int, b: int, recent: AbstractSet[tuple[int, int]], earlier: AbstractSet[tuple[int, int]]
) -> int:
    key = pair_key(a, b)
    if key in recent:
        return MET_RECENTLY
    if key in earlier:
        return MET_EARLIER
    return NEW_PAIR


def coffee_groups(
    people: Iterable[int],
    *,
    recent: AbstractSet[tuple[int, int]] = frozenset(),
    earlier: AbstractSet[tuple[int, int]] = frozenset(),
    size: int = 2,
) -> list[list[int]]:
    """Groups of ``size`` (a few one larger, or one smaller, when the numbers do not divide),
    covering everyone.

    ``recent`` holds pairs (smaller id first) that met within the avoid-repeat window,
    ``earlier`` pairs that met before it. One person alone gets no group: the caller tells them.
    """
    members = sorted(set(people))
    if len(members) < 2:
        return []
    if len(members) <= size + 1:
        return [members]
    return _grouped(members, recent, earlier, size)


def group_count(people: int, size: int) -> int:
    """How many groups ``people`` make: each of ``size`` or ``size + 1`` when the numbers allow,
    else some of ``size - 1`` (5 people in threes: a three and a two, never one group of five)."""
    groups = max(1, people // size)
    if people - groups * size > groups:  # the remainder cannot be spread one per group
        groups += 1
    return groups


def _grouped(
    members: list[int],
    recent: AbstractSet[tuple[int, int]],
    earlier: AbstractSet[tuple[int, int]],
    size: int,
) -> list[list[int]]:
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(members)
    for a, b in combinations(members, 2):
        graph.add_edge(a, b, weight=_weight(a, b, recent, earlier))
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    pairs = sorted(
        (sorted(pair) for pair in matching),
        key=lambda p: (-_weight(p[0], p[1], recent, earlier), p[0]),
    )
    cores = [list(p) for p in pairs[: group_count(len(members), size)]]
    in_core = {m for core in cores for m in core}
    extras = [m for m in members if m not in in_core]
    if extras:
        _fill(cores, extras, recent, earlier, size)
    return cores


def _fill(
    cores: list[list[int]],
    extras: Sequence[int],
    recent: AbstractSet[tuple[int, int]],
    earlier: AbstractSet[tuple[int, int]],
    size: int,
) -> None:
    """Add the extras to the cores: every core up to ``size``, the rest spread one per core."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    mandatory = size - 2
    optional = size - 1  # enough room for any remainder, even with a single core
    columns: list[tuple[int, float]] = []  # (core index, fixed cost of using this place)
    for index in range(len(cores)):
        # Filling places up to ``size`` comes first, evenly: the k-th place of every group
        # before the (k+1)-th of any, so a short round gives groups of size-1, not a pair.
        columns += [(index, -1e6 + 1000.0 * k) for k in range(mandatory)]
        columns += [(index, 1000.0 * k) for k in range(optional)]
    cost = np.empty((len(extras), len(columns)))
    for row, person in enumerate(extras):
        for column, (index, fixed) in enumerate(columns):
            clash = sum(
                NEW_PAIR - _weight(person, other, recent, earlier) for other in cores[index]
            )
            cost[row, column] = fixed + clash
    rows, cols = linear_sum_assignment(cost)
    for row, column in zip(rows, cols, strict=True):
        cores[columns[column][0]].append(extras[row])
    for core in cores:
        core.sort()
