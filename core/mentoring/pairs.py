"""A mentoring pair's life: a proposal answered (accepted, declined or left to expire), check-ins
while it is active, and the feedback when it ends.

Functions here change the database and return :class:`~core.mentoring.replies.Notice` objects for
the other people who must hear about it; the caller puts them in the outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from core.delivery.models import Schedule
from core.delivery.outbox import enqueue
from core.delivery.recurrence import next_occurrence, zone_of
from core.delivery.schedules import cancel_schedule, create_schedule
from core.errors import NotFound, UserError
from core.i18n import _
from core.identity.models import Member
from core.mentoring.models import MatchStatus, MentorMatch, MentorNote, MentorRequest, RequestStatus
from core.mentoring.replies import (
    Notice,
    contacts_reply,
    feedback_prompt,
    name_of,
    other_party,
    status_word,
)
from core.mentoring.settings import MentoringSettings
from core.reply import Reply

CHECKIN_TIME = "09:00"
"""Local time of the check-in messages, in each member's own timezone."""


def match_for(
    session: Session, match_id: int, member_id: int, *, for_update: bool = False
) -> MentorMatch:
    """A match the member is part of; anyone else's match is "not found", never "forbidden".

    ``for_update`` locks the row (PostgreSQL) until the transaction ends and reads it afresh, so
    two people changing the same match at once (both accepting) take turns and each sees the
    other's change.
    """
    match = session.get(
        MentorMatch, match_id, with_for_update=for_update, populate_existing=for_update
    )
    if match is None or member_id not in (match.mentor_id, match.mentee_id):
        raise NotFound(
            _(
                "You have no mentoring match #{id}. See your matches with mentor status.",
                id=match_id,
            )
        )
    return match


def expire_due(session: Session, now: datetime) -> list[Notice]:
    """Mark proposals past their time as expired and put the mentee back in the queue."""
    notices: list[Notice] = []
    for match in session.exec(
        select(MentorMatch).where(
            MentorMatch.status == MatchStatus.PROPOSED, MentorMatch.expires_at <= now
        )
    ):
        match.status = MatchStatus.EXPIRED
        match.ended_at = now
        session.add(match)
        _reopen(session, match, missed=True)
        for member_id in (match.mentor_id, match.mentee_id):
            other = name_of(session, other_party(match, member_id))
            text = _(
                "The mentoring proposal with {name} expired before you both answered.",
                name=other,
            )
            if member_id == match.mentee_id:
                text += _(" Your request is back in the queue for the next round.")
            notices.append(
                Notice(
                    member_id,
                    f"mentor:expired:{match.id}:{member_id}",
                    Reply.message(text),
                    about=(other_party(match, member_id),),
                )
            )
    return notices


def _reopen(session: Session, match: MentorMatch, *, missed: bool) -> None:
    request = session.get(MentorRequest, match.request_id) if match.request_id else None
    if request is not None and request.status == RequestStatus.PROPOSED:
        request.status = RequestStatus.OPEN
        if missed:
            request.missed_rounds += 1
        session.add(request)


def accept(
    session: Session, match_id: int, member_id: int, settings: MentoringSettings, now: datetime
) -> tuple[Reply, list[Notice]]:
    """One side accepts; when both have, the pair is active and each sees the other's contacts."""
    match = match_for(session, match_id, member_id, for_update=True)
    _require_open_proposal(session, match, now)
    as_mentor = member_id == match.mentor_id
    already = match.mentor_accepted_at if as_mentor else match.mentee_accepted_at
    other_id = other_party(match, member_id)
    other = name_of(session, other_id)
    if already is not None:
        return Reply.message(
            _("You have already accepted. Waiting for {name} to answer.", name=other)
        ), []
    if as_mentor:
        match.mentor_accepted_at = now
    else:
        match.mentee_accepted_at = now
    if match.mentor_accepted_at is None or match.mentee_accepted_at is None:
        session.add(match)
        return Reply.success(
            _(
                "Thank you. I'll share contact details as soon as {name} accepts too.",
                name=other,
            )
        ), []
    match.status = MatchStatus.ACTIVE
    match.activated_at = now
    request = session.get(MentorRequest, match.request_id) if match.request_id else None
    if request is not None:
        request.status = RequestStatus.MATCHED
        session.add(request)
    session.add(match)
    _start_checkins(session, match, settings.checkin_every_weeks, now)
    notice = Notice(
        other_id,
        f"mentor:active:{match.id}:{other_id}",
        contacts_reply(session, match, other_id),
        about=(member_id,),
    )
    return contacts_reply(session, match, member_id), [notice]


def _start_checkins(session: Session, match: MentorMatch, every_weeks: int, now: datetime) -> None:
    """A check-in schedule for each side, in their own timezone (moving with it): 09:00 on the
    weekday the pair started (Monday if that was a weekend), the first a full period from now."""
    for member_id in (match.mentor_id, match.mentee_id):
        member = session.get(Member, member_id)
        timezone = member.timezone if member is not None else "UTC"
        weekday = now.astimezone(zone_of(timezone)).weekday()
        schedule = create_schedule(
            session,
            kind="mentor.checkin",
            now=now,
            recurrence={
                "type": "weekly",
                "weekdays": [weekday if weekday < 5 else 0],
                "time": CHECKIN_TIME,
                "every_weeks": every_weeks,
            },
            timezone=timezone,
            member_id=member_id,
            subject_id=match.id,
            payload={"match_id": match.id},
        )
        schedule.next_due_at = next_occurrence(
            schedule.recurrence, zone_of(timezone), now + timedelta(days=1)
        )
        session.add(schedule)


def cancel_checkins(session: Session, match: MentorMatch) -> None:
    """Stop a match's check-in schedules (the pair ended, or a member left or was merged)."""
    for schedule in session.exec(
        select(Schedule).where(
            Schedule.kind == "mentor.checkin",
            Schedule.subject_id == match.id,
            col(Schedule.active),
        )
    ):
        cancel_schedule(session, schedule)


def _require_open_proposal(session: Session, match: MentorMatch, now: datetime) -> None:
    if match.status == MatchStatus.PROPOSED and match.expires_at <= now:
        # The error keeps these changes, so the expiry notices must go out with them.
        for notice in expire_due(session, now):
            enqueue(
                session,
                key=notice.key,
                reply=notice.reply,
                due_at=now,
                now=now,
                member_id=notice.member_id,
                about=notice.about,
            )
        raise UserError(
            _(
                "Proposal #{id} expired on {date}. You are back in the queue for the next round.",
                id=match.id,
                date=match.expires_at.date().isoformat(),
            ),
            keep_changes=True,
        )
    if match.status != MatchStatus.PROPOSED:
        raise UserError(
            _(
                "Proposal #{id} is no longer waiting for an answer (it is {status}). "
                "See mentor status.",
                id=match.id,
                status=status_word(match.status),
            )
        )


def decline(
    session: Session, match_id: int, member_id: int, now: datetime
) -> tuple[Reply, list[Notice]]:
    """One side declines. The other side only hears that it did not work out."""
    match = match_for(session, match_id, member_id, for_update=True)
    _require_open_proposal(session, match, now)
    match.status = MatchStatus.DECLINED
    match.declined_by = member_id
    match.ended_at = now
    session.add(match)
    # Whoever declined, the mentee still wants a mentor: back in the queue, with priority.
    _reopen(session, match, missed=True)
    other_id = other_party(match, member_id)
    queued = _(" Your request stays in the queue, with priority in the next round.")
    text = _(
        "The mentoring pairing with {name} did not work out this time.",
        name=name_of(session, member_id),
    )
    notice = Notice(
        other_id,
        f"mentor:closed:{match.id}:{other_id}",
        Reply.message(text + queued if other_id == match.mentee_id else text),
        about=(member_id,),
    )
    said = _(
        "Declined. {name} only hears that it did not work out, and you will not be paired again.",
        name=name_of(session, other_id),
    )
    reply = Reply.success(said + queued if member_id == match.mentee_id else said)
    return reply, [notice]


def add_checkin(
    session: Session, match_id: int, member_id: int, note: str, now: datetime
) -> MentorMatch:
    """Add a check-in note to an active pair; return the pair."""
    match = match_for(session, match_id, member_id)
    if match.status != MatchStatus.ACTIVE:
        raise UserError(
            _(
                "Check-ins are for active pairs, and #{id} is {status}.",
                id=match.id,
                status=status_word(match.status),
            )
        )
    session.add(
        MentorNote(
            match_id=match_id, member_id=member_id, kind="checkin", text=note, shared=True, at=now
        )
    )
    return match


def notes_for(
    session: Session, match_id: int, member_id: int
) -> tuple[MentorMatch, list[MentorNote]]:
    """The match's notes that ``member_id`` may read, oldest first: their own, and the partner's
    shared ones (check-ins, and the line of feedback once the pair has ended). Anyone outside the
    pair gets "not found", as for every match."""
    match = match_for(session, match_id, member_id)
    notes = session.exec(
        select(MentorNote)
        .where(
            MentorNote.match_id == match_id,
            or_(MentorNote.member_id == member_id, col(MentorNote.shared)),
        )
        .order_by(col(MentorNote.at), col(MentorNote.id))
    ).all()
    return match, list(notes)


def end_match(
    session: Session, match_id: int, member_id: int, now: datetime
) -> tuple[Reply, list[Notice]]:
    """Complete an active pair; both are asked for a rating and a line of feedback."""
    match = match_for(session, match_id, member_id, for_update=True)
    if match.status != MatchStatus.ACTIVE:
        raise UserError(
            _(
                "Only an active pair can be ended, and #{id} is {status}.",
                id=match.id,
                status=status_word(match.status),
            )
        )
    match.status = MatchStatus.COMPLETED
    match.ended_at = now
    session.add(match)
    request = session.get(MentorRequest, match.request_id) if match.request_id else None
    if request is not None:
        request.status = RequestStatus.COMPLETED
        session.add(request)
    cancel_checkins(session, match)
    other_id = other_party(match, member_id)
    notice = Notice(
        other_id,
        f"mentor:ended:{match.id}:{other_id}",
        feedback_prompt(session, match, other_id),
        about=(member_id,),
    )
    return feedback_prompt(session, match, member_id), [notice]


def give_feedback(
    session: Session, match_id: int, member_id: int, rating: int, line: str, now: datetime
) -> MentorNote:
    """One rating and line per side; giving it again replaces it."""
    match = match_for(session, match_id, member_id)
    if match.status != MatchStatus.COMPLETED:
        raise UserError(
            _(
                "Feedback is for pairs that have ended. End #{id} first with mentor end {id}.",
                id=match.id,
            )
        )
    found = session.exec(
        select(MentorNote).where(
            MentorNote.match_id == match_id,
            MentorNote.member_id == member_id,
            MentorNote.kind == "feedback",
        )
    ).first() or MentorNote(match_id=match_id, member_id=member_id, kind="feedback", at=now)
    found.rating = rating
    found.text = line
    found.shared = True  # the line, as the feedback prompt says; the rating never is
    found.at = now
    session.add(found)
    return found


def matches_of(session: Session, member_id: int) -> list[MentorMatch]:
    return list(
        session.exec(
            select(MentorMatch)
            .where(or_(MentorMatch.mentor_id == member_id, MentorMatch.mentee_id == member_id))
            .order_by(col(MentorMatch.id).desc())
        )
    )
