"""Peer observation: asking for (or offering) an observation, answering, the observer's notes,
and what the observed teacher does with them.

The promises, and why:

* **The observed teacher is in control.** Observation is developmental, not surveillance: the
  notes go to the observed teacher alone; nobody else sees them unless that teacher shares them,
  and only with their own mentor or a CPD lead of their school (``observe share``). Anyone else
  asking for an observation by id gets the same "not found" as for an id that does not exist.
* **Nothing happens on someone's behalf.** A request or an offer waits for the other person's
  explicit accept; a button press runs the command as the person who pressed it, who must be the
  one the command is for.
* **Notes are never lost.** Step by step, every answer is saved as it arrives; a half-written
  set of notes stays a draft the observer can finish later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from core.delivery.models import Schedule
from core.delivery.outbox import enqueue
from core.delivery.schedules import cancel_schedule, create_schedule
from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _
from core.identity.models import Member
from core.mentoring.models import MatchStatus, MentorMatch
from core.observation.models import (
    NOTE_FIELDS,
    OPEN,
    Observation,
    ObservationShare,
    ObservationStatus,
)
from core.observation.replies import (
    answered_notice,
    cancelled_notice,
    changed_notice,
    name_of,
    notes_notice,
    proposed_notice,
    shared_notice,
    speaking_to,
    status_word,
)
from core.params import BadValue
from core.reflection.models import ReflectionPrompt
from core.reply import Reply
from core.schools.service import LEADS, roles_of, school_of

REMINDER_KIND = "observation.reminder"
REMIND_BEFORE = (timedelta(days=1), timedelta(hours=1))
"""Both are reminded a day and an hour before the lesson (those still ahead when it is set)."""
NOTES_NUDGE_AFTER = timedelta(hours=1)
"""The observer is asked for their notes an hour after the lesson starts."""
FURTHEST_AHEAD = timedelta(days=366)
DRAFT_WINDOW = timedelta(hours=12)
"""How long a direct message still counts as the next answer of notes being written."""
REPEAT_WINDOW = timedelta(minutes=5)
"""The same request (or offer) to the same colleague again within this window is the first one
sent twice (a retry after a lost answer), not a second lesson."""

# Finding observations ---------------------------------------------------------------------------


def shared_with(session: Session, observation_id: int) -> list[int]:
    return list(
        session.exec(
            select(ObservationShare.member_id)
            .where(ObservationShare.observation_id == observation_id)
            .order_by(col(ObservationShare.id))
        )
    )


def may_see(session: Session, observation: Observation, member_id: int) -> bool:
    """The two people involved, and whoever the observed teacher shared the notes with."""
    if member_id in (observation.observed_id, observation.observer_id):
        return True
    assert observation.id is not None
    return member_id in shared_with(session, observation.id)


def get_observation(
    session: Session, observation_id: int, member_id: int, *, for_update: bool = False
) -> Observation:
    """An observation the member may see; anyone else's is "not found", never "forbidden", so
    ids reveal nothing. ``for_update`` locks the row (PostgreSQL) so two answers take turns."""
    found = session.get(
        Observation, observation_id, with_for_update=for_update, populate_existing=for_update
    )
    if found is None or not may_see(session, found, member_id):
        raise NotFound(
            _(
                "There is no observation {id} of yours. See yours with observe list.",
                id=observation_id,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Observations:
    """A member's observations: of their lessons, by them, and notes shared with them."""

    mine: list[Observation] = field(default_factory=list)
    observing: list[Observation] = field(default_factory=list)
    shared: list[Observation] = field(default_factory=list)


def observations_of(session: Session, member_id: int) -> Observations:
    newest = (col(Observation.created_at).desc(), col(Observation.id).desc())
    rows = session.exec(
        select(Observation)
        .where(
            or_(Observation.observed_id == member_id, Observation.observer_id == member_id),
            col(Observation.status).not_in((ObservationStatus.CANCELLED,)),
        )
        .order_by(*newest)
    ).all()
    shared = session.exec(
        select(Observation)
        .join(ObservationShare, col(ObservationShare.observation_id) == col(Observation.id))
        .where(ObservationShare.member_id == member_id)
        .order_by(*newest)
    ).all()
    return Observations(
        mine=[o for o in rows if o.observed_id == member_id],
        observing=[o for o in rows if o.observer_id == member_id],
        shared=list(shared),
    )


# Asking and answering ---------------------------------------------------------------------------


def check_when(at: datetime | None, now: datetime) -> None:
    if at is None:
        return
    if at <= now:
        raise BadValue(
            _('date is in the past. Give the lesson\'s date and time, like "2026-12-08 10:40".'),
            "date",
        )
    if at > now + FURTHEST_AHEAD:
        raise BadValue(_("date is more than a year away; please pick a nearer date."), "date")


def _check_text(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    if not cleaned:
        raise BadValue(_("{name} cannot be empty.", name=name), name)
    return cleaned


def propose(
    session: Session,
    *,
    by: int,
    other: int,
    as_observed: bool,
    focus: str,
    hope: str | None,
    lesson: str | None,
    at: datetime | None,
    now: datetime,
) -> Observation:
    """A request (``as_observed``: ``by`` wants ``other`` to observe them) or an offer (``by``
    offers to observe ``other``). The other person is asked and answers with a button."""
    if other == by:
        raise UserError(
            _("You cannot observe yourself. Name a colleague: observe request @colleague ...")
        )
    check_when(at, now)
    focus = _check_text(focus, "focus") or ""
    repeat = session.exec(
        select(Observation).where(
            Observation.observed_id == (by if as_observed else other),
            Observation.observer_id == (other if as_observed else by),
            Observation.asked_by_observed == as_observed,
            Observation.focus == focus,
            col(Observation.at).is_(None) if at is None else Observation.at == at,
            Observation.status == ObservationStatus.PROPOSED,
            col(Observation.created_at) >= now - REPEAT_WINDOW,
        )
    ).first()
    if repeat is not None:
        return repeat  # asked again at once (a retry after a lost answer): already asked
    observation = Observation(
        observed_id=by if as_observed else other,
        observer_id=other if as_observed else by,
        asked_by_observed=as_observed,
        focus=focus,
        hope=_check_text(hope, "hope"),
        lesson=_check_text(lesson, "lesson"),
        at=at,
        created_at=now,
    )
    session.add(observation)
    session.flush()
    assert observation.id is not None
    with speaking_to(session, other) as zone:
        notice = proposed_notice(session, observation, zone, by=by, as_observed=as_observed)
    tell(session, other, f"observation.proposed:{observation.id}", notice, now, about=(by,))
    return observation


def asked(observation: Observation) -> int | None:
    """Who is waiting for an answer: the one who asked."""
    return observation.observed_id if observation.asked_by_observed else observation.observer_id


def answerer(observation: Observation) -> int | None:
    """Who answers: the one who was asked."""
    return observation.observer_id if observation.asked_by_observed else observation.observed_id


def other_side(observation: Observation, member_id: int) -> int | None:
    if member_id == observation.observed_id:
        return observation.observer_id
    return observation.observed_id


def answer(
    session: Session, observation_id: int, member_id: int, *, accept: bool, now: datetime
) -> Observation:
    """Accept or decline; only the person who was asked may, once."""
    observation = get_observation(session, observation_id, member_id, for_update=True)
    if member_id != answerer(observation):
        raise PermissionDenied(
            _(
                "{name} has not answered yet; they will be asked with buttons. You can cancel it "
                "with observe cancel {id}.",
                name=name_of(session, answerer(observation)),
                id=observation_id,
            )
        )
    if observation.status != ObservationStatus.PROPOSED:
        raise UserError(
            _(
                "Observation {id} is already {status}.",
                id=observation_id,
                status=status_word(observation.status),
            )
        )
    observation.status = ObservationStatus.ACCEPTED if accept else ObservationStatus.DECLINED
    observation.answered_at = now
    session.add(observation)
    if accept:
        schedule_reminders(session, observation, now)
    waiting = asked(observation)
    if waiting is not None:
        with speaking_to(session, waiting) as zone:
            notice = answered_notice(session, observation, zone, by=member_id, accept=accept)
        tell(
            session,
            waiting,
            f"observation.answered:{observation_id}",
            notice,
            now,
            about=(member_id,),
        )
    session.flush()
    return observation


def cancel(session: Session, observation_id: int, member_id: int, now: datetime) -> Observation:
    """Either of the two calls off an observation that has not happened; the other is told."""
    observation = get_observation(session, observation_id, member_id, for_update=True)
    if member_id not in (observation.observed_id, observation.observer_id):
        raise NotFound(_("There is no observation {id} of yours.", id=observation_id))
    if observation.status not in OPEN:
        raise UserError(
            _(
                "Observation {id} is {status}, so there is nothing to cancel.",
                id=observation_id,
                status=status_word(observation.status),
            )
        )
    observation.status = ObservationStatus.CANCELLED
    session.add(observation)
    cancel_reminders(session, observation_id)
    other = other_side(observation, member_id)
    if other is not None:
        with speaking_to(session, other) as zone:
            notice = cancelled_notice(session, observation, zone, by=member_id)
        tell(
            session,
            other,
            f"observation.cancelled:{observation_id}",
            notice,
            now,
            about=(member_id,),
        )
    session.flush()
    return observation


def edit(
    session: Session,
    observation_id: int,
    member_id: int,
    *,
    focus: str | None,
    hope: str | None,
    lesson: str | None,
    at: datetime | None,
    now: datetime,
) -> Observation:
    """Change the plan before the lesson. The focus and the hope are the observed teacher's to
    state; either of the two may move the date or name the lesson. The other is told."""
    observation = get_observation(session, observation_id, member_id, for_update=True)
    if member_id not in (observation.observed_id, observation.observer_id):
        raise NotFound(_("There is no observation {id} of yours.", id=observation_id))
    if observation.status not in OPEN:
        raise UserError(
            _(
                "Observation {id} is {status}; only a planned observation can be changed.",
                id=observation_id,
                status=status_word(observation.status),
            )
        )
    if (focus is not None or hope is not None) and member_id != observation.observed_id:
        raise PermissionDenied(
            _("The focus and what they hope to learn are for the observed teacher to say.")
        )
    if focus is None and hope is None and lesson is None and at is None:
        raise UserError(
            _(
                'Say what to change, like observe edit {id} date="2026-12-08 10:40".',
                id=observation_id,
            )
        )
    check_when(at, now)
    if focus is not None:
        observation.focus = _check_text(focus, "focus") or observation.focus
    if hope is not None:
        observation.hope = _check_text(hope, "hope")
    if lesson is not None:
        observation.lesson = _check_text(lesson, "lesson")
    if at is not None and at != observation.at:
        observation.at = at
        if observation.status == ObservationStatus.ACCEPTED:
            cancel_reminders(session, observation_id)
            schedule_reminders(session, observation, now)
    session.add(observation)
    other = other_side(observation, member_id)
    if other is not None:
        with speaking_to(session, other) as zone:
            notice = changed_notice(session, observation, zone, by=member_id)
        tell(
            session,
            other,
            f"observation.changed:{observation_id}:"
            + _digest(observation.focus, observation.hope, observation.lesson, observation.at),
            notice,
            now,
            about=(member_id,),
        )
    session.flush()
    return observation


def check_may_delete(observation: Observation, member_id: int) -> None:
    if member_id != observation.observed_id:
        raise PermissionDenied(
            _(
                "The notes belong to the teacher you observed, so only they can delete them. "
                "You can still correct your notes with observe notes {id}.",
                id=observation.id,
            )
        )


def delete(session: Session, observation_id: int, member_id: int) -> None:
    """The observed teacher removes the observation and its notes for good."""
    observation = get_observation(session, observation_id, member_id)
    check_may_delete(observation, member_id)
    cancel_reminders(session, observation_id)
    for share in session.exec(
        select(ObservationShare).where(ObservationShare.observation_id == observation_id)
    ):
        session.delete(share)
    session.delete(observation)
    session.flush()


# Reminders --------------------------------------------------------------------------------------


def schedule_reminders(session: Session, observation: Observation, now: datetime) -> None:
    if observation.at is None or observation.id is None:
        return
    for before in REMIND_BEFORE:
        at = observation.at - before
        if at > now:
            create_schedule(
                session,
                kind=REMINDER_KIND,
                now=now,
                recurrence={"type": "once", "at": at.isoformat()},
                timezone="UTC",
                subject_id=observation.id,
                payload={"hours_before": before.total_seconds() / 3600},
                follow_member_timezone=False,
            )
    create_schedule(
        session,
        kind=REMINDER_KIND,
        now=now,
        recurrence={"type": "once", "at": (observation.at + NOTES_NUDGE_AFTER).isoformat()},
        timezone="UTC",
        subject_id=observation.id,
        payload={"notes": True},
        follow_member_timezone=False,
    )


def reminders_of(session: Session, observation_id: int) -> list[Schedule]:
    return list(
        session.exec(
            select(Schedule).where(
                Schedule.kind == REMINDER_KIND, Schedule.subject_id == observation_id
            )
        )
    )


def cancel_reminders(session: Session, observation_id: int) -> None:
    for schedule in reminders_of(session, observation_id):
        cancel_schedule(session, schedule)


# Notes ------------------------------------------------------------------------------------------


def _check_observer(session: Session, observation: Observation, member_id: int) -> None:
    if member_id != observation.observer_id:
        raise PermissionDenied(
            _(
                "Only {name}, who observed the lesson, writes the notes for observation {id}.",
                name=name_of(session, observation.observer_id),
                id=observation.id,
            )
        )
    if observation.status not in (ObservationStatus.ACCEPTED, ObservationStatus.DONE):
        raise UserError(
            _(
                "Observation {id} is {status}; notes are written once it is accepted.",
                id=observation.id,
                status=status_word(observation.status),
            )
        )


def record_notes(
    session: Session,
    observation_id: int,
    member_id: int,
    notes: dict[str, str | None],
    now: datetime,
) -> Observation:
    """The observer records (or corrects) their notes at once; the observed teacher gets them."""
    observation = get_observation(session, observation_id, member_id, for_update=True)
    _check_observer(session, observation, member_id)
    given = {k: v for k, v in notes.items() if v is not None}
    if not any((v or "").strip() for v in given.values()):
        raise UserError(
            _(
                "Write at least one part of the notes, like observe notes {id} "
                'went_well="..." next_step="...". Or send observe notes {id} and I will ask for '
                "each part in turn.",
                id=observation_id,
            )
        )
    for name, value in given.items():
        setattr(observation, name, " ".join(value.split()) or None)
    observation.drafting = None
    return _finish(session, observation, now)


def start_draft(
    session: Session, observation_id: int, member_id: int, now: datetime
) -> Observation:
    """Ask for the notes one part at a time; each direct message answers the next part."""
    observation = get_observation(session, observation_id, member_id, for_update=True)
    _check_observer(session, observation, member_id)
    for other in session.exec(
        select(Observation).where(
            Observation.observer_id == member_id, col(Observation.drafting).is_not(None)
        )
    ):
        other.drafting = None  # one set of notes at a time
        session.add(other)
    for prompt in session.exec(
        select(ReflectionPrompt).where(
            ReflectionPrompt.member_id == member_id,
            col(ReflectionPrompt.answered_at).is_(None),
            col(ReflectionPrompt.closed_at).is_(None),
        )
    ):
        # The next message answers the notes, as a newer prompt replaces an older one.
        prompt.closed_at = now
        session.add(prompt)
    observation.drafting = NOTE_FIELDS[0]
    observation.drafting_at = now
    session.add(observation)
    session.flush()
    return observation


def drafting(session: Session, member_id: int, now: datetime) -> Observation | None:
    """The notes the member is writing step by step, if a message now would answer them."""
    return session.exec(
        select(Observation).where(
            Observation.observer_id == member_id,
            col(Observation.drafting).is_not(None),
            col(Observation.drafting_at) >= now - DRAFT_WINDOW,
        )
    ).first()


SKIP_WORDS = ("skip", "-", "pass")
STOP_WORDS = ("stop", "cancel")


def answer_draft(
    session: Session, observation: Observation, text: str, now: datetime, *, limit: int
) -> Literal["next", "stopped", "sent"]:
    """Save one step's answer (``skip`` leaves it empty), and move to the next; after the last,
    the notes are sent. ``stop`` keeps what is written as a draft."""
    step = observation.drafting
    assert step is not None
    word = text.strip().lower()
    if word in STOP_WORDS:
        observation.drafting = None
        session.add(observation)
        session.flush()
        return "stopped"
    if word not in SKIP_WORDS:
        value = " ".join(text.split())
        if len(value) > limit:
            raise UserError(
                _(
                    "That is {length} characters; this part keeps up to {limit}. Please shorten it "
                    "and send it again.",
                    length=len(value),
                    limit=limit,
                )
            )
        setattr(observation, step, value)
    position = NOTE_FIELDS.index(step)
    if position + 1 < len(NOTE_FIELDS):
        observation.drafting = NOTE_FIELDS[position + 1]
        observation.drafting_at = now
        session.add(observation)
        session.flush()
        return "next"
    observation.drafting = None
    if not any(getattr(observation, name) for name in NOTE_FIELDS):
        session.add(observation)
        session.flush()
        raise UserError(
            _(
                "All four parts were skipped, so there are no notes to send. Start again with observe notes {id}.",
                id=observation.id,
            )
        )
    _finish(session, observation, now)
    return "sent"


def note_limit(name: str) -> int:
    return {"went_well": 2000, "evidence": 2000, "question": 500, "next_step": 500}[name]


def _finish(session: Session, observation: Observation, now: datetime) -> Observation:
    """The notes are complete: the observation is done and the observed teacher gets them."""
    assert observation.id is not None
    again = observation.status == ObservationStatus.DONE
    observation.status = ObservationStatus.DONE
    observation.notes_at = now
    session.add(observation)
    for schedule in reminders_of(session, observation.id):
        if schedule.payload.get("notes"):
            cancel_schedule(session, schedule)
    with speaking_to(session, observation.observed_id) as zone:
        notice = notes_notice(session, observation, zone, again=again)
    tell(
        session,
        observation.observed_id,
        f"observation.notes:{observation.id}:{_digest(*(getattr(observation, n) for n in NOTE_FIELDS))}",
        notice,
        now,
        about=tuple(m for m in (observation.observer_id,) if m is not None),
    )
    session.flush()
    return observation


# After: reflection and sharing ------------------------------------------------------------------


def require_observed(session: Session, observation: Observation, member_id: int) -> None:
    if member_id != observation.observed_id:
        raise PermissionDenied(
            _(
                "Only {name}, whose lesson it was, can do that with observation {id}.",
                name=name_of(session, observation.observed_id),
                id=observation.id,
            )
        )


def require_notes(observation: Observation) -> None:
    if observation.status != ObservationStatus.DONE:
        raise UserError(
            _(
                "Observation {id} has no notes yet; the observer is asked for them after the "
                "lesson.",
                id=observation.id,
            )
        )


def reflection_question(session: Session, observation: Observation) -> str:
    return _(
        "Reading {name}'s notes on {focus}: what will you keep doing, and what will you try next?",
        name=name_of(session, observation.observer_id),
        focus=observation.focus,
    )


def may_share_with(session: Session, member_id: int, target_id: int) -> bool:
    """The observed teacher's own mentor, or a CPD lead or school admin of their school."""
    mentor = session.exec(
        select(MentorMatch.id).where(
            MentorMatch.mentee_id == member_id,
            MentorMatch.mentor_id == target_id,
            MentorMatch.status == MatchStatus.ACTIVE,
        )
    ).first()
    if mentor is not None:
        return True
    school = school_of(session, member_id)
    if school is None or school.id is None:
        return False
    return any(role in LEADS for role in roles_of(session, school.id, target_id))


def share(
    session: Session, observation_id: int, member_id: int, target: Member, now: datetime
) -> bool:
    """Show the notes to the observed teacher's mentor or CPD lead. False if already shown."""
    observation = get_observation(session, observation_id, member_id)
    require_observed(session, observation, member_id)
    require_notes(observation)
    assert target.id is not None
    if not may_share_with(session, member_id, target.id):
        raise PermissionDenied(
            _(
                "You can share observation notes with your mentor or a CPD lead of your school "
                "only; {name} is neither.",
                name=target.display_name,
            )
        )
    if target.id in shared_with(session, observation_id):
        return False
    session.add(ObservationShare(observation_id=observation_id, member_id=target.id, shared_at=now))
    with speaking_to(session, target.id) as zone:
        notice = shared_notice(session, observation, zone, by=member_id)
    tell(
        session,
        target.id,
        f"observation.shared:{observation_id}:{target.id}:{now.isoformat()}",
        notice,
        now,
        about=tuple(m for m in (member_id, observation.observer_id) if m is not None),
    )
    session.flush()
    return True


def unshare(session: Session, observation_id: int, member_id: int, target: Member) -> bool:
    """Stop showing the notes to someone (a message already sent stays where it was sent)."""
    observation = get_observation(session, observation_id, member_id)
    require_observed(session, observation, member_id)
    row = session.exec(
        select(ObservationShare).where(
            ObservationShare.observation_id == observation_id,
            ObservationShare.member_id == target.id,
        )
    ).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


# Telling the other side --------------------------------------------------------------------------


def tell(
    session: Session,
    member_id: int,
    key: str,
    reply: Reply,
    now: datetime,
    *,
    about: tuple[int | None, ...] = (),
) -> None:
    """Queue a direct message for one of the people involved (``about``: whose data it shows)."""
    enqueue(
        session,
        key=key,
        reply=reply,
        due_at=now,
        now=now,
        member_id=member_id,
        about=[m for m in about if m is not None],
    )


def _digest(*values: object) -> str:
    """A short fingerprint of what a notice shows: the same change twice is told once, a new
    change is told again (the notice's outbox key must differ)."""
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def local_day(observation: Observation, zone: ZoneInfo) -> date:
    """The day the lesson was, on the reader's clock (the day the notes came, if no date)."""
    at = observation.at or observation.notes_at or observation.created_at
    return at.astimezone(zone).date()
