"""Periods a member can ask a summary, list or export for.

``this-year`` (the CPD year, starting in the configured month; the default), ``last-year``,
``month``, ``last-month``, ``week`` (Monday to Sunday), ``all``, or an explicit range of ISO dates
``2025-09-01..2026-08-31``. Days are the member's own calendar days; both ends are included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.i18n import _
from core.params import BadValue

PERIOD_NAMES = ("this-year", "last-year", "month", "last-month", "week", "all")
_ALIASES = {"year": "this-year", "this-month": "month", "this-week": "week"}


@dataclass(frozen=True, slots=True)
class Period:
    """A span of calendar days; ``None`` ends are open (``all``)."""

    name: str
    start: date | None
    end: date | None

    @property
    def is_cycle(self) -> bool:
        """A whole CPD year, so the yearly target applies."""
        return self.name in ("this-year", "last-year")

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def label(self) -> str:
        if self.start is None and self.end is None:
            return _("all time")
        if self.start is None:
            return _("up to {end}", end=self.end)
        if self.end is None:
            return _("from {start}", start=self.start)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    def slug(self) -> str:
        """For file names: ``2025-09-01_2026-08-31`` or ``all``."""
        if self.start is None and self.end is None:
            return "all"
        return f"{self.start or 'start'}_{self.end or 'now'}"


def cycle_start(day: date, start_month: int) -> date:
    """First day of the CPD year that ``day`` falls in."""
    year = day.year if day.month >= start_month else day.year - 1
    return date(year, start_month, 1)


def _add_year(day: date) -> date:
    return day.replace(year=day.year + 1)


def parse_period(text: str | None, today: date, start_month: int) -> Period:
    """The period named by ``text`` (None means ``this-year``), relative to ``today``."""
    raw = (text or "this-year").strip().lower()
    raw = _ALIASES.get(raw, raw)
    if ".." in raw:
        return _range(raw)
    if raw == "this-year":
        start = cycle_start(today, start_month)
        return Period(raw, start, _add_year(start) - timedelta(days=1))
    if raw == "last-year":
        end = cycle_start(today, start_month)
        return Period(raw, end.replace(year=end.year - 1), end - timedelta(days=1))
    if raw == "month":
        start = today.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return Period(raw, start, following - timedelta(days=1))
    if raw == "last-month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(raw, end.replace(day=1), end)
    if raw == "week":
        start = today - timedelta(days=today.weekday())
        return Period(raw, start, start + timedelta(days=6))
    if raw == "all":
        return Period(raw, None, None)
    raise BadValue(
        _(
            "{period} is not a period I know. Use one of {names}, or dates like "
            "2025-09-01..2026-08-31.",
            period=raw[:30],
            names=", ".join(PERIOD_NAMES),
        ),
        "period",
    )


def _range(raw: str) -> Period:
    first, _sep, last = raw.partition("..")
    try:
        start = date.fromisoformat(first.strip()) if first.strip() else None
        end = date.fromisoformat(last.strip()) if last.strip() else None
    except ValueError:
        raise BadValue(
            _("A date range looks like 2025-09-01..2026-08-31 (ISO dates, both included)."),
            "period",
        ) from None
    if start and end and end < start:
        raise BadValue(_("The range ends before it starts. Put the earlier date first."), "period")
    return Period("range", start, end)
