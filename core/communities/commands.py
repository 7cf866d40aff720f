"""Commands for communities of practice: find, join, run and announce to them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from typing import Annotated

from core.commands import N_, Arg, command, confirmed
from core.communities.channels import (
    announce,
    bind,
    bound_channels,
    channel_language,
    draft_announcement,
    post_announcement,
    unbind,
)
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
    members_named,
    members_of,
    membership,
    moderated_by,
    remove_member,
    require_inside,
    require_role,
    role_of,
)
from core.communities.models import Community, MembershipStatus, Role
from core.communities.privacy import delete_community
from core.communities.replies import role_label, who
from core.communities.schedules import WEEKDAYS, digest_schedule, set_digest
from core.context import Context
from core.errors import NotFound, UserError
from core.i18n import (
    _,
    available_languages,
    format_number,
    language,
    language_name,
    match_language,
    ngettext,
)
from core.identity.models import Member
from core.identity.service import find_member
from core.params import BadValue, Kind
from core.reply import Reply, SpanLike, bold, code

MEMBERS_SHOWN = 50
DEFAULT_DIGEST_TIME = time(8, 0)


CommunityRef = Annotated[
    str,
    Arg(N_("the community, by name or short name"), kind=Kind.COMMUNITY, autocomplete=True),
]


def _member(ctx: Context, ref: str) -> Member:
    """The member a role-changing command acts on, by id, mention or handle. Display names are
    chosen by members themselves (anyone can call themselves after a colleague), so a name counts
    only among a community's own people: see :func:`_people`."""
    return find_member(
        ctx.session, ref, ctx.invocation.platform, ctx.invocation.tenant, by_name=False
    )


PENDING = MembershipStatus.PENDING
_ID_OR_MENTION = re.compile(r"#?\d{1,12}|<@.*>")
Person = tuple[Community | None, Member]
"""Someone a moderator named, with the community where the name was found (None: by id)."""


def _people(
    ctx: Context, ref: str, community_ids: list[int], status: MembershipStatus
) -> list[Person]:
    """Who ``ref`` names: one member by id, mention or handle; else everyone of that name (or
    starting with it) among the people of these communities with ``status``. Empty when nobody."""
    try:
        return [(None, _member(ctx, ref))]
    except NotFound:
        if _ID_OR_MENTION.fullmatch(ref.strip()):
            raise
    return list(members_named(ctx.session, community_ids, ref, status))


def _choose(
    ref: str,
    people: list[Person],
    command: Callable[[Community, Member], str],
    question: str | None = None,
) -> Reply:
    """Who ``ref`` may mean, one button each naming them by id (and community). Asked even for
    one: a name is whatever its owner typed (someone could take a colleague's), so the moderator
    sees whom they are about to act on before anything happens."""
    if question is not None:
        reply = Reply.message(question)
    elif len(people) == 1:
        reply = Reply.message(
            _("Is this who you mean by {name}? Press to go ahead.", name=ref[:60])
        )
    else:
        reply = Reply.message(
            _("Several people match {name}. Which one did you mean?", name=ref[:60])
        )
    shown = [(c, p) for c, p in people[:5] if c is not None]
    reply.items([[*who(person), " — ", community.name] for community, person in shown])
    for community, person in shown:
        reply.action(
            _(
                "{name} (id {id}, {community})",
                name=person.display_name[:30],
                id=person.id,
                community=community.slug,
            ),
            command(community, person),
        )
    return reply


def _one_member(
    ctx: Context,
    community: Community,
    ref: str,
    command: Callable[[Community, Member], str],
) -> Member | Reply:
    """The active member of ``community`` that ``ref`` names, or a choice when several do."""
    assert community.id is not None
    people = _people(ctx, ref, [community.id], MembershipStatus.ACTIVE)
    if not people:
        raise NotFound(
            _(
                "Nobody called {name} is a member of {community}. See who is with "
                "community members {slug}.",
                name=ref[:60],
                community=community.name,
                slug=community.slug,
            )
        )
    if people[0][0] is not None:  # found by name: confirm whom
        return _choose(ref, people, command)
    return people[0][1]


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
    posts_in = channel_language(found, ctx.settings.staffroom.language)
    fields = [
        (_("Short name"), found.slug),
        (_("Joining"), _("approval by a moderator") if found.approval_required else _("open")),
        (_("Members"), format_number(member_count(ctx.session, found.id))),
        (_("Run by"), ", ".join(runners) or "—"),
        (_("Channels"), format_number(len(bound_channels(ctx.session, found.id)))),
        (_("Posts in"), language_name(posts_in or "en")),
        (_("You"), you),
    ]
    if role is not None and role.rank >= Role.MODERATOR.rank:
        pending = members_of(ctx.session, found.id, MembershipStatus.PENDING)
        fields.append((_("Waiting to join"), format_number(len(pending))))
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
    language: Annotated[
        str | None,
        Arg(
            N_("the language of its channel posts, by name or code (Español, fr), or default"),
            positional=False,
            max_length=32,
        ),
    ] = None,
) -> Reply:
    found = find_community(ctx.session, community)
    require_role(ctx.session, found, ctx.member_id, Role.OWNER)
    if name is None and description is None and approval is None and language is None:
        raise UserError(
            _('Say what to change, like community edit {slug} description="...".', slug=found.slug),
            show_usage=True,
        )
    edit_community(ctx.session, found, name=name, description=description, approval=approval)
    if language is not None:
        found.language = _channel_language_code(language)
        ctx.session.add(found)
    ctx.audit("community.edit", community=found.slug)
    joining = _("members need approval") if found.approval_required else _("anyone can join")
    posts_in = language_name(channel_language(found, ctx.settings.staffroom.language) or "en")
    return Reply.success(
        _("Updated "),
        bold(found.name),
        _(" ({joining}; posts in {language}).", joining=joining, language=posts_in),
    ).note(_("Its short name stays {slug}, so links and channels keep working.", slug=found.slug))


def _channel_language_code(given: str) -> str | None:
    """A community's language from what an owner typed, as ``settings language`` reads it;
    ``default`` (None) follows the install's."""
    if given.strip().lower() in ("default", "-", "none"):
        return None
    code = match_language(given)
    if code is None:
        known = ", ".join(f"{language_name(c)} ({c})" for c in available_languages())
        raise BadValue(
            _(
                "Staffroom does not speak {language} yet. Available: {known}.",
                language=given[:32],
                known=known,
            ),
            "language",
        )
    return code


@command(
    "community delete",
    help=N_("Owners: delete a community with its events, resources and digest. Asks first."),
    examples=["community delete heads-of-science"],
)
def community_delete(
    ctx: Context,
    *,
    community: CommunityRef,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to delete without asking"), max_length=10)
    ] = None,
) -> Reply:
    found = find_community(ctx.session, community)
    assert found.id is not None
    require_role(ctx.session, found, ctx.member_id, Role.OWNER)
    if not confirmed(confirm):
        members = member_count(ctx.session, found.id)
        return (
            Reply()
            .heading(_("Delete {community}?", community=found.name))
            .text(
                ngettext(
                    "Its {n} member loses it, with its events, shared resources, digest and "
                    "channel bindings. This cannot be undone.",
                    "Its {n} members lose it, with its events, shared resources, digest and "
                    "channel bindings. This cannot be undone.",
                    members,
                )
            )
            .note(_("Members' own CPD records and journals are theirs and stay."))
            .action(_("Delete it"), f"community delete {found.slug} confirm", "danger")
        )
    name, slug = found.name, found.slug
    delete_community(ctx.session, found.id)
    ctx.audit("community.delete", community=slug)
    return Reply.success(_("Deleted "), bold(name), ".")


@command(
    "community remove",
    help=N_("Moderators: take someone out of a community (they are told)."),
    examples=["community remove maths-secondary @sam"],
)
def community_remove(
    ctx: Context,
    *,
    community: CommunityRef,
    member: Annotated[str, Arg(N_("id, @mention or name"), kind=Kind.MEMBER, max_length=100)],
    confirm: Annotated[
        str | None, Arg(N_("type confirm to remove without asking"), max_length=10)
    ] = None,
) -> Reply:
    found = find_community(ctx.session, community)
    actor = require_role(ctx.session, found, ctx.member_id, Role.MODERATOR)
    target = _one_member(ctx, found, member, lambda c, m: f"community remove {c.slug} {m.id}")
    if isinstance(target, Reply):
        return target
    assert target.id is not None
    if target.id == ctx.member_id:
        raise UserError(_("To leave yourself, send community leave {slug}.", slug=found.slug))
    if not confirmed(confirm):
        assert found.id is not None
        row = membership(ctx.session, found.id, target.id)
        if row is None or Role(row.role).rank >= actor.rank:
            # Not there, or not theirs to remove: the same refusal as when it is done.
            remove_member(ctx.session, found, target, actor=actor, now=ctx.now)
        return (
            Reply()
            .heading(
                _("Remove {name} from {community}?", name=target.display_name, community=found.name)
            )
            .text(
                *who(target),
                _(
                    " will be told they were removed. To come back they would have to ask to "
                    "join again and be approved."
                )
                if found.approval_required
                else _(" will be told they were removed. They can join again at any time."),
            )
            .action(_("Remove"), f"community remove {found.slug} {target.id} confirm", "danger")
        )
    remove_member(ctx.session, found, target, actor=actor, now=ctx.now)
    ctx.audit("community.remove", community=found.slug, member_id=target.id)
    return Reply.success(*who(target), _(" is no longer in "), bold(found.name), ".")


def _pending_target(
    ctx: Context, community: str | None, member: str | None, verb: str
) -> tuple[Community, Member] | Reply:
    """The community and member of an approve/reject (``verb``). With only a member named (by
    id, mention or name), the community is the one of those the moderator runs where that member
    waits; with several, or several people of that name, the moderator chooses. With only a
    community named, its waiting list to choose from."""
    if member is None and community is None:
        raise UserError(
            _("Say who to decide on, like community approve maths-secondary @sam."), show_usage=True
        )
    if community is None:
        # Only a member given by name (member=...): the same as one positional word.
        community, member = member, None

    def again(c: Community, m: Member) -> str:
        return f"community {verb} {c.slug} {m.id}"

    if member is None:
        assert community is not None
        people = _people(ctx, community, moderated_by(ctx.session, ctx.member_id), PENDING)
        pairs: list[Person] = []
        for where, person in people:
            if where is not None:
                pairs.append((where, person))
                continue
            options = communities_with_request(ctx.session, ctx.member_id, person.id or 0)
            if not options:
                raise NotFound(
                    _(
                        "{member} has no request waiting in a community you moderate.",
                        member=person.display_name,
                    )
                )
            pairs += [(option, person) for option in options]
        if not pairs:
            return _waiting_list(ctx, community, verb)
        if len({person.id for _where, person in pairs}) == 1 < len(pairs):
            question = _(
                "{member} asked to join several communities you moderate. Which one?",
                member=pairs[0][1].display_name,
            )
            return _choose(community, pairs, again, question)
        if len(pairs) > 1 or people[0][0] is not None:
            return _choose(community, pairs, again)
        where, person = pairs[0]
        assert where is not None
        return where, person
    assert community is not None
    found = find_community(ctx.session, community)
    assert found.id is not None
    require_role(ctx.session, found, ctx.member_id, Role.MODERATOR)
    people = _people(ctx, member, [found.id], PENDING)
    if not people:
        raise NotFound(
            _(
                "Nobody called {name} has asked to join {community}. See requests with "
                "community members {slug}.",
                name=member[:60],
                community=found.name,
                slug=found.slug,
            )
        )
    if people[0][0] is not None:  # found by name: confirm whom
        return _choose(member, people, again)
    return found, people[0][1]


def _waiting_list(ctx: Context, ref: str, verb: str) -> Reply:
    """``community approve SLUG`` with nobody named: who waits there, one button each; a word
    that is neither a person waiting nor a community says so."""
    try:
        found = find_community(ctx.session, ref)
    except NotFound:
        raise NotFound(
            _(
                "Nobody called {name} has asked to join a community you moderate, and no "
                "community has that name. See requests with community members NAME.",
                name=ref[:60],
            )
        ) from None
    assert found.id is not None
    require_role(ctx.session, found, ctx.member_id, Role.MODERATOR)
    waiting = members_of(ctx.session, found.id, PENDING)
    if not waiting:
        return Reply.message(_("Nobody is waiting to join "), bold(found.name), ".")
    reply = Reply().heading(_("Waiting to join {community}", community=found.name))
    reply.items([who(m) for _row, m in waiting[:MEMBERS_SHOWN]])
    label = _("Approve {name}") if verb == "approve" else _("Reject {name}")
    for _row, person in waiting[:5]:
        reply.action(
            label.format(name=person.display_name[:30]),
            f"community {verb} {found.slug} {person.id}",
            "primary" if verb == "approve" else "danger",
        )
    return reply


RequestCommunity = Annotated[
    str | None,
    Arg(
        N_("the community (may be left out if the member asked to join only one you run)"),
        max_length=100,
        autocomplete=True,
    ),
]
RequestMember = Annotated[
    str | None, Arg(N_("who asked: id, @mention or name"), kind=Kind.MEMBER, max_length=100)
]
"""The parameters of approve and reject, which decide one request to join."""


@command(
    "community approve",
    help=N_("Let someone into an approval-only community you moderate."),
    examples=[
        "community approve heads-of-science Sam",
        "community approve Sam",
        "community approve heads-of-science",
    ],
)
def community_approve(
    ctx: Context,
    *,
    community: RequestCommunity = None,
    member: RequestMember = None,
) -> Reply:
    chosen = _pending_target(ctx, community, member, "approve")
    if isinstance(chosen, Reply):
        return chosen
    found, target = chosen
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
    examples=["community reject heads-of-science Sam", "community reject Sam"],
)
def community_reject(
    ctx: Context,
    *,
    community: RequestCommunity = None,
    member: RequestMember = None,
) -> Reply:
    chosen = _pending_target(ctx, community, member, "reject")
    if isinstance(chosen, Reply):
        return chosen
    found, target = chosen
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
    member: Annotated[str, Arg(N_("id, @mention or name"), kind=Kind.MEMBER, max_length=100)],
    role: Annotated[
        str, Arg(N_("moderator or owner"), choices=("moderator", "owner"))
    ] = "moderator",
) -> Reply:
    found = find_community(ctx.session, community)
    require_role(ctx.session, found, ctx.member_id, Role.OWNER)
    target = _one_member(
        ctx, found, member, lambda c, m: f"community promote {c.slug} {m.id} {role}"
    )
    if isinstance(target, Reply):
        return target
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
    member: Annotated[str, Arg(N_("id, @mention or name"), kind=Kind.MEMBER, max_length=100)],
) -> Reply:
    found = find_community(ctx.session, community)
    require_role(ctx.session, found, ctx.member_id, Role.OWNER)
    target = _one_member(ctx, found, member, lambda c, m: f"community demote {c.slug} {m.id}")
    if isinstance(target, Reply):
        return target
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
        "Post an announcement to every channel of a community you moderate, on every platform. "
        "You see it before it goes out."
    ),
    examples=['community announce maths-secondary "Teachmeet on Thursday, all welcome!"'],
)
def community_announce(
    ctx: Context,
    *,
    community: CommunityRef,
    text: Annotated[
        str | None, Arg(N_("the announcement"), kind=Kind.LONG_TEXT, max_length=2000)
    ] = None,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to post without a preview"), max_length=10)
    ] = None,
    post: Annotated[
        int | None,
        Arg(N_("the number of an announcement you previewed, to post it"), positional=False),
    ] = None,
) -> Reply:
    found = find_community(ctx.session, community)
    assert found.id is not None
    install = ctx.settings.staffroom.language
    if post is not None or (text is not None and confirmed(confirm)):
        if post is not None:
            draft = draft_announcement(ctx.session, found, post, ctx.member_id)
        else:
            assert text is not None
            draft = announce(ctx.session, found, author=ctx.member, text=text, now=ctx.now)
        posted = post_announcement(
            ctx.session, found, draft, author=ctx.member, now=ctx.now, install_language=install
        )
        ctx.audit("community.announce", community=found.slug, channels=posted)
        return Reply.success(
            ngettext(
                "Announcement posted to {n} channel of ",
                "Announcement posted to {n} channels of ",
                posted,
            ),
            bold(found.name),
            ".",
        )
    if text is None:
        raise UserError(
            _(
                'Say what to announce, like community announce {slug} "Teachmeet on Thursday".',
                slug=found.slug,
            ),
            show_usage=True,
        )
    draft = announce(ctx.session, found, author=ctx.member, text=text, now=ctx.now)
    channels = len(bound_channels(ctx.session, found.id))
    posts_in = channel_language(found, install)
    with language(posts_in):  # the post's own heading, as the channels will read it
        title = _("{community}: announcement", community=found.name)
    reply = Reply().heading(
        ngettext(
            "Post this to {n} channel of {community}?",
            "Post this to {n} channels of {community}?",
            channels,
            community=found.name,
        )
    )
    reply.text(bold(title))
    reply.text(draft.text)
    reply.note(
        _(
            "Everyone in those channels will see it, in {language}, from you. Nothing is posted "
            "until you press Post it.",
            language=language_name(posts_in or "en"),
        )
    )
    return reply.action(_("Post it"), f"community announce {found.slug} post={draft.id}", "primary")


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
