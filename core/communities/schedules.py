"""The weekly community digest: its schedule, and what it says (new members, then the sections
other features add).

Features contribute :class:`~core.delivery.kinds.DigestSection` values in their ``Feature``
(events: what is coming up; resources: the week's most voted), and the app hands them to the
producer in each :class:`~core.delivery.kinds.Occurrence`, so this module imports none of the
features built on communities. A week with nothing to report sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core.communities.channels import bound_channels, channel_language
from core.communities.membership import require_role
from core.communities.models import Community, CommunityMember, MembershipStatus, Role
from core.delivery.kinds import DigestSection, Occurrence, Outgoing
from core.delivery.models import Schedule
from core.delivery.schedules import cancel_schedule, create_schedule
from core.errors import UserError
from core.i18n import _, language
from core.identity.models import Member
from core.reply import Reply, SpanLike

DIGEST_KIND = "community.digest"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DIGEST_PERIOD = timedelta(days=7)


def digest_schedule(session: Session, community_id: int) -> Schedule | None:
    return session.exec(
        select(Schedule).where(Schedule.kind == DIGEST_KIND, Schedule.community_id == community_id)
    ).first()


def set_digest(
    session: Session,
    community: Community,
    *,
    by: int,
    weekday: int | None,
    at: time,
    timezone: str,
    now: datetime,
) -> Schedule | None:
    """Set (or with ``weekday=None`` stop) the community's weekly digest (moderators)."""
    assert community.id is not None
    require_role(session, community, by, Role.MODERATOR)
    schedule = digest_schedule(session, community.id)
    if weekday is None:
        if schedule is None or not schedule.active:
            raise UserError(
                _("{community} has no weekly digest to stop.", community=community.name)
            )
        cancel_schedule(session, schedule)
        return None
    if schedule is not None:
        session.delete(schedule)  # one digest schedule per community: the new one replaces it
        session.flush()
    return create_schedule(
        session,
        kind=DIGEST_KIND,
        now=now,
        recurrence={
            "type": "weekly",
            "weekdays": [weekday],
            "time": at.strftime("%H:%M"),
            "every_weeks": 1,
        },
        timezone=timezone,
        community_id=community.id,
        subject_id=community.id,
        follow_member_timezone=False,
    )


def new_members_since(
    session: Session, community_id: int, since: datetime, until: datetime
) -> list[Member]:
    return list(
        session.exec(
            select(Member)
            .join(CommunityMember, col(CommunityMember.member_id) == col(Member.id))
            .where(
                CommunityMember.community_id == community_id,
                CommunityMember.status == MembershipStatus.ACTIVE,
                CommunityMember.joined_at >= since,
                CommunityMember.joined_at < until,
            )
            .order_by(col(CommunityMember.joined_at))
        )
    )


def _new_members(
    session: Session, community: Community, since: datetime, until: datetime, zone: ZoneInfo
) -> list[list[SpanLike]]:
    assert community.id is not None
    return [[m.display_name] for m in new_members_since(session, community.id, since, until)]


def build_digest(
    session: Session,
    community: Community,
    until: datetime,
    zone: ZoneInfo,
    sections: Sequence[DigestSection] = (),
) -> Reply | None:
    """The digest for the week before ``until``, or None when there is nothing to tell."""
    since = until - DIGEST_PERIOD
    shown: list[tuple[str, list[list[SpanLike]]]] = [
        (_("New members"), _new_members(session, community, since, until, zone)),
        *((_(s.title), s.lines(session, community, since, until, zone)) for s in sections),
    ]
    if not any(lines for _title, lines in shown):
        return None
    reply = Reply(ephemeral=False).heading(_("{community}: your week", community=community.name))
    for title, lines in shown:
        if lines:
            reply.text(title).items(lines)
    reply.note(
        _("Weekly digest of {slug}. Join in with community info {slug}.", slug=community.slug)
    )
    return reply


def produce_digest(occ: Occurrence) -> list[Outgoing]:
    """One post per bound channel of the community, if the week had anything to report."""
    session, schedule, at = occ.session, occ.schedule, occ.at
    community = session.get(Community, schedule.community_id) if schedule.community_id else None
    if community is None or community.id is None:
        return []
    # Planned with no member, so in the install's language unless the community has its own.
    with language(channel_language(community)):
        reply = build_digest(
            session, community, at, ZoneInfo(schedule.timezone), occ.digest_sections
        )
    if reply is None:
        return []
    return [
        Outgoing(
            reply=reply,
            platform=b.platform,
            tenant=b.tenant,
            channel_id=b.channel_id,
            suffix=f"binding-{b.id}",
        )
        for b in bound_channels(session, community.id)
    ]
