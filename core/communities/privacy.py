"""The communities feature's part in the privacy contract: export, delete and merge a member's data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from core.communities.membership import _request_prefix, members_of, membership, owner_count
from core.communities.models import (
    Announcement,
    ChannelBinding,
    Community,
    CommunityMember,
    MembershipStatus,
    Role,
)
from core.delivery.models import OutboxMessage, OutboxState, Schedule
from core.delivery.outbox import withdraw_unsent

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


class CommunityData:
    """The communities feature's part in privacy export, deletion and account merging."""

    name = "communities"

    def export(self, session: Session, member_id: int) -> dict[str, Any]:
        memberships = session.exec(
            select(CommunityMember, Community)
            .join(Community, col(Community.id) == col(CommunityMember.community_id))
            .where(CommunityMember.member_id == member_id)
            .order_by(col(Community.slug))
        ).all()
        created = session.exec(select(Community).where(Community.created_by == member_id)).all()
        bindings = session.exec(
            select(ChannelBinding).where(ChannelBinding.bound_by == member_id)
        ).all()
        announcements = session.exec(
            select(Announcement).where(Announcement.author_id == member_id)
        ).all()
        return {
            "memberships": [
                {
                    "community": c.slug,
                    "name": c.name,
                    "role": m.role,
                    "status": m.status,
                    "joined_at": m.joined_at.isoformat(),
                }
                for m, c in memberships
            ],
            "communities_created": [c.slug for c in created],
            "channels_bound": [
                {"community_id": b.community_id, "platform": b.platform, "channel": b.channel_id}
                for b in bindings
            ],
            "announcements": [
                {
                    "community_id": a.community_id,
                    "text": a.text,
                    "at": a.created_at.isoformat(),
                }
                for a in announcements
            ],
        }

    def delete(self, session: Session, member_id: int) -> None:
        # Their words and name must not go out after they are gone: drop what is still queued.
        withdraw_unsent(session, _request_prefix(member_id))
        for announcement in session.exec(
            select(Announcement).where(Announcement.author_id == member_id)
        ).all():
            withdraw_unsent(session, f"community.announce:{announcement.id}:")
            session.delete(announcement)
        session.flush()
        rows = session.exec(
            select(CommunityMember).where(CommunityMember.member_id == member_id)
        ).all()
        for row in rows:
            was_owner = row.role == Role.OWNER and row.status == MembershipStatus.ACTIVE
            session.delete(row)
            session.flush()
            if was_owner:
                _hand_over(session, row.community_id)
        _repoint_authorship(session, member_id, None)
        session.flush()

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        for row in session.exec(
            select(CommunityMember).where(CommunityMember.member_id == source_id)
        ).all():
            kept = membership(session, row.community_id, target_id)
            if kept is None:
                row.member_id = target_id
                session.add(row)
                continue
            if Role(row.role).rank > Role(kept.role).rank:
                kept.role = row.role
            if MembershipStatus.ACTIVE in (row.status, kept.status):
                kept.status = MembershipStatus.ACTIVE
            kept.joined_at = min(kept.joined_at, row.joined_at)
            session.add(kept)
            session.delete(row)
        session.flush()
        _repoint_authorship(session, source_id, target_id)
        session.flush()


def _hand_over(session: Session, community_id: int) -> None:
    """After an owner deleted their account: if no owner is left, the longest-serving moderator
    (or else member) becomes owner, so the community keeps someone who can run it. With no one
    left at all, the community goes, rather than run on (digests, channel posts) with nobody
    able to manage it."""
    if owner_count(session, community_id) > 0:
        return
    successors = members_of(session, community_id)
    if not successors:
        delete_community(session, community_id)
        return
    successor = successors[0][0]
    successor.role = Role.OWNER
    session.add(successor)
    session.flush()


def delete_community(session: Session, community_id: int) -> None:
    """Delete a community with everything of it: its schedules (digest, event reminders, rounds)
    and their unsent messages, its announcements' unsent posts; the database removes the rest
    (memberships and requests, channel bindings, events, resources, shares) by cascade."""
    for announcement_id in session.exec(
        select(Announcement.id).where(Announcement.community_id == community_id)
    ).all():
        withdraw_unsent(session, f"community.announce:{announcement_id}:")
    schedules = select(Schedule.id).where(Schedule.community_id == community_id)
    session.execute(
        delete(OutboxMessage).where(
            col(OutboxMessage.schedule_id).in_(schedules),
            col(OutboxMessage.state).in_((OutboxState.PENDING, OutboxState.FAILED)),
        )
    )
    session.execute(delete(Schedule).where(col(Schedule.community_id) == community_id))
    community = session.get(Community, community_id)
    if community is not None:
        session.delete(community)
    session.flush()


COMMUNITY_DATA = CommunityData()
