"""Typed command parameters: what each kind accepts and how text becomes a value.

Every adapter sends text (typed words, Discord option values, form fields), and the converters here
are the single place where text turns into numbers, dates, hours, URLs and timezones, so each kind is
validated the same way on every platform. Errors say what was expected, with an example.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core.errors import UserError
from core.i18n import _, current_language, format_day


class Kind(StrEnum):
    """What a parameter holds; adapters map kinds to their own option types."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    INT = "int"
    NUMBER = "number"
    BOOL = "bool"
    CHOICE = "choice"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    HOURS = "hours"
    DURATION = "duration"
    URL = "url"
    TIMEZONE = "timezone"
    MEMBER = "member"
    COMMUNITY = "community"
    TAGS = "tags"
    ID = "id"
    FILE = "file"
    """Files sent with the command. Never typed: they arrive as ``Invocation.attachments``
    (Discord offers an attachment option for the parameter; on the other platforms the file is
    sent with the message), so its value from text is refused."""


DateOrder = Literal["DMY", "MDY", "YMD"]


@dataclass(frozen=True, slots=True)
class ConvertContext:
    """What a converter may need besides the text: the person's clock and timezone."""

    now: datetime
    timezone: str
    prefer: Literal["past", "future"] = "past"
    """Which way an incomplete natural date ("thursday") points."""
    date_order: DateOrder = "DMY"
    """How ``03/11/2026`` reads: the install's convention (day first in the UK and Europe)."""
    notes: list[str] = field(default_factory=list)
    """What the reply should say about how a value was read (a date that digits left open)."""


class BadValue(UserError):
    """A value that does not fit its parameter."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message, show_usage=True)
        self.param = param


_TRUE = {"yes", "y", "true", "on", "1"}
_FALSE = {"no", "n", "false", "off", "0"}
_HOURS = re.compile(
    r"^\s*(?:(?P<h>\d+(?:[.,]\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(?P<m>\d+)\s*m(?:in(?:utes?|s)?)?)?\s*$",
    re.IGNORECASE,
)
_HHMM = re.compile(r"^(?P<h>[01]?\d|2[0-3])[:.h](?P<m>[0-5]\d)$")


def parse_bool(text: str, name: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise BadValue(_("{name} must be yes or no.", name=name), name)


MAX_INT = 2_147_483_647
"""The largest whole number (and id) a command accepts: what every database column can hold."""
MAX_HOURS = 10_000.0


def parse_int(text: str, name: str) -> int:
    try:
        value = int(text.strip().lstrip("#"))
    except ValueError:
        raise BadValue(_("{name} must be a whole number, like 3.", name=name), name) from None
    if abs(value) > MAX_INT:
        raise BadValue(_("{name} is far too large a number.", name=name), name)
    return value


def parse_id(text: str, name: str) -> int:
    """An id as shown in replies: ``12`` or ``#12``."""
    value = parse_int(text, name)
    if value < 1:
        raise BadValue(_("{name} must be an id like 12.", name=name), name)
    return value


def parse_number(text: str, name: str) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise BadValue(_("{name} must be a number, like 1.5.", name=name), name) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise BadValue(_("{name} must be a number, like 1.5.", name=name), name)
    return value


def parse_hours(text: str, name: str) -> float:
    """Hours as ``1.5``, ``90m``, ``1h30``, ``1h 30m`` or ``2 hours``."""
    raw = text.strip().lower()
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        compact = re.fullmatch(r"(\d+)h(\d{1,2})", raw)  # "1h30"
        match = _HOURS.match(f"{compact.group(1)}h {compact.group(2)}m" if compact else raw)
        if not raw or not match or not (match.group("h") or match.group("m")):
            raise BadValue(
                _("{name} must be a length of time, like 1.5, 90m or 1h30.", name=name), name
            ) from None
        hours = float((match.group("h") or "0").replace(",", "."))
        value = hours + int(match.group("m") or 0) / 60
    if not math.isfinite(value):
        raise BadValue(
            _("{name} must be a length of time, like 1.5, 90m or 1h30.", name=name), name
        )
    if value <= 0:
        raise BadValue(_("{name} must be more than zero, like 1.5 or 90m.", name=name), name)
    if value > MAX_HOURS:
        raise BadValue(_("{name} is far too long a time.", name=name), name)
    return round(value, 2)


def parse_time(text: str, name: str) -> time:
    match = _HHMM.match(text.strip())
    if not match:
        raise BadValue(_("{name} must be a time of day, like 09:00 or 16:30.", name=name), name)
    return time(int(match.group("h")), int(match.group("m")))


def parse_date(text: str, name: str, ctx: ConvertContext) -> date:
    """ISO dates and natural forms ("today", "yesterday", "last friday", "3 days ago")."""
    raw = text.strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    found = _natural(raw, ctx)
    if found is None:
        raise BadValue(
            _("{name} must be a date, like 2026-09-14, yesterday or last friday.", name=name), name
        )
    _note_if_ambiguous(raw, found.date(), ctx)
    return found.date()


_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b")


def _note_if_ambiguous(raw: str, day: date, ctx: ConvertContext) -> None:
    """``03/11/2026`` is 3 November in London and March 11 in New York: read it the install's way
    and say so in words, so a wrong reading is seen at once (``13/11`` can only be one day)."""
    numbers = _NUMERIC_DATE.match(raw)
    if numbers is None or ctx.date_order == "YMD":
        return
    first, second = int(numbers.group(1)), int(numbers.group(2))
    if first != second and first <= 12 and second <= 12:
        ctx.notes.append(_("Read {typed} as {day}.", typed=raw, day=format_day(day)))


def parse_datetime(text: str, name: str, ctx: ConvertContext) -> datetime:
    """A moment in the person's timezone: ``2026-12-01 16:00``, ``tomorrow 4pm``. Returns aware."""
    raw = text.strip()
    zone = ZoneInfo(ctx.timezone)
    try:
        value = datetime.fromisoformat(raw)
        return value if value.tzinfo else value.replace(tzinfo=zone)
    except ValueError:
        pass
    found = _natural(raw, ctx)
    if found is None:
        raise BadValue(
            _(
                '{name} must be a date and time, like "2026-12-01 16:00" or "tomorrow 4pm".',
                name=name,
            ),
            name,
        )
    _note_if_ambiguous(raw, found.date(), ctx)
    return found


def _natural(raw: str, ctx: ConvertContext) -> datetime | None:
    if len(raw) > 64:
        return None
    import dateparser  # imported lazily: it is slow to import and only dates need it

    zone = ZoneInfo(ctx.timezone)
    local_now = ctx.now.astimezone(zone).replace(tzinfo=None)
    # The member's own language first ("ayer", "mardi prochain"), English always understood.
    languages = list(dict.fromkeys([current_language(), "en"]))
    result: datetime | None = dateparser.parse(
        raw,
        languages=languages,
        settings={
            "DATE_ORDER": ctx.date_order,
            "RELATIVE_BASE": local_now,
            # "thursday" means the coming one for an event or a due date, the last one for CPD.
            "PREFER_DATES_FROM": ctx.prefer,
            "TIMEZONE": ctx.timezone,
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if result is None:
        return None
    return result.replace(tzinfo=zone)


def parse_duration(text: str, name: str) -> timedelta:
    return timedelta(hours=parse_hours(text, name))


def parse_url(text: str, name: str) -> str:
    raw = text.strip()
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018  (reading it validates the port)
    except ValueError:  # a port that is not a number, a broken [IPv6] host
        parts = urlsplit("")
    unsafe = any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or unsafe or len(raw) > 2000:
        raise BadValue(
            _("{name} must be a web address starting with http:// or https://.", name=name), name
        )
    return raw


def parse_timezone(text: str, name: str) -> str:
    raw = text.strip()
    if raw.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        suggestion = _closest_zone(raw)
        hint = _(" Did you mean {zone}?", zone=suggestion) if suggestion else ""
        raise BadValue(
            _("{name} must be a timezone name like Europe/London or America/New_York.", name=name)
            + hint,
            name,
        ) from None
    if raw not in available_timezones():
        raise BadValue(_("{name} must be a timezone name like Europe/London.", name=name), name)
    return raw


def _closest_zone(raw: str) -> str | None:
    import difflib

    lowered = {z.lower(): z for z in available_timezones()}
    by_city = {z.rsplit("/", 1)[-1].lower(): z for z in available_timezones()}
    key = raw.lower().replace(" ", "_")
    if key in lowered:
        return lowered[key]
    if key in by_city:
        return by_city[key]
    close = difflib.get_close_matches(key, list(lowered), n=1, cutoff=0.75)
    return lowered[close[0]] if close else None


def parse_tags(values: list[str], name: str, limit: int) -> list[str]:
    tags: list[str] = []
    for value in values:
        tag = value.strip().lstrip("#").lower()
        if not re.fullmatch(r"[\w][\w-]{0,39}", tag):
            raise BadValue(
                _("Tags are single words (letters, digits, -), like #assessment.", name=name), name
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > limit:
        raise BadValue(_("At most {limit} tags, please.", limit=limit), name)
    return tags


def convert(kind: Kind, text: str, name: str, ctx: ConvertContext) -> Any:
    """Convert one text value for a parameter of ``kind`` (TAGS and CHOICE are handled by Param)."""
    match kind:
        case Kind.INT:
            return parse_int(text, name)
        case Kind.ID:
            return parse_id(text, name)
        case Kind.NUMBER:
            return parse_number(text, name)
        case Kind.BOOL:
            return parse_bool(text, name)
        case Kind.HOURS:
            return parse_hours(text, name)
        case Kind.DURATION:
            return parse_duration(text, name)
        case Kind.TIME:
            return parse_time(text, name)
        case Kind.DATE:
            return parse_date(text, name, ctx)
        case Kind.DATETIME:
            return parse_datetime(text, name, ctx)
        case Kind.URL:
            return parse_url(text, name)
        case Kind.TIMEZONE:
            return parse_timezone(text, name)
        case Kind.FILE:
            raise BadValue(
                _(
                    "{name} cannot be typed: send the file with your message (on Discord, "
                    "choose it in the {name} option).",
                    name=name,
                ),
                name,
            )
        case Kind.COMMUNITY | Kind.MEMBER:
            return text.strip().lstrip("@").lower() if kind is Kind.COMMUNITY else text.strip()
        case _:
            return text
