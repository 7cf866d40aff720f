"""Commands for communities of practice: find, join, run and announce to them."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from core.commands import N_, Arg, command
from core.communities.channels import announce, bind, bound_channels, unbind
from core.communities.digest import WEEKDAYS, digest_schedule, set_digest
from core.communities.membership import (
    can_see_inside,
    change_role,
    communities_with_request,
    create_community,
    decide_request,
    demoted,
    edit_community,
    find_community,
    join,
    leave,
    list_communities,
    member_count,
    members_of,
    membership,
    remove_member,
    require_inside,
    require_role,
    role_of,
)
from core.communities.models import Community, MembershipStatus, Role
from core.communities.replies import role_label, who
from core.context import Context
from core.errors import NotFound, UserError
from core.i18n import _, ngettext
from core.identity.models import Member
from core.identity.service import find_member
from core.params import Kind
from core.reply import Reply, SpanLike, bold, code

MEMBERS_SHOWN = 50
DEFAULT_DIGEST_TIME = time(8, 0)


CommunityRef = Annotated[
    str,
    Arg(N_("the community, by name or short name"), kind=Kind.COMMUNITY, autocomplete=True),
]


def _member(ctx: Context, ref: str) -> Member:
    """The member a role-changing command acts on. Display names are chosen by members themselves
    (anyone can call themselves after a colleague), so only ids, mentions and handles count."""
    return find_member(
        ctx.session, ref, ctx.invocation.platform, ctx.invocation.tenant, by_name=False
    )


@command(
    "community list",
    help=N_("List communities, or those matching a few words."),
    examples=["community list", "community list maths"],
)
def community_list(
    ctx: Context,
    *,
    query: Annotated[list[str] | None, Arg(N_("words to look for"), max_length=100)] = None,
) -> Reply:
    words = " ".join(query or [])
    found, total = list_communities(ctx.session, ctx.member_id, words or None)
    if not found:
        if words:
            return Reply.message(
                _("No community matches {query}. Start one with ", query=words),
                code('community create NAME "what it is for"'),
                ".",
            )
        return Reply.message(
            _("There are no communities yet. Start the first with "),
            code('community create NAME "what it is for"'),
            ".",
        )
    lines: list[list[SpanLike]] = []
    for summary in found:
        community = summary.community
        line: list[SpanLike] = [
            bold(community.name),
            f" ({community.slug}) — ",
            ngettext("{n} member", "{n} members", summary.members),
        ]
        if community.approval_required:
            line.append(_(" · approval-only"))
        if summary.your_role is not None:
            line.append(_(" · you: {role}", role=role_label(summary.your_role)))
        elif summary.pending:
            line.append(_(" · you asked to join"))
        lines.append(line)
    reply = Reply().heading(_("Communities")).items(lines)
    if total > len(found):
        reply.note(
            _(
                "Showing {shown} of {total}. Narrow it with community list WORDS.",
                shown=len(found),
                total=total,
            )
        )
    else:
        reply.note(_("More about one: community info NAME. Join: community join NAME."))
    return reply


@command(
    "community info",
    help=N_("About a community: what it is for, who runs it, its channels and your place in it."),
    examples=["community info maths-secondary"],
)
def community_info(ctx: Context, *, community: CommunityRef) -> Reply:
    found = find_community(ctx.session, community)
    assert found.id is not None
    own = membership(ctx.session, found.id, ctx.member_id)
    role = role_of(ctx.session, found, ctx.member_id)
    reply = Reply().heading(found.name)
    if found.description:
        reply.text(found.description)
    runners = [
        m.display_name
        for row, m in members_of(ctx.session, found.id)
        if Role(row.role).rank >= Role.MODERATOR.rank
    ]
    if role is not None:
        you = role_label(role)
    elif own is not None:
        you = _("asked to join, waiting for a moderator")
    else:
        you = _("not a member")
    fields = [
        (_("Short name"), found.slug),
        (_("Joining"), _("approval by a moderator") if found.approval_required else _("open")),
        (_("Members"), str(member_count(ctx.session, found.id))),
        (_("Run by"), ", ".join(runners) or "—"),
        (_("Channels"), str(len(bound_channels(ctx.session, found.id)))),
        (_("You"), you),
    ]
    if role is not None and role.rank >= Role.MODERATOR.rank:
        pending = members_of(ctx.session, found.id, MembershipStatus.PENDING)
        fields.append((_("Waiting to join"), str(len(pending))))
    reply.fields(fields)
    if own is None:
        reply.action(_("Join"), f"community join {found.slug}", "primary")
    if can_see_inside(ctx.session, found, ctx.member_id):
        reply.action(_("Members"), f"community members {found.slug}")
        reply.action(_("Events"), f"event list {found.slug}")
    return reply


@command(
    "community join",
    help=N_("Join a community; approval-only ones ask a moderator first."),
    examples=["community join maths-secondary"],
)
def community_join(ctx: Context, *, community: CommunityRef) -> Reply:
    found = find_community(ctx.session, community)
    row = join(ctx.session, found, ctx.member, ctx.now)
    if row.status == MembershipStatus.PENDING:
        return Reply.success(
            _("You asked to join "),
            bold(found.name),
            _(". Its moderators have been told; I will message you when they decide."),
        )
    ctx.audit("community.join", community=found.slug)
    return Reply.success(_("Welcome to "), bold(found.name), "!").action(
        _("Upcoming events"), f"event list {found.slug}"
    )


@command(
    "community leave",
    help=N_("Leave a community, or withdraw your request to join it."),
    examples=["community leave maths-secondary"],
)
def community_leave(ctx: Context, *, community: CommunityRef) -> Reply:
    found = find_community(ctx.session, community)
    if leave(ctx.session, found, ctx.member_id):
        return Reply.success(_("You withdrew your request to join "), bold(found.name), ".")
    return Reply.success(_("You left "), bold(found.name), _(". Rejoin any time."))


@command(
    "community members",
    help=N_("Who is in a community, with their roles; moderators also see join requests."),
    examples=["community members maths-secondary"],
)
def community_members(ctx: Context, *, community: CommunityRef) -> Reply:
    found = find_community(ctx.session, community)
    assert found.id is not None
    require_inside(ctx.session, found, ctx.member_id)
    rows = members_of(ctx.session, found.id)
    reply = Reply().heading(_("Members of {community}", community=found.name))
    reply.items(
        [
            [m.display_name, _(" (id {id})", id=m.id), " — ", role_label(Role(row.role))]
            for row, m in rows[:MEMBERS_SHOWN]
        ]
    )
    if len(rows) > MEMBERS_SHOWN:
        reply.note(_("…and {n} more.", n=len(rows) - MEMBERS_SHOWN))
    role = role_of(ctx.session, found, ctx.member_id)
    if role is not None and role.rank >= Role.MODERATOR.rank:
        pending = members_of(ctx.session, found.id, MembershipStatus.PENDING)
        if pending:
            reply.text(bold(_("Waiting to join")))
            reply.items([[m.display_name, _(" (id {id})", id=m.id)] for _row, m in pending])
            first = pending[0][1]
            reply.action(
                _("Approve {name}", name=first.display_name[:30]),
                f"community approve {found.slug} {first.id}",
                "primary",
            )
            reply.note(
                _(
                    "Decide with community approve {slug} MEMBER or community reject {slug} MEMBER.",
                    slug=found.slug,
                )
            )
    return reply


@command(
    "community create",
    help=N_("Start a community; you become its owner. approval=yes makes joining need approval."),
    examples=[
        'community create "Maths secondary" "Sharing what works in KS3-5 maths"',
        'community create "Heads of science" "For science leads" approval=yes',
    ],
)
def community_create(
    ctx: Context,
    *,
    name: Annotated[str, Arg(N_("its name, like Maths secondary"), max_length=100)],
    description: Annotated[
        str, Arg(N_("what it is for"), kind=Kind.LONG_TEXT, max_length=1000)
    ] = "",
    approval: Annotated[
        bool, Arg(N_("yes: a moderator approves each new member"), positional=False)
    ] = False,
) -> Reply:
    made = create_community(
        ctx.session,
        name=name,
        description=description or "",
        approval_required=approval,
        creator_id=ctx.member_id,
        now=ctx.now,
    )
    ctx.audit("community.create", community=made.slug)
    return Reply.success(
        _("Created "),
        bold(made.name),
        _(" with you as owner. Its short name is "),
        code(made.slug),
        ".",
    ).note(
        _(
            "Next: send community bind {slug} in the channel where it should post, "
            "and invite colleagues with community join {slug}.",
            slug=made.slug,
        )
    )


@command(
    "community edit",
    help=N_("Owners: rename a community, change what it is for, or make joining open or approved."),
    examples=[
        'community edit maths-secondary description="KS3-5 maths: what works"',
        "community edit heads-of-science approval=no",
    ],
)
def community_edit(
    ctx: Context,
    *,
    community: CommunityRef,
    name: Annotated[str | None, Arg(N_("its new name"), positional=False, max_length=100)] = None,
    description: Annotated[
        str | None,
        Arg(N_("what it is for"), kind=Kind.LONG_TEXT, positional=False, max_length=1000),
    ] = None,
    approval: Annotated[
        bool | None, Arg(N_("yes: a moderator approves each new member"), positional=False)
    ] = None,
) -> Reply:
    found = find_community(ctx.session, community)
    require_role(ctx.session, found, ctx.member_id, Role.OWNER)
    if name is None and description is None and approval is None:
        raise UserError(
            _('Say what to change, like community edit {slug} description="...".', slug=found.slug),
            show_usage=True,
        )
    edit_community(ctx.session, found, name=name, description=description, approval=approval)
    ctx.audit("community.edit", community=found.slug)
    joining = _("members need approval") if found.approval_required else _("anyone can join")
    return Reply.success(_("Updated "), bold(found.name), _(" ({joining}).", joining=joining)).note(
        _("Its short name stays {slug}, so links and channels keep working.", slug=found.slug)
    )


@command(
    "community remove",
    help=N_("Moderators: take someone out of a community (they are told)."),
    examples=["community remove maths-secondary @sam"],
)
def community_remove(
    ctx: Context,
    *,
    community: CommunityRef,
    member: Annotated[str, Arg(N_("id or @mention"), kind=Kind.MEMBER, max_length=100)],
) -> Reply:
    found = find_community(ctx.session, community)
    actor = require_role(ctx.session, found, ctx.member_id, Role.MODERATOR)
    target = _member(ctx, member)
    assert target.id is not None
    if target.id == ctx.member_id:
        raise UserError(_("To leave yourself, send community leave {slug}.", slug=found.slug))
    remove_member(ctx.session, found, target, actor=actor, now=ctx.now)
    ctx.audit("community.remove", community=found.slug, member_id=target.id)
    return Reply.success(*who(target), _(" is no longer in "), bold(found.name), ".")


def _pending_target(
    ctx: Context, community: str | None, member: str | None
) -> tuple[Community, Member]:
    """The community and member of an approve/reject. With only a member named, the community is
    the one (of those the moderator runs) where that member waits; if several, ask which."""
    if member is None and community is None:
        raise UserError(
            _("Say who to decide on, like community approve maths-secondary @sam."), show_usage=True
        )
    if community is None:
        # Only a member given by name (member=...): the same as one positional word.
        community, member = member, None
    if member is None:
        assert community is not None
        target = _member(ctx, community)
        options = communities_with_request(ctx.session, ctx.member_id, target.id or 0)
        if not options:
            raise NotFound(
                _(
                    "{member} has no request waiting in a community you moderate.",
                    member=target.display_name,
                )
            )
        if len(options) > 1:
            raise UserError(
                _(
                    "{member} asked to join several communities you moderate ({slugs}). "
                    "Say which, like community approve {slug} {ref}.",
                    member=target.display_name,
                    slugs=", ".join(c.slug for c in options),
                    slug=options[0].slug,
                    ref=str(target.id),
                )
            )
        return options[0], target
    assert community is not None
    found = find_community(ctx.session, community)
    require_role(ctx.session, found, ctx.member_id, Role.MODERATOR)
    return found, _member(ctx, member)


RequestCommunity = Annotated[
    str | None,
    Arg(
        N_("the community (may be left out if the member asked to join only one you run)"),
        max_length=100,
        autocomplete=True,
    ),
]
RequestMember = Annotated[
    str | None, Arg(N_("who asked: id or @mention"), kind=Kind.MEMBER, max_length=100)
]
"""The parameters of approve and reject, which decide one request to join."""


@command(
    "community approve",
    help=N_("Let someone into an approval-only community you moderate."),
    examples=["community approve heads-of-science @sam", "community approve 12"],
)
def community_approve(
    ctx: Context,
    *,
    community: RequestCommunity = None,
    member: RequestMember = None,
) -> Reply:
    found, target = _pending_target(ctx, community, member)
    decide_request(
        ctx.session, found, moderator_id=ctx.member_id, member=target, approve=True, now=ctx.now
    )
    ctx.audit("community.approve", community=found.slug, member_id=target.id)
    return Reply.success(
        *who(target), _(" is now a member of "), bold(found.name), _(" and has been told.")
    )


@command(
    "community reject",
    help=N_("Turn down a request to join an approval-only community you moderate."),
    examples=["community reject heads-of-science @sam"],
)
def community_reject(
    ctx: Context,
    *,
    community: RequestCommunity = None,
    member: RequestMember = None,
) -> Reply:
    found, target = _pending_target(ctx, community, member)
    decide_request(
        ctx.session, found, moderator_id=ctx.member_id, member=target, approve=False, now=ctx.now
    )
    ctx.audit("community.reject", community=found.slug, member_id=target.id)
    return Reply.success(
        _("Request from "),
        *who(target),
        _(" to join "),
        bold(found.name),
        _(" turned down; they have been told."),
    )


@command(
    "community promote",
    help=N_("Make a member a moderator (or owner) of a community you own."),
    examples=[
        "community promote maths-secondary @sam",
        "community promote maths-secondary 12 owner",
    ],
)
def community_promote(
    ctx: Context,
    *,
    community: CommunityRef,
    member: Annotated[str, Arg(N_("id or @mention"), kind=Kind.MEMBER, max_length=100)],
    role: Annotated[
        str, Arg(N_("moderator or owner"), choices=("moderator", "owner"))
    ] = "moderator",
) -> Reply:
    found = find_community(ctx.session, community)
    require_role(ctx.session, found, ctx.member_id, Role.OWNER)
    target = _member(ctx, member)
    new_role = Role(role)
    held = role_of(ctx.session, found, target.id or 0)
    if held is not None and held.rank > new_role.rank:
        raise UserError(
            _(
                "{member} is already {role}; use community demote to lower a role.",
                member=target.display_name,
                role=role_label(held),
            )
        )
    change_role(ctx.session, found, actor_id=ctx.member_id, target=target, role=new_role)
    ctx.audit("community.promote", community=found.slug, member_id=target.id, role=role)
    return Reply.success(
        *who(target),
        _(" is now {role} of ", role=role_label(new_role)),
        bold(found.name),
        ".",
    )


@command(
    "community demote",
    help=N_("Lower a role by one step (owner to moderator, moderator to member)."),
    examples=["community demote maths-secondary @sam"],
)
def community_demote(
    ctx: Context,
    *,
    community: CommunityRef,
    member: Annotated[str, Arg(N_("id or @mention"), kind=Kind.MEMBER, max_length=100)],
) -> Reply:
    found = find_community(ctx.session, community)
    require_role(ctx.session, found, ctx.member_id, Role.OWNER)
    target = _member(ctx, member)
    held = role_of(ctx.session, found, target.id or 0)
    if held is Role.MEMBER:
        raise UserError(
            _("{member} is a member with no role to take away.", member=target.display_name)
        )
    new_role = demoted(held) if held is not None else Role.MEMBER
    change_role(ctx.session, found, actor_id=ctx.member_id, target=target, role=new_role)
    ctx.audit("community.demote", community=found.slug, member_id=target.id, role=new_role.value)
    return Reply.success(
        *who(target),
        _(" is now {role} of ", role=role_label(new_role)),
        bold(found.name),
        ".",
    )


def _channel(ctx: Context) -> tuple[str, str]:
    """The channel the command was sent in; binding needs a shared channel, not a DM."""
    channel = ctx.invocation.channel
    if channel is None or channel.direct:
        raise UserError(
            _(
                "Send this in the channel you want to bind (or unbind), not in a direct "
                "message with me."
            )
        )
    return channel.id, channel.name


@command(
    "community bind",
    help=N_("Send in a channel: announcements, digests and events of the community go there."),
    examples=["community bind maths-secondary"],
)
def community_bind(ctx: Context, *, community: CommunityRef) -> Reply:
    found = find_community(ctx.session, community)
    channel_id, channel_name = _channel(ctx)
    made = bind(
        ctx.session,
        found,
        platform=ctx.invocation.platform,
        tenant=ctx.invocation.tenant,
        channel_id=channel_id,
        channel_name=channel_name,
        by=ctx.member_id,
        now=ctx.now,
    )
    if not made:
        return Reply.message(_("This channel is already bound to "), bold(found.name), ".")
    ctx.audit("community.bind", community=found.slug, channel=channel_id)
    return Reply.success(
        _("This channel now belongs to "),
        bold(found.name),
        _(": announcements, events and the weekly digest will be posted here."),
    ).public()


@command(
    "community unbind",
    help=N_("Send in a bound channel: the community stops posting there."),
    examples=["community unbind maths-secondary"],
)
def community_unbind(ctx: Context, *, community: CommunityRef) -> Reply:
    found = find_community(ctx.session, community)
    channel_id, _name = _channel(ctx)
    unbind(
        ctx.session,
        found,
        platform=ctx.invocation.platform,
        tenant=ctx.invocation.tenant,
        channel_id=channel_id,
        by=ctx.member_id,
    )
    ctx.audit("community.unbind", community=found.slug, channel=channel_id)
    return Reply.success(_("This channel is no longer bound to "), bold(found.name), ".")


@command(
    "community announce",
    help=N_(
        "Post an announcement to every channel of a community you moderate, on every platform."
    ),
    examples=['community announce maths-secondary "Teachmeet on Thursday, all welcome!"'],
)
def community_announce(
    ctx: Context,
    *,
    community: CommunityRef,
    text: Annotated[str, Arg(N_("the announcement"), kind=Kind.LONG_TEXT, max_length=2000)],
) -> Reply:
    found = find_community(ctx.session, community)
    _announcement, posted = announce(ctx.session, found, author=ctx.member, text=text, now=ctx.now)
    ctx.audit("community.announce", community=found.slug, channels=posted)
    return Reply.success(
        _("Announcement queued for {n} channels of ", n=posted), bold(found.name), "."
    )


@command(
    "community digest",
    help=N_("Set the weekly digest (new members, events, resources) of a community you moderate."),
    examples=[
        "community digest maths-secondary monday 08:00",
        "community digest maths-secondary off",
    ],
)
def community_digest(
    ctx: Context,
    *,
    community: CommunityRef,
    weekday: Annotated[
        str | None, Arg(N_("the day it is posted, or off to stop it"), choices=(*WEEKDAYS, "off"))
    ] = None,
    time: Annotated[time | None, Arg(N_("local time, like 08:00"))] = None,
) -> Reply:
    found = find_community(ctx.session, community)
    assert found.id is not None
    require_role(ctx.session, found, ctx.member_id, Role.MODERATOR)
    current = digest_schedule(ctx.session, found.id)
    if weekday is None and time is None:
        if current is None or not current.active:
            return Reply.message(
                bold(found.name),
                _(
                    " has no weekly digest. Set one with community digest {slug} monday 08:00.",
                    slug=found.slug,
                ),
            )
        days = ", ".join(WEEKDAYS[d] for d in current.recurrence.get("weekdays", []))
        return Reply.message(
            _("The digest of "),
            bold(found.name),
            _(
                " goes out every {days} at {time} ({zone}).",
                days=days,
                time=current.recurrence.get("time", ""),
                zone=current.timezone,
            ),
        )
    if weekday == "off":
        set_digest(
            ctx.session,
            found,
            by=ctx.member_id,
            weekday=None,
            at=DEFAULT_DIGEST_TIME,
            timezone=ctx.member.timezone,
            now=ctx.now,
        )
        return Reply.success(_("The weekly digest of "), bold(found.name), _(" is stopped."))
    if weekday is None:
        day_index = (current.recurrence.get("weekdays") or [0])[0] if current else 0
    else:
        day_index = WEEKDAYS.index(weekday)
    if time is None and current is not None and current.recurrence.get("time"):
        hour, minute = (int(p) for p in str(current.recurrence["time"]).split(":"))
        at = DEFAULT_DIGEST_TIME.replace(hour=hour, minute=minute)
    else:
        at = time or DEFAULT_DIGEST_TIME
    schedule = set_digest(
        ctx.session,
        found,
        by=ctx.member_id,
        weekday=day_index,
        at=at,
        timezone=ctx.member.timezone,
        now=ctx.now,
    )
    assert schedule is not None and schedule.next_due_at is not None
    first = schedule.next_due_at.astimezone(ctx.zone)
    reply = Reply.success(
        _("The digest of "),
        bold(found.name),
        _(
            " will go out every {day} at {time} ({zone}); the first on {date}.",
            day=WEEKDAYS[day_index],
            time=at.strftime("%H:%M"),
            zone=ctx.member.timezone,
            date=first.strftime("%Y-%m-%d"),
        ),
    )
    if not bound_channels(ctx.session, found.id):
        reply.note(
            _("It has no channel to go to yet: send community bind {slug} in one.", slug=found.slug)
        )
    return reply
