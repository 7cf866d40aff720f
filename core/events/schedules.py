"""The events feature's schedule kind (reminders before an event) and its digest section."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core.communities.membership import can_see_inside
from core.communities.models import Community
from core.delivery.kinds import Occurrence, Outgoing
from core.events.models import Answer, Event
from core.events.replies import reminder_reply
from core.events.service import attendees, when_local
from core.i18n import _, language
from core.identity.models import Member
from core.reply import SpanLike, bold

DIGEST_LOOKAHEAD = timedelta(days=14)


def produce_reminder(occ: Occurrence) -> list[Outgoing]:
    """A direct message to each member who said yes and can still see the event (someone who left
    an approval-only community since, or was removed, gets no reminder and no link), with the
    time on their own clock. Before the event, a reminder; after it (``after`` in the payload),
    the offer to log it as CPD, which only then can work."""
    session, schedule, at = occ.session, occ.schedule, occ.at
    event = session.get(Event, schedule.subject_id) if schedule.subject_id else None
    if event is None or event.id is None or event.cancelled_at is not None:
        return []
    community = session.get(Community, event.community_id)
    after = bool(schedule.payload.get("after"))
    if community is None or (event.starts_at <= at and not after):
        return []
    hours = float(schedule.payload.get("hours_before", 1))
    going = [
        member_id
        for member_id in attendees(session, event.id, (Answer.YES,))
        if can_see_inside(session, community, member_id)
    ]
    members = {m.id: m for m in session.exec(select(Member).where(col(Member.id).in_(going)))}
    out = []
    for member_id in going:
        member = members.get(member_id)
        zone = ZoneInfo(member.timezone if member else "UTC")
        with language(member.language if member else None):  # each in their own language
            reply = reminder_reply(event, community, zone, after=after, hours=hours)
        out.append(Outgoing(reply=reply, member_id=member_id, suffix=f"member-{member_id}"))
    return out


def digest_events(
    session: Session, community: Community, since: datetime, until: datetime, zone: ZoneInfo
) -> list[list[SpanLike]]:
    """The community's events in the two weeks after the digest."""
    events = session.exec(
        select(Event)
        .where(
            Event.community_id == community.id,
            col(Event.cancelled_at).is_(None),
            Event.starts_at >= until,
            Event.starts_at < until + DIGEST_LOOKAHEAD,
        )
        .order_by(col(Event.starts_at))
    ).all()
    return [
        [bold(e.title), _(" (id {id}) — ", id=e.id), when_local(e.starts_at, zone)] for e in events
    ]
