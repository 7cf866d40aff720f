"""Finding communities and checking a member's role in one. Other features use these."""

from __future__ import annotations

import difflib
import re

from sqlalchemy import func
from sqlmodel import Session, select

from core.communities.models import (
    ChannelBinding,
    Community,
    CommunityMember,
    MembershipStatus,
    Role,
)
from core.errors import NotFound, PermissionDenied
from core.i18n import _


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
        session.exec(select(ChannelBinding).where(ChannelBinding.community_id == community_id))
    )
