"""Community events: creating, listing, answering, cancelling, calendar files and reminders.

Who may do what: any active member of a community may create an event in it (communities of
practice are grass-roots: a teachmeet is often organised by a member, not a moderator); the
organiser or a moderator may cancel it. Anyone who can see inside the community may answer
(open communities: everyone; approval-only: members only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import func
from sqlmodel import Session, col, select

from core.communities.channels import post_to_channels
from core.communities.membership import can_see_inside, require_role, role_of
from core.communities.models import Community, CommunityMember, MembershipStatus, Role
from core.delivery.models import Schedule
from core.delivery.outbox import enqueue
from core.delivery.schedules import cancel_schedule, create_schedule
from core.errors import NotFound, PermissionDenied, UserError
from core.events.models import Answer, Event, Rsvp
from core.i18n import _, format_moment, language
from core.identity.models import Member
from core.installations.install_id import install_id
from core.params import BadValue
from core.reply import Reply, bold, link

REMINDER_KIND = "event.reminder"
REMINDERS_BEFORE = (timedelta(hours=24), timedelta(hours=1))
FOLLOW_UP_AFTER = timedelta(minutes=15)
"""Those who said yes are asked to log the event as CPD this long after it ends."""
LONGEST_EVENT = timedelta(hours=12)
FURTHEST_AHEAD = timedelta(days=2 * 366)


def when_local(instant: datetime, zone: ZoneInfo) -> str:
    """``Tue 01 Dec 2026, 16:00 (Europe/London)``: a moment as the reader's clock shows it."""
    return f"{format_moment(instant.astimezone(zone))} ({zone.key})"


def cpd_command(event: Event, zone: ZoneInfo) -> str:
    """The ``cpd log`` line that records attending the event (the button on reminders)."""
    hours = round(event.duration_minutes / 60, 2)
    title = event.title.replace('"', "'")
    day = event.starts_at.astimezone(zone).date().isoformat()
    return f'cpd log {hours:g} "{title}" category=conference date={day}'


def _check_when(starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise BadValue(
            _(
                'when is in the past. Give a future date and time, like "2026-12-01 16:00" '
                'or "next thursday 4pm".'
            ),
            "when",
        )
    if starts_at > now + FURTHEST_AHEAD:
        raise BadValue(_("when is more than two years away; please pick a nearer date."), "when")


def _check_duration(duration: timedelta) -> None:
    if duration > LONGEST_EVENT:
        raise BadValue(
            _("duration can be at most 12 hours; for a longer course, create one per day."),
            "duration",
        )


def _may_change(session: Session, event: Event, community: Community, by: int) -> bool:
    """The organiser and the community's moderators may change or cancel an event."""
    held = role_of(session, community, by)
    return event.created_by == by or (held is not None and held.rank >= Role.MODERATOR.rank)


def create_event(
    session: Session,
    community: Community,
    *,
    creator_id: int,
    title: str,
    starts_at: datetime,
    duration: timedelta,
    link_url: str | None,
    timezone: str,
    now: datetime,
    install_language: str | None = None,
) -> Event:
    """A new event in the community (active members); reminders are scheduled, the organiser
    is down as coming, and the community's channels hear about it, in the community's language
    (``install_language`` for one with no language of its own)."""
    assert community.id is not None
    require_role(session, community, creator_id, Role.MEMBER)
    _check_when(starts_at, now)
    _check_duration(duration)
    title = " ".join(title.split())
    # One organiser's event of that title at that moment in that community is one event: the
    # same create sent again (a retry after a lost answer) hands back the first.
    same = session.exec(
        select(Event).where(
            Event.community_id == community.id,
            Event.created_by == creator_id,
            Event.title == title,
            Event.starts_at == starts_at,
            col(Event.cancelled_at).is_(None),
        )
    ).first()
    if same is not None:
        return same
    event = Event(
        community_id=community.id,
        title=title,
        starts_at=starts_at,
        duration_minutes=max(1, round(duration.total_seconds() / 60)),
        link=link_url,
        timezone=timezone,
        created_by=creator_id,
        created_at=now,
    )
    session.add(event)
    session.flush()
    assert event.id is not None
    session.add(Rsvp(event_id=event.id, member_id=creator_id, answer=Answer.YES, answered_at=now))
    _schedule_reminders(session, event, now)
    post_to_channels(
        session,
        community,
        key=f"event.created:{event.id}",
        reply=lambda: _new_event_notice(event, community),
        now=now,
        about=(creator_id,),
        install_language=install_language,
    )
    session.flush()
    return event


def _new_event_notice(event: Event, community: Community) -> Reply:
    """The post telling a community's channels about a new event (on the organiser's clock)."""
    notice = Reply(ephemeral=False).heading(_("New event in {community}", community=community.name))
    notice.text(bold(event.title))
    notice.text(when_local(event.starts_at, ZoneInfo(event.timezone)))
    if event.link:
        notice.text(link(event.link, event.link))
    notice.action(_("I'm going"), f"event rsvp {event.id} yes", "primary")
    notice.action(_("Add to calendar"), f"event export {event.id}")
    return notice


def _schedule_reminders(session: Session, event: Event, now: datetime) -> None:
    assert event.id is not None
    for before in REMINDERS_BEFORE:
        at = event.starts_at - before
        if at <= now:
            continue  # created less than a day (or an hour) ahead: that reminder has passed
        create_schedule(
            session,
            kind=REMINDER_KIND,
            now=now,
            recurrence={"type": "once", "at": at.isoformat()},
            timezone="UTC",
            community_id=event.community_id,
            subject_id=event.id,
            payload={"event_id": event.id, "hours_before": before.total_seconds() / 3600},
            follow_member_timezone=False,
        )
    # After it ends, those who went are offered to log it as CPD: before, the date is in the
    # future and cpd log (rightly) refuses it.
    create_schedule(
        session,
        kind=REMINDER_KIND,
        now=now,
        recurrence={"type": "once", "at": (event.ends_at + FOLLOW_UP_AFTER).isoformat()},
        timezone="UTC",
        community_id=event.community_id,
        subject_id=event.id,
        payload={"event_id": event.id, "after": True},
        follow_member_timezone=False,
    )


def reminder_schedules(session: Session, event_id: int) -> list[Schedule]:
    return list(
        session.exec(
            select(Schedule)
            .where(Schedule.kind == REMINDER_KIND, Schedule.subject_id == event_id)
            .order_by(col(Schedule.next_due_at))
        )
    )


def visible_event(session: Session, event_id: int, viewer_id: int) -> tuple[Event, Community]:
    """The event and its community, if the viewer may see it (else the same NotFound as for an
    event that does not exist, so ids of private communities' events reveal nothing)."""
    event = session.get(Event, event_id)
    community = session.get(Community, event.community_id) if event is not None else None
    if event is None or community is None or not can_see_inside(session, community, viewer_id):
        raise NotFound(
            _("There is no event {id} that you can see. List events with event list.", id=event_id)
        )
    return event, community


@dataclass(frozen=True, slots=True)
class Upcoming:
    event: Event
    community: Community
    going: int
    your_answer: str | None


def upcoming(
    session: Session,
    viewer_id: int,
    now: datetime,
    *,
    community: Community | None = None,
    limit: int = 20,
) -> list[Upcoming]:
    """Events not yet over and not cancelled: of one community, or of the viewer's communities."""
    statement = (
        select(Event, Community)
        .join(Community, col(Community.id) == col(Event.community_id))
        .where(col(Event.cancelled_at).is_(None), Event.starts_at > now - LONGEST_EVENT)
    )
    if community is not None:
        statement = statement.where(Event.community_id == community.id)
    else:
        mine = select(CommunityMember.community_id).where(
            CommunityMember.member_id == viewer_id,
            CommunityMember.status == MembershipStatus.ACTIVE,
        )
        statement = statement.where(col(Event.community_id).in_(mine))
    rows = [
        (e, c)
        for e, c in session.exec(statement.order_by(col(Event.starts_at), col(Event.id)))
        if e.ends_at > now
    ][:limit]
    ids = [e.id for e, _c in rows]
    going = dict(
        session.exec(
            select(Rsvp.event_id, func.count())
            .where(col(Rsvp.event_id).in_(ids), Rsvp.answer == Answer.YES)
            .group_by(col(Rsvp.event_id))
        ).all()
    )
    answers = {
        r.event_id: r.answer
        for r in session.exec(
            select(Rsvp).where(col(Rsvp.event_id).in_(ids), Rsvp.member_id == viewer_id)
        )
    }
    return [Upcoming(e, c, going.get(e.id or 0, 0), answers.get(e.id or 0)) for e, c in rows]


def rsvp(session: Session, event: Event, member_id: int, answer: Answer, now: datetime) -> Rsvp:
    """Record (or change) the member's answer."""
    assert event.id is not None
    if event.cancelled_at is not None:
        raise UserError(_("{title} was cancelled, so it takes no answers.", title=event.title))
    if event.ends_at <= now:
        raise UserError(_("{title} is over, so it takes no answers.", title=event.title))
    found = session.exec(
        select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.member_id == member_id)
    ).first()
    if found is None:
        found = Rsvp(event_id=event.id, member_id=member_id, answer=answer, answered_at=now)
    found.answer = answer
    found.answered_at = now
    session.add(found)
    session.flush()
    return found


def attendees(session: Session, event_id: int, answers: tuple[Answer, ...]) -> list[int]:
    return list(
        session.exec(
            select(Rsvp.member_id)
            .where(Rsvp.event_id == event_id, col(Rsvp.answer).in_(answers))
            .order_by(col(Rsvp.id))
        )
    )


def edit_event(
    session: Session,
    event: Event,
    community: Community,
    *,
    by: int,
    now: datetime,
    title: str | None = None,
    starts_at: datetime | None = None,
    duration: timedelta | None = None,
    link_url: str | None = None,
    clear_link: bool = False,
) -> int:
    """Correct an event (organiser or moderators): reminders move with a new time, and those who
    said yes or maybe are told what changed, each on their own clock. Returns how many were told."""
    assert event.id is not None
    if not _may_change(session, event, community, by):
        raise PermissionDenied(
            _(
                "Only the organiser of {title} or a moderator of {community} can change it.",
                title=event.title,
                community=community.name,
            )
        )
    if event.cancelled_at is not None:
        raise UserError(_("{title} is cancelled; create a new event instead.", title=event.title))
    if event.starts_at <= now:
        raise UserError(
            _("{title} has already started, so it cannot be changed.", title=event.title)
        )
    before = (event.title, event.starts_at, event.duration_minutes, event.link)
    if title is not None:
        if not title.strip():
            raise BadValue(_("An event needs a title."), "title")
        event.title = " ".join(title.split())
    if starts_at is not None:
        _check_when(starts_at, now)
        event.starts_at = starts_at
    if duration is not None:
        _check_duration(duration)
        event.duration_minutes = max(1, round(duration.total_seconds() / 60))
    if clear_link:
        event.link = None
    elif link_url is not None:
        event.link = link_url
    session.add(event)
    if (event.title, event.starts_at, event.duration_minutes, event.link) == before:
        return 0
    if (event.starts_at, event.duration_minutes) != before[1:3]:  # the follow-up moves too
        for schedule in reminder_schedules(session, event.id):
            cancel_schedule(session, schedule)
        _schedule_reminders(session, event, now)
    members = {
        m.id: m
        for m in session.exec(
            select(Member).where(
                col(Member.id).in_(attendees(session, event.id, (Answer.YES, Answer.MAYBE)))
            )
        )
    }
    told = 0
    for member_id, member in members.items():
        if member_id == by or member_id is None:
            continue
        with language(member.language):
            notice = Reply().heading(_("Changed: {title}", title=event.title))
            notice.text(when_local(event.starts_at, ZoneInfo(member.timezone)))
            if event.link:
                notice.text(link(event.link, event.link))
            notice.action(_("Add to calendar"), f"event export {event.id}")
            notice.action(_("Not going now"), f"event rsvp {event.id} no")
        told += (
            enqueue(
                session,
                key=f"event.changed:{event.id}:{member_id}:{now.isoformat()}",
                reply=notice,
                due_at=now,
                now=now,
                member_id=member_id,
            )
            is not None
        )
    session.flush()
    return told


def cancel_event(
    session: Session, event: Event, community: Community, *, by: int, now: datetime
) -> int:
    """Cancel (organiser or moderators): reminders stop, and those who said yes or maybe are
    told. Returns how many were told."""
    assert event.id is not None
    if not _may_change(session, event, community, by):
        raise PermissionDenied(
            _(
                "Only the organiser of {title} or a moderator of {community} can cancel it.",
                title=event.title,
                community=community.name,
            )
        )
    if event.cancelled_at is not None:
        raise UserError(_("{title} is already cancelled.", title=event.title))
    if event.starts_at <= now:
        raise UserError(
            _("{title} has already started, so it cannot be cancelled.", title=event.title)
        )
    event.cancelled_at = now
    session.add(event)
    for schedule in reminder_schedules(session, event.id):
        cancel_schedule(session, schedule)
    told = 0
    going = attendees(session, event.id, (Answer.YES, Answer.MAYBE))
    spoken = {
        member_id: code
        for member_id, code in session.exec(
            select(Member.id, Member.language).where(col(Member.id).in_(going))
        ).all()
    }
    for member_id in going:
        if member_id == by:
            continue
        with language(spoken.get(member_id)):  # each in their own language
            notice = Reply().heading(_("Cancelled: {title}", title=event.title))
            notice.text(
                _("The event of "), bold(community.name), _(" you planned to attend was cancelled.")
            )
        told += (
            enqueue(
                session,
                key=f"event.cancelled:{event.id}:{member_id}",
                reply=notice,
                due_at=now,
                now=now,
                member_id=member_id,
            )
            is not None
        )
    session.flush()
    return told


def to_ical(event: Event, community: Community, now: datetime) -> bytes:
    """The event as an iCalendar file that calendar apps import (cancelled ones say so).

    Its UID names this install (:func:`~core.installations.install_id.install_id`): calendar apps
    take two files with one UID for one event, and every Staffroom has an ``event-1``. The same
    event exported again keeps its UID, so a re-import (or a cancellation) updates it."""
    session = Session.object_session(event)
    if session is None:
        raise ValueError("to_ical needs an event loaded in a session (for the install id)")
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Staffroom//Community events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if event.cancelled_at else "PUBLISH")
    item = icalendar.Event()
    item.add("uid", f"event-{event.id}@{install_id(session, now)}.staffroom")
    item.add("dtstamp", now)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.title)
    description = community.name + (f"\n{event.link}" if event.link else "")
    item.add("description", description)
    if event.link:
        item.add("url", event.link)
        item.add("location", event.link)
    item.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
    calendar.add_component(item)
    data: bytes = calendar.to_ical()
    return data
