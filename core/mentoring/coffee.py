"""Coffee rotations: members of a community who opt in are introduced to a peer each round."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.commands import N_
from core.communities.membership import role_of
from core.communities.models import Community, CommunityMember, MembershipStatus
from core.delivery.models import Schedule
from core.delivery.schedules import cancel_schedule, create_schedule
from core.errors import NotFound, UserError
from core.i18n import _
from core.mentoring.coffee_groups import coffee_groups, pair_key
from core.mentoring.models import CoffeeParticipant, CoffeeRotation, CoffeeRound, CoffeeSeat
from core.mentoring.replies import Notice, alone_this_round, coffee_intro, met_question

STARTERS = (
    N_("What is one routine that saves you time every week?"),
    N_("Which lesson from this term would you teach again exactly as it was?"),
    N_("What is a piece of feedback from a student you still think about?"),
    N_("What are you reading, watching or listening to for your own learning?"),
    N_("What would you change first if you ran your department for a week?"),
    N_("Which colleague taught you the most in your first years, and what?"),
    N_("What is your favourite way to start a lesson?"),
    N_("What is something outside school that makes you a better teacher?"),
)


def rotation_of(session: Session, community: Community) -> CoffeeRotation | None:
    return session.exec(
        select(CoffeeRotation).where(CoffeeRotation.community_id == community.id)
    ).first()


def ensure_rotation(session: Session, community: Community, now: datetime) -> CoffeeRotation:
    found = rotation_of(session, community)
    if found is None:
        assert community.id is not None
        found = CoffeeRotation(community_id=community.id, created_at=now)
        session.add(found)
        session.flush()
    return found


def participant(
    session: Session, rotation: CoffeeRotation, member_id: int
) -> CoffeeParticipant | None:
    return session.exec(
        select(CoffeeParticipant).where(
            CoffeeParticipant.rotation_id == rotation.id,
            CoffeeParticipant.member_id == member_id,
        )
    ).first()


def require_participant(
    session: Session, community: Community, member_id: int
) -> tuple[CoffeeRotation, CoffeeParticipant]:
    rotation = rotation_of(session, community)
    found = participant(session, rotation, member_id) if rotation else None
    if rotation is None or found is None:
        raise UserError(
            _(
                "You are not in {name}'s coffee rotation. Join with coffee join {slug}.",
                name=community.name,
                slug=community.slug,
            )
        )
    return rotation, found


def join(session: Session, community: Community, member_id: int, now: datetime) -> CoffeeRotation:
    if role_of(session, community, member_id) is None:
        raise UserError(
            _(
                "Coffee rotations are for members of {name}. Join it first with "
                "community join {slug}.",
                name=community.name,
                slug=community.slug,
            )
        )
    rotation = ensure_rotation(session, community, now)
    if participant(session, rotation, member_id) is not None:
        raise UserError(_("You are already in {name}'s coffee rotation.", name=community.name))
    assert rotation.id is not None
    session.add(CoffeeParticipant(rotation_id=rotation.id, member_id=member_id, joined_at=now))
    return rotation


def set_schedule(
    session: Session,
    rotation: CoffeeRotation,
    *,
    every_weeks: int | None,
    size: int,
    avoid_repeat_rounds: int,
    timezone: str,
    now: datetime,
) -> None:
    """Start, change or stop (``every_weeks=None``) the rotation's automatic rounds."""
    rotation.size = size
    rotation.every_weeks = every_weeks
    old = session.get(Schedule, rotation.schedule_id) if rotation.schedule_id else None
    if old is not None:
        cancel_schedule(session, old)
    rotation.schedule_id = None
    if every_weeks is not None:
        schedule = create_schedule(
            session,
            kind="coffee.round",
            now=now,
            recurrence={
                "type": "weekly",
                "weekdays": [now.astimezone(ZoneInfo(timezone)).weekday()],
                "time": "09:00",
                "every_weeks": every_weeks,
            },
            timezone=timezone,
            community_id=rotation.community_id,
            subject_id=rotation.id,
            # The planner has no settings at hand: the window in force travels with it.
            payload={"avoid_repeat_rounds": avoid_repeat_rounds},
            follow_member_timezone=False,
        )
        rotation.schedule_id = schedule.id
    session.add(rotation)


def period(rotation: CoffeeRotation) -> timedelta:
    """How long a round lasts: the schedule's interval, or a week for rounds run by hand."""
    return timedelta(weeks=rotation.every_weeks or 1)


def ran_within(
    session: Session, rotation: CoffeeRotation, now: datetime, span: timedelta
) -> CoffeeRound | None:
    """The rotation's latest round if it ran less than ``span`` before ``now``."""
    latest = session.exec(
        select(CoffeeRound)
        .where(CoffeeRound.rotation_id == rotation.id)
        .order_by(col(CoffeeRound.number).desc())
    ).first()
    return latest if latest is not None and latest.at > now - span else None


def _history(
    session: Session, rotation: CoffeeRotation, window: int
) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """Pairs that met within the last ``window`` rounds, and pairs that met before that."""
    rounds = list(
        session.exec(
            select(CoffeeRound.id)
            .where(CoffeeRound.rotation_id == rotation.id)
            .order_by(col(CoffeeRound.number).desc())
        )
    )
    recent_ids = set(rounds[:window])
    groups: dict[tuple[int, int], list[int]] = {}
    if rounds:
        for seat in session.exec(select(CoffeeSeat).where(col(CoffeeSeat.round_id).in_(rounds))):
            groups.setdefault((seat.round_id, seat.group_number), []).append(seat.member_id)
    recent: set[tuple[int, int]] = set()
    earlier: set[tuple[int, int]] = set()
    for (round_id, _group), people in groups.items():
        target = recent if round_id in recent_ids else earlier
        target.update(pair_key(a, b) for a, b in combinations(people, 2))
    return recent, earlier - recent


def run_round(
    session: Session, rotation: CoffeeRotation, window: int, now: datetime
) -> tuple[CoffeeRound, list[list[int]], list[Notice]]:
    """Group everyone taking part now; a DM to each with their partners and a starter, and a
    "did you meet?" question for later."""
    community = session.get(Community, rotation.community_id)
    assert community is not None and rotation.id is not None
    active_members = set(
        session.exec(
            select(CommunityMember.member_id).where(
                CommunityMember.community_id == rotation.community_id,
                CommunityMember.status == MembershipStatus.ACTIVE,
            )
        )
    )
    people = [
        p.member_id
        for p in session.exec(
            select(CoffeeParticipant).where(CoffeeParticipant.rotation_id == rotation.id)
        )
        if p.member_id in active_members
        and not p.paused
        and (p.paused_until is None or p.paused_until <= now)
    ]
    recent, earlier = _history(session, rotation, window)
    groups = coffee_groups(people, recent=recent, earlier=earlier, size=rotation.size)
    number = (
        session.exec(
            select(func.max(CoffeeRound.number)).where(CoffeeRound.rotation_id == rotation.id)
        ).one()
        or 0
    ) + 1
    round_ = CoffeeRound(rotation_id=rotation.id, number=number, at=now)
    session.add(round_)
    session.flush()
    assert round_.id is not None
    notices: list[Notice] = []
    ask_at = now + timedelta(weeks=rotation.every_weeks or 1) - timedelta(days=1)
    for group_number, group in enumerate(groups, 1):
        starter = _(STARTERS[(number + group_number) % len(STARTERS)])
        for member_id in group:
            session.add(
                CoffeeSeat(round_id=round_.id, group_number=group_number, member_id=member_id)
            )
            notices.append(
                Notice(
                    member_id,
                    f"coffee:{round_.id}:{member_id}",
                    coffee_intro(
                        session, community, round_, [m for m in group if m != member_id], starter
                    ),
                    about=tuple(m for m in group if m != member_id),
                )
            )
            notices.append(
                Notice(
                    member_id,
                    f"coffee:ask:{round_.id}:{member_id}",
                    met_question(community, round_),
                    due_at=ask_at,
                )
            )
    placed = {m for g in groups for m in g}
    for member_id in people:
        if member_id not in placed:
            notices.append(
                Notice(
                    member_id,
                    f"coffee:{round_.id}:{member_id}",
                    alone_this_round(community, number),
                )
            )
    return round_, groups, notices


def record_met(
    session: Session, round_id: int | None, member_id: int, met: bool, now: datetime
) -> tuple[CoffeeSeat, Community | None]:
    """Record whether the member met their group in a round (their latest, if ``round_id`` is
    None); returns the seat and the round's community, to say which round it was."""
    query = select(CoffeeSeat).where(CoffeeSeat.member_id == member_id)
    if round_id is not None:
        query = query.where(CoffeeSeat.round_id == round_id)
    seat = session.exec(query.order_by(col(CoffeeSeat.round_id).desc())).first()
    if seat is None and round_id is None:
        raise NotFound(
            _(
                "You have not been in a coffee round yet. Join a community's rotation with "
                "coffee join and its name."
            )
        )
    if seat is None:
        raise NotFound(
            _(
                "You were not in coffee round {id}. Check the number in your introduction, or "
                "send coffee met yes for your latest round.",
                id=round_id,
            )
        )
    seat.met = met
    seat.answered_at = now
    session.add(seat)
    round_ = session.get(CoffeeRound, seat.round_id)
    rotation = session.get(CoffeeRotation, round_.rotation_id) if round_ else None
    return seat, session.get(Community, rotation.community_id) if rotation else None
