"""How the resources feature shows a shared link in its answers: its number, its votes and its
line in a list."""

from __future__ import annotations

from sqlmodel import Session

from core.i18n import ngettext
from core.reply import SpanLike, bold, code
from core.resources.models import Resource
from core.resources.service import community_names


def shown_id(resource: Resource) -> str:
    """A resource's number as members type it (``#12``)."""
    return f"#{resource.id}"


def votes_text(n: int) -> str:
    """A vote count in words (``1 vote``, ``3 votes``), translated."""
    return ngettext("{n} vote", "{n} votes", n)


def resource_line(resource: Resource, community: str | None = None) -> list[SpanLike]:
    """One resource as a list line: id, title, votes, tags, where, and the address."""
    parts: list[SpanLike] = [code(shown_id(resource)), " ", bold(resource.title)]
    details = [votes_text(resource.vote_count)]
    if resource.tags:
        details.append(" ".join(f"#{t}" for t in resource.tags))
    if community:
        details.append(community)
    parts += [" · ", " · ".join(details), " — ", resource.url]
    return parts


def resource_lines(session: Session, resources: list[Resource]) -> list[list[SpanLike]]:
    """List lines for several resources, each naming the community it was shared in."""
    names = community_names(session, {r.community_id for r in resources if r.community_id})
    return [
        resource_line(r, names.get(r.community_id) if r.community_id else None) for r in resources
    ]
