"""A community's channels: binding them, and posting to every one of them (announcements).

A community may be bound to channels on several platforms; whatever it posts goes to each, once:
the outbox key of a post names the binding.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.communities import replies
from core.communities.membership import require_role
from core.communities.models import Announcement, ChannelBinding, Community, Role
from core.delivery.outbox import enqueue
from core.errors import NotFound, UserError
from core.i18n import _, language
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


def channel_language(community: Community, install_language: str | None = None) -> str | None:
    """The language of what Staffroom posts to the community's channels: the community's own
    setting, else the install's (``staffroom.language``). None: the language already current,
    which is the install's while scheduled messages are planned."""
    return community.language or install_language


def post_to_channels(
    session: Session,
    community: Community,
    *,
    key: str,
    reply: Reply | Callable[[], Reply],
    now: datetime,
    about: tuple[int, ...] = (),
    install_language: str | None = None,
) -> int:
    """Queue ``reply`` once for every bound channel; ``key`` plus the binding id keeps each post
    single however often this runs. Returns how many posts were newly queued.

    Give ``reply`` as a function that builds it: it is then built in the community's language
    (:func:`channel_language`), not in the language of the member whose command caused the post.
    From a command, pass ``install_language`` (``ctx.settings.staffroom.language``) for the
    communities that have no language of their own."""
    assert community.id is not None
    if callable(reply):
        with language(channel_language(community, install_language)):
            reply = reply()
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
) -> Announcement:
    """A moderator's announcement, kept to be previewed: nothing is posted until
    :func:`post_announcement`. The same text again within :data:`ANNOUNCE_REPEAT_WINDOW` is the
    same draft (and, once posted, refused as a double submission)."""
    assert community.id is not None and author.id is not None
    require_role(session, community, author.id, Role.MODERATOR)
    _require_channels(session, community)
    text = text.strip()
    if not text:
        raise UserError(_("An announcement needs some text."), show_usage=True)
    repeat = session.exec(
        select(Announcement).where(
            Announcement.community_id == community.id,
            Announcement.author_id == author.id,
            Announcement.text == text,
            Announcement.created_at >= now - ANNOUNCE_REPEAT_WINDOW,
        )
    ).first()
    if repeat is not None and repeat.posted_at is None:
        return repeat
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
    return announcement


def _require_channels(session: Session, community: Community) -> None:
    assert community.id is not None
    if not bound_channels(session, community.id):
        raise UserError(
            _(
                "{community} has no channels yet. A moderator can bind one by sending "
                "community bind {slug} in that channel.",
                community=community.name,
                slug=community.slug,
            )
        )


def draft_announcement(
    session: Session, community: Community, announcement_id: int, author_id: int
) -> Announcement:
    """The author's own announcement of this community (a preview to post)."""
    found = session.get(Announcement, announcement_id)
    if found is None or found.community_id != community.id or found.author_id != author_id:
        raise NotFound(
            _(
                "You have no announcement {id} for {community}. Write one with "
                'community announce {slug} "...".',
                id=announcement_id,
                community=community.name,
                slug=community.slug,
            )
        )
    return found


def post_announcement(
    session: Session,
    community: Community,
    announcement: Announcement,
    *,
    author: Member,
    now: datetime,
    install_language: str | None = None,
) -> int:
    """Post a previewed announcement to every bound channel, once, in the community's language.
    Returns how many posts were queued."""
    assert community.id is not None and author.id is not None
    require_role(session, community, author.id, Role.MODERATOR)
    if announcement.posted_at is not None:
        raise UserError(
            _("That announcement to {community} is already posted.", community=community.name)
        )
    _require_channels(session, community)
    announcement.posted_at = now
    session.add(announcement)
    session.flush()
    return post_to_channels(
        session,
        community,
        key=f"community.announce:{announcement.id}",
        reply=lambda: replies.announcement(community, announcement.text, author),
        now=now,
        about=(author.id,),
        install_language=install_language,
    )


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
