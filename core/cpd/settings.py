"""Configuration of the CPD record (section ``[cpd]``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from core.commands import N_
from core.config_section import Section

DEFAULT_CATEGORIES = [
    N_("course"),
    N_("conference"),
    N_("workshop"),
    N_("reading"),
    N_("online learning"),
    N_("peer observation"),
    N_("coaching/mentoring"),
    N_("action research"),
    N_("collaborative enquiry"),
    N_("lesson study"),
    N_("presenting"),
]
"""The shipped categories. Stored, configured and written in command lines as these English words;
members see them in their own language (:func:`core.cpd.replies.category_label`)."""


class CpdSettings(Section):
    categories: list[str] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES), min_length=1)
    """Activity categories offered to members; an organisation may rename or add its own."""
    yearly_target_hours: float = Field(default=35.0, ge=0, le=1000)
    cycle_start_month: int = Field(default=9, ge=1, le=12)
    """Month the CPD year starts (9 = September)."""
    nudge_after_weeks: int = Field(default=4, ge=0, le=52)
    """Nudge a member who has logged nothing for this many weeks (0 = never)."""
    goal_reminder_days: int = Field(default=7, ge=0, le=90)
    max_hours_per_activity: float = Field(default=60.0, gt=0, le=1000)
    standards_frameworks: list[str] = Field(
        default_factory=lambda: ["teachers-standards-england", "generic"]
    )
    """Standards frameworks activities can be tagged with (data files shipped in core/cpd)."""

    @field_validator("standards_frameworks")
    @classmethod
    def _frameworks_exist(cls, value: list[str]) -> list[str]:
        from core.cpd.frameworks import load_framework

        for framework_id in value:
            load_framework(framework_id)  # ValueError naming the shipped ones
        return value

    pdf_font: str = ""
    """A Unicode TrueType font for the text of PDF exports (a ``-Bold`` file beside it is used
    for headings); empty: DejaVu Sans from the usual system places. Characters it lacks come
    from the system's Noto Sans CJK and Noto Color Emoji when installed (core/cpd/exports.py)."""
