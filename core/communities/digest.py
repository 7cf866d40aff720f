"""The weekly community digest: new members, then the sections other features add.

Features contribute :class:`~core.delivery.kinds.DigestSection` values in their ``Feature``
(events: what is coming up; resources: the week's most voted), and the app hands them to the
producer in each :class:`~core.delivery.kinds.Occurrence`, so this module imports none of the
features built on communities. A week with nothing to report sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.communities.models import Community
from core.communities.service import (
    bound_channels,
    new_members_since,
)
from core.delivery.kinds import DigestSection, Occurrence, Outgoing
from core.i18n import _
from core.reply import Reply, SpanLike

DIGEST_PERIOD = timedelta(days=7)


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
    reply = build_digest(session, community, at, ZoneInfo(schedule.timezone), occ.digest_sections)
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
