"""``resource ...`` commands: share, search, show, vote, save, top, report and moderate links."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from core.commands import N_, Arg, command, confirmed
from core.communities.membership import find_community, require_role
from core.communities.models import Community, Role
from core.context import Context
from core.errors import PermissionDenied, UserError
from core.i18n import _, format_number, ngettext
from core.identity.commands import PHASES
from core.identity.models import Member
from core.params import Kind
from core.reply import Reply, SpanLike, bold, code
from core.resources.replies import resource_line, resource_lines, shown_id, votes_text
from core.resources.search import PAGE_SIZE, search_resources
from core.resources.service import (
    can_change,
    can_moderate,
    delete_resource,
    edit_resource,
    get_resource,
    hide,
    open_reports,
    report,
    require_moderator,
    restore,
    save,
    saved,
    share_resource,
    top_resources,
    unsave,
    unvote,
    vote,
)

PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30)}
MAX_TAGS_ACCEPTED = 50
"""The parser's ceiling; the configured ``limits.tags_per_item`` is checked with a kinder message."""


def _community(ctx: Context, ref: str | None) -> Community | None:
    return find_community(ctx.session, ref) if ref else None


@command(
    "resource share",
    help=N_("Share a link with a title, #tags, and optionally a community and description."),
    form=True,
    max_tags=MAX_TAGS_ACCEPTED,
    examples=[
        'resource share https://example.org/exit-tickets "Exit ticket templates" #assessment',
        'resource share https://example.org/fractions "Fraction walls" #fractions '
        'community=maths-primary subject=maths phase=primary description="Printable, A4"',
    ],
)
def resource_share(
    ctx: Context,
    *,
    url: Annotated[str, Arg(N_("the web address, starting with https://"), kind=Kind.URL)],
    title: Annotated[str, Arg(N_("a short title, in quotes"), max_length=1000)],
    tags: Annotated[
        list[str] | None, Arg(N_("#tags, like #assessment #ks3"), kind=Kind.TAGS)
    ] = None,
    community: Annotated[
        str | None,
        Arg(
            N_("the community to share it in"),
            kind=Kind.COMMUNITY,
            positional=False,
            autocomplete=True,
        ),
    ] = None,
    description: Annotated[
        str | None,
        Arg(
            N_("what it is and how you used it"),
            kind=Kind.LONG_TEXT,
            positional=False,
            max_length=2000,
        ),
    ] = None,
    subject: Annotated[
        str | None, Arg(N_("the subject, like maths"), positional=False, max_length=60)
    ] = None,
    phase: Annotated[
        str | None, Arg(N_("the phase it suits"), choices=PHASES, positional=False)
    ] = None,
) -> Reply:
    found = _community(ctx, community)
    outcome = share_resource(
        ctx.session,
        member_id=ctx.member_id,
        url=url,
        title=title,
        now=ctx.now,
        tags=tags,
        community=found,
        description=description or "",
        subject=subject or "",
        phase=phase or "",
        title_limit=ctx.settings.limits.title_length,
        tag_limit=ctx.settings.limits.tags_per_item,
    )
    resource = outcome.resource
    if not outcome.created:
        reply = Reply.message(
            _("That link is already here as "),
            code(shown_id(resource)),
            ": ",
            bold(resource.title),
            _(" ({votes}). Nothing new was shared.", votes=votes_text(resource.vote_count)),
        )
        if resource.shared_by != ctx.member_id:
            reply.action(_("Vote for it"), f"resource vote {resource.id}", "primary")
        return reply.action(_("Save it"), f"resource save {resource.id}")
    where = _(" in {community}", community=found.name) if found else ""
    return Reply.success(
        _("Shared as "), code(shown_id(resource)), ": ", bold(resource.title), where
    ).note(
        _("Others find it with resource search, and vote with resource vote {id}.", id=resource.id)
    )


@command(
    "resource search",
    help=N_("Find shared resources by words, #tag or community; the best and most liked first."),
    max_tags=1,
    examples=[
        'resource search "exit tickets"',
        "resource search retrieval practice #ks3",
        "resource search mastery OR retrieval -ncetm",
        "resource search #phonics community=early-reading",
    ],
)
def resource_search(
    ctx: Context,
    *,
    query: Annotated[
        list[str] | None,
        Arg(
            N_('words to look for; also a OR b, -word to leave out, mast* and "a phrase"'),
            max_length=200,
        ),
    ] = None,
    tags: Annotated[
        list[str] | None, Arg(N_("only resources with this #tag"), kind=Kind.TAGS)
    ] = None,
    community: Annotated[
        str | None,
        Arg(
            N_("only resources in this community"),
            kind=Kind.COMMUNITY,
            positional=False,
            autocomplete=True,
        ),
    ] = None,
    page: Annotated[
        int | None, Arg(N_("page of results"), positional=False, min_value=1, max_value=200)
    ] = None,
) -> Reply:
    # A word with spaces came in quotes: it is a phrase, so it goes back in quotes.
    text = " ".join(f'"{w}"' if " " in w else w for w in query or [])
    tag = tags[0] if tags else None
    found = _community(ctx, community)
    if not text.strip() and tag is None and found is None:
        raise UserError(
            _('Say what to look for, like resource search "exit tickets" or resource search #ks3.'),
            show_usage=True,
        )
    result = search_resources(
        ctx.session,
        text,
        member_id=ctx.member_id,
        tag=tag,
        community_id=found.id if found else None,
        page=page or 1,
    )
    asked = " ".join([*result.terms, *(f"#{t}" for t in [tag] if t)]) or (
        found.name if found else ""
    )
    if not result.results:
        if result.page > 1:
            return Reply.message(_("No more results for {query}.", query=asked))
        return Reply.message(
            _(
                "Nothing found for {query}. Try fewer or different words, or share something "
                "with resource share.",
                query=asked,
            )
        )
    reply = (
        Reply()
        .heading(_("Resources for {query}", query=asked))
        .items(resource_lines(ctx.session, [r for r, _score in result.results]))
        .note(_("Page {page}. Open one with resource show ID.", page=result.page))
    )
    if result.has_more:
        words = [text] if text.strip() else []  # the query as typed: phrases, OR and -words
        words += [f"#{tag}"] if tag else []
        words += [f"community={found.slug}"] if found else []
        words.append(f"page={result.page + 1}")
        reply.action(_("More"), "resource search " + " ".join(words))
    return reply


@command("resource show", help=N_("Show one resource in full."), examples=["resource show 12"])
def resource_show(
    ctx: Context, *, id: Annotated[int, Arg(N_("the resource number, like 12"), kind=Kind.ID)]
) -> Reply:
    resource = get_resource(ctx.session, id, ctx.member_id, is_admin=ctx.is_admin)
    sharer = ctx.session.get(Member, resource.shared_by)
    fields = [
        (_("Link"), resource.url),
        (_("Shared by"), sharer.display_name if sharer else "—"),
        (_("Shared on"), resource.created_at.astimezone(ctx.zone).strftime("%Y-%m-%d")),
        (_("Votes"), format_number(resource.vote_count)),
    ]
    if resource.community_id:
        community = ctx.session.get(Community, resource.community_id)
        fields.append((_("Community"), community.name if community else "—"))
    if resource.tags:
        fields.append((_("Tags"), " ".join(f"#{t}" for t in resource.tags)))
    if resource.subject:
        fields.append((_("Subject"), resource.subject))
    if resource.phase:
        fields.append((_("Phase"), resource.phase))
    reply = Reply().heading(f"{shown_id(resource)} {resource.title}").fields(fields)
    if resource.description:
        reply.text(resource.description)
    moderator = can_moderate(ctx.session, resource, ctx.member_id, ctx.is_admin)
    if resource.hidden:
        reply.note(
            _(
                "Hidden by moderators: {reason}",
                reason=resource.hidden_reason or _("no reason given"),
            )
        )
        if moderator:
            reply.action(_("Restore"), f"resource restore {resource.id}", "primary")
        return reply
    if resource.shared_by != ctx.member_id:
        reply.action(_("Vote"), f"resource vote {resource.id}", "primary")
    reply.action(_("Save"), f"resource save {resource.id}")
    if moderator:
        reply.action(_("Hide"), f"resource hide {resource.id}", "danger")
    return reply


ResourceId = Annotated[int, Arg(N_("the resource number, like 12"), kind=Kind.ID)]


@command(
    "resource vote",
    help=N_("Vote for a resource you found useful (once; resource unvote takes it back)."),
    examples=["resource vote 12"],
)
def resource_vote(ctx: Context, *, id: ResourceId) -> Reply:
    resource = get_resource(ctx.session, id, ctx.member_id)
    if not vote(ctx.session, resource, ctx.member_id, ctx.now):
        return Reply.message(
            _("You have already voted for "),
            code(shown_id(resource)),
            ": ",
            bold(resource.title),
            _(" ({votes}).", votes=votes_text(resource.vote_count)),
        )
    return Reply.success(
        _("Voted for "),
        code(shown_id(resource)),
        ": ",
        bold(resource.title),
        _(" ({votes}).", votes=votes_text(resource.vote_count)),
    )


@command(
    "resource unvote",
    help=N_("Take back your vote for a resource."),
    examples=["resource unvote 12"],
)
def resource_unvote(ctx: Context, *, id: ResourceId) -> Reply:
    resource = get_resource(ctx.session, id, ctx.member_id)
    if not unvote(ctx.session, resource, ctx.member_id):
        return Reply.message(_("You had not voted for "), code(shown_id(resource)), ".")
    return Reply.success(_("Your vote for "), code(shown_id(resource)), _(" is taken back."))


@command(
    "resource save",
    help=N_("Bookmark a resource; resource saved lists your bookmarks."),
    examples=["resource save 12"],
)
def resource_save(ctx: Context, *, id: ResourceId) -> Reply:
    resource = get_resource(ctx.session, id, ctx.member_id)
    if not save(ctx.session, resource, ctx.member_id, ctx.now):
        return Reply.message(_("Already in your saved resources: "), bold(resource.title))
    return Reply.success(_("Saved "), bold(resource.title), _(". See them with resource saved."))


@command(
    "resource unsave",
    help=N_("Remove a resource from your bookmarks."),
    examples=["resource unsave 12"],
)
def resource_unsave(ctx: Context, *, id: ResourceId) -> Reply:
    resource = get_resource(ctx.session, id, ctx.member_id)
    if not unsave(ctx.session, resource, ctx.member_id):
        return Reply.message(_("That resource was not in your saved resources."))
    return Reply.success(_("Removed "), bold(resource.title), _(" from your saved resources."))


@command(
    "resource saved",
    help=N_("List the resources you bookmarked, newest first."),
    examples=["resource saved"],
)
def resource_saved(
    ctx: Context,
    *,
    page: Annotated[
        int | None, Arg(N_("page of the list"), positional=False, min_value=1, max_value=1000)
    ] = None,
) -> Reply:
    page = page or 1
    found = saved(ctx.session, ctx.member_id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    if not found:
        if page > 1:
            return Reply.message(_("No more saved resources."))
        return Reply.message(
            _("You have not saved anything yet. Save a resource with resource save ID.")
        )
    reply = (
        Reply()
        .heading(_("Your saved resources"))
        .items(resource_lines(ctx.session, found[:PAGE_SIZE]))
        .note(_("Page {page}.", page=page))
    )
    if len(found) > PAGE_SIZE:
        reply.action(_("More"), f"resource saved page={page + 1}")
    return reply


@command(
    "resource top",
    help=N_("The most voted resources of the past week or month, everywhere or in a community."),
    examples=["resource top", "resource top maths-secondary month", "resource top month"],
)
def resource_top(
    ctx: Context,
    *,
    community: Annotated[
        str | None, Arg(N_("a community"), kind=Kind.COMMUNITY, autocomplete=True)
    ] = None,
    period: Annotated[str | None, Arg(N_("week or month"), choices=tuple(PERIODS))] = None,
) -> Reply:
    # "resource top month" puts the period where the community goes: read it as the period.
    if community in PERIODS and period is None:
        community, period = None, community
    period = period or "week"
    found = _community(ctx, community)
    if found is not None and found.approval_required:
        require_role(ctx.session, found, ctx.member_id, Role.MEMBER)
    top = top_resources(
        ctx.session,
        found.id if found else None,
        ctx.now - PERIODS[period],
        10,
        viewer_id=ctx.member_id,
    )
    where = found.name if found else _("Staffroom")
    heading = (
        _("Top resources in {where} this week", where=where)
        if period == "week"
        else _("Top resources in {where} this month", where=where)
    )
    if not top:
        return Reply.message(
            _("Nothing shared or voted for in {where} in that time yet.", where=where)
        )
    lines = resource_lines(ctx.session, [t.resource for t in top])
    for line, item in zip(lines, top, strict=True):
        line.append(
            _(" (+{n} in this period)", n=item.votes_in_period)
            if item.votes_in_period
            else _(" (new)")
        )
    return Reply().heading(heading).items(lines, ordered=True)


@command(
    "resource report",
    help=N_("Ask moderators to look at a resource: broken, inappropriate or misleading."),
    examples=['resource report 12 "The link is broken"'],
)
def resource_report(
    ctx: Context,
    *,
    id: ResourceId,
    reason: Annotated[str, Arg(N_("what is wrong, in quotes"), max_length=500)],
) -> Reply:
    resource = get_resource(ctx.session, id, ctx.member_id)
    if not report(ctx.session, resource, ctx.member_id, reason, ctx.now):
        return Reply.message(
            _("You have already reported "),
            code(shown_id(resource)),
            _("; moderators will look at it."),
        )
    return Reply.success(
        _("Thank you. Moderators will look at "),
        code(shown_id(resource)),
        ": ",
        bold(resource.title),
    )


@command(
    "resource reports",
    help=N_("Moderators: reported resources waiting for you to hide or restore them."),
    examples=["resource reports"],
)
def resource_reports(ctx: Context) -> Reply:
    found = open_reports(ctx.session, ctx.member_id, ctx.is_admin, limit=20)
    if not found:
        return Reply.message(_("No open reports for the resources you moderate."))
    lines: list[list[SpanLike]] = [
        [
            code(shown_id(resource)),
            " ",
            bold(resource.title),
            " · ",
            ngettext("{n} report", "{n} reports", count),
            ": ",
            reason,
        ]
        for resource, count, reason in found
    ]
    return (
        Reply()
        .heading(_("Reported resources"))
        .items(lines)
        .note(_("Hide with resource hide ID; a restore keeps it and closes its reports."))
    )


@command(
    "resource edit",
    help=N_("Correct a resource you shared: title, description, #tags, subject or phase."),
    max_tags=MAX_TAGS_ACCEPTED,
    examples=['resource edit 12 title="Exit tickets, KS3"', "resource edit 12 #assessment #ks3"],
)
def resource_edit(
    ctx: Context,
    *,
    id: ResourceId,
    tags: Annotated[
        list[str] | None, Arg(N_("the new #tags (they replace the old ones)"), kind=Kind.TAGS)
    ] = None,
    title: Annotated[
        str | None, Arg(N_("a short title, in quotes"), positional=False, max_length=1000)
    ] = None,
    description: Annotated[
        str | None,
        Arg(N_("what it is and how you used it (- clears it)"), positional=False, max_length=2000),
    ] = None,
    subject: Annotated[
        str | None,
        Arg(N_("the subject, like maths (- clears it)"), positional=False, max_length=60),
    ] = None,
    phase: Annotated[
        str | None, Arg(N_("the phase it suits"), choices=(*PHASES, "-"), positional=False)
    ] = None,
) -> Reply:
    resource = get_resource(ctx.session, id, ctx.member_id, is_admin=ctx.is_admin)
    if not can_change(ctx.session, resource, ctx.member_id, ctx.is_admin):
        raise PermissionDenied(
            _(
                "Only the person who shared {id} (or a moderator) can change it.",
                id=shown_id(resource),
            )
        )
    if all(v is None for v in (tags, title, description, subject, phase)):
        raise UserError(
            _('Say what to change, like resource edit {id} title="New title".', id=id),
            show_usage=True,
        )
    edit_resource(
        ctx.session,
        resource,
        title=title,
        description=None if description is None else ("" if description == "-" else description),
        tags=tags,
        subject=None if subject is None else ("" if subject == "-" else subject),
        phase=None if phase is None else ("" if phase == "-" else phase),
        title_limit=ctx.settings.limits.title_length,
        tag_limit=ctx.settings.limits.tags_per_item,
    )
    if resource.shared_by != ctx.member_id:
        ctx.audit("resource.edit", resource_id=resource.id)
    return Reply.success(_("Updated "), code(shown_id(resource)), ": ", bold(resource.title))


@command(
    "resource delete",
    help=N_("Delete a resource you shared (moderators: any in their community). Asks first."),
    examples=["resource delete 12"],
)
def resource_delete(
    ctx: Context,
    *,
    id: ResourceId,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to delete without asking"), max_length=10)
    ] = None,
) -> Reply:
    resource = get_resource(ctx.session, id, ctx.member_id, is_admin=ctx.is_admin)
    if not can_change(ctx.session, resource, ctx.member_id, ctx.is_admin):
        raise PermissionDenied(
            _(
                "Only the person who shared {id} (or a moderator) can delete it.",
                id=shown_id(resource),
            )
        )
    if not confirmed(confirm):
        reply = Reply().heading(_("Delete this resource?"))
        reply.items([resource_line(resource)])
        reply.text(
            ngettext(
                "Its {n} vote and everyone's saves of it go too. This cannot be undone.",
                "Its {n} votes and everyone's saves of it go too. This cannot be undone.",
                resource.vote_count,
            )
        )
        return reply.action(_("Delete it"), f"resource delete {id} confirm", "danger")
    title, shown = resource.title, shown_id(resource)
    if resource.shared_by != ctx.member_id:
        ctx.audit("resource.delete", resource_id=resource.id)
    delete_resource(ctx.session, resource)
    return Reply.success(_("Deleted "), code(shown), ": ", bold(title))


@command(
    "resource hide",
    help=N_("Moderators: hide a resource from search, lists and digests."),
    examples=['resource hide 12 "Paywalled"'],
)
def resource_hide(
    ctx: Context,
    *,
    id: ResourceId,
    reason: Annotated[
        str | None, Arg(N_("why, in quotes (shown to moderators)"), max_length=300)
    ] = None,
) -> Reply:
    resource = get_resource(ctx.session, id, ctx.member_id, is_admin=ctx.is_admin)
    require_moderator(ctx.session, resource, ctx.member_id, ctx.is_admin)
    if not hide(ctx.session, resource, ctx.member_id, reason or "", ctx.now):
        return Reply.message(code(shown_id(resource)), _(" is already hidden."))
    ctx.audit("resource.hide", resource_id=resource.id, reason=resource.hidden_reason)
    return Reply.success(_("Hidden "), code(shown_id(resource)), ": ", bold(resource.title)).action(
        _("Undo"), f"resource restore {resource.id}"
    )


@command(
    "resource restore",
    help=N_("Moderators: show a hidden resource again."),
    examples=["resource restore 12"],
)
def resource_restore(ctx: Context, *, id: ResourceId) -> Reply:
    resource = get_resource(ctx.session, id, ctx.member_id, is_admin=ctx.is_admin)
    require_moderator(ctx.session, resource, ctx.member_id, ctx.is_admin)
    if not restore(ctx.session, resource, ctx.now):
        return Reply.message(code(shown_id(resource)), _(" is not hidden."))
    ctx.audit("resource.restore", resource_id=resource.id)
    return Reply.success(_("Restored "), code(shown_id(resource)), ": ", bold(resource.title))
