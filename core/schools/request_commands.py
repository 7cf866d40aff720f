"""Commands for CPD requests and the line manager who answers them: ``school manager``, and
``cpd request`` with its list, cancel, approve, decline and log.

They sit in the CPD feature's ``cpd`` group (the registry lets a feature add commands to a
group another feature describes) because that is where a teacher looks for them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from core.commands import N_, Arg, command, confirmed
from core.context import Context
from core.cpd.service import check_hours, match_category
from core.delivery.outbox import enqueue
from core.forms.questions import open_action
from core.i18n import _, format_amount
from core.identity.models import Member
from core.identity.service import find_member
from core.params import Kind
from core.reply import Reply, SpanLike, bold, code
from core.schools.commands import hours_text, who, your_school
from core.schools.models import CpdRequest, RequestStatus
from core.schools.requests import (
    OPEN,
    approvers_of,
    cancel_request,
    create_request,
    decide,
    log_request,
    manager_of,
    own_request,
    request_to_answer,
    requests_of,
    set_manager,
    status_word,
    waiting_for,
)
from core.schools.service import in_school

RequestId = Annotated[int, Arg(N_("the request's number, from cpd request list"), kind=Kind.ID)]
Reason = Annotated[
    str | None, Arg(N_("why, in a sentence (optional)"), positional=False, max_length=500)
]
DEFAULT_CATEGORY = "course"


def _name(ctx: Context, member_id: int | None) -> str:
    found = ctx.session.get(Member, member_id) if member_id is not None else None
    return found.display_name if found is not None else _("someone no longer here")


def _request_line(request: CpdRequest) -> list[SpanLike]:
    return [
        code(f"#{request.id}"),
        " ",
        bold(request.title),
        f" · {request.day.isoformat()} · {status_word(request.status)}",
    ]


def _ask_reply(ctx: Context, request: CpdRequest) -> Reply:
    """What an approver is sent: the request in full, with the two buttons."""
    reply = Reply().heading(_("CPD request from {name}", name=ctx.member.display_name))
    fields = [(_("Title"), request.title), (_("Date"), request.day.isoformat())]
    if request.cost is not None:
        fields.append((_("Cost"), format_amount(request.cost)))
    if request.provider:
        fields.append((_("Provider"), request.provider))
    fields.append((_("Reason"), request.reason))
    reply.fields(fields)
    reply.note(
        _(
            "To give a reason with your answer, send cpd request decline {id} reason=... "
            "(or approve).",
            id=request.id,
        )
    )
    reply.action(_("Approve"), f"cpd request approve {request.id}", "primary")
    # Decline opens a form for the optional reason, the request's number already given.
    return reply.action(_("Decline"), open_action(f"cpd request decline {request.id}"))


@command(
    "school manager",
    help=N_("Name your line manager, who answers your CPD requests (none: your CPD leads do)."),
    examples=["school manager @sam", "school manager none", "school manager"],
)
def school_manager(
    ctx: Context,
    *,
    member: Annotated[
        str | None,
        Arg(N_("your line manager: @mention or #id, or none"), kind=Kind.MEMBER, max_length=100),
    ] = None,
) -> Reply:
    school = your_school(ctx)
    assert school.id is not None
    school_id = school.id
    if member is None:
        current = manager_of(ctx.session, ctx.member_id)
        if current is None:
            return Reply.message(
                _(
                    "You have not named a line manager, so your CPD requests go to the CPD "
                    "leads of {school}. Name one with school manager @name.",
                    school=school.name,
                )
            )
        return Reply.message(_("Your line manager: "), *who(current), ".")
    if member.strip().lower() == "none":
        set_manager(ctx.session, school, ctx.member_id, None)
        ctx.audit("school.manager", school_id=school.id, manager_id=None)
        return Reply.success(
            _(
                "You have no line manager now: your CPD requests go to the CPD leads of {school}.",
                school=school.name,
            )
        )
    manager = find_member(
        ctx.session,
        member,
        ctx.invocation.platform,
        ctx.invocation.tenant,
        by_name=False,
        visible=lambda member_id: in_school(ctx.session, school_id, member_id),
    )
    set_manager(ctx.session, school, ctx.member_id, manager)
    ctx.audit("school.manager", school_id=school.id, manager_id=manager.id)
    return Reply.success(
        _("Your line manager is now "), *who(manager), _(". Your CPD requests go to them.")
    )


@command(
    "cpd request",
    help=N_("Ask your line manager (or CPD lead) to approve some CPD before you go."),
    examples=[
        'cpd request "Maths hub conference" date=2027-03-12 cost=120 provider="NCETM" '
        'reason="Our mastery work this year"'
    ],
)
def cpd_request(
    ctx: Context,
    *,
    title: Annotated[str, Arg(N_("what it is, in quotes"), max_length=200)],
    date: Annotated[date, Arg(N_("the day, like 2027-03-12"), positional=False, prefer="future")],
    reason: Annotated[
        str, Arg(N_("why you want to go, in quotes"), positional=False, max_length=500)
    ],
    cost: Annotated[
        float | None,
        Arg(N_("what it costs, as a number"), positional=False, min_value=0, max_value=100000),
    ] = None,
    provider: Annotated[
        str | None, Arg(N_("who runs it"), positional=False, max_length=200)
    ] = None,
) -> Reply:
    school = your_school(ctx)
    request = create_request(
        ctx.session,
        school,
        ctx.member_id,
        title=title,
        day=date,
        cost=cost,
        provider=provider,
        reason=reason,
        today=ctx.local_now.date(),
        now=ctx.now,
    )
    approvers = approvers_of(ctx.session, request)
    for approver in approvers:
        enqueue(
            ctx.session,
            key=f"school:cpd-request:{request.id}:ask:{approver}",
            reply=_ask_reply(ctx, request),
            due_at=ctx.now,
            now=ctx.now,
            member_id=approver,
            about=(ctx.member_id,),
        )
    ctx.audit("cpd.request", request_id=request.id, approvers=len(approvers))
    if request.approver_id is not None:
        sent_to = _("your line manager, {name}", name=_name(ctx, request.approver_id))
    else:
        sent_to = _("the CPD leads of {school}", school=school.name)
    reply = Reply.success(_("Asked {who}: ", who=sent_to), bold(request.title))
    reply.items([_request_line(request)])
    return reply.note(
        _("I will tell you their answer. Cancel it with cpd request cancel {id}.", id=request.id)
    )


@command("cpd request list", help=N_("Your CPD requests, and those waiting for your answer."))
def cpd_request_list(ctx: Context) -> Reply:
    mine = requests_of(ctx.session, ctx.member_id)
    waiting = waiting_for(ctx.session, ctx.member_id)
    reply = Reply().heading(_("CPD requests"))
    if waiting:
        reply.text(bold(_("Waiting for your answer")))
        reply.items(
            [
                [*_request_line(r), _(" · from {name}", name=_name(ctx, r.member_id))]
                for r in waiting
            ]
        )
        for request in waiting[:5]:
            reply.action(_("Approve #{id}", id=request.id), f"cpd request approve {request.id}")
            reply.action(
                _("Decline #{id}", id=request.id),
                open_action(f"cpd request decline {request.id}"),
            )
    reply.text(bold(_("Yours")))
    if not mine:
        reply.text(_('None yet. Ask with cpd request "Title" date=... reason="..."'))
        return reply
    reply.items([_request_line(r) for r in mine])
    return reply


@command(
    "cpd request cancel",
    help=N_("Withdraw one of your CPD requests. Asks first."),
    examples=["cpd request cancel 3"],
)
def cpd_request_cancel(
    ctx: Context,
    *,
    id: RequestId,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to cancel without asking"), max_length=10)
    ] = None,
) -> Reply:
    request = own_request(ctx.session, ctx.member_id, id)
    if request.status not in OPEN:
        return Reply.message(
            _(
                "CPD request #{id} is {status}, so there is nothing to cancel.",
                id=id,
                status=status_word(request.status),
            )
        )
    if not confirmed(confirm):
        reply = Reply().heading(_("Cancel this CPD request?"))
        reply.items([_request_line(request)])
        if request.status == RequestStatus.APPROVED:
            reply.text(_("It was approved; cancelling it gives the approval up for good."))
        return reply.action(_("Cancel it"), f"cpd request cancel {id} confirm", "danger")
    cancel_request(ctx.session, request)
    ctx.audit("cpd.request.cancel", request_id=id)
    return Reply.success(_("Cancelled CPD request #{id}: ", id=id), bold(request.title))


def _answer(ctx: Context, id: int, reason: str | None, *, approve: bool) -> Reply:
    request = request_to_answer(ctx.session, ctx.member_id, id)
    if request.status != RequestStatus.PENDING:
        answered = (
            _(" by {name}", name=_name(ctx, request.decided_by))
            if request.decided_by is not None
            else ""
        )
        return Reply.message(
            _("CPD request #{id} is already {status}", id=id, status=status_word(request.status)),
            answered if request.status in (RequestStatus.APPROVED, RequestStatus.DECLINED) else "",
            ".",
        )
    decide(ctx.session, request, ctx.member, approve=approve, note=reason, now=ctx.now)
    ctx.audit("cpd.request.answer", request_id=id, approved=approve)
    name = _name(ctx, request.member_id)
    if approve:
        said = _("Approved {name}'s request: ", name=name)
    else:
        said = _("Declined {name}'s request: ", name=name)
    return Reply.success(said, bold(request.title), _(". I have told them."))


@command(
    "cpd request approve",
    help=N_("Approve a CPD request you were asked to answer, with a reason if you like."),
    examples=["cpd request approve 3", 'cpd request approve 3 reason="Good fit for our plan"'],
)
def cpd_request_approve(ctx: Context, *, id: RequestId, reason: Reason = None) -> Reply:
    return _answer(ctx, id, reason, approve=True)


@command(
    "cpd request decline",
    help=N_("Decline a CPD request you were asked to answer, with a reason if you like."),
    examples=["cpd request decline 3", 'cpd request decline 3 reason="No cover that day"'],
)
def cpd_request_decline(ctx: Context, *, id: RequestId, reason: Reason = None) -> Reply:
    return _answer(ctx, id, reason, approve=False)


@command(
    "cpd request log",
    help=N_("Log an approved request as CPD, after the day, with what difference it made."),
    examples=['cpd request log 3 "Pupils now explain their reasoning" hours=5'],
)
def cpd_request_log(
    ctx: Context,
    *,
    id: RequestId,
    impact: Annotated[str, Arg(N_("what difference it made, in quotes"), max_length=2000)],
    hours: Annotated[float, Arg(N_("how long: 1.5, 90m"), kind=Kind.HOURS, positional=False)],
    category: Annotated[
        str | None, Arg(N_("the CPD category (default: course)"), positional=False, max_length=60)
    ] = None,
) -> Reply:
    request = own_request(ctx.session, ctx.member_id, id)
    categories = ctx.settings.cpd.categories
    chosen = match_category(
        category or (DEFAULT_CATEGORY if DEFAULT_CATEGORY in categories else categories[0]),
        categories,
    )
    activity = log_request(
        ctx.session,
        request,
        hours=check_hours(hours, ctx.settings.cpd),
        category=chosen,
        impact=impact,
        now=ctx.now,
        today=ctx.local_now.date(),
    )
    ctx.audit("cpd.request.log", request_id=id, activity_id=activity.id)
    reply = Reply.success(
        _("Logged as CPD activity #{id}: ", id=activity.id),
        bold(activity.title),
        _(
            ", {hours} h on {day}.",
            hours=hours_text(activity.hours),
            day=activity.occurred_on.isoformat(),
        ),
    )
    return reply.note(_("Your impact note is kept with it, private to you."))
