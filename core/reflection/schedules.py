"""A member's reflection schedule, and the producers that turn its occurrences into prompts.

The schedule is a delivery-engine ``Schedule`` of kind ``reflection.prompt`` (one per member), in
the member's timezone so a 09:00 prompt stays 09:00 local. Its payload holds the chosen model and
the follow-up delay in force when it was set. Each scheduled prompt that goes out also creates a
one-off ``reflection.follow_up`` schedule; that follow-up is dropped if the prompt was answered,
replaced, or the member paused, so a prompt gets at most one reminder.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlmodel import Session, select

from core.delivery import (
    Outgoing,
    cancel_schedule,
    create_schedule,
    is_paused,
    outbox_key,
    pause_schedule,
    resume_schedule,
    schedules_for,
)
from core.delivery.kinds import Occurrence
from core.delivery.models import Schedule
from core.i18n import _
from core.identity.models import Member
from core.params import BadValue
from core.reflection import library
from core.reflection.models import ReflectionPrompt
from core.reflection.replies import follow_up_reply, prompt_reply
from core.reflection.service import open_prompt, pick_prompt

PROMPT_KIND = "reflection.prompt"
FOLLOW_UP_KIND = "reflection.follow_up"
KINDS = (PROMPT_KIND, FOLLOW_UP_KIND)

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_GROUPS = {
    "daily": range(7),
    "everyday": range(7),
    "every-day": range(7),
    "all": range(7),
    "weekdays": range(5),
    "weekday": range(5),
    "workdays": range(5),
    "weekends": range(5, 7),
    "weekend": range(5, 7),
}
_ABBREVIATIONS = {"tues": "tue", "weds": "wed", "thur": "thu", "thurs": "thu"}
FOLLOW_UP_MARGIN = timedelta(hours=1)
"""A follow-up due this close to the next prompt is dropped: the new question replaces it."""


def parse_weekdays(text: str) -> list[int]:
    """``mon,thu``, ``mon-fri``, ``weekdays``, ``daily``, ``tuesday`` -> weekday numbers (Mon = 0)."""
    days: set[int] = set()
    for part in re.split(r"[,/+\s]+", text.strip().lower()):
        if not part:
            continue
        if part in _GROUPS:
            days.update(_GROUPS[part])
            continue
        if "-" in part:
            first, _sep, last = part.partition("-")
            start, end = _day(first), _day(last)
            days.update((start + i) % 7 for i in range((end - start) % 7 + 1))
            continue
        days.add(_day(part))
    if not days:
        raise _bad_days()
    return sorted(days)


def _day(word: str) -> int:
    word = _ABBREVIATIONS.get(word, word)
    matches = [n for n, name in enumerate(DAY_NAMES) if len(word) >= 2 and name.startswith(word)]
    if len(matches) != 1:
        raise _bad_days()
    return matches[0]


def _bad_days() -> BadValue:
    return BadValue(
        _("weekdays must be days like mon,thu or mon-fri, or one of weekdays, weekends, daily."),
        "weekdays",
    )


def describe_days(days: list[int]) -> str:
    """``[0, 3]`` -> ``"Mon, Thu"``; the common groups by name."""
    if days == list(range(7)):
        return _("every day")
    if days == list(range(5)):
        return _("weekdays")
    if days == [5, 6]:
        return _("weekends")
    return ", ".join(DAY_NAMES[d][:3].title() for d in days)


def reflection_schedule(session: Session, member_id: int) -> Schedule | None:
    """The member's active reflection schedule, if they have one."""
    found = [s for s in schedules_for(session, member_id, kind=PROMPT_KIND) if s.active]
    return found[0] if found else None


def set_schedule(
    session: Session,
    member: Member,
    *,
    weekdays: list[int],
    at: time,
    model_key: str,
    follow_up_hours: int,
    now: datetime,
) -> Schedule:
    """Create the member's schedule, replacing any earlier one (one schedule per member)."""
    assert member.id is not None
    for old in schedules_for(session, member.id, kind=PROMPT_KIND):
        if old.active:
            cancel_schedule(session, old)
    return create_schedule(
        session,
        kind=PROMPT_KIND,
        now=now,
        recurrence={"type": "weekly", "weekdays": weekdays, "time": at.strftime("%H:%M")},
        timezone=member.timezone,
        member_id=member.id,
        payload={"model": model_key, "follow_up_hours": follow_up_hours},
    )


def pause(session: Session, schedule: Schedule, until: datetime | None) -> None:
    """Stop prompts until ``until`` (None: until the member resumes)."""
    pause_schedule(session, schedule, until, PAUSED_BY_MEMBER)


def resume(session: Session, schedule: Schedule, now: datetime) -> None:
    resume_schedule(session, schedule, now)


def stop(session: Session, member_id: int) -> bool:
    """Cancel the member's reflection schedule and pending follow-ups; False if there was none."""
    found = False
    for kind in KINDS:
        for schedule in schedules_for(session, member_id, kind=kind):
            if schedule.active:
                found = found or kind == PROMPT_KIND
                cancel_schedule(session, schedule)
    return found


PAUSED_BY_MEMBER = "paused by the member"


def paused_by_delivery_failure(schedule: Schedule) -> bool:
    """Whether the engine stopped the schedule because prompts could not be delivered."""
    return schedule.paused_reason not in (None, PAUSED_BY_MEMBER)


def produce_prompt(occ: Occurrence) -> list[Outgoing]:
    """One scheduled prompt: pick the member's next question, open it, send it by DM."""
    session, schedule, occurrence = occ.session, occ.schedule, occ.at
    member_id = schedule.member_id
    if member_id is None or schedule.id is None or session.get(Member, member_id) is None:
        return []
    prompt = session.exec(
        select(ReflectionPrompt).where(
            ReflectionPrompt.schedule_id == schedule.id,
            ReflectionPrompt.occurrence_at == occurrence,
        )
    ).first()
    if prompt is None:
        # Planning the same occurrence again finds the prompt above, so it opens once.
        model_key = str(schedule.payload.get("model", ""))
        if model_key not in library.models():
            model_key = library.MODELS[0]
        prompt = open_prompt(
            session,
            member_id,
            pick_prompt(session, member_id, model_key),
            occurrence,
            source="scheduled",
            schedule_id=schedule.id,
            occurrence_at=occurrence,
            outbox_key=outbox_key(schedule.id, occurrence),
        )
        hours = int(schedule.payload.get("follow_up_hours", 0) or 0)
        if hours > 0:
            create_schedule(
                session,
                kind=FOLLOW_UP_KIND,
                now=occurrence,
                recurrence={
                    "type": "once",
                    "at": (occurrence + timedelta(hours=hours)).isoformat(),
                },
                timezone=schedule.timezone,
                member_id=member_id,
                subject_id=prompt.id,
                follow_member_timezone=False,
            )
    return [Outgoing(reply=prompt_reply(prompt, scheduled=True), member_id=member_id)]


def produce_follow_up(occ: Occurrence) -> list[Outgoing]:
    """The one reminder of a scheduled prompt, unless it no longer makes sense to send it."""
    session, schedule, occurrence = occ.session, occ.schedule, occ.at
    prompt = session.get(ReflectionPrompt, schedule.subject_id) if schedule.subject_id else None
    if (
        prompt is None
        or prompt.answered_at is not None
        or prompt.closed_at is not None
        or prompt.followed_up_at is not None
    ):
        return []
    parent = session.get(Schedule, prompt.schedule_id) if prompt.schedule_id else None
    if parent is None or not parent.active or is_paused(parent, occurrence):
        return []
    if parent.next_due_at is not None and parent.next_due_at <= occurrence + FOLLOW_UP_MARGIN:
        return []
    prompt.followed_up_at = occurrence
    session.add(prompt)
    return [Outgoing(reply=follow_up_reply(prompt), member_id=prompt.member_id)]
