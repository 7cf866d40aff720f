"""Configuration of reflection prompts (section ``[reflection]``)."""

from __future__ import annotations

from pydantic import Field

from core.config_section import Section


class ReflectionSettings(Section):
    default_model: str = "driscoll"
    """Reflective model used when a member does not choose one."""
    follow_up_hours: int = Field(default=24, ge=0, le=168)
    """Send one follow-up if a prompt is unanswered this long (0 = never)."""
    max_answer_length: int = Field(default=4000, ge=100, le=20000)
