"""What the communities feature says: the messages it sends members and moderators, and the ways
it names members and roles in its answers."""

from __future__ import annotations

from core.communities.models import Community, Role
from core.i18n import _
from core.identity.models import Member
from core.reply import Reply, SpanLike, bold


def who(member: Member) -> list[SpanLike]:
    """A member's name with their id, so a moderator sees exactly whom they acted on."""
    return [member.display_name, _(" (id {id})", id=member.id)]


def role_label(role: Role) -> str:
    """A role as members read it, translated."""
    return {Role.OWNER: _("owner"), Role.MODERATOR: _("moderator"), Role.MEMBER: _("member")}[role]


def join_request(community: Community, member: Member) -> Reply:
    """Tells a moderator that ``member`` asked to join, with buttons to decide."""
    return (
        Reply()
        .heading(_("Join request: {community}", community=community.name))
        .text(member.display_name, _(" asked to join "), bold(community.name), ".")
        .action(_("Approve"), f"community approve {community.slug} {member.id}", "primary")
        .action(_("Reject"), f"community reject {community.slug} {member.id}", "danger")
    )


def request_decided(community: Community, *, approved: bool) -> Reply:
    """Tells a member what a moderator decided about their request to join."""
    if approved:
        return Reply.success(
            _("Welcome! You are now a member of "), bold(community.name), "."
        ).action(_("See events"), f"event list {community.slug}")
    return Reply.message(
        _("Your request to join "),
        bold(community.name),
        _(" was not approved this time."),
    )


def removed(community: Community) -> Reply:
    """Tells a member a moderator took them out of the community."""
    return Reply.message(
        _("You are no longer a member of "),
        bold(community.name),
        _(" (a moderator removed you)."),
    )


def announcement(community: Community, text: str, author: Member) -> Reply:
    """A moderator's announcement as posted in the community's channels, for everyone."""
    reply = (
        Reply()
        .heading(_("{community}: announcement", community=community.name))
        .text(text)
        .note(_("From {name}", name=author.display_name))
    )
    reply.ephemeral = False
    return reply
