"""A member's reflection schedule, and the producers that turn its occurrences into prompts.

The schedule is a delivery-engine ``Schedule`` of kind ``reflection.prompt`` (one per member), in
the member's timezone so a 09:00 prompt stays 09:00 local. Its payload holds the chosen model and
the follow-up delay in force when it was set. Each scheduled prompt that goes out also creates a
one-off ``reflection.follow_up`` schedule; that follow-up is dropped if the prompt was answered,
replaced, or the member paused, so a prompt gets at most one reminder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

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
from core.delivery.kinds import DueOccurrence, Occurrence
from core.delivery.models import Schedule
from core.delivery.outbox import among
from core.delivery.schedules import NewSchedule, add_schedules
from core.i18n import _
from core.identity.models import Member
from core.params import BadValue
from core.reflection import library
from core.reflection.models import ReflectionPrompt
from core.reflection.replies import follow_up_reply, prompt_reply
from core.reflection.service import (
    ScheduledPrompt,
    open_prompt,
    open_scheduled_prompts,
    pick_prompt,
    pick_prompts,
)
from core.reply import Reply

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


def _produce_prompt(occ: Occurrence) -> list[Outgoing]:
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
        prompt = open_prompt(
            session,
            member_id,
            pick_prompt(session, member_id, _model_of(schedule.payload)),
            occurrence,
            source="scheduled",
            schedule_id=schedule.id,
            occurrence_at=occurrence,
            outbox_key=outbox_key(schedule.id, occurrence),
        )
        hours = int(schedule.payload.get("follow_up_hours", 0) or 0)
        if hours > 0:
            create_schedule(
                session, **_follow_up(schedule.timezone, member_id, prompt.id, occurrence, hours)
            )
    return [Outgoing(reply=prompt_reply(prompt, scheduled=True), member_id=member_id)]


def _model_of(payload: Mapping[str, Any]) -> str:
    """The schedule's model, or the library's first when it names none the library has."""
    model_key = str(payload.get("model", ""))
    return model_key if model_key in library.models() else library.MODELS[0]


def _follow_up(
    timezone: str, member_id: int, prompt_id: int | None, occurrence: datetime, hours: int
) -> dict[str, Any]:
    """The one-off follow-up schedule of a prompt opened at ``occurrence`` (create_schedule's
    arguments)."""
    return {
        "kind": FOLLOW_UP_KIND,
        "now": occurrence,
        "recurrence": {"type": "once", "at": (occurrence + timedelta(hours=hours)).isoformat()},
        "timezone": timezone,
        "member_id": member_id,
        "subject_id": prompt_id,
        "follow_member_timezone": False,
    }


class PromptProducer:
    """The ``reflection.prompt`` kind, one occurrence at a time or a whole batch at once.

    Called with one :class:`Occurrence` it is the plain producer; the planner calls
    :meth:`produce_many` with a batch (every member due at 09:00 on Monday) and gets the same
    prompts, follow-ups and messages from a few queries per batch instead of several per member.
    """

    def __call__(self, occ: Occurrence) -> list[Outgoing]:
        return _produce_prompt(occ)

    def produce_many(
        self, session: Session, occurrences: Sequence[DueOccurrence]
    ) -> list[list[Outgoing]]:
        """The prompt message of each occurrence, in order; writes what :meth:`__call__` on each
        in turn would write."""
        replies = _Replies()
        results: list[list[Outgoing]] = [[] for _occurrence in occurrences]
        known = _existing_members(session, {o.member_id for o in occurrences if o.member_id})
        opened = _prompts_of(session, occurrences)
        waiting: list[int] = []
        for n, due in enumerate(occurrences):
            if due.member_id is None or due.member_id not in known:
                continue
            found = opened.get((due.schedule_id, due.at))
            if found is not None:
                # Planned before: the prompt that occurrence opened, opened once.
                results[n] = [Outgoing(reply=replies.of(*found), member_id=due.member_id)]
            else:
                waiting.append(n)
        # Each round opens one prompt per member; a member due twice in the batch (two live
        # schedules) gets the second in a later round, which sees the first in their history.
        while waiting:
            this_round: list[int] = []
            later: list[int] = []
            members: set[int] = set()
            for n in waiting:
                member_id = occurrences[n].member_id
                assert member_id is not None
                (later if member_id in members else this_round).append(n)
                members.add(member_id)
            self._open(session, occurrences, this_round, results, replies)
            waiting = later
        return results

    def _open(
        self,
        session: Session,
        occurrences: Sequence[DueOccurrence],
        chosen: list[int],
        results: list[list[Outgoing]],
        replies: _Replies,
    ) -> None:
        """Pick, open and follow up one new prompt for each of ``chosen`` (distinct members)."""
        wanted = {occurrences[n].member_id or 0: _model_of(occurrences[n].payload) for n in chosen}
        questions = pick_prompts(session, wanted)
        items = []
        for n in chosen:
            due = occurrences[n]
            assert due.member_id is not None
            items.append(
                ScheduledPrompt(
                    member_id=due.member_id,
                    question=questions[due.member_id],
                    schedule_id=due.schedule_id,
                    occurrence_at=due.at,
                    outbox_key=outbox_key(due.schedule_id, due.at),
                )
            )
        ids = open_scheduled_prompts(session, items)
        follow_ups = []
        for n, item in zip(chosen, items, strict=True):
            due = occurrences[n]
            hours = int(due.payload.get("follow_up_hours", 0) or 0)
            if hours > 0:
                follow_ups.append(
                    NewSchedule(
                        **_follow_up(
                            due.timezone, item.member_id, ids[due.schedule_id], due.at, hours
                        )
                    )
                )
            question = item.question
            reply = replies.of(question.model, question.stage, question.text)
            results[n] = [Outgoing(reply=reply, member_id=item.member_id)]
        add_schedules(session, follow_ups)


produce_prompt = PromptProducer()
"""The ``reflection.prompt`` producer (see :class:`PromptProducer`)."""


class _Replies:
    """The prompt message of each distinct question, built once per batch (the planner calls a
    batch producer once per language, so a question reads the same for everyone in it)."""

    def __init__(self) -> None:
        self._built: dict[tuple[str, str, str], Reply] = {}

    def of(self, model: str, stage: str, text: str) -> Reply:
        key = (model, stage, text)
        if key not in self._built:
            # prompt_reply reads only the question; a transient row stands in for the real one.
            shown = ReflectionPrompt(
                member_id=0, prompt_key="", model=model, stage=stage, text=text, sent_at=_EPOCH
            )
            self._built[key] = prompt_reply(shown, scheduled=True)
        return self._built[key]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_IN_LIST = 2000
"""Ids per ``IN (...)`` list: well under SQLite's limit on bound parameters."""


def _existing_members(session: Session, member_ids: set[int]) -> set[int]:
    ids = list(member_ids)
    found: set[int] = set()
    dialect = session.get_bind().dialect.name
    for start in range(0, len(ids), _IN_LIST):
        found.update(
            m
            for m in session.exec(
                select(Member.id).where(
                    among(col(Member.id), ids[start : start + _IN_LIST], dialect)
                )
            )
            if m is not None
        )
    return found


def _prompts_of(
    session: Session, occurrences: Sequence[DueOccurrence]
) -> dict[tuple[int, datetime], tuple[str, str, str]]:
    """The question (model, stage, text) each occurrence already opened, if it did."""
    instants = {o.at for o in occurrences}
    ids = [o.schedule_id for o in occurrences]
    found: dict[tuple[int, datetime], tuple[str, str, str]] = {}
    dialect = session.get_bind().dialect.name
    session.flush()  # a Core query: prompts the session still holds count too
    for start in range(0, len(ids), _IN_LIST):
        rows = session.connection().execute(
            sa_select(
                col(ReflectionPrompt.schedule_id),
                col(ReflectionPrompt.occurrence_at),
                col(ReflectionPrompt.model),
                col(ReflectionPrompt.stage),
                col(ReflectionPrompt.text),
            ).where(
                among(col(ReflectionPrompt.schedule_id), ids[start : start + _IN_LIST], dialect),
                col(ReflectionPrompt.occurrence_at).in_(instants),
            )
        )
        for schedule_id, at, model, stage, text in rows:
            if schedule_id is not None and at is not None:
                # The first found, as the one-at-a-time path's .first() (the pair is unique).
                found.setdefault((schedule_id, at), (model, stage, text))
    return found


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
