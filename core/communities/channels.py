"""A community's channels: binding them, and posting to every one of them (announcements).

A community may be bound to channels on several platforms; whatever it posts goes to each, once:
the outbox key of a post names the binding.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.communities import replies
from core.communities.membership import require_role
from core.communities.models import Announcement, ChannelBinding, Community, Role
from core.delivery.outbox import enqueue
from core.errors import NotFound, UserError
from core.i18n import _
from core.identity.models import Member
from core.reply import Reply

ANNOUNCE_REPEAT_WINDOW = timedelta(minutes=10)
"""The same text from the same moderator within this window is taken as a double submission."""


def bound_channels(session: Session, community_id: int) -> list[ChannelBinding]:
    return list(
        session.exec(
            select(ChannelBinding)
            .where(ChannelBinding.community_id == community_id)
            .order_by(col(ChannelBinding.id))
        )
    )


def _binding(
    session: Session, community: Community, platform: str, tenant: str, channel_id: str
) -> ChannelBinding | None:
    return session.exec(
        select(ChannelBinding).where(
            ChannelBinding.community_id == community.id,
            ChannelBinding.platform == platform,
            ChannelBinding.tenant == tenant,
            ChannelBinding.channel_id == channel_id,
        )
    ).first()


def bind(
    session: Session,
    community: Community,
    *,
    platform: str,
    tenant: str,
    channel_id: str,
    channel_name: str,
    by: int,
    now: datetime,
) -> bool:
    """Bind a channel to the community (moderators); False if it was already bound."""
    assert community.id is not None
    require_role(session, community, by, Role.MODERATOR)
    existing = _binding(session, community, platform, tenant, channel_id)
    if existing is not None:
        return False
    session.add(
        ChannelBinding(
            community_id=community.id,
            platform=platform,
            tenant=tenant,
            channel_id=channel_id,
            channel_name=channel_name[:100],
            bound_by=by,
            created_at=now,
        )
    )
    session.flush()
    return True


def unbind(
    session: Session, community: Community, *, platform: str, tenant: str, channel_id: str, by: int
) -> None:
    """Remove this channel's binding (moderators)."""
    assert community.id is not None
    require_role(session, community, by, Role.MODERATOR)
    existing = _binding(session, community, platform, tenant, channel_id)
    if existing is None:
        raise NotFound(
            _(
                "This channel is not bound to {community}, so there is nothing to unbind.",
                community=community.name,
            )
        )
    session.delete(existing)
    session.flush()


def post_to_channels(
    session: Session,
    community: Community,
    *,
    key: str,
    reply: Reply,
    now: datetime,
    about: tuple[int, ...] = (),
) -> int:
    """Queue ``reply`` once for every bound channel; ``key`` plus the binding id keeps each post
    single however often this runs. Returns how many posts were newly queued."""
    assert community.id is not None
    queued = 0
    for binding in bound_channels(session, community.id):
        row = enqueue(
            session,
            key=f"{key}:{binding.id}",
            reply=reply,
            due_at=now,
            now=now,
            platform=binding.platform,
            tenant=binding.tenant,
            channel_id=binding.channel_id,
            about=about,
        )
        queued += row is not None
    return queued


def announce(
    session: Session, community: Community, *, author: Member, text: str, now: datetime
) -> tuple[Announcement, int]:
    """Post a moderator's announcement to every bound channel. Returns it and the post count."""
    assert community.id is not None and author.id is not None
    require_role(session, community, author.id, Role.MODERATOR)
    bindings = bound_channels(session, community.id)
    if not bindings:
        raise UserError(
            _(
                "{community} has no channels yet. A moderator can bind one by sending "
                "community bind {slug} in that channel.",
                community=community.name,
                slug=community.slug,
            )
        )
    text = text.strip()
    repeat = session.exec(
        select(Announcement).where(
            Announcement.community_id == community.id,
            Announcement.author_id == author.id,
            Announcement.text == text,
            Announcement.created_at >= now - ANNOUNCE_REPEAT_WINDOW,
        )
    ).first()
    if repeat is not None:
        raise UserError(
            _(
                "You announced exactly this to {community} a moment ago; it is already on its "
                "way, so I did not send it twice.",
                community=community.name,
            )
        )
    announcement = Announcement(
        community_id=community.id, author_id=author.id, text=text, created_at=now
    )
    session.add(announcement)
    session.flush()
    posted = post_to_channels(
        session,
        community,
        key=f"community.announce:{announcement.id}",
        reply=replies.announcement(community, text, author),
        now=now,
        about=(author.id,),
    )
    return announcement, posted


def move_channel(session: Session, platform: str, tenant: str, old_id: str, new_id: str) -> int:
    """A platform gave a channel a new id (a Telegram group became a supergroup): its bindings
    follow. Returns how many bindings moved."""
    bindings = session.exec(
        select(ChannelBinding).where(
            ChannelBinding.platform == platform,
            ChannelBinding.tenant == tenant,
            ChannelBinding.channel_id == old_id,
        )
    ).all()
    for binding in bindings:
        binding.channel_id = new_id
        session.add(binding)
    return len(bindings)
