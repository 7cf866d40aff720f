"""Communities and who is in them: finding and creating them, joining and leaving, roles and
moderation.

Other features (resources, events, reflection, inquiry, mentoring) use the lookups and role checks
here. Every rule about who may do what in a community lives in this module, so every platform gets
the same answer.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from core.communities import replies
from core.communities.models import Community, CommunityMember, MembershipStatus, Role
from core.delivery.models import OutboxMessage
from core.delivery.outbox import enqueue, withdraw_unsent
from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _, language
from core.identity.models import Member
from core.params import BadValue


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


REPEAT_WINDOW = timedelta(minutes=5)
"""A community made again by its creator within this window is the first one sent twice."""


def create_community(
    session: Session,
    *,
    name: str,
    description: str,
    approval_required: bool,
    creator_id: int,
    now: datetime,
) -> Community:
    """A new community whose creator is its first owner (the same creator making the same
    community again within :data:`REPEAT_WINDOW` gets the one they just made)."""
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
    if (
        taken is not None
        and taken.created_by == creator_id
        and taken.name == name
        and taken.created_at >= now - REPEAT_WINDOW
    ):
        return taken  # sent twice (a retry after a lost answer): made once
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
    for moderator, person in members_of(session, community.id):
        if Role(moderator.role).rank < Role.MODERATOR.rank:
            continue
        with language(person.language):  # each moderator reads it in their own language
            reply = replies.join_request(community, member)
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
                role=replies.role_label(held),
            )
        )
    session.delete(row)
    session.flush()
    with language(target.language):
        notice = replies.removed(community)
    enqueue(
        session,
        key=f"community.removed:{community.id}:{target.id}:{now.isoformat()}",
        reply=notice,
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
                "owner first (community promote {slug} MEMBER owner), or delete it with "
                "community delete {slug}.",
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


def members_named(
    session: Session,
    community_ids: list[int],
    name: str,
    status: MembershipStatus = MembershipStatus.ACTIVE,
) -> list[tuple[Community, Member]]:
    """People in these communities (or asking to join them, with ``status`` PENDING) called
    ``name``, any case: their whole name if anyone has it, else names starting with it word by word
    (``Ben`` finds Ben Jones). Looking only among the community's own people, where a moderator
    sees who is who, makes a name safe to act on; anywhere else a name could be anyone's."""
    if not community_ids:
        return []
    rows = session.exec(
        select(Community, Member)
        .join(CommunityMember, col(CommunityMember.community_id) == col(Community.id))
        .join(Member, col(Member.id) == col(CommunityMember.member_id))
        .where(col(Community.id).in_(community_ids), CommunityMember.status == status)
        .order_by(col(Community.slug), col(Member.id))
    ).all()
    wanted = " ".join(name.lstrip("@").lower().split())
    exact = [(c, m) for c, m in rows if " ".join(m.display_name.lower().split()) == wanted]
    if exact or not wanted:
        return list(exact)
    return [
        (c, m) for c, m in rows if " ".join(m.display_name.lower().split()).startswith(wanted + " ")
    ]


def moderated_by(session: Session, member_id: int) -> list[int]:
    """The ids of the communities the member moderates or owns."""
    return list(
        session.exec(
            select(CommunityMember.community_id).where(
                CommunityMember.member_id == member_id,
                CommunityMember.status == MembershipStatus.ACTIVE,
                col(CommunityMember.role).in_([Role.MODERATOR, Role.OWNER]),
            )
        )
    )


def communities_with_request(
    session: Session, moderator_id: int, member_id: int
) -> list[Community]:
    """Communities the moderator moderates in which the member waits for a decision."""
    moderated = moderated_by(session, moderator_id)
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
    else:
        session.delete(row)
    session.flush()
    with language(member.language):  # the member's language, not the moderator's
        notice = replies.request_decided(community, approved=approve)
    enqueue(
        session,
        key=f"community.decision:{community.id}:{member.id}:{now.isoformat()}",
        reply=notice,
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
                role=replies.role_label(role),
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
