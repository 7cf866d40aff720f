"""Communities of practice: membership, roles, channel bindings, announcements and the digest."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.commands import N_, Command, Param
from core.communities import commands
from core.communities.membership import like_escaped, share_a_community
from core.communities.models import Announcement, ChannelBinding, Community, CommunityMember
from core.communities.privacy import COMMUNITY_DATA
from core.communities.schedules import DIGEST_KIND, produce_digest
from core.feature import Feature
from core.params import Kind
from core.suggestions import Suggestion, SuggestionSource, Typed


def _is_community(command: Command, param: Param) -> bool:
    return param.kind is Kind.COMMUNITY or (param.autocomplete and param.name == "community")


def _communities(session: Session, typed: Typed) -> list[Suggestion]:
    """Community slugs matching the text, the member's own communities first."""
    mine: set[int] = set()
    if typed.member_id is not None:
        mine = set(
            session.exec(
                select(CommunityMember.community_id).where(
                    CommunityMember.member_id == typed.member_id
                )
            ).all()
        )
    word = typed.text.strip().lstrip("@").lower()
    query = select(Community)
    if word:
        pattern = f"%{like_escaped(word)}%"
        query = query.where(
            col(Community.slug).ilike(pattern, escape="\\")
            | col(Community.name).ilike(pattern, escape="\\")
        )
    rows = session.exec(query.order_by(col(Community.slug)).limit(200)).all()
    rows = sorted(rows, key=lambda c: (c.id not in mine, c.slug))
    return [(f"{c.name} ({c.slug})", c.slug) for c in rows]


FEATURE = Feature(
    name="communities",
    groups={
        "community": N_("Communities of practice: find your people, join, share and meet."),
    },
    commands=(
        commands.community_list,
        commands.community_info,
        commands.community_join,
        commands.community_leave,
        commands.community_members,
        commands.community_create,
        commands.community_edit,
        commands.community_delete,
        commands.community_remove,
        commands.community_approve,
        commands.community_reject,
        commands.community_promote,
        commands.community_demote,
        commands.community_bind,
        commands.community_unbind,
        commands.community_announce,
        commands.community_digest,
    ),
    data=COMMUNITY_DATA,
    acquainted=(share_a_community,),
    kinds={DIGEST_KIND: produce_digest},
    suggestions=(SuggestionSource("community", _is_community, _communities),),
    tables=(Community, CommunityMember, ChannelBinding, Announcement),
)
