"""Mentoring offers and requests, and the rounds that propose pairs among them.

A round proposes the best set of new pairs among waiting mentees and mentors with free places
(:mod:`core.mentoring.fit` scores them, :mod:`core.mentoring.assignment` chooses); each side is
sent the proposal as a :class:`~core.mentoring.replies.Notice`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.communities.models import CommunityMember, MembershipStatus
from core.errors import UserError
from core.i18n import _
from core.identity.models import Member
from core.identity.service import lock_member
from core.mentoring.assignment import assign
from core.mentoring.fit import MenteeProfile, MentorProfile, fit_matrix, reasons
from core.mentoring.models import (
    MatchStatus,
    MentorMatch,
    MentorOffer,
    MentorRequest,
    MentorRound,
    RequestStatus,
)
from core.mentoring.pairs import expire_due
from core.mentoring.replies import Notice, other_party, proposal_reply
from core.mentoring.settings import MentoringSettings

LIVE = (MatchStatus.PROPOSED, MatchStatus.ACTIVE)


WAITING = (RequestStatus.OPEN, RequestStatus.PROPOSED)


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
    """Create the member's request, or update the waiting one (not while a proposal is out).

    The same request again (same goals, phase and language as the waiting one) is the first
    sent twice, a retry after a lost answer: it is returned as it stands, even with a proposal
    out, and nothing changes. A member has one waiting request at most, so unlike observation
    requests no time window is needed to tell a repeat from a second one. Two sends at once
    take turns on the member's row, so the second sees the first."""
    lock_member(session, member_id)
    request = request_of(session, member_id)
    cleaned = list(dict.fromkeys(g.strip() for g in goals if g.strip()))
    wanted_language = language.strip().lower() if language else None
    if (
        request is not None
        and request.goals == cleaned
        and request.phase == phase
        and request.language == wanted_language
    ):
        return request  # already asked: a retry, not a change
    if request is not None and request.status == RequestStatus.PROPOSED:
        raise UserError(
            _(
                "You have a mentor proposal waiting for your answer. Accept or decline it first "
                "(see mentor status), then change your request."
            )
        )
    if request is None:
        request = MentorRequest(member_id=member_id, created_at=now)
    request.goals = cleaned
    request.phase = phase
    request.language = wanted_language
    session.add(request)
    return request


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
