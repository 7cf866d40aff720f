"""Recurrence maths: when does a schedule fire next, in its own local time?

Recurrences are plain data (stored in ``Schedule.recurrence``)::

    {"type": "weekly", "weekdays": [0, 3], "time": "09:00", "every_weeks": 2, "anchor": "2027-03-01"}
    {"type": "daily", "time": "07:30"}
    {"type": "once", "at": "2027-03-01T09:00:00+00:00"}

Weekdays count from Monday (0) to Sunday (6). ``anchor`` (the Monday of the first week, added by
:func:`validate_recurrence`) fixes which weeks an every-N-weeks schedule fires in.

The calendar work is APScheduler's (``CronTrigger``/``DateTrigger``); this module only pins down
what the triggers leave open at daylight-saving changes, checked against 2027 transitions:

* A wall time that does not exist that day (01:30 when clocks jump from 01:00 to 02:00) fires at
  the first valid instant after the gap (02:00 local). APScheduler would return 02:30.
* A wall time that happens twice (01:30 when clocks go back) fires once, at the first of the two.
  APScheduler returns both, and asked again from the second one it returns that one again.

Every instant that leaves this module is timezone-aware UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from core.i18n import _
from core.params import BadValue

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TINY = timedelta(microseconds=1)
# Enough to step over a run of skipped weeks (every 52 weeks) plus DST oddities; a recurrence
# that needs more candidates than this has no next occurrence.
_MAX_CANDIDATES = 800


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone called ``name``, or a BadValue that says how to write one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadValue(
            _(
                "{zone} is not a timezone I know. Use a name like Europe/London or "
                "America/New_York.",
                zone=str(name)[:64],
            ),
            "timezone",
        ) from None


def parse_time(value: object, name: str = "time") -> time:
    """``"09:00"`` -> ``time(9, 0)``, or a BadValue naming the parameter."""
    match = _TIME.match(str(value).strip()) if isinstance(value, str) else None
    if match is None:
        raise BadValue(
            _("{value} is not a time of day. Use 24-hour HH:MM, like 09:00.", value=str(value)),
            name,
        )
    return time(int(match.group(1)), int(match.group(2)))


def _parse_instant(value: object) -> datetime:
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise BadValue(
            _(
                "{value} is not a date and time with a timezone. Use ISO form, like "
                "2027-03-01T09:00:00+00:00.",
                value=str(value)[:40],
            ),
            "at",
        )
    return instant.astimezone(UTC)


def validate_recurrence(
    recurrence: dict[str, Any], now: datetime, zone: ZoneInfo
) -> dict[str, Any]:
    """A checked, normalised copy of ``recurrence``; a BadValue says what is wrong with it.

    Weekly schedules repeating every N > 1 weeks get an ``anchor`` (this week's Monday, local) so
    the weeks they fire in stay fixed whatever happens later.
    """
    kind = recurrence.get("type")
    if kind == "once":
        return {"type": "once", "at": _parse_instant(recurrence.get("at")).isoformat()}
    if kind == "daily":
        at = parse_time(recurrence.get("time"))
        return {"type": "daily", "time": at.strftime("%H:%M")}
    if kind == "weekly":
        at = parse_time(recurrence.get("time"))
        weekdays = recurrence.get("weekdays")
        if (
            not isinstance(weekdays, list)
            or not weekdays
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in weekdays)
            or not all(0 <= d <= 6 for d in weekdays)
        ):
            raise BadValue(
                _("Choose at least one weekday, from 0 (Monday) to 6 (Sunday)."), "weekdays"
            )
        every = recurrence.get("every_weeks", 1)
        if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= 52:
            raise BadValue(
                _("Repeat every 1 to 52 weeks (got {value}).", value=str(every)), "every_weeks"
            )
        normal: dict[str, Any] = {
            "type": "weekly",
            "weekdays": sorted(set(weekdays)),
            "time": at.strftime("%H:%M"),
            "every_weeks": every,
        }
        if every > 1:
            anchor = recurrence.get("anchor")
            if anchor is None:
                local_today = now.astimezone(zone).date()
                anchor_day = local_today - timedelta(days=local_today.weekday())
            else:
                try:
                    anchor_day = date.fromisoformat(str(anchor))
                except ValueError:
                    raise BadValue(
                        _("{value} is not a date; use YYYY-MM-DD.", value=str(anchor)[:20]),
                        "anchor",
                    ) from None
                anchor_day -= timedelta(days=anchor_day.weekday())
            normal["anchor"] = anchor_day.isoformat()
        return normal
    raise BadValue(
        _("A schedule repeats daily, weekly or once (got {value}).", value=str(kind)[:20]), "type"
    )


def validate_quiet_hours(quiet: dict[str, Any] | None) -> dict[str, Any] | None:
    """``{"start": "21:00", "end": "07:00"}`` checked and normalised, or None."""
    if quiet is None:
        return None
    start = parse_time(quiet.get("start"), "quiet_hours")
    end = parse_time(quiet.get("end"), "quiet_hours")
    if start == end:
        raise BadValue(
            _("Quiet hours need different start and end times, like 21:00 to 07:00."),
            "quiet_hours",
        )
    return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


def canonical_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant a naive local wall time means: the first of two when it happens twice,
    the end of the gap when it does not happen at all."""
    first = wall.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant  # exists (fold=0 is the earlier of two when ambiguous)
    # In a gap: fold=1 reads the wall time with the offset after the change, which lands before
    # the gap ends. Transitions fall on whole minutes, so walk forward a minute at a time (a gap
    # is an hour or two at most) to the first instant whose local time is not before the wall.
    step = wall.replace(tzinfo=zone, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    while step.astimezone(zone).replace(tzinfo=None) < wall:
        step += timedelta(minutes=1)
    return step


def _trigger(recurrence: dict[str, Any], zone: ZoneInfo) -> CronTrigger:
    at = parse_time(recurrence["time"])
    days = (
        "*"
        if recurrence["type"] == "daily"
        else ",".join(_DAY_NAMES[d] for d in recurrence["weekdays"])
    )
    return _cron(days, at.hour, at.minute, zone)


@lru_cache(maxsize=1024)
def _cron(days: str, hour: int, minute: int, zone: ZoneInfo) -> CronTrigger:
    """One trigger per shape: building one costs more than asking it for the next fire time,
    and a trigger keeps no state between calls, so schedules of the same shape share it."""
    return CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=zone)


def _in_week(recurrence: dict[str, Any], local_day: date) -> bool:
    every = int(recurrence.get("every_weeks", 1))
    if every <= 1:
        return True
    anchor = date.fromisoformat(recurrence["anchor"])
    monday = local_day - timedelta(days=local_day.weekday())
    return ((monday - anchor).days // 7) % every == 0


def next_occurrence(recurrence: dict[str, Any], zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first occurrence strictly after ``after`` (UTC), or None when there is no more."""
    after = after.astimezone(UTC)
    if recurrence["type"] == "once":
        at = _parse_instant(recurrence["at"])
        fire = DateTrigger(run_date=at, timezone=UTC).get_next_fire_time(None, after)
        return fire.astimezone(UTC) if fire is not None and fire > after else None
    trigger = _trigger(recurrence, zone)
    search_from = after + _TINY
    for _attempt in range(_MAX_CANDIDATES):
        fire = trigger.get_next_fire_time(None, search_from.astimezone(zone))
        if fire is None:
            return None
        wall = fire.replace(tzinfo=None)
        instant = canonical_instant(wall, zone)
        fire_utc = fire.astimezone(UTC)
        # Resume after whichever is later, so a repeated answer (the second of an ambiguous
        # pair) cannot hold the search in place.
        search_from = max(fire_utc, instant, search_from) + _TINY
        if instant > after and _in_week(recurrence, wall.date()):
            return instant
    return None


def in_quiet_hours(quiet: dict[str, Any] | None, instant: datetime, zone: ZoneInfo) -> bool:
    """Whether ``instant`` falls in the quiet hours (start inclusive, end exclusive, local)."""
    if not quiet:
        return False
    start, end = parse_time(quiet["start"]), parse_time(quiet["end"])
    local = instant.astimezone(zone).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end  # wraps past midnight


def after_quiet_hours(quiet: dict[str, Any] | None, instant: datetime, zone: ZoneInfo) -> datetime:
    """``instant`` itself, or the end of the quiet hours it falls in (UTC)."""
    if not in_quiet_hours(quiet, instant, zone):
        return instant
    assert quiet is not None
    end = parse_time(quiet["end"])
    local = instant.astimezone(zone)
    day = local.date()
    if local.time().replace(tzinfo=None) >= end:
        day += timedelta(days=1)
    return canonical_instant(datetime.combine(day, end), zone)
