"""Configuration of mentor matching and coffee rotations (section ``[mentoring]``)."""

from __future__ import annotations

from pydantic import Field

from core.config_section import Section


class MatchWeights(Section):
    goals: float = Field(default=4.0, ge=0)
    subjects: float = Field(default=2.0, ge=0)
    phases: float = Field(default=2.0, ge=0)
    language: float = Field(default=1.5, ge=0)
    timezone: float = Field(default=1.0, ge=0)
    experience: float = Field(default=0.5, ge=0)
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
