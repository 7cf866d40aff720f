"""The CPD lead's reports on training, mentoring and coffee rounds: a short reply and a CSV
file each, over the lead's own school only (a trust admin's, over their trust: one line of
totals per school); and ``report glance``, the term at a glance for the Slack App Home."""

from __future__ import annotations

from typing import Annotated

from core.commands import N_, Arg, command
from core.context import Context
from core.errors import PermissionDenied
from core.i18n import _, format_percent, ngettext
from core.reply import Reply, SpanLike, bold, code
from core.schools.commands import (
    LIST_LIMIT,
    ReportFormat,
    attach_report,
    hours_text,
    trust_file_note,
    your_school,
)
from core.schools.exports import coffee_csv, mentoring_csv, training_csv
from core.schools.glance import Glance, school_glance, term_of, total_glance
from core.schools.models import School
from core.schools.programme import coffee_report, mentoring_report
from core.schools.replies import rating_facts, standing_label
from core.schools.report_pdf import coffee_report_pdf, mentoring_report_pdf, training_report_pdf
from core.schools.service import (
    LEADS,
    Standing,
    TrainingRow,
    require_role,
    roles_of,
    school_of,
    training_report,
)
from core.schools.trust_replies import (
    ScopeArg,
    TrustArg,
    report_trust,
    trust_coffee_reply,
    trust_mentoring_reply,
    trust_training_reply,
)
from core.schools.trusts import administered_trusts, schools_in

NEEDS_ACTION = (Standing.EXPIRED, Standing.EXPIRING, Standing.NEVER_DONE)
Page = Annotated[int, Arg(N_("page of the list"), positional=False, min_value=1, max_value=1000)]


def _lead_school(ctx: Context) -> School:
    """The lead's school; a friendly refusal for anyone who is not its lead."""
    school = your_school(ctx)
    require_role(ctx.session, school, ctx.member_id, LEADS)
    return school


def _training_line(row: TrainingRow) -> list[SpanLike]:
    status = row.status
    if row.standing is Standing.EXPIRED:
        detail = _("expired after {day}", day=status.until.isoformat() if status.until else "")
    elif row.standing is Standing.EXPIRING:
        detail = _("expires {day}", day=status.until.isoformat() if status.until else "")
    elif status.until is not None:
        detail = _("never done, due by {day}", day=status.until.isoformat())
    else:
        detail = _("never done")
    return [
        code(f"#{status.training.id}"),
        " ",
        status.training.title,
        " · ",
        row.name,
        " · ",
        detail,
    ]


@command(
    "report training",
    help=N_(
        "Who at your school has training expired, expiring or never done (CPD leads); "
        "for trust admins, each school's counts."
    ),
    examples=["report training", "report training page=2", "report training format=pdf"],
)
def report_training(
    ctx: Context,
    *,
    page: Page = 1,
    scope: ScopeArg = None,
    trust: TrustArg = None,
    format: ReportFormat = None,
) -> Reply:
    if (found := report_trust(ctx, scope, trust)) is not None:
        return trust_file_note(trust_training_reply(ctx, found, ctx.local_now.date()), format)
    school = _lead_school(ctx)
    assert school.id is not None
    today = ctx.local_now.date()
    rows = training_report(ctx.session, school.id, today)
    reply = Reply().heading(_("Training at {school}", school=school.name))
    if not rows:
        return reply.text(
            _("Your school requires no training yet. Set some with training require.")
        )
    trainings = {r.status.training.id: r.status.training for r in rows}
    summary: list[list[SpanLike]] = []
    for training_id, training in trainings.items():
        mine = [r for r in rows if r.status.training.id == training_id]
        counts = ", ".join(
            f"{sum(r.standing is s for r in mine)} {standing_label(s)}"
            for s in (*NEEDS_ACTION, Standing.DONE)
        )
        summary.append([code(f"#{training_id}"), " ", bold(training.title), f": {counts}"])
    reply.items(summary)
    to_act = [r for r in rows if r.standing in NEEDS_ACTION]
    if not to_act:
        reply.text(_("Everyone is up to date."))
    else:
        pages = max(1, -(-len(to_act) // LIST_LIMIT))
        page = min(page, pages)
        reply.text(
            bold(ngettext("{n} to act on", "{n} to act on", len(to_act))),
            _(" (expiring: within 30 days)"),
        )
        reply.items(
            [_training_line(r) for r in to_act[(page - 1) * LIST_LIMIT : page * LIST_LIMIT]]
        )
        if pages > 1:
            reply.note(_("Page {page} of {pages}.", page=page, pages=pages))
            if page < pages:
                reply.action(_("More"), f"report training page={page + 1}")
            if page > 1:
                reply.action(_("Back"), f"report training page={page - 1}")
    reply.note(_("The file has every member against every requirement, with dates."))
    return attach_report(
        reply,
        f"school-training-{today.isoformat()}",
        format,
        lambda: training_csv(rows),
        lambda: training_report_pdf(
            rows, school=school.name, now=ctx.now, today=today, settings=ctx.settings.cpd
        ),
    )


def _names(names: list[str]) -> list[list[SpanLike]]:
    return [[n] for n in names[:LIST_LIMIT]]


@command(
    "report mentoring",
    help=N_("Your school's mentoring: pairs, overdue check-ins, who waits for a mentor."),
)
def report_mentoring(
    ctx: Context, *, scope: ScopeArg = None, trust: TrustArg = None, format: ReportFormat = None
) -> Reply:
    if (found := report_trust(ctx, scope, trust)) is not None:
        reply = trust_mentoring_reply(ctx, found, ctx.now, ctx.local_now.date())
        return trust_file_note(reply, format)
    school = _lead_school(ctx)
    assert school.id is not None
    report = mentoring_report(
        ctx.session, school.id, ctx.now, ctx.settings.mentoring.checkin_every_weeks
    )
    reply = Reply().heading(_("Mentoring at {school}", school=school.name))
    reply.fields(
        [
            (_("Proposed"), str(report.count("proposed"))),
            (_("Active"), str(report.count("active"))),
            (_("Ended"), str(report.count("completed"))),
            (_("Declined or expired"), str(report.count("declined", "expired"))),
            (_("Check-ins overdue"), str(len(report.overdue))),
        ]
    )
    outsider = _("someone outside the school")
    if report.overdue:
        reply.text(bold(_("Active pairs with no check-in for a while")))
        reply.items(
            [
                [
                    code(f"#{p.match_id}"),
                    f" {p.mentor or outsider} – {p.mentee or outsider}",
                    " · ",
                    _("last: {day}", day=p.last_checkin.date().isoformat())
                    if p.last_checkin
                    else _("no check-in yet"),
                ]
                for p in report.overdue[:LIST_LIMIT]
            ]
        )
    if report.unmatched:
        reply.text(
            bold(
                ngettext(
                    "{n} waiting for a mentor",
                    "{n} waiting for a mentor",
                    len(report.unmatched),
                )
            )
        )
        reply.items(
            [
                [
                    w.name,
                    " · ",
                    _("asked {day}", day=w.since.date().isoformat()),
                    ngettext(", missed {n} round", ", missed {n} rounds", w.missed_rounds)
                    if w.missed_rounds
                    else "",
                ]
                for w in report.unmatched[:LIST_LIMIT]
            ]
        )
    else:
        reply.text(_("No one is waiting for a mentor."))
    reply.fields(rating_facts(report.ratings))
    reply.note(
        _(
            "Counts, dates and average ratings only: never what anyone wrote in a check-in "
            "or feedback, and no one outside your school by name."
        )
    )
    today = ctx.local_now.date()
    return attach_report(
        reply,
        f"school-mentoring-{today.isoformat()}",
        format,
        lambda: mentoring_csv(report, outsider),
        lambda: mentoring_report_pdf(
            report,
            outsider,
            school=school.name,
            now=ctx.now,
            today=today,
            settings=ctx.settings.cpd,
        ),
    )


@command(
    "report coffee",
    help=N_("Your school's coffee rounds: met rate, who never meets, who was left out."),
)
def report_coffee(
    ctx: Context, *, scope: ScopeArg = None, trust: TrustArg = None, format: ReportFormat = None
) -> Reply:
    if (found := report_trust(ctx, scope, trust)) is not None:
        return trust_file_note(trust_coffee_reply(ctx, found, ctx.local_now.date()), format)
    school = _lead_school(ctx)
    assert school.id is not None
    report = coffee_report(ctx.session, school.id)
    reply = Reply().heading(_("Coffee at {school}", school=school.name))
    rate = report.met_rate
    reply.fields(
        [
            (_("Rounds"), str(report.rounds)),
            (_("Taking part"), str(len(report.members))),
            (_("Answers"), f"{report.answered} / {report.seats}"),
            (_("Met rate"), format_percent(rate) if rate is not None else _("no answers yet")),
        ]
    )
    never = report.never_met
    if never:
        reply.text(
            bold(
                ngettext(
                    "{n} who has not met anyone yet",
                    "{n} who have not met anyone yet",
                    len(never),
                )
            )
        )
        reply.items(_names([m.name for m in never]))
    left = report.left_out
    if left:
        reply.text(
            bold(
                ngettext(
                    "{n} without a partner in the latest round",
                    "{n} without a partner in the latest round",
                    len(left),
                )
            )
        )
        reply.items(_names([m.name for m in left]))
    if not never and not left:
        reply.text(_("Everyone taking part has met someone, and no one was left out."))
    today = ctx.local_now.date()
    return attach_report(
        reply,
        f"school-coffee-{today.isoformat()}",
        format,
        lambda: coffee_csv(report),
        lambda: coffee_report_pdf(
            report, school=school.name, now=ctx.now, today=today, settings=ctx.settings.cpd
        ),
    )


def _glance_line(glance: Glance) -> str:
    return _(
        "{hours} h this term · {quiet} of {members} quiet · training: {due} due, {expired} expired",
        hours=hours_text(glance.hours),
        quiet=glance.quiet,
        members=glance.members,
        due=glance.training_due,
        expired=glance.training_expired,
    )


def _glance_fields(reply: Reply, glance: Glance) -> Reply:
    return reply.fields(
        [
            (_("Hours this term"), hours_text(glance.hours)),
            (_("Quiet members"), f"{glance.quiet} / {glance.members}"),
            (_("Training due"), str(glance.training_due)),
            (_("Training expired"), str(glance.training_expired)),
        ]
    )


@command(
    "report glance",
    help=N_(
        "This term at a glance, for CPD leads, school admins and trust admins: hours, quiet "
        "members, training due or expired."
    ),
)
def report_glance(ctx: Context) -> Reply:
    today = ctx.local_now.date()
    term = term_of(today)
    trusts = administered_trusts(ctx.session, ctx.member_id)
    school = school_of(ctx.session, ctx.member_id)
    leads = (
        school is not None
        and school.id is not None
        and bool(roles_of(ctx.session, school.id, ctx.member_id) & set(LEADS))
    )
    if not trusts and not leads:
        raise PermissionDenied(_("The glance is for CPD leads, school admins and trust admins."))
    reply = Reply().heading(_("This term: {period}", period=term.label()))
    if leads:
        assert school is not None and school.id is not None
        reply.text(bold(school.name))
        _glance_fields(reply, school_glance(ctx.session, school.id, school.name, today))
    for trust in trusts:
        assert trust.id is not None
        glances = [
            school_glance(ctx.session, s.id, s.name, today)
            for s in schools_in(ctx.session, trust.id)
            if s.id is not None
        ]
        reply.text(bold(_("{trust} (trust)", trust=trust.name)))
        _glance_fields(reply, total_glance(trust.name, glances))
        reply.items([[bold(g.name), ": ", _glance_line(g)] for g in glances[:LIST_LIMIT]])
    reply.note(_("Quiet: nothing logged this term. Due: never done, or expiring within 30 days."))
    reply.action(_("CPD report"), "report cpd")
    return reply.action(_("Training report"), "report training")
