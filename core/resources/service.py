"""Sharing, finding, voting on, bookmarking, reporting and moderating resources.

Choices made here, for the people who use it:

- A link is stored once where people can see it: sharing an address that the sharer can already
  see here (after normalising it, see :func:`normalise_url`) changes nothing and points to the
  existing resource, so votes gather on one entry rather than being split between copies. An
  address that is here only inside an approval-only community the sharer is not in is shared as
  if it were new (a copy of their own): telling them it exists would tell them what that
  community reads. ``url_key`` then carries the scope after the address (see :func:`_scoped`),
  so each scope holds an address once.
- Resources in an approval-only community are seen only by its active members; resources with no
  community, or in an open community, are seen by everyone. Hidden resources are seen only by those
  who may restore them.
- Voting is idempotent (voting twice is one vote; ``resource unvote`` takes it back), so a double
  click on a button never undoes a vote. A member cannot vote for what they shared.
- Moderators of a resource's community (and Staffroom admins) hide and restore it; resources with
  no community are moderated by Staffroom admins. Hiding or restoring closes open reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import ColumnElement, CursorResult, and_, delete, func, or_, text, true, update
from sqlmodel import Session, col, select

from core.communities.membership import require_role, role_of
from core.communities.models import Community, CommunityMember, MembershipStatus, Role
from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _
from core.params import BadValue
from core.resources.models import (
    DESCRIPTION_LENGTH,
    Resource,
    ResourceReport,
    ResourceSave,
    ResourceTag,
    ResourceVote,
)

_TRACKING_PARAMS = ("fbclid", "gclid", "mc_cid", "mc_eid")
_Row = TypeVar("_Row", ResourceVote, ResourceSave, ResourceReport)


def normalise_url(url: str) -> str:
    """The address reduced to what identifies the page, for spotting duplicates.

    Scheme and host are lower-cased, default ports, ``www.``-less duplicates are *not* merged (they
    can be different sites), the fragment, a trailing slash and tracking parameters (``utm_*``,
    ``fbclid``...) are dropped, and the remaining query parameters are sorted.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, 80 if scheme == "http" else 443) else None
    netloc = f"{host}:{port}" if port else host
    path = parts.path.rstrip("/")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def visible_to(member_id: int | None) -> ColumnElement[bool]:
    """Resources a member may see: not hidden, and public or in a community they belong to.

    ``member_id=None`` means nobody in particular: only public resources (for digests and shared
    channels).
    """
    return and_(col(Resource.hidden).is_(False), _in_sight_of(member_id))


def _in_sight_of(member_id: int | None) -> ColumnElement[bool]:
    """Where a member would see a resource were it not hidden: no community, an open one, or
    (``member_id`` given) one they belong to."""
    open_communities = select(Community.id).where(col(Community.approval_required).is_(False))
    scope = [
        col(Resource.community_id).is_(None),
        col(Resource.community_id).in_(open_communities),
    ]
    if member_id is not None:
        scope.append(
            col(Resource.community_id).in_(
                select(CommunityMember.community_id).where(
                    CommunityMember.member_id == member_id,
                    CommunityMember.status == MembershipStatus.ACTIVE,
                )
            )
        )
    return or_(*scope)


SCOPE_MARK = " "
"""Separates an address from its scope in ``url_key``; a normalised address has no spaces."""


def _scoped(key: str, community: Community | None) -> str:
    """The ``url_key`` of a further copy of an address, in its own scope (everyone, or one
    community), for when the first copy sits where its new sharer cannot see it."""
    scope = f"community:{community.id}" if community is not None else "everyone"
    return f"{key}{SCOPE_MARK}{scope}"


def can_moderate(session: Session, resource: Resource, member_id: int, is_admin: bool) -> bool:
    """Moderators and owners of the resource's community, and Staffroom admins."""
    if is_admin:
        return True
    if resource.community_id is None:
        return False
    community = session.get(Community, resource.community_id)
    if community is None:
        return False
    held = role_of(session, community, member_id)
    return held is not None and held.rank >= Role.MODERATOR.rank


def get_resource(
    session: Session, resource_id: int, member_id: int, *, is_admin: bool = False
) -> Resource:
    """A resource the member may see (moderators also see hidden ones), else NotFound."""
    found = session.exec(
        select(Resource).where(Resource.id == resource_id, visible_to(member_id))
    ).first()
    if found is not None:
        return found
    hidden = session.get(Resource, resource_id)
    if hidden is not None and can_moderate(session, hidden, member_id, is_admin):
        return hidden
    raise NotFound(
        _(
            "There is no resource #{id} that you can see. Check the number with resource search.",
            id=resource_id,
        )
    )


@dataclass(frozen=True, slots=True)
class Shared:
    """The outcome of sharing: the resource, and whether it was new or already here."""

    resource: Resource
    created: bool


def share_resource(
    session: Session,
    *,
    member_id: int,
    url: str,
    title: str,
    now: datetime,
    tags: list[str] | None = None,
    community: Community | None = None,
    description: str = "",
    subject: str = "",
    phase: str = "",
    title_limit: int = 200,
    tag_limit: int = 10,
) -> Shared:
    """Store a new resource, or return the one already stored for the same address."""
    title = " ".join(title.split())
    if not title:
        raise BadValue(_("Give the resource a title, in quotes."), "title")
    if len(title) > title_limit:
        raise BadValue(
            _(
                "That title is {length} characters; the limit is {limit}. Please shorten it.",
                length=len(title),
                limit=title_limit,
            ),
            "title",
        )
    tags = list(dict.fromkeys(tags or []))
    if len(tags) > tag_limit:
        raise BadValue(
            _(
                "That is {count} tags; a resource can have at most {limit}. Keep the most useful.",
                count=len(tags),
                limit=tag_limit,
            ),
            "tags",
        )
    description = description.strip()
    if len(description) > DESCRIPTION_LENGTH:
        raise BadValue(
            _("The description is too long; keep it under {limit} characters.", limit=2000),
            "description",
        )
    if community is not None and community.approval_required:
        assert community.id is not None
        if role_of(session, community, member_id) is None:
            raise PermissionDenied(
                _(
                    "Only members of {community} can share there. Ask to join with "
                    "community join {slug}, or share without community=.",
                    community=community.name,
                    slug=community.slug,
                )
            )
    key = normalise_url(url)
    same_address = or_(
        col(Resource.url_key) == key,
        col(Resource.url_key).startswith(key + SCOPE_MARK, autoescape=True),
    )
    seen = session.exec(
        select(Resource).where(same_address, visible_to(member_id)).order_by(col(Resource.id))
    ).first()
    if seen is not None:
        return Shared(seen, created=False)
    hidden_here = session.exec(
        select(Resource.id).where(
            same_address, col(Resource.hidden).is_(True), _in_sight_of(member_id)
        )
    ).first()
    if hidden_here is not None:
        # Hidden where this member could otherwise see it: sharing it again would undo the
        # moderators' decision. (Only the hiding is said, which they could see happen.)
        raise UserError(_("That link was hidden by moderators here, so it was not shared again."))
    taken = session.exec(select(Resource.id).where(Resource.url_key == key)).first()
    resource = Resource(
        url=url.strip(),
        url_key=key if taken is None else _scoped(key, community),
        title=title,
        description=description,
        tags=tags,
        tag_text=" ".join(tags),
        subject=subject.strip().lower(),
        phase=phase,
        community_id=community.id if community is not None else None,
        shared_by=member_id,
        created_at=now,
    )
    session.add(resource)
    session.flush()
    assert resource.id is not None
    for tag in tags:
        session.add(ResourceTag(resource_id=resource.id, tag=tag))
    session.flush()
    return Shared(resource, created=True)


def _count(session: Session, model: type[ResourceVote], resource_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(model).where(model.resource_id == resource_id)
    ).one()


def _refresh_votes(session: Session, resource_ids: set[int]) -> None:
    """Set each resource's vote_count from its votes (after merges and deletions).

    Each resource row is locked before its votes are counted, so a vote cast meanwhile (which
    changes the count in the same row, see :func:`_count_vote`) is not overwritten.
    """
    session.flush()
    locked = session.exec(
        select(Resource)
        .where(col(Resource.id).in_(resource_ids))
        .order_by(col(Resource.id))
        .with_for_update(key_share=True)
    ).all()
    for resource in locked:
        assert resource.id is not None
        resource.vote_count = _count(session, ResourceVote, resource.id)
        session.add(resource)


def _count_vote(session: Session, resource: Resource, change: int) -> None:
    """Add ``change`` to the resource's vote_count in the database itself, so that votes cast at
    the same moment all count (reading the count and writing it back would lose some)."""
    session.flush()
    session.execute(
        update(Resource)
        .where(col(Resource.id) == resource.id)
        .values(vote_count=col(Resource.vote_count) + change)
        .execution_options(synchronize_session=False)
    )
    session.refresh(resource, ["vote_count"])


def vote(session: Session, resource: Resource, member_id: int, now: datetime) -> bool:
    """Count the member's vote; returns False if they had already voted (nothing changes)."""
    assert resource.id is not None
    if resource.shared_by == member_id:
        raise UserError(
            _("You shared this resource, so you cannot vote for it. Others' votes will lift it.")
        )
    if _find(session, ResourceVote, resource.id, member_id) is not None:
        return False
    session.add(ResourceVote(resource_id=resource.id, member_id=member_id, created_at=now))
    _count_vote(session, resource, +1)
    return True


def unvote(session: Session, resource: Resource, member_id: int) -> bool:
    """Take back the member's vote; returns False if there was none."""
    assert resource.id is not None
    taken = cast(
        CursorResult[Any],
        session.execute(
            delete(ResourceVote).where(
                col(ResourceVote.resource_id) == resource.id,
                col(ResourceVote.member_id) == member_id,
            )
        ),
    )
    if not taken.rowcount:  # none, or a second click that arrived together with the first
        return False
    _count_vote(session, resource, -1)
    return True


def _find(session: Session, model: type[_Row], resource_id: int, member_id: int) -> _Row | None:
    return session.exec(
        select(model).where(model.resource_id == resource_id, model.member_id == member_id)
    ).first()


def save(session: Session, resource: Resource, member_id: int, now: datetime) -> bool:
    """Bookmark the resource; returns False if it was already saved."""
    assert resource.id is not None
    if _find(session, ResourceSave, resource.id, member_id) is not None:
        return False
    session.add(ResourceSave(resource_id=resource.id, member_id=member_id, created_at=now))
    session.flush()
    return True


def unsave(session: Session, resource: Resource, member_id: int) -> bool:
    """Remove the bookmark; returns False if there was none."""
    assert resource.id is not None
    found = _find(session, ResourceSave, resource.id, member_id)
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def saved(session: Session, member_id: int, *, limit: int, offset: int = 0) -> list[Resource]:
    """The member's bookmarks that they can still see, newest first."""
    return list(
        session.exec(
            select(Resource)
            .join(ResourceSave, col(ResourceSave.resource_id) == col(Resource.id))
            .where(ResourceSave.member_id == member_id, visible_to(member_id))
            .order_by(col(ResourceSave.created_at).desc(), col(ResourceSave.id).desc())
            .limit(limit)
            .offset(offset)
        )
    )


def report(
    session: Session, resource: Resource, member_id: int, reason: str, now: datetime
) -> bool:
    """Ask moderators to look; returns False if this member's report is already open."""
    assert resource.id is not None
    reason = " ".join(reason.split())
    if not reason:
        raise BadValue(_("Say briefly what is wrong with it, in quotes."), "reason")
    found = _find(session, ResourceReport, resource.id, member_id)
    if found is not None and found.resolved_at is None:
        return False
    if found is None:
        found = ResourceReport(
            resource_id=resource.id, member_id=member_id, reason="", created_at=now
        )
    found.reason, found.created_at, found.resolved_at = reason[:500], now, None
    session.add(found)
    session.flush()
    return True


def open_reports(
    session: Session, member_id: int, is_admin: bool, *, limit: int
) -> list[tuple[Resource, int, str]]:
    """Reported resources this member may moderate: (resource, open reports, latest reason)."""
    moderated = select(CommunityMember.community_id).where(
        CommunityMember.member_id == member_id,
        CommunityMember.status == MembershipStatus.ACTIVE,
        col(CommunityMember.role).in_([Role.MODERATOR.value, Role.OWNER.value]),
    )
    scope = true() if is_admin else col(Resource.community_id).in_(moderated)
    rows = session.exec(
        select(Resource, func.count(col(ResourceReport.id)), func.max(ResourceReport.created_at))
        .join(ResourceReport, col(ResourceReport.resource_id) == col(Resource.id))
        .where(col(ResourceReport.resolved_at).is_(None), scope)
        .group_by(col(Resource.id))
        .order_by(func.count(col(ResourceReport.id)).desc(), col(Resource.id))
        .limit(limit)
    ).all()
    out: list[tuple[Resource, int, str]] = []
    for resource, count, _latest in rows:
        latest = session.exec(
            select(ResourceReport.reason)
            .where(
                ResourceReport.resource_id == resource.id,
                col(ResourceReport.resolved_at).is_(None),
            )
            .order_by(col(ResourceReport.created_at).desc(), col(ResourceReport.id).desc())
        ).first()
        out.append((resource, int(count), latest or ""))
    return out


def require_moderator(session: Session, resource: Resource, member_id: int, is_admin: bool) -> None:
    """Refuse unless the member may hide or restore this resource."""
    if is_admin:
        return
    if resource.community_id is None:
        raise PermissionDenied(
            _("Only Staffroom admins can moderate resources that are not in a community.")
        )
    community = session.get(Community, resource.community_id)
    assert community is not None
    require_role(session, community, member_id, Role.MODERATOR)


def _close_reports(session: Session, resource_id: int, now: datetime) -> None:
    for found in session.exec(
        select(ResourceReport).where(
            ResourceReport.resource_id == resource_id, col(ResourceReport.resolved_at).is_(None)
        )
    ):
        found.resolved_at = now
        session.add(found)


def hide(session: Session, resource: Resource, member_id: int, reason: str, now: datetime) -> bool:
    """Hide the resource from everyone but moderators; returns False if it was already hidden."""
    assert resource.id is not None
    if resource.hidden:
        return False
    resource.hidden, resource.hidden_at, resource.hidden_by = True, now, member_id
    resource.hidden_reason = " ".join(reason.split())[:300]
    session.add(resource)
    _close_reports(session, resource.id, now)
    session.flush()
    return True


def restore(session: Session, resource: Resource, now: datetime) -> bool:
    """Show a hidden resource again; returns False if it was not hidden."""
    assert resource.id is not None
    if not resource.hidden:
        return False
    resource.hidden, resource.hidden_at, resource.hidden_by = False, None, None
    resource.hidden_reason = ""
    session.add(resource)
    _close_reports(session, resource.id, now)
    session.flush()
    return True


@dataclass(frozen=True, slots=True)
class TopResource:
    """A resource with the votes it received in the period asked about."""

    resource: Resource
    votes_in_period: int


def top_resources(
    session: Session,
    community_id: int | None,
    since: datetime,
    limit: int,
    *,
    viewer_id: int | None = None,
) -> list[TopResource]:
    """The most useful resources since ``since``: most votes received in the period first.

    Resources shared in the period are candidates even before anyone votes, so a digest shows
    what is new. ``community_id=None`` covers every resource ``viewer_id`` may see (``None``:
    public ones only). Hidden resources never appear.
    """
    recent_votes = (
        select(ResourceVote.resource_id, func.count().label("n"))
        .where(ResourceVote.created_at >= since)
        .group_by(col(ResourceVote.resource_id))
        .subquery()
    )
    in_period = func.coalesce(recent_votes.c.n, 0)
    scope = true() if community_id is None else col(Resource.community_id) == community_id
    rows = session.exec(
        select(Resource, in_period)
        .outerjoin(recent_votes, recent_votes.c.resource_id == col(Resource.id))
        .where(
            scope,
            visible_to(viewer_id) if community_id is None else col(Resource.hidden).is_(False),
            or_(in_period > 0, col(Resource.created_at) >= since),
        )
        .order_by(
            in_period.desc(),
            col(Resource.vote_count).desc(),
            col(Resource.created_at).desc(),
            col(Resource.id).desc(),
        )
        .limit(limit)
    ).all()
    return [TopResource(resource, int(n)) for resource, n in rows]


def community_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Community names by id, for showing where resources were shared."""
    if not ids:
        return {}
    rows = session.exec(select(Community.id, Community.name).where(col(Community.id).in_(ids)))
    return {cid: name for cid, name in rows if cid is not None}


__all__ = [
    "Shared",
    "TopResource",
    "can_moderate",
    "get_resource",
    "hide",
    "normalise_url",
    "open_reports",
    "report",
    "require_moderator",
    "restore",
    "save",
    "saved",
    "share_resource",
    "top_resources",
    "unsave",
    "unvote",
    "visible_to",
    "vote",
]


def can_change(session: Session, resource: Resource, member_id: int, is_admin: bool) -> bool:
    """The sharer, the community's moderators and Staffroom admins may edit or delete it."""
    return resource.shared_by == member_id or can_moderate(session, resource, member_id, is_admin)


def edit_resource(
    session: Session,
    resource: Resource,
    *,
    title: str | None = None,
    description: str | None = None,
    tags: list[str] | None = None,
    subject: str | None = None,
    phase: str | None = None,
    title_limit: int = 200,
    tag_limit: int = 10,
) -> None:
    """Change what a resource says about itself; the search index follows (triggers on SQLite,
    a generated column on PostgreSQL)."""
    assert resource.id is not None
    if title is not None:
        title = " ".join(title.split())
        if not title:
            raise BadValue(_("A resource needs a title; give the new one, in quotes."), "title")
        if len(title) > title_limit:
            raise BadValue(
                _(
                    "That title is {length} characters; the limit is {limit}. Please shorten it.",
                    length=len(title),
                    limit=title_limit,
                ),
                "title",
            )
        resource.title = title
    if description is not None:
        if len(description.strip()) > DESCRIPTION_LENGTH:
            raise BadValue(
                _("The description is too long; keep it under {limit} characters.", limit=2000),
                "description",
            )
        resource.description = description.strip()
    if tags is not None:
        tags = list(dict.fromkeys(tags))
        if len(tags) > tag_limit:
            raise BadValue(
                _(
                    "That is {count} tags; a resource can have at most {limit}. Keep the most "
                    "useful.",
                    count=len(tags),
                    limit=tag_limit,
                ),
                "tags",
            )
        session.execute(delete(ResourceTag).where(col(ResourceTag.resource_id) == resource.id))
        for tag in tags:
            session.add(ResourceTag(resource_id=resource.id, tag=tag))
        resource.tags = tags
        resource.tag_text = " ".join(tags)
    if subject is not None:
        resource.subject = subject.strip().lower()
    if phase is not None:
        resource.phase = phase
    session.add(resource)
    session.flush()


def delete_resource(session: Session, resource: Resource) -> None:
    """Remove a resource with its votes, saves, reports and tags; on SQLite the full-text index
    is then merged, so the deleted words are gone from the file, not just marked."""
    assert resource.id is not None
    for model in (ResourceVote, ResourceSave, ResourceReport, ResourceTag):
        session.execute(delete(model).where(col(model.resource_id) == resource.id))
    session.delete(resource)
    session.flush()
    optimize_search_index(session)


def optimize_search_index(session: Session) -> None:
    """SQLite's FTS5 keeps deleted entries until its segments merge: merge them now."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO resource_fts(resource_fts) VALUES ('optimize')"))
