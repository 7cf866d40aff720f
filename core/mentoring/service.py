"""Mentoring: offers, requests, rounds of proposals, and a match's life from proposal to feedback.

Functions here change the database and return :class:`Notice` objects for the other people who
must hear about it; the caller puts them in the outbox (a command) or hands them to the planner
(a scheduled round). Nothing here sends anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from core.communities.models import CommunityMember, MembershipStatus
from core.delivery.models import Schedule
from core.delivery.outbox import enqueue
from core.delivery.recurrence import next_occurrence, zone_of
from core.delivery.schedules import cancel_schedule, create_schedule
from core.errors import NotFound, UserError
from core.i18n import _
from core.identity.models import Member
from core.identity.service import accounts_of
from core.mentoring.assignment import assign
from core.mentoring.explain import explain
from core.mentoring.fit import MenteeProfile, MentorProfile, fit_matrix, reasons
from core.mentoring.models import (
    MatchStatus,
    MentorMatch,
    MentorNote,
    MentorOffer,
    MentorRequest,
    MentorRound,
    RequestStatus,
)
from core.mentoring.settings import MentoringSettings
from core.reply import Reply, bold

LIVE = (MatchStatus.PROPOSED, MatchStatus.ACTIVE)
CHECKIN_TIME = "09:00"
"""Local time of the check-in messages, in each member's own timezone."""
WAITING = (RequestStatus.OPEN, RequestStatus.PROPOSED)


@dataclass(frozen=True, slots=True)
class Notice:
    """A direct message for a member that a change produced; ``key`` makes sending it idempotent."""

    member_id: int
    key: str
    reply: Reply
    due_at: datetime | None = None
    about: tuple[int, ...] = ()
    """Members whose data the notice shows (a partner's name and goals), for privacy delete."""


# Offers and requests ----------------------------------------------------------------------------
def offer_of(session: Session, member_id: int) -> MentorOffer | None:
    return session.exec(select(MentorOffer).where(MentorOffer.member_id == member_id)).first()


def request_of(session: Session, member_id: int) -> MentorRequest | None:
    """The member's current request: waiting for a round, or with a proposal out."""
    return session.exec(
        select(MentorRequest)
        .where(MentorRequest.member_id == member_id, col(MentorRequest.status).in_(WAITING))
        .order_by(col(MentorRequest.id).desc())
    ).first()


def busy_places(session: Session, mentor_id: int) -> int:
    """Places of a mentor taken by proposals and active pairs."""
    return len(
        session.exec(
            select(MentorMatch.id).where(
                MentorMatch.mentor_id == mentor_id, col(MentorMatch.status).in_(LIVE)
            )
        ).all()
    )


def save_offer(
    session: Session,
    member_id: int,
    *,
    capacity: int | None,
    topics: list[str],
    settings: MentoringSettings,
    now: datetime,
) -> MentorOffer:
    """Create or update the member's offer; an offer made again is active again."""
    offer = offer_of(session, member_id)
    if offer is None:
        offer = MentorOffer(
            member_id=member_id,
            capacity=capacity or settings.default_capacity,
            created_at=now,
            updated_at=now,
        )
    elif capacity is not None:
        offer.capacity = capacity
    if topics:
        offer.topics = list(dict.fromkeys(t.strip() for t in topics if t.strip()))
    offer.active = True
    offer.updated_at = now
    session.add(offer)
    return offer


def save_request(
    session: Session,
    member_id: int,
    *,
    goals: list[str],
    phase: str | None,
    language: str | None,
    now: datetime,
) -> MentorRequest:
    """Create the member's request, or update the waiting one (not while a proposal is out)."""
    request = request_of(session, member_id)
    if request is not None and request.status == RequestStatus.PROPOSED:
        raise UserError(
            _(
                "You have a mentor proposal waiting for your answer. Accept or decline it first "
                "(see mentor status), then change your request."
            )
        )
    if request is None:
        request = MentorRequest(member_id=member_id, created_at=now)
    request.goals = list(dict.fromkeys(g.strip() for g in goals if g.strip()))
    request.phase = phase
    request.language = language.strip().lower() if language else None
    session.add(request)
    return request


# Rounds -----------------------------------------------------------------------------------------
def _members_of(session: Session, community_id: int) -> set[int]:
    return set(
        session.exec(
            select(CommunityMember.member_id).where(
                CommunityMember.community_id == community_id,
                CommunityMember.status == MembershipStatus.ACTIVE,
            )
        )
    )


def _mentee_profile(member: Member, request: MentorRequest) -> MenteeProfile:
    assert member.id is not None
    return MenteeProfile(
        member_id=member.id,
        name=member.display_name,
        goals=tuple(request.goals),
        subjects=tuple(member.subjects),
        phases=(request.phase,) if request.phase else tuple(member.phases),
        languages=(request.language,) if request.language else tuple(member.languages),
        timezone=member.timezone,
        years=member.years_experience,
        school=member.school,
        priority=request.missed_rounds > 0,
    )


def _mentor_profile(member: Member, offer: MentorOffer, free: int) -> MentorProfile:
    assert member.id is not None
    return MentorProfile(
        member_id=member.id,
        name=member.display_name,
        topics=tuple(offer.topics),
        subjects=tuple(member.subjects),
        phases=tuple(member.phases),
        languages=tuple(member.languages),
        timezone=member.timezone,
        years=member.years_experience,
        school=member.school,
        capacity=free,
    )


def run_round(
    session: Session,
    settings: MentoringSettings,
    now: datetime,
    *,
    community_id: int | None = None,
    run_by: int | None = None,
) -> tuple[MentorRound, list[Notice]]:
    """Propose the best set of new pairs among waiting mentees and mentors with free places."""
    notices = expire_due(session, now)
    scope = _members_of(session, community_id) if community_id is not None else None
    requests = [
        r
        for r in session.exec(
            select(MentorRequest)
            .where(MentorRequest.status == RequestStatus.OPEN)
            .order_by(col(MentorRequest.id))
        )
        if scope is None or r.member_id in scope
    ]
    offers = [
        o
        for o in session.exec(
            select(MentorOffer)
            .where(col(MentorOffer.active).is_(True))
            .order_by(col(MentorOffer.id))
        )
        if scope is None or o.member_id in scope
    ]
    ids = {r.member_id for r in requests} | {o.member_id for o in offers}
    members = (
        {m.id: m for m in session.exec(select(Member).where(col(Member.id).in_(ids)))}
        if ids
        else {}
    )
    mentees = [_mentee_profile(members[r.member_id], r) for r in requests]
    mentors = []
    kept_offers = []
    for offer in offers:
        free = offer.capacity - busy_places(session, offer.member_id)
        if free > 0:
            mentors.append(_mentor_profile(members[offer.member_id], offer, free))
            kept_offers.append(offer)
    excluded = [
        (mentee, mentor)
        for mentee, mentor in session.exec(
            select(MentorMatch.mentee_id, MentorMatch.mentor_id).where(
                col(MentorMatch.status).in_([*LIVE, MatchStatus.DECLINED])
            )
        )
    ]
    fit = fit_matrix(
        mentees,
        mentors,
        settings.weights,
        now,
        excluded_pairs=excluded,
        exclude_same_school=settings.exclude_same_school,
        min_fit=settings.min_fit,
    )
    pairs = assign(fit, [t.capacity for t in mentors])
    round_ = MentorRound(
        community_id=community_id,
        run_by=run_by,
        at=now,
        mentees=len(mentees),
        mentors=len(mentors),
        proposed=len(pairs),
        total_fit=round(sum(float(fit[i, j]) for i, j in pairs), 3),
    )
    session.add(round_)
    session.flush()
    matched_rows = {i for i, _j in pairs}
    for i, request in enumerate(requests):
        if i not in matched_rows:
            request.missed_rounds += 1
            session.add(request)
    for i, j in pairs:
        mentee, mentor, request = mentees[i], mentors[j], requests[i]
        match = MentorMatch(
            round_id=round_.id,
            request_id=request.id,
            mentor_id=mentor.member_id,
            mentee_id=mentee.member_id,
            score=round(float(fit[i, j]), 3),
            reasons=reasons(mentee, mentor, now),
            proposed_at=now,
            expires_at=now + timedelta(days=settings.proposal_expiry_days),
        )
        session.add(match)
        request.status = RequestStatus.PROPOSED
        request.missed_rounds = 0
        session.add(request)
        session.flush()
        for member_id in (mentor.member_id, mentee.member_id):
            notices.append(
                Notice(
                    member_id,
                    f"mentor:proposal:{match.id}:{member_id}",
                    proposal_reply(session, match, member_id),
                    about=(other_party(match, member_id),),
                )
            )
    return round_, notices


# One match --------------------------------------------------------------------------------------
def name_of(session: Session, member_id: int) -> str:
    member = session.get(Member, member_id)
    return member.display_name if member else _("a former member")


def other_party(match: MentorMatch, member_id: int) -> int:
    return match.mentee_id if member_id == match.mentor_id else match.mentor_id


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


def proposal_reply(session: Session, match: MentorMatch, viewer_id: int) -> Reply:
    """The proposal as one side sees it: who, why, and buttons to answer."""
    other = name_of(session, other_party(match, viewer_id))
    as_mentor = viewer_id == match.mentor_id
    viewer = "mentor" if as_mentor else "mentee"
    reply = Reply().heading(
        _("Mentoring proposal #{id}", id=match.id) if match.id else _("Mentoring proposal")
    )
    if as_mentor:
        reply.text(_("Would you mentor "), bold(other), _("?"))
    else:
        reply.text(bold(other), _(" could be your mentor."))
    why = explain(match.reasons, viewer=viewer, other_name=other)
    if why:
        reply.text(why)
    request = session.get(MentorRequest, match.request_id) if match.request_id else None
    if as_mentor and request is not None and request.goals:
        reply.items([[goal] for goal in request.goals])
    reply.note(
        _(
            "Contact details are shared only when you both accept. Answer by {date}; "
            "if you decline, {name} only hears that it did not work out.",
            date=match.expires_at.date().isoformat(),
            name=other,
        )
    )
    reply.action(_("Accept"), f"mentor accept {match.id}", "primary")
    reply.action(_("Decline"), f"mentor decline {match.id}", "danger")
    return reply


def contacts(session: Session, member_id: int) -> list[str]:
    """How to reach a member on each platform they use (only shown after mutual acceptance)."""
    lines = []
    for account in accounts_of(session, member_id):
        who = f"@{account.handle.lstrip('@')}" if account.handle else account.display_name
        lines.append(f"{account.platform.title()}: {who}")
    return lines


def contacts_reply(session: Session, match: MentorMatch, viewer_id: int) -> Reply:
    other_id = other_party(match, viewer_id)
    other = name_of(session, other_id)
    reply = Reply.success(
        _("You and "), bold(other), _(" have both accepted: your mentoring pair is active.")
    )
    reply.text(_("Reach {name} here:", name=other))
    reply.items([[line] for line in contacts(session, other_id)])
    reply.note(
        _(
            'Say hello and agree when to meet. Add notes with mentor checkin {id} "note"; '
            "finish with mentor end {id}.",
            id=match.id,
        )
    )
    return reply


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


def status_word(status: str) -> str:
    """The word shown for a match's status; a decline shows as "closed" to both sides."""
    return {
        MatchStatus.PROPOSED: _("proposed"),
        MatchStatus.ACTIVE: _("active"),
        MatchStatus.COMPLETED: _("completed"),
        MatchStatus.DECLINED: _("closed"),
        MatchStatus.EXPIRED: _("expired"),
    }.get(MatchStatus(status), status)


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
        MentorNote(match_id=match_id, member_id=member_id, kind="checkin", text=note, at=now)
    )
    return match


def feedback_prompt(session: Session, match: MentorMatch, viewer_id: int) -> Reply:
    other = name_of(session, other_party(match, viewer_id))
    reply = Reply().heading(_("Mentoring with {name} has ended", name=other))
    reply.text(
        _(
            "How was it? Give a rating from 1 to 5 and one line of feedback: "
            'mentor feedback {id} 5 "what helped most". Only Staffroom\'s organisers see it.',
            id=match.id,
        )
    )
    add_cpd_action(reply, other)
    return reply


def add_cpd_action(reply: Reply, other_name: str, hours: float = 1.0) -> Reply:
    """A button that logs mentoring time as CPD in one step."""
    title = _("Mentoring with {name}", name=other_name).replace('"', "'")
    return reply.action(
        _("Log {hours} h as CPD", hours=f"{hours:g}"),
        f'cpd log {hours:g} "{title}" category=coaching/mentoring',
    )


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
