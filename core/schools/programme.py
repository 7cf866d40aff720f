"""Programme health for a CPD lead: the school's mentoring pairs and coffee rounds, read from
the mentoring feature's tables and never written.

A pair is the school's when either side is one of its members; the other side, if they are
someone else's member, is never named (a lead sees their own school's people only). Only
facts are read: statuses, dates, counts and ratings. The text of check-ins and feedback, the
mentoring notes a member is promised a lead never sees, is not even selected. A rating average
is shown only for a group of :data:`MIN_GROUP` ratings or more, so no one's own rating can be
worked out from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from core.clock import utc
from core.communities.models import CommunityMember, MembershipStatus
from core.identity.models import Member
from core.mentoring.models import (
    CoffeeParticipant,
    CoffeeRotation,
    CoffeeRound,
    CoffeeSeat,
    MatchStatus,
    MentorMatch,
    MentorNote,
    MentorRequest,
    RequestStatus,
)
from core.schools.models import SchoolMember

MIN_GROUP = 5
"""Fewest ratings an average is shown for."""
CHECKIN_GRACE = timedelta(weeks=1)
"""An active pair is overdue when nothing was noted for its check-in period and this long."""
GHOST_SEATS = 2
"""Seated this many times or more and never met: one of the people who never meet."""


def _people(session: Session, school_id: int) -> dict[int, str]:
    return {
        member_id: name
        for member_id, name in session.exec(
            select(Member.id, Member.display_name)
            .join(SchoolMember, col(SchoolMember.member_id) == col(Member.id))
            .where(SchoolMember.school_id == school_id)
        )
        if member_id is not None
    }


def _by_name(people: dict[int, str], ids: set[int] | list[int]) -> list[int]:
    return sorted(ids, key=lambda m: (people[m].lower(), m))


@dataclass(frozen=True, slots=True)
class PairRow:
    match_id: int
    mentor: str | None
    """None: not a member of the school."""
    mentee: str | None
    status: str
    proposed_at: datetime
    activated_at: datetime | None
    ended_at: datetime | None
    checkins: int
    last_checkin: datetime | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class Waiting:
    member_id: int
    name: str
    since: datetime
    missed_rounds: int


@dataclass(frozen=True, slots=True)
class Ratings:
    """The ratings one side gave; ``average`` is None for a group under :data:`MIN_GROUP`."""

    side: str
    """``mentees`` or ``mentors``."""
    count: int
    average: float | None


@dataclass(frozen=True, slots=True)
class MentoringReport:
    pairs: list[PairRow]
    unmatched: list[Waiting]
    """The school's members whose request for a mentor is still waiting for a pair."""
    ratings: list[Ratings]

    def count(self, *statuses: str) -> int:
        return sum(p.status in statuses for p in self.pairs)

    @property
    def overdue(self) -> list[PairRow]:
        return [p for p in self.pairs if p.overdue]


def mentoring_report(
    session: Session, school_id: int, now: datetime, checkin_every_weeks: int
) -> MentoringReport:
    """The school's pairs (either side a member), check-ins overdue, members waiting for a
    mentor, and rating averages."""
    people = _people(session, school_id)
    ids = list(people)
    matches = list(
        session.exec(
            select(MentorMatch)
            .where(or_(col(MentorMatch.mentor_id).in_(ids), col(MentorMatch.mentee_id).in_(ids)))
            .order_by(col(MentorMatch.id))
        )
    )
    match_ids = [m.id for m in matches]
    checkins = {
        match_id: (count, utc(last))
        for match_id, count, last in session.exec(
            select(MentorNote.match_id, func.count(), func.max(MentorNote.at))
            .where(col(MentorNote.match_id).in_(match_ids), MentorNote.kind == "checkin")
            .group_by(col(MentorNote.match_id))
        )
    }
    allowed = timedelta(weeks=checkin_every_weeks) + CHECKIN_GRACE
    pairs = []
    for match in matches:
        assert match.id is not None
        count, last = checkins.get(match.id, (0, None))
        since = last or (utc(match.activated_at) if match.activated_at else None)
        pairs.append(
            PairRow(
                match_id=match.id,
                mentor=people.get(match.mentor_id),
                mentee=people.get(match.mentee_id),
                status=match.status,
                proposed_at=utc(match.proposed_at),
                activated_at=utc(match.activated_at) if match.activated_at else None,
                ended_at=utc(match.ended_at) if match.ended_at else None,
                checkins=count,
                last_checkin=last,
                overdue=match.status == MatchStatus.ACTIVE
                and since is not None
                and now - since > allowed,
            )
        )
    paired = {
        m.mentee_id for m in matches if m.status in (MatchStatus.PROPOSED, MatchStatus.ACTIVE)
    }
    waiting: dict[int, MentorRequest] = {}
    for request in session.exec(
        select(MentorRequest).where(
            col(MentorRequest.member_id).in_(ids),
            col(MentorRequest.status).in_([RequestStatus.OPEN, RequestStatus.PROPOSED]),
        )
    ):
        if request.member_id not in paired and request.member_id not in waiting:
            waiting[request.member_id] = request
    unmatched = [
        Waiting(m, people[m], utc(waiting[m].created_at), waiting[m].missed_rounds)
        for m in _by_name(people, set(waiting))
    ]
    sides = {m.id: m for m in matches}
    given: dict[str, list[int]] = {"mentees": [], "mentors": []}
    for match_id, member_id, rating in session.exec(
        select(MentorNote.match_id, MentorNote.member_id, MentorNote.rating).where(
            col(MentorNote.match_id).in_(match_ids),
            MentorNote.kind == "feedback",
            col(MentorNote.rating).is_not(None),
            col(MentorNote.member_id).in_(ids),
        )
    ):
        side = "mentees" if sides[match_id].mentee_id == member_id else "mentors"
        given[side].append(int(rating or 0))
    ratings = [
        Ratings(
            side,
            len(values),
            round(sum(values) / len(values), 1) if len(values) >= MIN_GROUP else None,
        )
        for side, values in given.items()
    ]
    return MentoringReport(pairs, unmatched, ratings)


@dataclass(frozen=True, slots=True)
class CoffeeRow:
    """One member of the school in coffee rounds."""

    member_id: int
    name: str
    seats: int
    met: int
    not_met: int
    left_out: bool
    """Taking part, but given no partner in their rotation's latest round."""

    @property
    def never_met(self) -> bool:
        return self.seats >= GHOST_SEATS and self.met == 0


@dataclass(frozen=True, slots=True)
class CoffeeReport:
    rounds: int
    """Rounds in which a member of the school had a seat."""
    members: list[CoffeeRow]
    """The school's members who take or took part, by name."""

    @property
    def seats(self) -> int:
        return sum(m.seats for m in self.members)

    @property
    def answered(self) -> int:
        return sum(m.met + m.not_met for m in self.members)

    @property
    def met_rate(self) -> float | None:
        """Of the answers to "did you meet?", the share that said yes."""
        answered = self.answered
        return sum(m.met for m in self.members) / answered if answered else None

    @property
    def never_met(self) -> list[CoffeeRow]:
        return [m for m in self.members if m.never_met]

    @property
    def left_out(self) -> list[CoffeeRow]:
        return [m for m in self.members if m.left_out]


def coffee_report(session: Session, school_id: int) -> CoffeeReport:
    """The school's members' seats in coffee rounds, what they said about meeting, and who was
    left without a partner in the latest round of a rotation they take part in."""
    people = _people(session, school_id)
    ids = list(people)
    seats: dict[int, list[bool | None]] = {}
    rounds: set[int] = set()
    for round_id, member_id, met in session.exec(
        select(CoffeeSeat.round_id, CoffeeSeat.member_id, CoffeeSeat.met).where(
            col(CoffeeSeat.member_id).in_(ids)
        )
    ):
        rounds.add(round_id)
        seats.setdefault(member_id, []).append(met)
    latest = {
        rotation_id: (round_id, utc(at))
        for rotation_id, round_id, at in session.exec(
            select(CoffeeRound.rotation_id, CoffeeRound.id, CoffeeRound.at).order_by(
                col(CoffeeRound.number)
            )
        )
    }
    seated_latest = set(
        session.exec(
            select(CoffeeSeat.round_id, CoffeeSeat.member_id).where(
                col(CoffeeSeat.round_id).in_([r for r, _at in latest.values()]),
                col(CoffeeSeat.member_id).in_(ids),
            )
        ).all()
    )
    taking_part: set[int] = set()
    left_out: set[int] = set()
    for participant in session.exec(
        select(CoffeeParticipant)
        .join(CoffeeRotation, col(CoffeeRotation.id) == col(CoffeeParticipant.rotation_id))
        .join(
            CommunityMember,
            (col(CommunityMember.community_id) == col(CoffeeRotation.community_id))
            & (col(CommunityMember.member_id) == col(CoffeeParticipant.member_id)),
        )
        .where(
            col(CoffeeParticipant.member_id).in_(ids),
            CommunityMember.status == MembershipStatus.ACTIVE,
        )
    ):
        taking_part.add(participant.member_id)
        last = latest.get(participant.rotation_id)
        if last is None or participant.paused or utc(participant.joined_at) > last[1]:
            continue
        if participant.paused_until is not None and utc(participant.paused_until) > last[1]:
            continue
        if (last[0], participant.member_id) not in seated_latest:
            left_out.add(participant.member_id)
    rows = [
        CoffeeRow(
            member_id=m,
            name=people[m],
            seats=len(seats.get(m, [])),
            met=sum(s is True for s in seats.get(m, [])),
            not_met=sum(s is False for s in seats.get(m, [])),
            left_out=m in left_out,
        )
        for m in _by_name(people, taking_part | set(seats))
    ]
    return CoffeeReport(rounds=len(rounds), members=rows)
