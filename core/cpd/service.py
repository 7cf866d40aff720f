"""The CPD record: logging, editing and summarising activities, and goals with their progress.

Everything here works on a ``Session`` for one member and raises ``UserError`` subclasses with a
plain reason when input does not fit. Reminders live in :mod:`core.cpd.schedules`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from core.cpd.frameworks import Standard, catalogue
from core.cpd.models import CpdActivity, CpdGoal, CpdPreference, GoalStatus
from core.cpd.periods import Period, cycle_start
from core.cpd.replies import category_label
from core.cpd.settings import CpdSettings
from core.errors import NotFound
from core.i18n import _, format_number
from core.params import BadValue
from core.reflection.service import get_entry

OLDEST_YEARS = 20
"""Activities further back than this are surely a typo in the year."""
REPEAT_WINDOW = timedelta(minutes=5)
"""The same activity logged again within this window is a double click or a resent command."""


def fold_name(text: str) -> str:
    """A name as compared: no case, no accents, single spaces (``Investigación`` matches
    ``investigacion``)."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def match_category(text: str, categories: list[str]) -> str:
    """The configured category ``text`` names, as stored (the English word of a shipped one).

    A member may type its stored name or its name in their language (``lectura``), in any case,
    with or without accents, or a unique start of either. Stored names are looked at first, so
    the command lines buttons and other features send always mean what they say."""
    word = fold_name(text)
    names = [(c, {fold_name(c), fold_name(category_label(c))}) for c in categories]
    for category in categories:
        if fold_name(category) == word:
            return category
    for category, said in names:
        if word in said:
            return category
    starts = [c for c, said in names if any(n.startswith(word) for n in said)] if word else []
    if len(starts) == 1:
        return starts[0]
    raise BadValue(
        _(
            "{category} is not a CPD category here. Choose one of: {known}.",
            category=text.strip()[:40] or '""',
            known=", ".join(category_label(c) for c in categories),
        ),
        "category",
    )


def check_hours(hours: float, settings: CpdSettings) -> float:
    if hours > settings.max_hours_per_activity:
        raise BadValue(
            _(
                "{hours} hours is more than one activity can hold (the limit is {limit}). "
                "Log a long course as one entry per day or module.",
                hours=format_number(hours),
                limit=format_number(settings.max_hours_per_activity),
            ),
            "hours",
        )
    return hours


def check_day(day: date, today: date) -> date:
    if day > today:
        raise BadValue(
            _(
                "{day} is in the future. Log CPD once it has happened; to plan ahead, "
                "set a goal with cpd goal add.",
                day=day.isoformat(),
            ),
            "date",
        )
    if day < today.replace(year=today.year - OLDEST_YEARS):
        raise BadValue(
            _("{day} is more than {years} years ago. Check the year.", day=day, years=OLDEST_YEARS),
            "date",
        )
    return day


def check_reflection(session: Session, member_id: int, entry_id: int) -> int:
    """The journal entry id, if it is the member's own (the reflection feature decides)."""
    get_entry(session, member_id, entry_id)  # raises NotFound for others' entries
    return entry_id


def reflection_title(session: Session, member_id: int, entry_id: int | None) -> str | None:
    """A short title for a linked journal entry, or None when it is gone or unreadable."""
    if entry_id is None:
        return None
    try:
        entry = get_entry(session, member_id, entry_id)
    except NotFound:
        return None
    for attribute in ("title", "prompt_text", "body"):
        value = getattr(entry, attribute, None)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return text if len(text) <= 80 else text[:79] + "…"
    return _("Journal entry #{id}", id=entry_id)


@dataclass(slots=True)
class ActivityInput:
    """The fields of an activity, validated by :func:`log_activity` and :func:`edit_activity`."""

    hours: float
    title: str
    category: str
    day: date
    provider: str | None = None
    evidence_url: str | None = None
    standards: list[str] | None = None
    notes: str = ""
    reflection_entry_id: int | None = None


def log_activity(
    session: Session, member_id: int, entry: ActivityInput, *, now: datetime, today: date
) -> CpdActivity:
    """Store a new activity (fields already converted and checked by the caller)."""
    activity = CpdActivity(
        member_id=member_id,
        occurred_on=entry.day,
        hours=entry.hours,
        category=entry.category,
        title=entry.title.strip(),
        provider=(entry.provider or "").strip() or None,
        evidence_url=entry.evidence_url,
        standards=list(entry.standards or []),
        notes=entry.notes.strip(),
        reflection_entry_id=entry.reflection_entry_id,
        created_at=now,
        updated_at=now,
    )
    session.add(activity)
    session.flush()
    return activity


# Statements run by every cpd log are built once, with bound parameters: building a select and
# its comparisons costs more than SQLAlchemy's cached compilation of it.
_RECENT_REPEAT = (
    select(CpdActivity)
    .where(
        CpdActivity.member_id == bindparam("member_id"),
        CpdActivity.title == bindparam("title"),
        # A range rather than "= day", so that SQLite (which keeps no statistics) searches the
        # member's own activities instead of everyone's on that day: on an INSET day that is
        # the whole staff.
        col(CpdActivity.occurred_on).between(bindparam("day"), bindparam("day")),
        CpdActivity.hours == bindparam("hours"),
        col(CpdActivity.created_at) >= bindparam("since"),
    )
    .order_by(col(CpdActivity.id).desc())
)
_HOURS_BETWEEN = select(func.coalesce(func.sum(CpdActivity.hours), 0.0)).where(
    CpdActivity.member_id == bindparam("member_id"),
    col(CpdActivity.occurred_on) >= bindparam("start"),
    col(CpdActivity.occurred_on) <= bindparam("end"),
)


def recent_repeat(
    session: Session, member_id: int, entry: ActivityInput, *, now: datetime
) -> CpdActivity | None:
    """The member's activity with the same title, date and hours logged in the last few minutes,
    if any: a second press of a "Log as CPD" button, not a second activity."""
    return session.exec(
        _RECENT_REPEAT,
        params={
            "member_id": member_id,
            "title": entry.title.strip(),
            "day": entry.day,
            "hours": entry.hours,
            "since": now - REPEAT_WINDOW,
        },
    ).first()


def get_activity(session: Session, member_id: int, activity_id: int) -> CpdActivity:
    """One of the member's activities; someone else's is reported as not found."""
    activity = session.get(CpdActivity, activity_id)
    if activity is None or activity.member_id != member_id:
        raise NotFound(
            _(
                "You have no CPD activity #{id}. Send cpd list to see yours and their numbers.",
                id=activity_id,
            )
        )
    return activity


def activities_in(session: Session, member_id: int, period: Period) -> list[CpdActivity]:
    """The member's activities in the period, oldest first."""
    query = select(CpdActivity).where(CpdActivity.member_id == member_id)
    if period.start is not None:
        query = query.where(col(CpdActivity.occurred_on) >= period.start)
    if period.end is not None:
        query = query.where(col(CpdActivity.occurred_on) <= period.end)
    return list(session.exec(query.order_by(col(CpdActivity.occurred_on), col(CpdActivity.id))))


def hours_in(session: Session, member_id: int, period: Period) -> float:
    """Total hours the member logged in the period (what a :class:`Summary` reports as
    ``total_hours``), in one aggregate query rather than loading every activity."""
    bounds = {"start": period.start or date.min, "end": period.end or date.max}
    total = session.exec(_HOURS_BETWEEN, params={"member_id": member_id, **bounds}).one()
    return round(float(total), 2)


def count_activities(session: Session, member_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(CpdActivity).where(CpdActivity.member_id == member_id)
    ).one()


def last_logged_at(session: Session, member_id: int) -> datetime | None:
    """When the member last logged anything (not the date of the activity itself)."""
    return session.exec(
        select(func.max(CpdActivity.created_at)).where(CpdActivity.member_id == member_id)
    ).one()


# Goals ----------------------------------------------------------------------------------------


def add_goal(
    session: Session,
    member_id: int,
    *,
    title: str,
    target_hours: float | None,
    category: str | None,
    due: date | None,
    today: date,
    now: datetime,
    settings: CpdSettings,
) -> CpdGoal:
    """A new open goal; activities from the start of the current CPD year count towards it."""
    if due is not None and due < today:
        raise BadValue(
            _("{due} has already passed. Give a due date from today on.", due=due.isoformat()),
            "due",
        )
    goal = CpdGoal(
        member_id=member_id,
        title=title.strip(),
        target_hours=target_hours,
        category=category,
        starts_on=cycle_start(today, settings.cycle_start_month),
        due=due,
        created_at=now,
    )
    session.add(goal)
    session.flush()
    return goal


def get_goal(session: Session, member_id: int, goal_id: int) -> CpdGoal:
    goal = session.get(CpdGoal, goal_id)
    if goal is None or goal.member_id != member_id:
        raise NotFound(
            _("You have no CPD goal #{id}. Send cpd goal list to see yours.", id=goal_id)
        )
    return goal


def goals_of(session: Session, member_id: int, *, open_only: bool = False) -> list[CpdGoal]:
    """The member's goals: open ones first, by due date (undated last), then done ones."""
    query = select(CpdGoal).where(CpdGoal.member_id == member_id)
    if open_only:
        query = query.where(CpdGoal.status == GoalStatus.OPEN)
    goals = list(session.exec(query.order_by(col(CpdGoal.id))))
    return sorted(
        goals, key=lambda g: (g.status != GoalStatus.OPEN, g.due is None, g.due or date.min)
    )


def goal_progress(session: Session, goal: CpdGoal) -> float:
    """Hours logged towards the goal: from its CPD year's start to its due date, its category."""
    query = select(func.coalesce(func.sum(CpdActivity.hours), 0.0)).where(
        CpdActivity.member_id == goal.member_id, col(CpdActivity.occurred_on) >= goal.starts_on
    )
    if goal.due is not None:
        query = query.where(col(CpdActivity.occurred_on) <= goal.due)
    if goal.category is not None:
        query = query.where(CpdActivity.category == goal.category)
    return round(float(session.exec(query).one()), 2)


def complete_goal(session: Session, goal: CpdGoal, now: datetime) -> bool:
    """Mark the goal done; False if it already was."""
    if goal.status == GoalStatus.DONE:
        return False
    goal.status = GoalStatus.DONE
    goal.done_at = now
    session.add(goal)
    return True


# Summaries ------------------------------------------------------------------------------------


@dataclass(slots=True)
class GoalLine:
    goal: CpdGoal
    hours: float


@dataclass(slots=True)
class Summary:
    """Hours in a period, by category and by standard, with goals and the yearly target."""

    period: Period
    activities: list[CpdActivity]
    total_hours: float
    by_category: list[tuple[str, float]]
    by_standard: list[tuple[Standard, float]]
    goals: list[GoalLine]
    target_hours: float | None
    """The yearly target, when the period is a whole CPD year."""

    @property
    def untagged_hours(self) -> float:
        return round(sum(a.hours for a in self.activities if not a.standards), 2)


def summarise(session: Session, member_id: int, period: Period, settings: CpdSettings) -> Summary:
    """Hours in ``period``: by category (largest first) and by standard (framework order).

    An activity tagged with several standards counts in full towards each of them, so the
    standards column can add up to more than the total.
    """
    activities = activities_in(session, member_id, period)
    by_category: dict[str, float] = {}
    by_code: dict[str, float] = {}
    for activity in activities:
        by_category[activity.category] = by_category.get(activity.category, 0.0) + activity.hours
        for code in activity.standards:
            by_code[code.upper()] = by_code.get(code.upper(), 0.0) + activity.hours
    known = catalogue(settings.standards_frameworks)
    by_standard = [(s, round(by_code[c], 2)) for c, s in known.items() if c in by_code]
    goals = [GoalLine(g, goal_progress(session, g)) for g in goals_of(session, member_id)]
    return Summary(
        period=period,
        activities=activities,
        total_hours=round(sum(a.hours for a in activities), 2),
        by_category=sorted(
            ((c, round(h, 2)) for c, h in by_category.items()), key=lambda item: (-item[1], item[0])
        ),
        by_standard=by_standard,
        goals=goals,
        target_hours=settings.yearly_target_hours if period.is_cycle else None,
    )


# Preferences ----------------------------------------------------------------------------------


def preference_of(session: Session, member_id: int, now: datetime) -> CpdPreference:
    """The member's reminder preference, created (reminders on) the first time it is needed."""
    found = session.exec(select(CpdPreference).where(CpdPreference.member_id == member_id)).first()
    if found is None:
        found = CpdPreference(member_id=member_id, created_at=now)
        session.add(found)
        session.flush()
    return found
