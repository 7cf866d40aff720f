"""How well a mentor fits a mentee: one vectorised score matrix for a whole round, and the plain
reasons behind a single pairing.

Scores add weighted parts, each between 0 and 1: goal/topic overlap (keywords of the mentee's goals
found in the mentor's topics and subjects), a shared subject, a shared phase, a shared language,
closeness in time (hours apart right now, so daylight saving counts) and the mentor's extra years
of experience. A phase or subject mismatch (both sides name theirs and share none) is taken off,
so a shared timezone and language never outweigh teaching another phase. Hard exclusions are
marked with :data:`EXCLUDED`. The reasons given for a pairing are computed by the same rules, what
does not fit included, so an explanation never claims what the score did not count nor hides what
it counted against.

NumPy and SciPy are imported inside the functions that compute scores: the profiles and the
reasons are needed on every mentoring command, the matrices only while a round runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.mentoring.settings import MatchWeights

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from scipy import sparse

EXCLUDED = -1.0
"""Score of a pair that must never be proposed (all real scores are at least 0)."""

_STOPWORDS = frozenset(
    [
        "and",
        "the",
        "for",
        "with",
        "of",
        "to",
        "in",
        "on",
        "a",
        "an",
        "my",
        "our",
        "your",
        "how",
        "what",
        "when",
        "into",
        "from",
        "about",
        "at",
        "by",
        "more",
        "better",
        "new",
        "first",
        "year",
        "years",
        "using",
        "use",
        "help",
        "getting",
        "get",
        "being",
    ]
)
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_CHUNK_ROWS = 2048  # rows of the score matrix computed at once: bounds temporary memory


@dataclass(frozen=True, slots=True)
class MentorProfile:
    """What matching knows of a mentor; ``capacity`` is the number of free places now."""

    member_id: int
    name: str
    topics: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    timezone: str = "UTC"
    years: int | None = None
    school: str | None = None
    capacity: int = 1


@dataclass(frozen=True, slots=True)
class MenteeProfile:
    """What matching knows of a mentee; ``priority`` if left unmatched in their last round."""

    member_id: int
    name: str
    goals: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    timezone: str = "UTC"
    years: int | None = None
    school: str | None = None
    priority: bool = False


def keywords(phrase: str) -> set[str]:
    """Content words of a phrase, lower case, with a plain plural ``s`` removed."""
    found: set[str] = set()
    for word in _WORD.findall(phrase.lower()):
        if len(word) < 3 or word in _STOPWORDS:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.add(word)
    return found


def _norm(values: Iterable[str]) -> set[str]:
    return {v.strip().lower() for v in values if v.strip()}


def utc_offset_hours(zone: str, now: datetime) -> float:
    """Hours ahead of UTC in ``zone`` at ``now`` (0 for an unknown zone)."""
    try:
        offset = now.astimezone(ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0.0
    return offset.total_seconds() / 3600 if offset is not None else 0.0


def hours_apart(a: float, b: float) -> float:
    """Hours between two UTC offsets, the short way round the clock."""
    d = abs(a - b) % 24
    return min(d, 24 - d)


def _incidence(rows: Sequence[set[str]], vocabulary: dict[str, int]) -> sparse.csr_matrix:
    """A 0/1 matrix: one row per set, one column per word of the vocabulary."""
    import numpy as np
    from scipy import sparse

    indptr = [0]
    indices: list[int] = []
    for row in rows:
        for word in row:
            column = vocabulary.get(word)
            if column is None:
                column = vocabulary[word] = len(vocabulary)
            indices.append(column)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix(
        (data, np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
        shape=(len(rows), max(len(vocabulary), 1)),
    )


def _overlap(
    left: Sequence[set[str]], right: Sequence[set[str]]
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    vocabulary: dict[str, int] = {}
    a = _incidence(left, vocabulary)
    b = _incidence(right, vocabulary)
    width = max(len(vocabulary), 1)
    a.resize((a.shape[0], width))
    b.resize((b.shape[0], width))
    return a, b


def expertise(mentor: MentorProfile) -> set[str]:
    """The keywords a mentor can help with: their topics and the subjects they teach."""
    words: set[str] = set()
    for phrase in (*mentor.topics, *mentor.subjects):
        words |= keywords(phrase)
    return words


def mentee_phases(mentee: MenteeProfile) -> set[str]:
    return _norm(mentee.phases)


def fit_matrix(
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    weights: MatchWeights,
    now: datetime,
    *,
    excluded_pairs: Iterable[tuple[int, int]] = (),
    exclude_same_school: bool = False,
    min_fit: float = 0.0,
) -> npt.NDArray[np.float32]:
    """Scores of every mentee (rows) against every mentor (columns), as float32.

    Pairs below ``min_fit`` (before the priority bonus), the mentee themself, pairs in
    ``excluded_pairs`` (``(mentee member id, mentor member id)``) and, if asked, colleagues at the
    same school get :data:`EXCLUDED`. Mentees with ``priority`` get ``weights.priority`` added to
    every pair they may have, so the solver places them first.
    """
    import numpy as np

    n, m = len(mentees), len(mentors)
    scores = np.empty((n, m), dtype=np.float32)
    if n == 0 or m == 0:
        return scores

    goal_sets = []
    for mentee in mentees:
        words: set[str] = set()
        for goal in mentee.goals:
            words |= keywords(goal)
        goal_sets.append(words)
    goals, skills = _overlap(goal_sets, [expertise(t) for t in mentors])
    goal_count = np.asarray(goals.sum(axis=1), dtype=np.float32).ravel()
    goal_share = 1.0 / np.maximum(goal_count, 1.0)
    subjects_a, subjects_b = _overlap(
        [_norm(e.subjects) for e in mentees], [_norm(t.subjects) for t in mentors]
    )
    phases_a, phases_b = _overlap(
        [mentee_phases(e) for e in mentees], [_norm(t.phases) for t in mentors]
    )
    langs_a, langs_b = _overlap(
        [_norm(e.languages) for e in mentees], [_norm(t.languages) for t in mentors]
    )
    offsets: dict[str, float] = {}
    for zone in {e.timezone for e in mentees} | {t.timezone for t in mentors}:
        offsets[zone] = utc_offset_hours(zone, now)
    tz_a = np.array([offsets[e.timezone] for e in mentees], dtype=np.float32)
    tz_b = np.array([offsets[t.timezone] for t in mentors], dtype=np.float32)
    years_a = np.array([e.years or 0 for e in mentees], dtype=np.float32)
    years_b = np.array([-1 if t.years is None else t.years for t in mentors], dtype=np.float32)
    schools: dict[str, int] = {}
    school_a = np.array([_school_code(e.school, schools) for e in mentees], dtype=np.int64)
    school_b = np.array([_school_code(t.school, schools) for t in mentors], dtype=np.int64)
    priority = np.array([e.priority for e in mentees], dtype=bool)
    skills_t, subjects_t, phases_t, langs_t = (
        x.T.tocsc() for x in (skills, subjects_b, phases_b, langs_b)
    )
    # Who named any subject (phase, language) at all.
    subjects_named, phases_named, langs_named = (
        (np.diff(a.indptr) > 0, np.diff(b.indptr) > 0)
        for a, b in ((subjects_a, subjects_b), (phases_a, phases_b), (langs_a, langs_b))
    )

    for start in range(0, n, _CHUNK_ROWS):
        rows = slice(start, min(start + _CHUNK_ROWS, n))
        block = scores[rows]
        block[:] = (goals[rows] @ skills_t).toarray()
        block *= goal_share[rows, None] * np.float32(weights.goals)
        for a, b_t, weight, penalty, (named_a, named_b) in (
            (subjects_a, subjects_t, weights.subjects, weights.subject_mismatch, subjects_named),
            (phases_a, phases_t, weights.phases, weights.phase_mismatch, phases_named),
            (langs_a, langs_t, weights.language, 0.0, langs_named),
        ):
            shared = (a[rows] @ b_t).toarray() > 0
            block += shared.astype(np.float32) * np.float32(weight)
            # Differing needs both sides to have said: an empty profile is unknown, not a clash.
            differ = named_a[rows, None] & named_b[None, :] & ~shared
            block -= differ.astype(np.float32) * np.float32(penalty)
        apart = np.abs(tz_a[rows, None] - tz_b[None, :]) % 24
        apart = np.minimum(apart, 24 - apart)
        block += (1 - np.minimum(apart, 12) / 12) * np.float32(weights.timezone)
        gap = np.clip((years_b[None, :] - years_a[rows, None]) / 10, 0, 1)
        gap[:, years_b < 0] = 0
        block += gap * np.float32(weights.experience)
        block[block < min_fit] = EXCLUDED
        bonus = np.where(priority[rows], np.float32(weights.priority), np.float32(0))
        block += np.where(block >= 0, bonus[:, None], np.float32(0))
        if exclude_same_school:
            same = (school_a[rows, None] == school_b[None, :]) & (school_a[rows, None] >= 0)
            block[same] = EXCLUDED

    mentor_index = {t.member_id: j for j, t in enumerate(mentors)}
    for i, mentee in enumerate(mentees):
        j = mentor_index.get(mentee.member_id)
        if j is not None:
            scores[i, j] = EXCLUDED
    mentee_index = {e.member_id: i for i, e in enumerate(mentees)}
    for mentee_id, mentor_id in excluded_pairs:
        row, column = mentee_index.get(mentee_id), mentor_index.get(mentor_id)
        if row is not None and column is not None:
            scores[row, column] = EXCLUDED
    return scores


def _school_code(school: str | None, codes: dict[str, int]) -> int:
    key = (school or "").strip().lower()
    if not key:
        return -1
    return codes.setdefault(key, len(codes))


def reasons(mentee: MenteeProfile, mentor: MentorProfile, now: datetime) -> list[dict[str, Any]]:
    """The reasons a pairing fits, as data (see :mod:`core.mentoring.explain` for the words)."""
    found: list[dict[str, Any]] = []
    subjects = sorted(_norm(mentee.subjects) & _norm(mentor.subjects))
    phases = sorted(mentee_phases(mentee) & _norm(mentor.phases))
    if subjects or phases:
        found.append({"code": "teach", "subjects": subjects, "phases": phases})
    skills = {
        phrase: keywords(phrase) for phrase in (*mentor.topics, *mentor.subjects) if phrase.strip()
    }
    for index, goal in enumerate(mentee.goals):
        wanted = keywords(goal)
        best = max(skills, key=lambda p: len(skills[p] & wanted), default=None)
        if best is not None and skills[best] & wanted:
            found.append({"code": "goal", "goal": goal, "index": index, "topic": best})
    differs: dict[str, Any] = {"code": "differs"}
    for part, mine, theirs, shared in (
        ("phases", mentee_phases(mentee), _norm(mentor.phases), phases),
        ("subjects", _norm(mentee.subjects), _norm(mentor.subjects), subjects),
    ):
        if mine and theirs and not shared:
            differs[part] = {"mentee": sorted(mine), "mentor": sorted(theirs)}
    languages = sorted(_norm(mentee.languages) & _norm(mentor.languages))
    if languages:
        found.append({"code": "language", "languages": languages})
    apart = hours_apart(
        utc_offset_hours(mentee.timezone, now), utc_offset_hours(mentor.timezone, now)
    )
    found.append({"code": "hours", "hours": round(apart, 1)})
    if mentor.years is not None and mentor.years > (mentee.years or 0):
        found.append({"code": "experience", "years": mentor.years})
    if mentee.priority:
        found.append({"code": "priority"})
    if len(differs) > 1:
        found.append(differs)
    return found
