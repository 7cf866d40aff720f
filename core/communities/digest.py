"""The weekly community digest: new members, upcoming events and the week's top resources.

Features add sections with :func:`digest_section` (events adds upcoming events), so this module
does not import the features built on communities. A week with nothing to report sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.communities.models import Community
from core.communities.service import (
    DIGEST_KIND,
    bound_channels,
    new_members_since,
)
from core.delivery.kinds import Outgoing, schedule_kind
from core.delivery.models import Schedule
from core.i18n import _
from core.reply import Reply, SpanLike, bold
from core.resources.service import top_resources

DIGEST_PERIOD = timedelta(days=7)

SectionLines = Callable[[Session, Community, datetime, datetime, ZoneInfo], list[list[SpanLike]]]
"""(session, community, since, until, zone) -> the section's lines, none if nothing to say."""


@dataclass(frozen=True, slots=True)
class DigestSection:
    title: str
    """Marked with N_ by the caller; translated when the digest is built."""
    lines: SectionLines


SECTIONS: list[DigestSection] = []


def digest_section(title: str) -> Callable[[SectionLines], SectionLines]:
    """Register a section of the weekly digest (decorator)."""

    def register(lines: SectionLines) -> SectionLines:
        if not any(s.lines is lines for s in SECTIONS):
            SECTIONS.append(DigestSection(title, lines))
        return lines

    return register


def _new_members(
    session: Session, community: Community, since: datetime, until: datetime, zone: ZoneInfo
) -> list[list[SpanLike]]:
    assert community.id is not None
    return [[m.display_name] for m in new_members_since(session, community.id, since, until)]


def _top_resources(
    session: Session, community: Community, since: datetime, until: datetime, zone: ZoneInfo
) -> list[list[SpanLike]]:
    """The most voted resources of the week."""
    return [
        [bold(item.resource.title), _(" — {n} votes this week", n=item.votes_in_period)]
        for item in top_resources(session, community.id, since, 5)
    ]


def build_digest(
    session: Session, community: Community, until: datetime, zone: ZoneInfo
) -> Reply | None:
    """The digest for the week before ``until``, or None when there is nothing to tell."""
    since = until - DIGEST_PERIOD
    sections: list[tuple[str, list[list[SpanLike]]]] = [
        (_("New members"), _new_members(session, community, since, until, zone)),
        *((_(s.title), s.lines(session, community, since, until, zone)) for s in SECTIONS),
        (_("Top resources this week"), _top_resources(session, community, since, until, zone)),
    ]
    if not any(lines for _title, lines in sections):
        return None
    reply = Reply(ephemeral=False).heading(_("{community}: your week", community=community.name))
    for title, lines in sections:
        if lines:
            reply.text(title).items(lines)
    reply.note(
        _("Weekly digest of {slug}. Join in with community info {slug}.", slug=community.slug)
    )
    return reply


@schedule_kind(DIGEST_KIND)
def produce_digest(session: Session, schedule: Schedule, at: datetime) -> list[Outgoing]:
    """One post per bound channel of the community, if the week had anything to report."""
    community = session.get(Community, schedule.community_id) if schedule.community_id else None
    if community is None or community.id is None:
        return []
    reply = build_digest(session, community, at, ZoneInfo(schedule.timezone))
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
