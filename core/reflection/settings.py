"""Configuration of reflection prompts (section ``[reflection]``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from core.config_section import Section

MODEL_KEYS = ("driscoll", "gibbs", "kolb", "schon", "brookfield")
"""The reflective models in the prompt library (see ``core/reflection/prompts``)."""


class ReflectionSettings(Section):
    default_model: str = "driscoll"
    """Reflective model used when a member does not choose one."""
    follow_up_hours: int = Field(default=24, ge=0, le=168)
    """Send one follow-up if a prompt is unanswered this long (0 = never)."""
    max_answer_length: int = Field(default=4000, ge=100, le=20000)
    answer_window_hours: int = Field(default=168, ge=1, le=24 * 60)
    """A message this long after a prompt still counts as its answer; later ones do not."""
    cpd_hours: float = Field(default=0.5, gt=0, le=10)
    """Hours the "Log as CPD evidence" button suggests for one reflection."""
    cpd_category: str = "action research"
    """CPD category the button suggests (left out if the CPD categories do not include it)."""

    @field_validator("default_model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        if value not in MODEL_KEYS:
            raise ValueError(f"must be one of {', '.join(MODEL_KEYS)}")
        return value
