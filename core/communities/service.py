"""Communities: finding them, membership and roles, channel bindings, announcements and digests.

Other features (resources, events, reflection) use the lookups and role checks here. Every rule
about who may do what in a community lives in this module, so every platform gets the same answer.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from core.communities.models import (
    Announcement,
    ChannelBinding,
    Community,
    CommunityMember,
    MembershipStatus,
    Role,
)
from core.delivery.models import OutboxMessage, Schedule
from core.delivery.outbox import enqueue, withdraw_unsent
from core.delivery.schedules import cancel_schedule, create_schedule
from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _
from core.identity.models import Member
from core.params import BadValue
from core.reply import Reply, bold

DIGEST_KIND = "community.digest"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ANNOUNCE_REPEAT_WINDOW = timedelta(minutes=10)
"""The same text from the same moderator within this window is taken as a double submission."""


def slugify(name: str) -> str:
    """``"Maths (Secondary)"`` -> ``"maths-secondary"``."""
    slug = re.sub(r"[^\w]+", "-", name.strip().lower(), flags=re.UNICODE).strip("-_")
    return slug[:48]


def find_community(session: Session, ref: str) -> Community:
    """A community by slug or by name (any case); a friendly NotFound with a suggestion."""
    ref = ref.strip().lstrip("#")
    found = session.exec(select(Community).where(Community.slug == slugify(ref))).first()
    if found is None:
        found = session.exec(
            select(Community).where(func.lower(Community.name) == ref.lower())
        ).first()
    if found is not None:
        return found
    slugs = list(session.exec(select(Community.slug)))
    close = difflib.get_close_matches(slugify(ref), slugs, n=1, cutoff=0.6)
    hint = _(" Did you mean {slug}?", slug=close[0]) if close else ""
    raise NotFound(
        _("There is no community called {name}.", name=ref[:48])
        + hint
        + _(" See them all with community list.")
    )


def membership(session: Session, community_id: int, member_id: int) -> CommunityMember | None:
    return session.exec(
        select(CommunityMember).where(
            CommunityMember.community_id == community_id, CommunityMember.member_id == member_id
        )
    ).first()


def role_of(session: Session, community: Community, member_id: int) -> Role | None:
    """The member's active role in the community, or None if not an active member."""
    assert community.id is not None
    found = membership(session, community.id, member_id)
    if found is None or found.status != MembershipStatus.ACTIVE:
        return None
    return Role(found.role)


def require_role(session: Session, community: Community, member_id: int, role: Role) -> Role:
    """Refuse unless the member holds ``role`` (or a higher one) in the community."""
    held = role_of(session, community, member_id)
    if held is None or held.rank < role.rank:
        needed = {
            Role.MEMBER: _("members"),
            Role.MODERATOR: _("moderators"),
            Role.OWNER: _("owners"),
        }[role]
        raise PermissionDenied(
            _("Only {who} of {community} can do that.", who=needed, community=community.name)
        )
    return held


def bound_channels(session: Session, community_id: int) -> list[ChannelBinding]:
    return list(
        session.exec(
            select(ChannelBinding)
            .where(ChannelBinding.community_id == community_id)
            .order_by(col(ChannelBinding.id))
        )
    )


def can_see_inside(session: Session, community: Community, member_id: int) -> bool:
    """Open communities show members and events to anyone; approval-only ones to members only."""
    return not community.approval_required or role_of(session, community, member_id) is not None


def require_inside(session: Session, community: Community, member_id: int) -> None:
    """Refuse a non-member a look inside an approval-only community."""
    if not can_see_inside(session, community, member_id):
        raise PermissionDenied(
            _(
                "{community} is approval-only, so only its members can see that. "
                "Ask to join with community join {slug}.",
                community=community.name,
                slug=community.slug,
            )
        )


# Creating and listing ------------------------------------------------------------------------


def create_community(
    session: Session,
    *,
    name: str,
    description: str,
    approval_required: bool,
    creator_id: int,
    now: datetime,
) -> Community:
    """A new community whose creator is its first owner."""
    name = " ".join(name.split())
    slug = slugify(name)
    if len(slug) < 2:
        raise UserError(
            _('A community name needs at least two letters or digits, like "Maths secondary".'),
            show_usage=True,
        )
    taken = session.exec(
        select(Community).where(
            or_(col(Community.slug) == slug, func.lower(Community.name) == name.lower())
        )
    ).first()
    if taken is not None:
        raise UserError(
            _(
                "There is already a community called {name} ({slug}). Join it with "
                "community join {slug}, or choose another name.",
                name=taken.name,
                slug=taken.slug,
            )
        )
    community = Community(
        slug=slug,
        name=name,
        description=description.strip(),
        approval_required=approval_required,
        created_by=creator_id,
        created_at=now,
    )
    session.add(community)
    session.flush()
    assert community.id is not None
    session.add(
        CommunityMember(
            community_id=community.id, member_id=creator_id, role=Role.OWNER, joined_at=now
        )
    )
    session.flush()
    return community


@dataclass(frozen=True, slots=True)
class CommunitySummary:
    community: Community
    members: int
    your_role: Role | None
    pending: bool


def like_escaped(text: str) -> str:
    """``text`` for a LIKE pattern, its ``%`` and ``_`` matching themselves (escape: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_communities(
    session: Session, member_id: int, query: str | None, *, limit: int = 25
) -> tuple[list[CommunitySummary], int]:
    """Communities matching ``query`` (name, slug or description), biggest first, and the total."""
    counts = dict(
        session.exec(
            select(CommunityMember.community_id, func.count())
            .where(CommunityMember.status == MembershipStatus.ACTIVE)
            .group_by(col(CommunityMember.community_id))
        ).all()
    )
    statement = select(Community)
    if query:
        pattern = f"%{like_escaped(query.strip().lower())}%"
        statement = statement.where(
            or_(
                func.lower(Community.name).like(pattern, escape="\\"),
                func.lower(Community.slug).like(pattern, escape="\\"),
                func.lower(Community.description).like(pattern, escape="\\"),
            )
        )
    found = list(session.exec(statement))
    found.sort(key=lambda c: (-counts.get(c.id or 0, 0), c.name.lower()))
    mine = {
        m.community_id: m
        for m in session.exec(select(CommunityMember).where(CommunityMember.member_id == member_id))
    }
    summaries = []
    for community in found[:limit]:
        own = mine.get(community.id or 0)
        active = own is not None and own.status == MembershipStatus.ACTIVE
        summaries.append(
            CommunitySummary(
                community=community,
                members=counts.get(community.id or 0, 0),
                your_role=Role(own.role) if own is not None and active else None,
                pending=own is not None and not active,
            )
        )
    return summaries, len(found)


def member_count(session: Session, community_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(CommunityMember)
        .where(
            CommunityMember.community_id == community_id,
            CommunityMember.status == MembershipStatus.ACTIVE,
        )
    ).one()


def members_of(
    session: Session, community_id: int, status: MembershipStatus = MembershipStatus.ACTIVE
) -> list[tuple[CommunityMember, Member]]:
    """Memberships with their members: owners, then moderators, then members, oldest first."""
    rows = session.exec(
        select(CommunityMember, Member)
        .join(Member, col(Member.id) == col(CommunityMember.member_id))
        .where(CommunityMember.community_id == community_id, CommunityMember.status == status)
        .order_by(col(CommunityMember.joined_at), col(CommunityMember.id))
    ).all()
    return sorted(rows, key=lambda row: -Role(row[0].role).rank)


def moderators_of(session: Session, community_id: int) -> list[CommunityMember]:
    return [
        m
        for m, _member in members_of(session, community_id)
        if Role(m.role).rank >= Role.MODERATOR.rank
    ]


def owner_count(session: Session, community_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(CommunityMember)
        .where(
            CommunityMember.community_id == community_id,
            CommunityMember.role == Role.OWNER,
            CommunityMember.status == MembershipStatus.ACTIVE,
        )
    ).one()


# Joining and leaving -------------------------------------------------------------------------


def join(session: Session, community: Community, member: Member, now: datetime) -> CommunityMember:
    """Join an open community, or ask to join an approval-only one (moderators are told)."""
    assert community.id is not None and member.id is not None
    existing = membership(session, community.id, member.id)
    if existing is not None and existing.status == MembershipStatus.ACTIVE:
        raise UserError(_("You are already a member of {name}.", name=community.name))
    if existing is not None:
        raise UserError(
            _(
                "You already asked to join {name}; a moderator will decide soon.",
                name=community.name,
            )
        )
    status = MembershipStatus.PENDING if community.approval_required else MembershipStatus.ACTIVE
    row = CommunityMember(
        community_id=community.id, member_id=member.id, status=status, joined_at=now
    )
    session.add(row)
    session.flush()
    if status is MembershipStatus.PENDING:
        _tell_moderators_of_request(session, community, member, now)
    return row


def _request_prefix(member_id: int, community_id: int | None = None) -> str:
    """The outbox key prefix of the notices to moderators about a member's requests to join (all
    communities, or one)."""
    return f"community.request:{member_id}:" + (
        f"{community_id}:" if community_id is not None else ""
    )


def _tell_moderators_of_request(
    session: Session, community: Community, member: Member, now: datetime
) -> None:
    """Tell each moderator once per request: asking again after withdrawing tells nobody again,
    asking again after a moderator decided does. (The membership row cannot name the request:
    withdrawing deletes it and asking again makes a new one.)"""
    assert community.id is not None and member.id is not None
    last_decision = session.exec(
        select(OutboxMessage.id)
        .where(
            col(OutboxMessage.key).startswith(
                f"community.decision:{community.id}:{member.id}:", autoescape=True
            )
        )
        .order_by(col(OutboxMessage.id).desc())
    ).first()
    prefix = _request_prefix(member.id, community.id) + f"{last_decision or 0}:"
    for moderator in moderators_of(session, community.id):
        reply = (
            Reply()
            .heading(_("Join request: {community}", community=community.name))
            .text(member.display_name, _(" asked to join "), bold(community.name), ".")
            .action(_("Approve"), f"community approve {community.slug} {member.id}", "primary")
            .action(_("Reject"), f"community reject {community.slug} {member.id}", "danger")
        )
        enqueue(
            session,
            key=f"{prefix}{moderator.member_id}",
            reply=reply,
            due_at=now,
            now=now,
            member_id=moderator.member_id,
            about=(member.id,) if member.id is not None else (),
        )


def edit_community(
    session: Session,
    community: Community,
    *,
    name: str | None = None,
    description: str | None = None,
    approval: bool | None = None,
) -> None:
    """Change a community's name, description or joining rule; its slug stays (links, bindings
    and digests keep working)."""
    if name is not None:
        name = " ".join(name.split())
        if len(slugify(name)) < 2:
            raise BadValue(
                _('A community name needs at least two letters or digits, like "Maths secondary".'),
                "name",
            )
        taken = session.exec(
            select(Community).where(
                func.lower(Community.name) == name.lower(), col(Community.id) != community.id
            )
        ).first()
        if taken is not None:
            raise BadValue(
                _("There is already a community called {name}; choose another name.", name=name),
                "name",
            )
        community.name = name
    if description is not None:
        community.description = description.strip()
    if approval is not None:
        community.approval_required = approval
    session.add(community)
    session.flush()


def remove_member(
    session: Session, community: Community, target: Member, *, actor: Role, now: datetime
) -> None:
    """A moderator takes someone out: only people of a lower role (owners remove moderators,
    moderators remove members). The person is told, in a direct message."""
    assert community.id is not None and target.id is not None
    row = membership(session, community.id, target.id)
    if row is None:
        raise NotFound(
            _("{name} is not in {community}.", name=target.display_name, community=community.name)
        )
    held = Role(row.role)
    if held.rank >= actor.rank:
        raise PermissionDenied(
            _(
                "Only an owner can remove a {role}; demote them first.",
                role=held.value,
            )
        )
    session.delete(row)
    session.flush()
    enqueue(
        session,
        key=f"community.removed:{community.id}:{target.id}:{now.isoformat()}",
        reply=Reply.message(
            _("You are no longer a member of "),
            bold(community.name),
            _(" (a moderator removed you)."),
        ),
        due_at=now,
        now=now,
        member_id=target.id,
    )


def leave(session: Session, community: Community, member_id: int) -> bool:
    """Leave (or withdraw a request); returns True if it was only a request. The last owner must
    hand over first, so no community is left without someone to run it."""
    assert community.id is not None
    row = membership(session, community.id, member_id)
    if row is None:
        raise UserError(_("You are not a member of {name}.", name=community.name))
    if (
        row.role == Role.OWNER
        and row.status == MembershipStatus.ACTIVE
        and owner_count(session, community.id) == 1
    ):
        raise UserError(
            _(
                "You are the last owner of {name}, so you cannot leave yet. Make someone else "
                "owner first: community promote {slug} MEMBER owner.",
                name=community.name,
                slug=community.slug,
            )
        )
    was_request = row.status == MembershipStatus.PENDING
    if was_request:
        withdraw_unsent(session, _request_prefix(member_id, community.id))
    session.delete(row)
    session.flush()
    return was_request


# Moderation ----------------------------------------------------------------------------------


def communities_with_request(
    session: Session, moderator_id: int, member_id: int
) -> list[Community]:
    """Communities the moderator moderates in which the member waits for a decision."""
    moderated = [
        m.community_id
        for m in session.exec(
            select(CommunityMember).where(
                CommunityMember.member_id == moderator_id,
                CommunityMember.status == MembershipStatus.ACTIVE,
                col(CommunityMember.role).in_([Role.MODERATOR, Role.OWNER]),
            )
        )
    ]
    if not moderated:
        return []
    return list(
        session.exec(
            select(Community)
            .join(CommunityMember, col(CommunityMember.community_id) == col(Community.id))
            .where(
                CommunityMember.member_id == member_id,
                CommunityMember.status == MembershipStatus.PENDING,
                col(Community.id).in_(moderated),
            )
            .order_by(col(Community.slug))
        )
    )


def decide_request(
    session: Session,
    community: Community,
    *,
    moderator_id: int,
    member: Member,
    approve: bool,
    now: datetime,
) -> None:
    """Approve or reject a pending request (moderators); the member is told either way."""
    assert community.id is not None and member.id is not None
    require_role(session, community, moderator_id, Role.MODERATOR)
    row = membership(session, community.id, member.id)
    if row is None or row.status != MembershipStatus.PENDING:
        if row is not None:
            raise UserError(
                _(
                    "{member} is already a member of {community}.",
                    member=member.display_name,
                    community=community.name,
                )
            )
        raise NotFound(
            _(
                "{member} has not asked to join {community}. See requests with "
                "community members {slug}.",
                member=member.display_name,
                community=community.name,
                slug=community.slug,
            )
        )
    if approve:
        row.status = MembershipStatus.ACTIVE
        row.joined_at = now
        session.add(row)
        message = Reply.success(
            _("Welcome! You are now a member of "), bold(community.name), "."
        ).action(_("See events"), f"event list {community.slug}")
    else:
        session.delete(row)
        message = Reply.message(
            _("Your request to join "),
            bold(community.name),
            _(" was not approved this time."),
        )
    session.flush()
    enqueue(
        session,
        key=f"community.decision:{community.id}:{member.id}:{now.isoformat()}",
        reply=message,
        due_at=now,
        now=now,
        member_id=member.id,
    )


def change_role(
    session: Session, community: Community, *, actor_id: int, target: Member, role: Role
) -> Role:
    """Owners set another active member's role. Returns the previous role."""
    assert community.id is not None and target.id is not None
    require_role(session, community, actor_id, Role.OWNER)
    row = membership(session, community.id, target.id)
    if row is None or row.status != MembershipStatus.ACTIVE:
        raise UserError(
            _(
                "{member} is not a member of {community}; they need to join first.",
                member=target.display_name,
                community=community.name,
            )
        )
    before = Role(row.role)
    if before is role:
        raise UserError(
            _(
                "{member} is already {role} of {community}.",
                member=target.display_name,
                role=role.value,
                community=community.name,
            )
        )
    if before is Role.OWNER and owner_count(session, community.id) == 1:
        raise UserError(
            _(
                "{member} is the last owner of {community}. Make someone else owner first.",
                member=target.display_name,
                community=community.name,
            )
        )
    row.role = role
    session.add(row)
    session.flush()
    return before


def demoted(role: Role) -> Role:
    """The role one step below (owner -> moderator -> member)."""
    return {Role.OWNER: Role.MODERATOR, Role.MODERATOR: Role.MEMBER, Role.MEMBER: Role.MEMBER}[role]


# Channels and announcements ------------------------------------------------------------------


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
    reply = (
        Reply()
        .heading(_("{community}: announcement", community=community.name))
        .text(text)
        .note(_("From {name}", name=author.display_name))
    )
    reply.ephemeral = False
    posted = post_to_channels(
        session,
        community,
        key=f"community.announce:{announcement.id}",
        reply=reply,
        now=now,
        about=(author.id,),
    )
    return announcement, posted


# Weekly digest -------------------------------------------------------------------------------


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


# Privacy -------------------------------------------------------------------------------------


_AUTHORSHIP = (
    (Community, "created_by"),
    (ChannelBinding, "bound_by"),
    (Announcement, "author_id"),
)
"""Columns that say which member made something the community keeps after they go."""


def _repoint_authorship(session: Session, old: int, new: int | None) -> None:
    """Credit what ``old`` created, bound or announced to ``new`` (None: to nobody)."""
    for model, column in _AUTHORSHIP:
        for row in session.exec(select(model).where(getattr(model, column) == old)).all():
            setattr(row, column, new)
            session.add(row)


def share_a_community(session: Session, one: int, other: int) -> bool:
    """The two members are both in (not just asking to join) one community."""
    theirs = select(CommunityMember.community_id).where(
        CommunityMember.member_id == other, CommunityMember.status == MembershipStatus.ACTIVE
    )
    found = session.exec(
        select(CommunityMember.id)
        .where(
            CommunityMember.member_id == one,
            CommunityMember.status == MembershipStatus.ACTIVE,
            col(CommunityMember.community_id).in_(theirs),
        )
        .limit(1)
    ).first()
    return found is not None


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
