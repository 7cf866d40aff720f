"""Choosing pairs for a round: the assignment of mentees to mentors' free places with the largest
total fit, solved by SciPy rather than by hand.

Each mentor contributes one column per free place ("capacity slots"), so no mentor can get more
mentees than their capacity. A mentee may stay unmatched: pairs are only proposed where the fit is
positive and not excluded. Small and medium rounds use ``linear_sum_assignment`` on the dense
matrix, which is exactly optimal. Very large rounds keep each mentee's best ``top_k`` mentors and
solve the sparse problem with ``min_weight_full_bipartite_matching`` (one private "unmatched"
column per mentee keeps a full matching possible); that is optimal over those candidates.

NumPy and SciPy are imported inside the functions that solve: they weigh about 50 MB, and a
running Staffroom needs them only while a matching round runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

DENSE_LIMIT = 16_000_000
"""Largest mentees x slots matrix solved densely (64 MB of float32)."""


def assign(
    fit: npt.NDArray[np.float32],
    capacity: npt.NDArray[np.int64] | list[int],
    *,
    top_k: int = 40,
    dense_limit: int = DENSE_LIMIT,
) -> list[tuple[int, int]]:
    """Pairs ``(mentee row, mentor column)`` maximising the total fit within each capacity.

    ``fit`` is mentees x mentors; entries below or equal to 0 are never chosen.
    """
    import numpy as np

    caps = np.maximum(np.asarray(capacity, dtype=np.int64), 0)
    n, m = fit.shape
    if n == 0 or m == 0 or caps.sum() == 0:
        return []
    slots = np.repeat(np.arange(m), caps)
    if n * len(slots) <= dense_limit:
        return _dense(fit, slots)
    return _sparse(fit, caps, top_k)


def _dense(fit: npt.NDArray[np.float32], slots: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    # Clipping at 0 makes "leave unmatched" worth the same as a zero-fit place, which is then
    # dropped: the best full assignment of the clipped matrix is the best partial one.
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    benefit = np.maximum(fit[:, slots], 0)
    rows, cols = linear_sum_assignment(benefit, maximize=True)
    chosen = benefit[rows, cols] > 0
    return [(int(r), int(slots[c])) for r, c in zip(rows[chosen], cols[chosen], strict=True)]


def _sparse(
    fit: npt.NDArray[np.float32], caps: npt.NDArray[np.int64], top_k: int
) -> list[tuple[int, int]]:
    import numpy as np
    from scipy import sparse
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n, m = fit.shape
    k = min(top_k, m)
    offered = caps > 0
    starts = np.concatenate(([0], np.cumsum(caps)[:-1]))
    total_slots = int(caps.sum())
    ceiling = float(fit.max()) + 1.0
    rows_out: list[npt.NDArray[np.int64]] = []
    cols_out: list[npt.NDArray[np.int64]] = []
    costs_out: list[npt.NDArray[np.float64]] = []
    for start in range(0, n, 4096):
        block = np.where(offered[None, :], fit[start : start + 4096], -1.0)
        best = (
            np.argpartition(-block, k - 1, axis=1)[:, :k]
            if k < m
            else np.tile(np.arange(m), (len(block), 1))
        )
        values = np.take_along_axis(block, best, axis=1)
        keep = values > 0
        mentee = np.nonzero(keep)[0] + start
        mentor = best[keep]
        value = values[keep].astype(np.float64)
        # One edge per free place of each candidate mentor.
        repeat = caps[mentor]
        mentee = np.repeat(mentee, repeat)
        value = np.repeat(value, repeat)
        first = np.repeat(starts[mentor], repeat)
        within = np.arange(len(first)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
        rows_out.append(mentee)
        cols_out.append(first + within)
        costs_out.append(ceiling - value)
    # Each mentee's own "unmatched" column costs the ceiling: matching saves exactly the fit.
    rows_out.append(np.arange(n))
    cols_out.append(total_slots + np.arange(n))
    costs_out.append(np.full(n, ceiling))
    graph = sparse.csr_matrix(
        (np.concatenate(costs_out), (np.concatenate(rows_out), np.concatenate(cols_out))),
        shape=(n, total_slots + n),
    )
    _, matched = min_weight_full_bipartite_matching(graph)
    slot_owner = np.repeat(np.arange(m), caps)
    return [(int(i), int(slot_owner[c])) for i, c in enumerate(matched) if 0 <= c < total_slots]


def greedy(
    fit: npt.NDArray[np.float32], capacity: npt.NDArray[np.int64] | list[int]
) -> list[tuple[int, int]]:
    """The obvious baseline: best remaining pair first. Used to measure the solver, not in rounds."""
    import numpy as np

    caps = np.asarray(capacity, dtype=np.int64).copy()
    n, _m = fit.shape
    flat = np.flatnonzero(fit > 0)
    order = flat[np.argsort(-fit.ravel()[flat], kind="stable")]
    taken = np.zeros(n, dtype=bool)
    pairs: list[tuple[int, int]] = []
    width = fit.shape[1]
    for index in order:
        i, j = divmod(int(index), width)
        if taken[i] or caps[j] <= 0:
            continue
        taken[i] = True
        caps[j] -= 1
        pairs.append((i, j))
    return pairs


def total_fit(fit: npt.NDArray[np.float32], pairs: list[tuple[int, int]]) -> float:
    """The summed fit of the chosen pairs."""
    return float(sum(float(fit[i, j]) for i, j in pairs))
