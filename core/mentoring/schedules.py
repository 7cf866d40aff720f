"""The mentoring feature's schedule kinds: mentoring rounds, check-ins and coffee rounds."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from core.communities.models import Community
from core.delivery.kinds import Occurrence, Outgoing
from core.delivery.outbox import enqueue
from core.mentoring import coffee
from core.mentoring.matching import run_round
from core.mentoring.models import MatchStatus, MentorMatch
from core.mentoring.replies import Notice, checkin_prompt, name_of, other_party
from core.mentoring.settings import MentoringSettings


def _outgoing(notices: list[Notice], session: Session, at: datetime) -> list[Outgoing]:
    out: list[Outgoing] = []
    for notice in notices:
        if notice.due_at is not None and notice.due_at > at:
            enqueue(
                session,
                key=notice.key,
                reply=notice.reply,
                due_at=notice.due_at,
                now=at,
                member_id=notice.member_id,
                about=notice.about,
            )
        else:
            out.append(
                Outgoing(
                    reply=notice.reply,
                    member_id=notice.member_id,
                    suffix=notice.key,
                    about=notice.about,
                )
            )
    return out


def plan_mentor_round(occ: Occurrence) -> list[Outgoing]:
    """A scheduled round, with the settings in force when it was scheduled."""
    session, schedule, at = occ.session, occ.schedule, occ.at
    settings = MentoringSettings.model_validate(schedule.payload.get("settings", {}))
    if schedule.community_id is not None and session.get(Community, schedule.community_id) is None:
        schedule.active = False
        session.add(schedule)
        return []
    _round, notices = run_round(session, settings, at, community_id=schedule.community_id)
    return _outgoing(notices, session, at)


def plan_mentor_checkin(occ: Occurrence) -> list[Outgoing]:
    """Ask the schedule's member how their active pair is going (both sides, on a schedule made
    before check-ins were per member)."""
    session, schedule = occ.session, occ.schedule
    match = session.get(MentorMatch, schedule.subject_id) if schedule.subject_id else None
    sides = (match.mentor_id, match.mentee_id) if match is not None else ()
    if (
        match is None
        or match.status != MatchStatus.ACTIVE
        or schedule.member_id not in (*sides, None)
    ):
        schedule.active = False
        session.add(schedule)
        return []
    out = []
    for member_id in sides if schedule.member_id is None else (schedule.member_id,):
        reply = checkin_prompt(match, name_of(session, other_party(match, member_id)))
        out.append(
            Outgoing(
                reply=reply,
                member_id=member_id,
                suffix=f"m{member_id}",
                about=(other_party(match, member_id),),  # the partner's name
            )
        )
    return out


def plan_coffee_round(occ: Occurrence) -> list[Outgoing]:
    session, schedule, at = occ.session, occ.schedule, occ.at
    from core.mentoring.models import CoffeeRotation

    rotation = session.get(CoffeeRotation, schedule.subject_id) if schedule.subject_id else None
    if rotation is None or rotation.schedule_id != schedule.id:
        schedule.active = False
        session.add(schedule)
        return []
    if coffee.ran_within(session, rotation, at, coffee.period(rotation) / 2) is not None:
        # A moderator ran a round by hand lately: this one would re-pair everyone too soon.
        return []
    window = int(schedule.payload.get("avoid_repeat_rounds", 6))
    _round, _groups, notices = coffee.run_round(session, rotation, window, at)
    return _outgoing(notices, session, at)
