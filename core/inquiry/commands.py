"""``inquiry ...`` commands: start a collaborative inquiry in a community, take part, work
through its stages, post evidence, publish the findings and log it as CPD."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from core.commands import N_, Arg, command, confirmed
from core.communities.membership import find_community
from core.communities.models import Community
from core.context import Context
from core.cpd.replies import category_label
from core.delivery.outbox import enqueue
from core.errors import UserError
from core.i18n import _, format_number, language, ngettext
from core.identity.models import Member
from core.inquiry.cpd import log_inquiry, logged_activity
from core.inquiry.models import POST_LENGTH, Inquiry, InquiryFile, InquiryPost, Stage
from core.inquiry.replies import STAGE_ASKS, file_spans, inquiry_line, stage_name
from core.inquiry.service import (
    add_post,
    correct_post,
    create_inquiry,
    delete_inquiry,
    edit_inquiry,
    files_of,
    findings_resource,
    inquiries_for,
    is_member,
    join_inquiry,
    leave_inquiry,
    members_of,
    membership_of,
    own_post,
    post_count,
    posts_of,
    publish_findings,
    remove_post,
    require_lead,
    require_member,
    set_stage,
    stage_dates,
    tell_members,
    visible_inquiry,
)
from core.params import Kind, parse_url
from core.reply import Reply, SpanLike, bold, code

TIMELINE_LIMIT = 30
STAGES = tuple(s.value for s in Stage)
HOUR_CHOICES = (2, 5, 10)
"""Hours offered as buttons when someone presses "Log as CPD" (any other amount is typed)."""

InquiryId = Annotated[int, Arg(N_("the inquiry's number, from inquiry list"), kind=Kind.ID)]
PostId = Annotated[int, Arg(N_("the post's number, from inquiry show"), kind=Kind.ID)]
Link = Annotated[
    str | None, Arg(N_("a web address, starting with https://"), kind=Kind.URL, positional=False)
]


def _find_for_member(ctx: Context, inquiry_id: int) -> tuple[Inquiry, Community]:
    """An inquiry someone takes part in, even if they can no longer see inside its community
    (so they can always leave it); else one they may see."""
    inquiry = ctx.session.get(Inquiry, inquiry_id)
    if inquiry is not None and is_member(ctx.session, inquiry, ctx.member_id):
        community = ctx.session.get(Community, inquiry.community_id)
        assert community is not None
        return inquiry, community
    return visible_inquiry(ctx.session, inquiry_id, ctx.member_id)


def _fields(ctx: Context, inquiry: Inquiry, community: Community) -> list[tuple[str, str]]:
    assert inquiry.id is not None
    lead = ctx.session.get(Member, inquiry.lead_id) if inquiry.lead_id else None
    fields = [
        (_("Community"), community.name),
        (_("Lead"), lead.display_name if lead else _("no one")),
        (
            _("Stage"),
            _("finished") if inquiry.findings_at is not None else stage_name(inquiry.stage),
        ),
        (_("Members"), str(len(members_of(ctx.session, inquiry.id)))),
        (_("Inquiry id"), str(inquiry.id)),
    ]
    if inquiry.ends_on is not None:
        fields.insert(3, (_("Ends"), inquiry.ends_on.isoformat()))
    return fields


def _summary(ctx: Context, inquiry: Inquiry, community: Community, heading: str) -> Reply:
    reply = Reply().heading(heading)
    reply.text(bold(inquiry.question))
    return reply.fields(_fields(ctx, inquiry, community))


def _post_line(
    ctx: Context, post: InquiryPost, author: Member, files: list[InquiryFile] | None = None
) -> list[SpanLike]:
    """One post as a timeline line: its note, link and files (name, size, link), as given."""
    line: list[SpanLike] = [
        code(f"#{post.id}"),
        f" {post.created_at.astimezone(ctx.zone).date().isoformat()} · ",
        bold(author.display_name),
        ": ",
        post.text,
    ]
    if post.link:
        line += [" — " if post.text else "", post.link]
    for n, attached in enumerate(files or []):
        line += [" · " if n or post.text or post.link else "", *file_spans(attached)]
    if post.edited_at is not None:
        line.append(_(" (corrected)"))
    return line


# Listing and showing ----------------------------------------------------------------------------


@command(
    "inquiry list",
    help=N_("The inquiries of your communities, and the ones you take part in."),
)
def inquiry_list(ctx: Context) -> Reply:
    rows = inquiries_for(ctx.session, ctx.member_id)
    if not rows:
        return Reply.message(
            _(
                'No inquiries in your communities yet. Start one with inquiry create "QUESTION" '
                "community=SLUG."
            )
        )
    lines: list[list[SpanLike]] = []
    for row in rows:
        line = inquiry_line(row.inquiry, row.community.name, row.members)
        if row.taking_part:
            line.append(_(" · you take part"))
        lines.append(line)
    reply = Reply().heading(_("Inquiries")).items(lines)
    return reply.note(_("See one with inquiry show ID; take part with inquiry join ID."))


@command(
    "inquiry show",
    help=N_("An inquiry's timeline: its stages, the evidence posted (members see it), findings."),
    examples=["inquiry show 12"],
)
def inquiry_show(ctx: Context, *, id: InquiryId) -> Reply:
    inquiry, community = visible_inquiry(ctx.session, id, ctx.member_id)
    reply = _summary(ctx, inquiry, community, _("Inquiry #{id}", id=id))
    today = ctx.local_now.date()
    dates = stage_dates(ctx.session, id)
    member = is_member(ctx.session, inquiry, ctx.member_id)

    # One timeline, oldest first: the stages as they started (first on their day), and (for
    # members) the posts.
    timeline: list[tuple[tuple[date, int, int], list[SpanLike]]] = []
    for stage, day in dates.items():
        if day <= today:
            name = bold(_("Stage: {stage}", stage=stage_name(stage)))
            timeline.append(((day, 0, stage.order), [f"{day.isoformat()} · ", name]))
    posts = posts_of(ctx.session, id)
    if member:
        shown = posts[-TIMELINE_LIMIT:]
        files = files_of(ctx.session, [post.id for post, _a in shown if post.id is not None])
        for post, author in shown:
            day = post.created_at.astimezone(ctx.zone).date()
            line = _post_line(ctx, post, author, files.get(post.id or 0))
            timeline.append(((day, 1, post.id or 0), line))
    timeline.sort(key=lambda item: item[0])
    reply.text(bold(_("Timeline")))
    reply.items([line for _when, line in timeline])
    if member and len(posts) > TIMELINE_LIMIT:
        reply.note(
            _(
                "Showing the latest {shown} of {total} posts.",
                shown=TIMELINE_LIMIT,
                total=len(posts),
            )
        )
    if not member and posts:
        reply.note(
            ngettext(
                "{n} post of evidence, seen by the inquiry's members.",
                "{n} posts of evidence, seen by the inquiry's members.",
                len(posts),
            )
        )
    coming = sorted((day, stage) for stage, day in dates.items() if day > today)
    if coming and inquiry.findings_at is None:
        reply.text(bold(_("Coming up")))
        reply.items([[f"{day.isoformat()} · ", bold(stage_name(stage))] for day, stage in coming])
    if inquiry.findings_at is not None:
        reply.text(bold(_("Findings")))
        reply.text(inquiry.findings or _("(Removed at their author's request.)"))
        if inquiry.findings_link:
            reply.text(inquiry.findings_link)
        resource = findings_resource(ctx.session, inquiry)
        published = _(
            "Published {day}.", day=inquiry.findings_at.astimezone(ctx.zone).date().isoformat()
        )
        if resource is not None:
            published += _(" Shared as resource #{id}.", id=resource.id)
        reply.note(published)
    if member:
        row = membership_of(ctx.session, id, ctx.member_id)
        if inquiry.findings_at is not None and row is not None:
            if logged_activity(ctx.session, row) is None:
                reply.action(_("Log as CPD"), f"inquiry log {id}", "primary")
        elif inquiry.findings_at is None:
            reply.note(_('Add evidence with inquiry post {id} "what you noticed".', id=id))
    elif inquiry.findings_at is None:
        reply.action(_("Join"), f"inquiry join {id}", "primary")
    return reply


# Starting, joining, leaving ---------------------------------------------------------------------


@command(
    "inquiry create",
    help=N_("Start a collaborative inquiry (action research) in a community you belong to."),
    examples=[
        'inquiry create "How do retrieval starters affect Y9 recall?" community=maths '
        "ends=2027-03-31",
    ],
)
def inquiry_create(
    ctx: Context,
    *,
    question: Annotated[str, Arg(N_("the question, in quotes"), max_length=300)],
    community: Annotated[
        str, Arg(N_("the community it belongs to"), kind=Kind.COMMUNITY, autocomplete=True)
    ],
    ends: Annotated[
        date | None,
        Arg(N_("the last day, like 2027-03-31"), positional=False, prefer="future"),
    ] = None,
) -> Reply:
    found = find_community(ctx.session, community)
    inquiry = create_inquiry(
        ctx.session,
        found,
        lead=ctx.member,
        question=question,
        ends_on=ends,
        now=ctx.now,
        install_language=ctx.settings.staffroom.language,
    )
    ctx.audit("inquiry.create", inquiry_id=inquiry.id, community=found.slug)
    reply = _summary(ctx, inquiry, found, _("Inquiry #{id} started", id=inquiry.id))
    reply.tone = "success"
    reply.text(
        _(
            "You lead it. Colleagues in {community} join with inquiry join {id}.",
            community=found.name,
            id=inquiry.id,
        )
    )
    return reply.note(
        _(
            "Plan the stages (question, plan, act, gather-evidence, reflect, share) with "
            "inquiry stage {id} plan date=YYYY-MM-DD: everyone is prompted that morning.",
            id=inquiry.id,
        )
    )


@command(
    "inquiry join",
    help=N_("Take part in an inquiry of a community you belong to."),
    examples=["inquiry join 12"],
)
def inquiry_join(ctx: Context, *, id: InquiryId) -> Reply:
    inquiry, community = visible_inquiry(ctx.session, id, ctx.member_id)
    join_inquiry(ctx.session, inquiry, community, ctx.member, ctx.now)
    reply = _summary(ctx, inquiry, community, _("You joined inquiry #{id}", id=id))
    reply.tone = "success"
    reply.text(
        _(
            "You will be prompted at 09:00 your time on the day each planned stage starts. "
            'Post evidence with inquiry post {id} "what you noticed".',
            id=id,
        )
    )
    return reply.action(_("Show the timeline"), f"inquiry show {id}")


@command(
    "inquiry leave",
    help=N_("Stop taking part in an inquiry; your posts stay unless you remove them."),
    examples=["inquiry leave 12"],
)
def inquiry_leave(ctx: Context, *, id: InquiryId) -> Reply:
    inquiry, _community = _find_for_member(ctx, id)
    successor = leave_inquiry(ctx.session, inquiry, ctx.member_id)
    mine = sum(1 for post, _a in posts_of(ctx.session, id) if post.author_id == ctx.member_id)
    reply = Reply.success(_("You left inquiry #{id}: ", id=id), bold(inquiry.question))
    if successor is not None:
        new_lead = ctx.session.get(Member, successor)
        reply.text(
            _(
                "{name} leads it now.",
                name=new_lead.display_name if new_lead else _("Another member"),
            )
        )
    if mine:
        reply.note(
            ngettext(
                "Your {n} post stays with the group; remove it with inquiry unpost POST_ID.",
                "Your {n} posts stay with the group; remove any with inquiry unpost POST_ID.",
                mine,
            )
        )
    return reply


# Evidence ---------------------------------------------------------------------------------------


@command(
    "inquiry post",
    help=N_(
        "Add evidence to an inquiry you take part in: a note, a link, files sent with it, or "
        "all three. Staffroom notes where your platform keeps each file (its name, size and "
        "link) and never downloads or stores the file itself."
    ),
    examples=[
        'inquiry post 12 "Y9 starter quiz: 14 of 28 recalled all three terms"',
        'inquiry post 12 "Article on spacing" link=https://example.org/spacing',
    ],
)
def inquiry_post(
    ctx: Context,
    *,
    id: InquiryId,
    text: Annotated[
        str | None,
        Arg(N_("what you noticed, in quotes"), kind=Kind.LONG_TEXT, max_length=POST_LENGTH),
    ] = None,
    link: Link = None,
    file: Annotated[
        str | None,
        Arg(
            N_(
                "a file as evidence: send it with this message (Staffroom keeps where it is, "
                "not a copy)"
            ),
            kind=Kind.FILE,
            positional=False,
        ),
    ] = None,
) -> Reply:
    inquiry, _community = visible_inquiry(ctx.session, id, ctx.member_id)
    attached = ctx.invocation.attachments
    post = add_post(
        ctx.session,
        inquiry,
        ctx.member,
        text=text or "",
        link=link,
        now=ctx.now,
        files=attached,
        platform=ctx.invocation.platform,
    )
    assert post.id is not None
    reply = Reply.success(
        _(
            "Added post #{post} to inquiry #{id}, under {stage}.",
            post=post.id,
            id=id,
            stage=stage_name(post.stage),
        )
    )
    reply.items([_post_line(ctx, post, ctx.member, files_of(ctx.session, [post.id]).get(post.id))])
    if attached:
        reply.note(
            ngettext(
                "The file stays where you sent it: Staffroom keeps its name, size and link, not "
                "a copy, so removing it there removes it here too.",
                "The {n} files stay where you sent them: Staffroom keeps their names, sizes and "
                "links, not copies, so removing one there removes it here too.",
                len(attached),
            )
        )
    return reply.note(
        _(
            "Only the inquiry's members see it. Correct it with inquiry correct {post} "
            '"new text", or remove it with inquiry unpost {post}.',
            post=post.id,
        )
    )


@command(
    "inquiry correct",
    help=N_("Correct one of your posts: new text, or link=... (link=- removes the link)."),
    examples=['inquiry correct 31 "Y9 starter quiz: 15 of 28"', "inquiry correct 31 link=-"],
)
def inquiry_correct(
    ctx: Context,
    *,
    post: PostId,
    text: Annotated[
        str | None,
        Arg(N_("the corrected text, in quotes"), kind=Kind.LONG_TEXT, max_length=POST_LENGTH),
    ] = None,
    link: Annotated[
        str | None,
        Arg(N_("a web address (- removes it)"), positional=False, max_length=2000),
    ] = None,
) -> Reply:
    found = own_post(ctx.session, post, ctx.member_id)
    if text is None and link is None:
        raise UserError(
            _('Say what to change, like inquiry correct {post} "new text".', post=post),
            show_usage=True,
        )
    clear = link is not None and link.strip() in ("-", "none")
    correct_post(
        ctx.session,
        found,
        text=text,
        link=None if link is None or clear else parse_url(link, "link"),
        clear_link=clear,
        now=ctx.now,
    )
    reply = Reply.success(_("Corrected post #{post}.", post=post))
    return reply.items(
        [_post_line(ctx, found, ctx.member, files_of(ctx.session, [post]).get(post))]
    )


@command(
    "inquiry unpost",
    help=N_("Remove one of your posts from an inquiry."),
    examples=["inquiry unpost 31"],
)
def inquiry_unpost(ctx: Context, *, post: PostId) -> Reply:
    found = own_post(ctx.session, post, ctx.member_id)
    line = _post_line(ctx, found, ctx.member, files_of(ctx.session, [post]).get(post))
    remove_post(ctx.session, found)
    reply = Reply.success(_("Removed post #{post}:", post=post))
    return reply.items([line])


# Stages and findings ----------------------------------------------------------------------------


@command(
    "inquiry stage",
    help=N_("Lead: move an inquiry to a stage now, or plan the day it starts with date=."),
    examples=["inquiry stage 12 act", "inquiry stage 12 gather-evidence date=2027-02-01"],
)
def inquiry_stage(
    ctx: Context,
    *,
    id: InquiryId,
    stage: Annotated[str, Arg(N_("the stage, like plan or gather-evidence"), choices=STAGES)],
    date: Annotated[
        date | None,
        Arg(N_("the day it starts, like 2027-02-01"), positional=False, prefer="future"),
    ] = None,
) -> Reply:
    inquiry, _community = visible_inquiry(ctx.session, id, ctx.member_id)
    chosen = Stage(stage)
    moved = set_stage(ctx.session, inquiry, chosen, by=ctx.member, day=date, now=ctx.now)
    if not moved:
        assert date is not None
        return Reply.success(
            _(
                "{stage} of inquiry #{id} starts on {day}. Each member is prompted that "
                "morning at 09:00 their time.",
                stage=stage_name(chosen),
                id=id,
                day=date.isoformat(),
            )
        )
    question, mover = inquiry.question, ctx.member.display_name

    def notice(member: Member) -> Reply:
        reply = Reply().heading(
            _("Inquiry #{id} moves on: {stage}", id=id, stage=stage_name(chosen))
        )
        reply.text(bold(question))
        reply.text(_(STAGE_ASKS[chosen]))
        reply.note(_("Moved by {name}.", name=mover))
        return reply.action(_("Show the inquiry"), f"inquiry show {id}")

    told = tell_members(
        ctx.session,
        inquiry,
        key=f"stage:{chosen.value}:{ctx.now.isoformat()}",
        now=ctx.now,
        build=notice,
        about=(ctx.member_id,),
        skip=ctx.member_id,
    )
    return Reply.success(
        _("Inquiry #{id} is now at {stage}.", id=id, stage=stage_name(chosen)),
        " ",
        ngettext(
            "The {n} other member has been told.", "The {n} other members have been told.", told
        ),
    )


@command(
    "inquiry findings",
    help=N_("Lead: publish the findings to the community's channels and as a resource; ends it."),
    examples=[
        'inquiry findings 12 "Starters lifted recall most for lower attainers; keep them short."',
    ],
)
def inquiry_findings(
    ctx: Context,
    *,
    id: InquiryId,
    summary: Annotated[
        str,
        Arg(N_("what you found, in quotes"), kind=Kind.LONG_TEXT, max_length=2000),
    ],
    link: Link = None,
) -> Reply:
    inquiry, community = visible_inquiry(ctx.session, id, ctx.member_id)
    published = publish_findings(
        ctx.session,
        inquiry,
        community,
        by=ctx.member,
        summary=summary,
        link=link,
        now=ctx.now,
        title_limit=ctx.settings.limits.title_length,
        install_language=ctx.settings.staffroom.language,
    )
    ctx.audit("inquiry.findings", inquiry_id=id, resource_id=published.resource.id)
    reply = Reply.success(_("Findings of inquiry #{id} published.", id=id))
    where = (
        ngettext(
            "Posted to {community}'s {n} channel.",
            "Posted to {community}'s {n} channels.",
            published.channels,
            community=community.name,
        )
        if published.channels
        else _("{community} has no channel yet, so they were not posted.", community=community.name)
    )
    reply.text(
        where,
        " ",
        _(
            "Shared as resource #{id}: resource search #inquiry finds it.",
            id=published.resource.id,
        ),
        " ",
        ngettext(
            "{n} other member was offered to log it as CPD.",
            "{n} other members were offered to log it as CPD.",
            published.told,
        ),
    )
    return reply.action(_("Log as CPD"), f"inquiry log {id}", "primary")


@command(
    "inquiry log",
    help=N_("Log your hours on an inquiry you took part in as CPD (collaborative enquiry)."),
    examples=["inquiry log 12 6", "inquiry log 12 4h30"],
)
def inquiry_log(
    ctx: Context,
    *,
    id: InquiryId,
    hours: Annotated[
        float | None, Arg(N_("how long, like 6, 90m or 4h30"), kind=Kind.HOURS)
    ] = None,
) -> Reply:
    inquiry, community = _find_for_member(ctx, id)
    row = require_member(ctx.session, inquiry, ctx.member_id)
    already = logged_activity(ctx.session, row)
    if already is None and hours is None:
        reply = Reply().heading(_("Log inquiry #{id} as CPD", id=id))
        reply.text(_("How many hours did it take you, all told?"))
        for choice in HOUR_CHOICES:
            reply.action(ngettext("{n} hour", "{n} hours", choice), f"inquiry log {id} {choice}")
        return reply.note(_("Any other amount: inquiry log {id} HOURS, like 3.5.", id=id))
    if already is None:
        assert hours is not None
        activity, new = log_inquiry(
            ctx.session,
            row,
            inquiry,
            community,
            ctx.member,
            hours=hours,
            today=ctx.local_now.date(),
            now=ctx.now,
            settings=ctx.settings.cpd,
        )
    else:
        activity, new = already, False
    if not new:
        return Reply.message(
            _(
                "You already logged inquiry #{id} as CPD activity #{activity}.",
                id=id,
                activity=activity.id,
            ),
            " ",
            _("Change the hours with cpd edit {activity} hours=….", activity=activity.id),
        )
    reply = Reply.success(_("Logged #{activity}: ", activity=activity.id), bold(activity.title))
    return reply.fields(
        [
            (_("Date"), activity.occurred_on.isoformat()),
            (_("Hours"), format_number(activity.hours)),
            (_("Category"), category_label(activity.category)),
        ]
    )


# The lead's changes -----------------------------------------------------------------------------


@command(
    "inquiry edit",
    help=N_("Lead: correct an inquiry's question or move its end date."),
    examples=[
        'inquiry edit 12 question="How do retrieval starters affect Y8 recall?"',
        "inquiry edit 12 ends=2027-04-30",
    ],
)
def inquiry_edit(
    ctx: Context,
    *,
    id: InquiryId,
    question: Annotated[
        str | None, Arg(N_("the question, in quotes"), positional=False, max_length=300)
    ] = None,
    ends: Annotated[
        date | None,
        Arg(N_("the last day, like 2027-03-31"), positional=False, prefer="future"),
    ] = None,
) -> Reply:
    inquiry, community = visible_inquiry(ctx.session, id, ctx.member_id)
    if question is None and ends is None:
        raise UserError(
            _("Say what to change, like inquiry edit {id} ends=2027-03-31.", id=id),
            show_usage=True,
        )
    changed = edit_inquiry(
        ctx.session, inquiry, by=ctx.member, question=question, ends_on=ends, now=ctx.now
    )
    heading = _("Inquiry #{id} updated", id=id) if changed else _("Inquiry #{id}", id=id)
    reply = _summary(ctx, inquiry, community, heading)
    if changed:
        reply.tone = "success"
    else:
        reply.note(_("That is what it already said, so nothing changed."))
    return reply


@command(
    "inquiry delete",
    help=N_("Lead: delete an inquiry with its posts, for everyone. Asks first."),
    examples=["inquiry delete 12"],
)
def inquiry_delete(
    ctx: Context,
    *,
    id: InquiryId,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to delete without asking"), max_length=10)
    ] = None,
) -> Reply:
    inquiry, community = visible_inquiry(ctx.session, id, ctx.member_id)
    require_lead(ctx.session, inquiry, ctx.member_id)
    others = [m for row, m in members_of(ctx.session, id) if row.member_id != ctx.member_id]
    if not confirmed(confirm):
        posts = post_count(ctx.session, id)
        reply = Reply().heading(_("Delete inquiry #{id}?", id=id))
        reply.text(bold(inquiry.question))
        consequences: list[SpanLike] = []
        if posts:
            consequences += [
                ngettext(
                    "Its {n} post of evidence goes too.",
                    "Its {n} posts of evidence go too.",
                    posts,
                ),
                " ",
            ]
        if others:
            consequences += [
                ngettext(
                    "Its {n} other member is told.", "Its {n} other members are told.", len(others)
                ),
                " ",
            ]
        consequences.append(
            _("Published findings are removed from resources. This cannot be undone.")
        )
        reply.text(*consequences)
        return reply.action(_("Delete it"), f"inquiry delete {id} confirm", "danger")
    question, name = inquiry.question, ctx.member.display_name
    delete_inquiry(ctx.session, inquiry)
    ctx.audit("inquiry.delete", inquiry_id=id, community=community.slug)
    for member in others:
        with language(member.language):
            notice = Reply().heading(_("Inquiry #{id} was deleted", id=id))
            notice.text(bold(question))
            notice.note(_("Deleted by its lead, {name}.", name=name))
        enqueue(
            ctx.session,
            key=f"inquiry.deleted:{id}:{member.id}:{ctx.now.isoformat()}",
            reply=notice,
            due_at=ctx.now,
            now=ctx.now,
            member_id=member.id,
            about=(ctx.member_id,),
        )
    return Reply.success(_("Deleted inquiry #{id}: ", id=id), bold(question))
