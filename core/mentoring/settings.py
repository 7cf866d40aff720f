"""Configuration of mentor matching and coffee rotations (section ``[mentoring]``)."""

from __future__ import annotations

from pydantic import Field

from core.config_section import Section


class MatchWeights(Section):
    """What each part of a fit is worth (see :mod:`core.mentoring.fit`).

    A mismatch costs its penalty on top of the shared bonus it misses, so with the defaults a
    mentor who teaches another phase (or other subjects) is worth less than one who shares it,
    whatever timezone and language they share: ``phases + phase_mismatch`` (3.5) and
    ``subjects + subject_mismatch`` (3.0) are more than ``language + timezone`` (2.5).
    """

    goals: float = Field(default=4.0, ge=0)
    subjects: float = Field(default=2.0, ge=0)
    phases: float = Field(default=2.0, ge=0)
    language: float = Field(default=1.5, ge=0)
    timezone: float = Field(default=1.0, ge=0)
    experience: float = Field(default=0.5, ge=0)
    phase_mismatch: float = Field(default=1.5, ge=0)
    """Taken off when both sides name their phases and share none (primary and secondary)."""
    subject_mismatch: float = Field(default=1.0, ge=0)
    """Taken off when both sides name their subjects and share none."""
    priority: float = Field(default=3.0, ge=0)
    """Bonus for a mentee left unmatched in the previous round."""


class MentoringSettings(Section):
    weights: MatchWeights = Field(default_factory=MatchWeights)
    default_capacity: int = Field(default=2, ge=1, le=20)
    proposal_expiry_days: int = Field(default=7, ge=1, le=60)
    checkin_every_weeks: int = Field(default=2, ge=1, le=12)
    exclude_same_school: bool = False
    min_fit: float = Field(default=2.0, ge=0)
    """Pairs that fit less than this (before the priority bonus) are never proposed: sharing only
    a timezone is not a reason to mentor someone."""
    coffee_avoid_repeat_rounds: int = Field(default=6, ge=0, le=52)
    """A coffee pair is not repeated within this many rounds."""
