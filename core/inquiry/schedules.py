"""Stage prompts: each member of an inquiry hears on the day a stage starts, at 09:00 their time.

One once-schedule per member and dated stage (kind ``inquiry.stage``, ``subject_id`` the
inquiry, ``payload.stage`` the stage), so each prompt arrives at the member's own local time and
is planned, retried and de-duplicated by the delivery engine like any other message.
:func:`sync_prompts` is the one place that makes the schedules match the inquiry (its members,
its stage dates, whether it is finished); every command that changes one of those calls it.

A once-schedule sits at an instant, which the engine does not move when the member changes
timezone, so :func:`move_prompts` (the feature's ``on_timezone_change``) moves those still to
come to 09:00 in the new zone. The producer checks again, when the day comes, that the member is
still in the inquiry and may still see inside its community, and that the stage still starts
that day: a schedule left behind by a change sends nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core.communities.membership import can_see_inside
from core.communities.models import Community
from core.delivery.kinds import Occurrence, Outgoing
from core.delivery.models import Schedule
from core.delivery.outbox import withdraw_unsent
from core.delivery.schedules import cancel_schedule, create_schedule
from core.identity.models import Member
from core.inquiry.models import Inquiry, InquiryMember, InquiryStage, Stage
from core.inquiry.replies import stage_prompt

PROMPT_KIND = "inquiry.stage"
PROMPT_TIME = time(9, 0)


def prompt_at(day: date, zone: str) -> datetime:
    """09:00 on ``day`` in ``zone`` (the first of an ambiguous pair)."""
    return datetime.combine(day, PROMPT_TIME, tzinfo=ZoneInfo(zone))


def prompt_schedules(
    session: Session, inquiry_id: int, member_id: int | None = None
) -> list[Schedule]:
    """The inquiry's prompt schedules (of one member, or everyone's), oldest first."""
    query = select(Schedule).where(Schedule.kind == PROMPT_KIND, Schedule.subject_id == inquiry_id)
    if member_id is not None:
        query = query.where(Schedule.member_id == member_id)
    return list(session.exec(query.order_by(col(Schedule.id))))


def _instant(schedule: Schedule) -> datetime | None:
    """The instant a once-schedule is set for."""
    try:
        return datetime.fromisoformat(str(schedule.recurrence.get("at")))
    except ValueError:
        return None


def _dates(session: Session, inquiry_id: int, *, prompted: bool = False) -> dict[Stage, date]:
    """When each dated stage starts (only those whose members are prompted, if ``prompted``)."""
    query = select(InquiryStage).where(InquiryStage.inquiry_id == inquiry_id)
    if prompted:
        query = query.where(col(InquiryStage.prompt))
    return {Stage(row.stage): row.starts_on for row in session.exec(query)}


def sync_prompts(session: Session, inquiry: Inquiry, now: datetime) -> None:
    """Make the inquiry's prompt schedules match its members and stage dates: a prompt for each
    member and each dated stage still to come (none once the findings are out).

    A schedule whose instant is unchanged is left as it is, due or not: a prompt that is due
    but not yet planned when someone else joins still goes out.
    """
    assert inquiry.id is not None
    members = session.exec(
        select(Member)
        .join(InquiryMember, col(InquiryMember.member_id) == col(Member.id))
        .where(InquiryMember.inquiry_id == inquiry.id)
    ).all()
    dates = _dates(session, inquiry.id, prompted=True) if inquiry.findings_at is None else {}
    wanted: dict[tuple[int, Stage], tuple[datetime, str]] = {}
    for member in members:
        assert member.id is not None
        for stage, day in dates.items():
            wanted[(member.id, stage)] = (prompt_at(day, member.timezone), member.timezone)
    for schedule in prompt_schedules(session, inquiry.id):
        key = (schedule.member_id or 0, Stage(schedule.payload.get("stage", Stage.QUESTION)))
        found = wanted.pop(key, None)
        if found is not None and _instant(schedule) == found[0]:
            continue
        if found is None or found[0] <= now:
            if schedule.active:
                withdraw_unsent(session, f"{schedule.id}:")
                cancel_schedule(session, schedule)
            continue
        at, zone = found
        schedule.recurrence = {"type": "once", "at": at.astimezone(UTC).isoformat()}
        schedule.next_due_at = at
        schedule.timezone = zone
        schedule.active = True
        session.add(schedule)
    for (member_id, stage), (at, zone) in wanted.items():
        if at <= now:
            continue  # that day's prompt time has passed
        create_schedule(
            session,
            kind=PROMPT_KIND,
            now=now,
            recurrence={"type": "once", "at": at.isoformat()},
            timezone=zone,
            member_id=member_id,
            community_id=inquiry.community_id,
            subject_id=inquiry.id,
            payload={"stage": stage.value},
            follow_member_timezone=False,  # moved by move_prompts
        )
    session.flush()


def drop_prompts(session: Session, inquiry_id: int, member_id: int | None = None) -> None:
    """Remove the inquiry's prompt schedules (one member's, or all), with their unsent messages."""
    for schedule in prompt_schedules(session, inquiry_id, member_id):
        withdraw_unsent(session, f"{schedule.id}:")
        session.delete(schedule)
    session.flush()


def retime_prompt(session: Session, schedule: Schedule, zone: str) -> None:
    """Set a prompt still to come to 09:00 of its stage's day in ``zone``."""
    row = session.exec(
        select(InquiryStage).where(
            InquiryStage.inquiry_id == (schedule.subject_id or 0),
            InquiryStage.stage == schedule.payload.get("stage"),
        )
    ).first()
    if row is None or not schedule.active:
        return
    at = prompt_at(row.starts_on, zone)
    schedule.recurrence = {"type": "once", "at": at.astimezone(UTC).isoformat()}
    schedule.next_due_at = at
    schedule.timezone = zone
    session.add(schedule)


def move_prompts(session: Session, member_id: int) -> None:
    """Keep the member's prompts still to come at 09:00 in their new timezone (the feature's
    ``on_timezone_change``); one the move puts in the past is the planner's to send or skip."""
    member = session.get(Member, member_id)
    if member is None:
        return
    for schedule in session.exec(
        select(Schedule).where(
            Schedule.kind == PROMPT_KIND, Schedule.member_id == member_id, col(Schedule.active)
        )
    ).all():
        retime_prompt(session, schedule, member.timezone)


def produce_stage_prompt(occ: Occurrence) -> list[Outgoing]:
    """The prompt for one member on the day a stage starts; the stage becomes the current one
    if the group has not moved past it already."""
    session, schedule = occ.session, occ.schedule
    inquiry = session.get(Inquiry, schedule.subject_id) if schedule.subject_id else None
    member_id = schedule.member_id
    if inquiry is None or inquiry.id is None or member_id is None or inquiry.findings_at:
        return []
    community = session.get(Community, inquiry.community_id)
    taking_part = session.exec(
        select(InquiryMember.id).where(
            InquiryMember.inquiry_id == inquiry.id, InquiryMember.member_id == member_id
        )
    ).first()
    if (
        community is None
        or taking_part is None
        or not can_see_inside(session, community, member_id)
    ):
        return []
    try:
        stage = Stage(str(schedule.payload.get("stage")))
    except ValueError:
        return []
    day = _dates(session, inquiry.id, prompted=True).get(stage)
    if day is None or occ.at.astimezone(ZoneInfo(schedule.timezone)).date() != day:
        return []  # the date moved since: a newer schedule carries it
    if stage.order > Stage(inquiry.stage).order:
        inquiry.stage = stage
        session.add(inquiry)
    return [Outgoing(reply=stage_prompt(inquiry, community, stage), member_id=member_id)]
