"""Commands for the CPD record: log, list, edit, delete, summary, export, goals and reminders."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated

from core.commands import N_, Arg, command, confirmed
from core.context import Context
from core.cpd import schedules
from core.cpd.exports import PortfolioOwner, summary_csv, summary_ics, summary_pdf
from core.cpd.frameworks import catalogue, load_framework, parse_standards
from core.cpd.models import GoalStatus
from core.cpd.periods import Period, parse_period
from core.cpd.replies import (
    activity_fields,
    activity_line,
    category_label,
    goal_line,
    hours_text,
)
from core.cpd.service import (
    ActivityInput,
    activities_in,
    add_goal,
    check_day,
    check_hours,
    check_reflection,
    complete_goal,
    get_activity,
    get_goal,
    goal_progress,
    goals_of,
    hours_in,
    log_activity,
    match_category,
    preference_of,
    recent_repeat,
    summarise,
)
from core.errors import UserError
from core.i18n import _, format_percent, ngettext
from core.identity.service import lock_member
from core.params import (
    BadValue,
    ConvertContext,
    Kind,
    parse_date,
    parse_hours,
    parse_int,
    parse_url,
)
from core.reply import Reply, SpanLike, bold, code

LIST_LIMIT = 30
FORMATS = ("csv", "ics", "pdf")
CLEAR = ("-", "none")
"""Values that clear an optional field in cpd edit."""

_PERIOD_HELP = N_("this-year (default), last-year, month, last-month, week, all or FROM..TO")


def _period(ctx: Context, text: str | None) -> Period:
    return parse_period(text, ctx.local_now.date(), ctx.settings.cpd.cycle_start_month)


def _year_progress(ctx: Context) -> str:
    total = hours_in(ctx.session, ctx.member_id, _period(ctx, None))
    return _(
        "This CPD year: {hours} of {target} hours.",
        hours=hours_text(total),
        target=hours_text(ctx.settings.cpd.yearly_target_hours),
    )


@command(
    "cpd log",
    help=N_("Log an activity: hours, a title, and optionally category, date and standards."),
    form=True,
    examples=[
        'cpd log 1.5 "Formative assessment workshop" category=workshop standards=TS6',
        'cpd log 90m "Rosenshine\'s principles" category=reading date=yesterday',
    ],
)
def cpd_log(
    ctx: Context,
    *,
    hours: Annotated[float, Arg(N_("how long, like 1.5, 90m or 1h30"), kind=Kind.HOURS)],
    title: Annotated[str, Arg(N_("what it was, in quotes"), max_length=200)],
    category: Annotated[
        str | None, Arg(N_("course, workshop, reading…"), positional=False, max_length=60)
    ] = None,
    date: Annotated[
        date | None, Arg(N_("when: 2026-11-20, yesterday, last friday"), positional=False)
    ] = None,
    provider: Annotated[str | None, Arg(N_("who ran it"), positional=False, max_length=200)] = None,
    evidence: Annotated[
        str | None, Arg(N_("a link to a certificate or notes"), kind=Kind.URL, positional=False)
    ] = None,
    standards: Annotated[
        str | None, Arg(N_("standard codes, like TS1,TS4"), positional=False)
    ] = None,
    notes: Annotated[
        str | None,
        Arg(N_("what you took from it"), kind=Kind.LONG_TEXT, positional=False, max_length=2000),
    ] = None,
    reflection: Annotated[
        int | None, Arg(N_("a journal entry to keep as evidence"), kind=Kind.ID, positional=False)
    ] = None,
) -> Reply:
    settings = ctx.settings.cpd
    today = ctx.local_now.date()
    chosen = match_category(category, settings.categories) if category else settings.categories[0]
    entry = ActivityInput(
        hours=check_hours(hours, settings),
        title=title,
        category=chosen,
        day=check_day(date or today, today),
        provider=provider,
        evidence_url=evidence,
        standards=parse_standards(standards, settings.standards_frameworks) if standards else [],
        notes=notes or "",
        reflection_entry_id=(
            check_reflection(ctx.session, ctx.member_id, reflection)
            if reflection is not None
            else None
        ),
    )
    lock_member(ctx.session, ctx.member_id)  # two presses at once: the second sees the first
    repeat = recent_repeat(ctx.session, ctx.member_id, entry, now=ctx.now)
    if repeat is not None:
        reply = Reply.message(
            _("Already logged as #{id}: ", id=repeat.id),
            bold(repeat.title),
            _(". I did not log it twice."),
        )
        reply.fields(activity_fields(repeat))
        return reply.note(
            _(
                "If you really did it twice, log the second one with a slightly different "
                "title, or change the hours with cpd edit {id} hours=….",
                id=repeat.id,
            )
        )
    activity = log_activity(ctx.session, ctx.member_id, entry, now=ctx.now, today=today)
    schedules.keep_nudge(
        ctx.session, ctx.member_id, zone=ctx.member.timezone, now=ctx.now, settings=settings
    )
    reply = Reply.success(_("Logged #{id}: ", id=activity.id), bold(activity.title))
    reply.fields(activity_fields(activity))
    reply.text(_year_progress(ctx))
    if category is None:
        reply.note(
            _(
                "Filed under {category}. Change it with cpd edit {id} category=…",
                category=category_label(chosen),
                id=activity.id,
            )
        )
    return reply


def _file_safe(name: str) -> str:
    """A name fit for a file name: ASCII letters and digits joined by hyphens (Siân -> sian)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:40]


@command(
    "cpd list",
    help=N_("List your CPD activities in a period (this CPD year unless you say)."),
    examples=["cpd list", "cpd list last-year", "cpd list 2025-09-01..2025-12-31"],
)
def cpd_list(
    ctx: Context,
    *,
    period: Annotated[str | None, Arg(_PERIOD_HELP, max_length=40)] = None,
    page: Annotated[
        int, Arg(N_("page of the list"), positional=False, min_value=1, max_value=1000)
    ] = 1,
) -> Reply:
    chosen = _period(ctx, period)
    activities = activities_in(ctx.session, ctx.member_id, chosen)
    reply = Reply().heading(_("Your CPD: {period}", period=chosen.label()))
    if not activities:
        return reply.text(
            _("Nothing logged in this period. Log an activity with "),
            bold('cpd log 1 "Title"'),
            ".",
        )
    newest = list(reversed(activities))
    pages = max(1, -(-len(newest) // LIST_LIMIT))
    page = min(page, pages)
    reply.items([activity_line(a) for a in newest[(page - 1) * LIST_LIMIT : page * LIST_LIMIT]])
    total = sum(a.hours for a in activities)
    reply.text(
        ngettext(
            "{n} activity, {hours} hours.",
            "{n} activities, {hours} hours.",
            len(activities),
            hours=hours_text(round(total, 2)),
        )
    )
    if pages > 1:
        reply.note(_("Page {page} of {pages}, newest first.", page=page, pages=pages))
        where = f" {period}" if period else ""
        if page < pages:
            reply.action(_("Older"), f"cpd list{where} page={page + 1}")
        if page > 1:
            reply.action(_("Newer"), f"cpd list{where} page={page - 1}")
    return reply


@command(
    "cpd edit",
    help=N_("Change an activity: cpd edit ID key=value (use - to clear a field)."),
    examples=["cpd edit 12 hours=2 standards=TS4,TS5", "cpd edit 12 provider=-"],
)
def cpd_edit(
    ctx: Context,
    *,
    id: Annotated[int, Arg(N_("the activity's number, from cpd list"), kind=Kind.ID)],
    hours: Annotated[
        str | None, Arg(N_("like 1.5 or 90m"), positional=False, max_length=20)
    ] = None,
    title: Annotated[str | None, Arg(N_("what it was"), positional=False, max_length=200)] = None,
    category: Annotated[
        str | None, Arg(N_("course, workshop, reading…"), positional=False, max_length=60)
    ] = None,
    date: Annotated[
        str | None, Arg(N_("when it happened"), positional=False, max_length=64)
    ] = None,
    provider: Annotated[str | None, Arg(N_("who ran it"), positional=False, max_length=200)] = None,
    evidence: Annotated[str | None, Arg(N_("a link"), positional=False, max_length=2000)] = None,
    standards: Annotated[
        str | None, Arg(N_("standard codes, like TS1,TS4"), positional=False)
    ] = None,
    notes: Annotated[
        str | None,
        Arg(N_("what you took from it"), kind=Kind.LONG_TEXT, positional=False, max_length=2000),
    ] = None,
    reflection: Annotated[
        str | None,
        Arg(
            N_("a journal entry number (your own words go in notes)"),
            positional=False,
            max_length=2000,
        ),
    ] = None,
) -> Reply:
    settings = ctx.settings.cpd
    activity = get_activity(ctx.session, ctx.member_id, id)
    if all(
        v is None
        for v in (hours, title, category, date, provider, evidence, standards, notes, reflection)
    ):
        raise UserError(
            _("Say what to change, like cpd edit {id} hours=2 category=reading.", id=id),
            show_usage=True,
        )
    convert = ConvertContext(now=ctx.now, timezone=ctx.member.timezone)
    today = ctx.local_now.date()
    if hours is not None:
        activity.hours = check_hours(parse_hours(hours, "hours"), settings)
    if title is not None:
        if not title.strip() or title.strip().lower() in CLEAR:
            raise BadValue(
                _('An activity needs a title; give the new one, like title="Phonics course".'),
                "title",
            )
        activity.title = title.strip()
    if category is not None:
        activity.category = match_category(category, settings.categories)
    if date is not None:
        activity.occurred_on = check_day(parse_date(date, "date", convert), today)
    if provider is not None:
        activity.provider = None if provider.strip().lower() in CLEAR else provider.strip()
    if evidence is not None:
        cleared = evidence.strip().lower() in CLEAR
        activity.evidence_url = None if cleared else parse_url(evidence, "evidence")
    if standards is not None:
        cleared = standards.strip().lower() in CLEAR
        activity.standards = (
            [] if cleared else parse_standards(standards, settings.standards_frameworks)
        )
    if notes is not None:
        activity.notes = "" if notes.strip().lower() in CLEAR else notes.strip()
    as_notes = False
    if reflection is not None:
        wanted = reflection.strip().lstrip("#")
        if wanted.lower() in CLEAR:
            activity.reflection_entry_id = None
        elif wanted.isdigit():
            activity.reflection_entry_id = check_reflection(
                ctx.session, ctx.member_id, parse_int(wanted, "reflection")
            )
        elif notes is None:
            # Words, not an entry number: they are the member's reflection, kept as the notes
            # rather than refusing the whole edit.
            activity.notes = reflection.strip()
            as_notes = True
        else:
            raise BadValue(
                _("reflection takes a journal entry number, like 12; your own words go in notes."),
                "reflection",
            )
    activity.updated_at = ctx.now
    ctx.session.add(activity)
    ctx.session.flush()
    reply = Reply.success(_("Updated #{id}: ", id=activity.id), bold(activity.title))
    if as_notes:
        reply.note(
            _("Your words are kept as the activity's notes (reflection= links a journal entry).")
        )
    return reply.fields(activity_fields(activity))


@command(
    "cpd delete",
    help=N_("Delete an activity from your record. Asks you to confirm first."),
    examples=["cpd delete 12"],
)
def cpd_delete(
    ctx: Context,
    *,
    id: Annotated[int, Arg(N_("the activity's number, from cpd list"), kind=Kind.ID)],
    confirm: Annotated[
        str | None, Arg(N_("type confirm to delete without asking"), max_length=10)
    ] = None,
) -> Reply:
    activity = get_activity(ctx.session, ctx.member_id, id)
    if not confirmed(confirm):
        reply = Reply().heading(_("Delete this activity?"))
        reply.items([activity_line(activity)])
        reply.text(_("It will be gone from your summaries and exports. This cannot be undone."))
        return reply.action(_("Delete it"), f"cpd delete {id} confirm", "danger")
    ctx.session.delete(activity)
    ctx.session.flush()
    return Reply.success(
        _("Deleted #{id}: ", id=id), bold(activity.title), ". ", _year_progress(ctx)
    )


@command(
    "cpd summary",
    help=N_("Hours by category and standard, goals and the yearly target, for a period."),
    examples=["cpd summary", "cpd summary last-year", "cpd summary month"],
)
def cpd_summary(
    ctx: Context, *, period: Annotated[str | None, Arg(_PERIOD_HELP, max_length=40)] = None
) -> Reply:
    summary = summarise(ctx.session, ctx.member_id, _period(ctx, period), ctx.settings.cpd)
    reply = Reply().heading(_("CPD summary: {period}", period=summary.period.label()))
    totals = [
        (_("Hours"), hours_text(summary.total_hours)),
        (_("Activities"), str(len(summary.activities))),
    ]
    if summary.target_hours:
        percent = format_percent(round(summary.total_hours / summary.target_hours, 2))
        totals.append((_("Yearly target"), f"{hours_text(summary.target_hours)} h ({percent})"))
        left = round(summary.target_hours - summary.total_hours, 2)
        if left > 0:
            totals.append((_("Still to go"), f"{hours_text(left)} h"))
    reply.fields(totals)
    if summary.by_category:
        reply.text(bold(_("By category")))
        reply.items([[f"{category_label(c)}: {hours_text(h)} h"] for c, h in summary.by_category])
    if summary.by_standard or (summary.activities and summary.untagged_hours):
        reply.text(bold(_("By standard")))
        lines: list[list[SpanLike]] = [
            [code(s.code), f" {s.title}: {hours_text(h)} h"] for s, h in summary.by_standard
        ]
        if summary.untagged_hours:
            lines.append([_("Not mapped: {hours} h", hours=hours_text(summary.untagged_hours))])
        reply.items(lines)
    open_goals = [g for g in summary.goals if g.goal.status == GoalStatus.OPEN]
    if open_goals:
        reply.text(bold(_("Goals")))
        reply.items([goal_line(g.goal, g.hours) for g in open_goals])
    if not summary.activities:
        reply.text(_("Nothing logged in this period yet."))
    reply.note(
        _(
            "Export it with cpd export {period} pdf (or csv, ics).",
            period=summary.period.name if summary.period.name != "range" else (period or ""),
        )
    )
    return reply


def _owner(ctx: Context) -> PortfolioOwner:
    """Who the portfolio is for: the school they belong to in Staffroom, else the one in their
    profile, and the role in their profile."""
    # Imported here: the schools feature imports the CPD tables, so a top-level import would
    # make a loop.
    from core.schools.service import school_of

    member = ctx.member
    school = school_of(ctx.session, ctx.member_id)
    return PortfolioOwner(
        name=member.display_name,
        school=school.name if school is not None else member.school,
        role=member.role,
    )


@command(
    "cpd export",
    help=N_("Your CPD record as a file to hand in: csv (default), ics calendar or pdf summary."),
    examples=["cpd export", "cpd export last-year pdf", "cpd export all csv"],
)
def cpd_export(
    ctx: Context,
    *,
    period: Annotated[str | None, Arg(_PERIOD_HELP, max_length=40)] = None,
    format: Annotated[str | None, Arg(N_("csv, ics or pdf"), choices=FORMATS)] = None,
) -> Reply:
    if period is not None and period.strip().lower() in FORMATS and format is None:
        # "cpd export pdf": the one word given is the format, the period is the default.
        format = period.strip().lower()
        period = None
    chosen = format or "csv"
    summary = summarise(ctx.session, ctx.member_id, _period(ctx, period), ctx.settings.cpd)
    name = ctx.member.display_name
    # Named for the person and the day, so exports of two people or two days never overwrite.
    who = _file_safe(ctx.member.display_name) or f"member-{ctx.member_id}"
    made = ctx.local_now.date().isoformat()
    filename = f"cpd-{who}-{summary.period.slug()}-{made}.{chosen}"
    if chosen == "csv":
        data, kind = summary_csv(ctx.session, ctx.member_id, summary), "text/csv"
    elif chosen == "ics":
        data, kind = (
            summary_ics(ctx.session, summary, member_name=name, now=ctx.now),
            "text/calendar",
        )
    else:
        data = summary_pdf(
            ctx.session,
            ctx.member_id,
            summary,
            owner=_owner(ctx),
            now=ctx.now,
            today=ctx.local_now.date(),
            settings=ctx.settings.cpd,
        )
        kind = "application/pdf"
    reply = Reply.success(
        ngettext(
            "Your CPD record ({period}): {n} activity, {hours} hours.",
            "Your CPD record ({period}): {n} activities, {hours} hours.",
            len(summary.activities),
            period=summary.period.label(),
            hours=hours_text(summary.total_hours),
        )
    )
    return reply.attach(filename, kind, data)


@command("cpd standards", help=N_("The standards you can map activities to, with their codes."))
def cpd_standards(ctx: Context) -> Reply:
    reply = Reply().heading(_("Standards"))
    for framework_id in ctx.settings.cpd.standards_frameworks:
        framework = load_framework(framework_id)
        reply.text(bold(framework.name))
        reply.items([[code(s.code), f" {s.title}"] for s in framework.standards])
    codes = list(catalogue(ctx.settings.cpd.standards_frameworks))[:2]
    reply.note(
        _("Tag an activity with standards={codes}, when you log or edit it.", codes=",".join(codes))
    )
    return reply


# Goals ----------------------------------------------------------------------------------------


@command(
    "cpd goal add",
    help=N_("Set a CPD goal, with target hours and a due date if you like."),
    form=True,
    examples=['cpd goal add "Ten hours on assessment" hours=10 due=2027-03-31'],
)
def cpd_goal_add(
    ctx: Context,
    *,
    title: Annotated[str, Arg(N_("the goal, in quotes"), max_length=200)],
    hours: Annotated[
        float | None,
        Arg(N_("target hours, like 10"), kind=Kind.HOURS, positional=False, max_value=1000),
    ] = None,
    due: Annotated[
        date | None, Arg(N_("when, like 2027-03-31"), positional=False, prefer="future")
    ] = None,
    category: Annotated[
        str | None, Arg(N_("count only this category"), positional=False, max_length=60)
    ] = None,
) -> Reply:
    settings = ctx.settings.cpd
    goal = add_goal(
        ctx.session,
        ctx.member_id,
        title=title,
        target_hours=hours,
        category=match_category(category, settings.categories) if category else None,
        due=due,
        today=ctx.local_now.date(),
        now=ctx.now,
        settings=settings,
    )
    zone = ctx.member.timezone
    schedule = schedules.sync_goal_reminder(
        ctx.session, goal, zone=zone, now=ctx.now, settings=settings
    )
    schedules.sync_nudge(ctx.session, ctx.member_id, zone=zone, now=ctx.now, settings=settings)
    reply = Reply.success(_("Goal #{id} set: ", id=goal.id), bold(goal.title))
    reply.items([goal_line(goal, goal_progress(ctx.session, goal))])
    if schedule is not None and schedule.active and goal.due is not None:
        reply.note(
            ngettext(
                "I will remind you {n} day before it is due.",
                "I will remind you {n} days before it is due.",
                settings.goal_reminder_days,
            )
        )
    return reply


@command("cpd goal list", help=N_("Your CPD goals and how far along you are."))
def cpd_goal_list(ctx: Context) -> Reply:
    goals = goals_of(ctx.session, ctx.member_id)
    reply = Reply().heading(_("Your CPD goals"))
    if not goals:
        return reply.text(
            _("No goals yet. Set one with "), bold('cpd goal add "Title" hours=10'), "."
        )
    return reply.items([goal_line(g, goal_progress(ctx.session, g)) for g in goals])


@command("cpd goal done", help=N_("Mark a CPD goal as achieved."), examples=["cpd goal done 3"])
def cpd_goal_done(
    ctx: Context,
    *,
    id: Annotated[int, Arg(N_("the goal's number, from cpd goal list"), kind=Kind.ID)],
) -> Reply:
    goal = get_goal(ctx.session, ctx.member_id, id)
    if not complete_goal(ctx.session, goal, ctx.now):
        return Reply.message(_("Goal #{id} was already marked done.", id=id))
    schedules.sync_goal_reminder(
        ctx.session, goal, zone=ctx.member.timezone, now=ctx.now, settings=ctx.settings.cpd
    )
    return Reply.success(_("Well done! Goal #{id} achieved: ", id=id), bold(goal.title))


GoalId = Annotated[int, Arg(N_("the goal's number, from cpd goal list"), kind=Kind.ID)]


@command(
    "cpd goal edit",
    help=N_("Change a goal: its title, target hours, due date or category (- clears one)."),
    examples=["cpd goal edit 3 due=2027-06-30", "cpd goal edit 3 hours=12 category=-"],
)
def cpd_goal_edit(
    ctx: Context,
    *,
    id: GoalId,
    title: Annotated[str | None, Arg(N_("the goal"), positional=False, max_length=200)] = None,
    hours: Annotated[
        str | None, Arg(N_("target hours, like 10"), positional=False, max_length=20)
    ] = None,
    due: Annotated[
        str | None, Arg(N_("when, like 2027-03-31"), positional=False, max_length=64)
    ] = None,
    category: Annotated[
        str | None, Arg(N_("count only this category"), positional=False, max_length=60)
    ] = None,
) -> Reply:
    goal = get_goal(ctx.session, ctx.member_id, id)
    if all(v is None for v in (title, hours, due, category)):
        raise UserError(
            _("Say what to change, like cpd goal edit {id} due=2027-06-30.", id=id),
            show_usage=True,
        )
    settings = ctx.settings.cpd
    if title is not None:
        if not title.strip() or title.strip().lower() in CLEAR:
            raise BadValue(_("A goal needs a title; give the new one."), "title")
        goal.title = title.strip()
    if hours is not None:
        cleared = hours.strip().lower() in CLEAR
        goal.target_hours = None if cleared else check_hours(parse_hours(hours, "hours"), settings)
    if due is not None:
        if due.strip().lower() in CLEAR:
            goal.due = None
        else:
            convert = ConvertContext(now=ctx.now, timezone=ctx.member.timezone, prefer="future")
            day = parse_date(due, "due", convert)
            if day < ctx.local_now.date():
                raise BadValue(
                    _("{due} has already passed. Give a due date from today on.", due=day),
                    "due",
                )
            goal.due = day
    if category is not None:
        cleared = category.strip().lower() in CLEAR
        goal.category = None if cleared else match_category(category, settings.categories)
    ctx.session.add(goal)
    schedules.sync_goal_reminder(
        ctx.session, goal, zone=ctx.member.timezone, now=ctx.now, settings=settings
    )
    reply = Reply.success(_("Goal #{id} updated.", id=id))
    return reply.items([goal_line(goal, goal_progress(ctx.session, goal))])


@command(
    "cpd goal reopen",
    help=N_("Open a goal you marked done by mistake."),
    examples=["cpd goal reopen 3"],
)
def cpd_goal_reopen(ctx: Context, *, id: GoalId) -> Reply:
    goal = get_goal(ctx.session, ctx.member_id, id)
    if goal.status != GoalStatus.DONE:
        return Reply.message(_("Goal #{id} is still open.", id=id))
    goal.status = GoalStatus.OPEN
    goal.done_at = None
    ctx.session.add(goal)
    schedules.sync_goal_reminder(
        ctx.session, goal, zone=ctx.member.timezone, now=ctx.now, settings=ctx.settings.cpd
    )
    return Reply.success(_("Goal #{id} is open again: ", id=id), bold(goal.title))


@command(
    "cpd goal delete",
    help=N_("Delete a goal (your activities stay). Asks you to confirm first."),
    examples=["cpd goal delete 3"],
)
def cpd_goal_delete(
    ctx: Context,
    *,
    id: GoalId,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to delete without asking"), max_length=10)
    ] = None,
) -> Reply:
    goal = get_goal(ctx.session, ctx.member_id, id)
    if not confirmed(confirm):
        reply = Reply().heading(_("Delete this goal?"))
        reply.items([goal_line(goal, goal_progress(ctx.session, goal))])
        reply.text(_("Your activities stay in your record. This cannot be undone."))
        return reply.action(_("Delete it"), f"cpd goal delete {id} confirm", "danger")
    # Stop its reminder first (a done goal has none), then remove it.
    goal.status = GoalStatus.DONE
    schedules.sync_goal_reminder(
        ctx.session, goal, zone=ctx.member.timezone, now=ctx.now, settings=ctx.settings.cpd
    )
    ctx.session.delete(goal)
    ctx.session.flush()
    return Reply.success(_("Deleted goal #{id}: ", id=id), bold(goal.title))


@command(
    "cpd reminders",
    help=N_("Turn CPD reminders (goal deadlines, nudges when you have not logged) on or off."),
    examples=["cpd reminders off"],
)
def cpd_reminders(
    ctx: Context,
    *,
    state: Annotated[str | None, Arg(N_("on or off"), choices=("on", "off"))] = None,
) -> Reply:
    if state is None:
        on = preference_of(ctx.session, ctx.member_id, ctx.now).reminders
        return Reply.message(
            _("Your CPD reminders are on.") if on else _("Your CPD reminders are off."),
            _(" Change with cpd reminders on or cpd reminders off."),
        )
    on = state == "on"
    schedules.set_reminders(
        ctx.session,
        ctx.member_id,
        on,
        zone=ctx.member.timezone,
        now=ctx.now,
        settings=ctx.settings.cpd,
    )
    if on:
        return Reply.success(
            _("CPD reminders are on: before goals are due, and a nudge after a quiet spell.")
        )
    return Reply.success(_("CPD reminders are off. Turn them back on with cpd reminders on."))
