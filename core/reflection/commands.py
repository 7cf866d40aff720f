"""``reflect`` (prompts and their schedule) and ``journal`` (the private journal).

Importing this module registers the commands, the answer handler for free text, the schedule
kinds ``reflection.prompt`` and ``reflection.follow_up``, and the privacy participant.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime, timedelta
from datetime import time as TimeOfDay
from typing import Annotated

from sqlmodel import Session, col, select

from core.commands import N_, Arg, command, confirmed
from core.communities.channels import channel_language
from core.communities.membership import find_community
from core.communities.models import ChannelBinding, Community, CommunityMember, MembershipStatus
from core.context import Context
from core.delivery import is_paused
from core.delivery.models import Schedule
from core.delivery.schedules import next_sent
from core.errors import UserError
from core.i18n import _, format_day, format_moment, format_number, language, ngettext
from core.params import BadValue, Kind
from core.reflection import library, schedules, service
from core.reflection.models import JournalEntry
from core.reflection.replies import (
    cpd_command,
    entry_reply,
    model_label,
    prompt_reply,
    saved_reply,
    shared_reflection_reply,
    short,
    stage_position,
)
from core.reply import Reply, SpanLike, bold, code, italic

MODEL_PARAM_HELP = N_("reflective model: driscoll, gibbs, kolb, schon or brookfield")
MAX_PAUSE_DAYS = 366


# reflect -----------------------------------------------------------------------------------


def _model_for(ctx: Context, chosen: str | None) -> str:
    if chosen:
        return chosen
    schedule = schedules.reflection_schedule(ctx.session, ctx.member_id)
    if schedule is not None and schedule.payload.get("model") in library.models():
        return str(schedule.payload["model"])
    return ctx.settings.reflection.default_model


def _stage_of(model_key: str, typed: str | None) -> str | None:
    """The stage key ``typed`` names in the model (by key, title or a unique start of either)."""
    if typed is None:
        return None
    chosen = library.model(model_key)
    titles = {p.stage: p.stage_title for p in chosen.prompts}
    word = typed.strip().lower()
    names = {stage: (stage.lower(), titles.get(stage, stage).lower()) for stage in chosen.stages}
    exact = [stage for stage, forms in names.items() if word in forms]
    starts = [s for s, forms in names.items() if any(f.startswith(word) for f in forms)]
    found = exact or (starts if word and len(starts) == 1 else [])
    if not found:
        raise BadValue(
            _(
                "{model} has these stages: {stages}.",
                model=chosen.name,
                stages=", ".join(chosen.stages),
            ),
            "stage",
        )
    return found[0]


@command(
    "reflect",
    help=N_(
        "Get a reflection question now, at your model's next stage; reply to keep it in your "
        "journal."
    ),
    examples=[
        "reflect",
        "reflect gibbs",
        "reflect model=brookfield",
        "reflect gibbs stage=feelings",
    ],
)
def reflect(
    ctx: Context,
    *,
    model: Annotated[str | None, Arg(MODEL_PARAM_HELP, choices=library.MODELS)] = None,
    stage: Annotated[
        str | None,
        Arg(
            N_("a stage of the model, like feelings (else the next one)"),
            positional=False,
            max_length=40,
        ),
    ] = None,
) -> Reply:
    model_key = _model_for(ctx, model)
    question = service.pick_prompt(
        ctx.session, ctx.member_id, model_key, stage=_stage_of(model_key, stage)
    )
    prompt = service.open_prompt(ctx.session, ctx.member_id, question, ctx.now)
    reply = prompt_reply(prompt, scheduled=False)
    channel = ctx.invocation.channel
    if channel is not None and not channel.direct:
        reply.note(
            _(
                "Answer in a direct message to me, or with journal add, so your reflection "
                "stays private."
            )
        )
    return reply


@command(
    "reflect models",
    help=N_("The reflective models you can choose, with what each one asks you to think about."),
)
def reflect_models(ctx: Context) -> Reply:
    reply = Reply().heading(_("Reflective models"))
    lines: list[list[SpanLike]] = [
        [code(m.key), " — ", bold(m.name), ": " + m.summary] for m in library.models().values()
    ]
    reply.items(lines)
    reply.note(
        _("Try one with reflect gibbs, or schedule it: reflect schedule mon 09:00 model=kolb")
    )
    return reply


@command(
    "reflect schedule",
    help=N_("Get reflection prompts by direct message on chosen days, at your local time."),
    examples=[
        "reflect schedule mon,thu 09:00",
        "reflect schedule weekdays 16:30 model=gibbs",
        "reflect schedule fri 15:00 model=driscoll",
    ],
)
def reflect_schedule(
    ctx: Context,
    *,
    weekdays: Annotated[
        str, Arg(N_("days like mon,thu or mon-fri, or weekdays, weekends, daily"), max_length=60)
    ],
    time: Annotated[TimeOfDay, Arg(N_("time of day in your timezone, like 09:00"), kind=Kind.TIME)],
    model: Annotated[
        str | None, Arg(MODEL_PARAM_HELP, choices=library.MODELS, positional=False)
    ] = None,
) -> Reply:
    days = schedules.parse_weekdays(weekdays)
    model_key = _model_for(ctx, model)
    schedule = schedules.set_schedule(
        ctx.session,
        ctx.member,
        weekdays=days,
        at=time,
        model_key=model_key,
        follow_up_hours=ctx.settings.reflection.follow_up_hours,
        now=ctx.now,
    )
    ctx.audit("reflection.schedule", days=days, time=time.strftime("%H:%M"), model=model_key)
    reply = Reply.success(
        _("Reflection prompts are set for "),
        bold(
            _(
                "{days} at {time}",
                days=schedules.describe_days(days),
                time=time.strftime("%H:%M"),
            )
        ),
        _(" ({zone}).", zone=ctx.member.timezone),
    )
    reply.fields([(_("Model"), model_label(model_key))])
    if schedule.next_due_at is not None:
        reply.note(_("First prompt: {when}.", when=_local(ctx, schedule.next_due_at)))
    if ctx.member.timezone == "UTC":
        reply.note(
            _(
                "Times are in UTC because you have not set a timezone. Set yours with "
                "settings timezone Europe/London (for example) and the prompts move with it."
            )
        )
    return reply


def _local(ctx: Context, at: datetime) -> str:
    return format_moment(at.astimezone(ctx.zone))


def _future_date(ctx: Context, words: list[str]) -> date:
    """A date after today in the member's timezone: ISO or natural ("next monday", "1 march")."""
    raw = " ".join(words).strip()
    if raw.lower().startswith("until "):
        raw = raw[6:].strip()
    today = ctx.local_now.date()
    found: date | None = None
    try:
        found = date.fromisoformat(raw)
    except ValueError:
        if 0 < len(raw) <= 40:
            import dateparser  # imported lazily: slow to import, only natural dates need it

            parsed = dateparser.parse(
                raw,
                languages=["en"],
                settings={
                    "RELATIVE_BASE": ctx.local_now.replace(tzinfo=None),
                    "PREFER_DATES_FROM": "future",
                    "RETURN_AS_TIMEZONE_AWARE": False,
                },
            )
            found = parsed.date() if parsed is not None else None
    if found is None:
        raise BadValue(
            _("until must be a date, like 2026-12-01, next monday or 4 january."), "until"
        )
    if found <= today:
        raise BadValue(
            _(
                "until must be after today ({today}). To stop until you say so, send "
                "reflect pause on its own.",
                today=today.isoformat(),
            ),
            "until",
        )
    if found > today + timedelta(days=MAX_PAUSE_DAYS):
        raise BadValue(
            _("until must be within a year. To stop for longer, send reflect stop."), "until"
        )
    return found


def _need_schedule(ctx: Context) -> Schedule:
    schedule = schedules.reflection_schedule(ctx.session, ctx.member_id)
    if schedule is None:
        raise UserError(
            _(
                "You have no reflection schedule. Set one with reflect schedule mon,thu 09:00, "
                "or get a question now with reflect."
            )
        )
    return schedule


@command(
    "reflect pause",
    help=N_("Pause scheduled prompts until a date, or until you resume."),
    examples=["reflect pause", "reflect pause until 2027-01-04", "reflect pause until next monday"],
)
def reflect_pause(
    ctx: Context,
    *,
    until: Annotated[
        list[str] | None, Arg(N_("a date, like 2026-12-01 or next monday"), max_length=40)
    ] = None,
) -> Reply:
    schedule = _need_schedule(ctx)
    if not until:
        schedules.pause(ctx.session, schedule, None)
        return Reply.success(
            _("Reflection prompts are paused. Send reflect resume when you want them back.")
        )
    resume_on = _future_date(ctx, until)
    resume_at = datetime.combine(resume_on, datetime.min.time(), tzinfo=ctx.zone)
    schedules.pause(ctx.session, schedule, resume_at)
    return Reply.success(
        _("Reflection prompts are paused until "),
        bold(format_day(resume_on, "EEE dd MMM yyyy")),
        _(". They start again by themselves after that."),
    )


@command("reflect resume", help=N_("Start scheduled prompts again after a pause."))
def reflect_resume(ctx: Context) -> Reply:
    schedule = _need_schedule(ctx)
    if not is_paused(schedule, ctx.now):
        raise UserError(_("Your reflection prompts are not paused, so there is nothing to resume."))
    schedules.resume(ctx.session, schedule, ctx.now)
    reply = Reply.success(_("Reflection prompts are back on."))
    if schedule.next_due_at is not None:
        reply.note(_("Next prompt: {when}.", when=_local(ctx, schedule.next_due_at)))
    return reply


@command("reflect stop", help=N_("Stop scheduled reflection prompts. Your journal is kept."))
def reflect_stop(ctx: Context) -> Reply:
    if not schedules.stop(ctx.session, ctx.member_id):
        raise UserError(_("You have no reflection schedule, so there is nothing to stop."))
    return Reply.success(
        _("Scheduled prompts are stopped; your journal is untouched. Send reflect any time.")
    )


@command("reflect status", help=N_("Your reflection schedule, the next prompt, and your journal."))
def reflect_status(ctx: Context) -> Reply:
    reply = Reply().heading(_("Your reflection"))
    schedule = schedules.reflection_schedule(ctx.session, ctx.member_id)
    fields: list[tuple[str, str]] = []
    if schedule is None:
        fields.append((_("Schedule"), _("none")))
    else:
        recurrence = schedule.recurrence
        fields.append(
            (
                _("Schedule"),
                _(
                    "{days} at {time} ({zone})",
                    days=schedules.describe_days(list(recurrence.get("weekdays", []))),
                    time=recurrence.get("time", "?"),
                    zone=schedule.timezone,
                ),
            )
        )
        model_key = str(schedule.payload.get("model", ""))
        fields.append((_("Model"), model_label(model_key)))
        if model_key in library.models():
            coming_up = service.pick_prompt(ctx.session, ctx.member_id, model_key)
            fields.append((_("Next question"), stage_position(model_key, coming_up.stage)))
        if is_paused(schedule, ctx.now):
            fields.append(
                (
                    _("Paused"),
                    _("until {when}", when=_local(ctx, schedule.paused_until))
                    if schedule.paused_until is not None
                    else _("until you resume"),
                )
            )
            if schedules.paused_by_delivery_failure(schedule):
                reply.note(
                    _(
                        "Prompts stopped because I could not reach you by direct message. "
                        "Check that you have not blocked me, then send reflect resume."
                    )
                )
        coming = next_sent(schedule)
        if coming is not None:
            fields.append((_("Next prompt"), _local(ctx, coming)))
    open_now = service.open_prompts(ctx.session, ctx.member_id)
    entries = service.list_entries(ctx.session, ctx.member_id).total
    fields.append((_("Journal entries"), format_number(entries)))
    reply.fields(fields)
    if open_now:
        newest = max(open_now, key=lambda p: (p.sent_at, p.id or 0))
        reply.text(_("Waiting for your answer: "), italic(newest.text))
    if schedule is None:
        reply.note(_("Set a schedule with reflect schedule mon,thu 09:00 model=gibbs."))
    return reply


# Answers -----------------------------------------------------------------------------------


def _shareable(session: Session, member_id: int) -> list[str]:
    """Slugs of communities the member is active in that have a channel to post to."""
    return list(
        session.exec(
            select(Community.slug)
            .join(CommunityMember, col(CommunityMember.community_id) == col(Community.id))
            .where(
                CommunityMember.member_id == member_id,
                CommunityMember.status == MembershipStatus.ACTIVE,
                col(Community.id).in_(select(ChannelBinding.community_id)),
            )
            .order_by(col(Community.slug))
        )
    )


def _cpd_for(ctx: Context, entry: JournalEntry) -> str:
    """The ``cpd log`` command behind the "Log as CPD evidence" button for this entry."""
    categories = [c.lower() for c in ctx.settings.cpd.categories]
    category = ctx.settings.reflection.cpd_category
    return cpd_command(
        entry,
        hours=ctx.settings.reflection.cpd_hours,
        category=category if category.lower() in categories else None,
        zone=ctx.zone,
    )


def _saved(ctx: Context, entry: JournalEntry) -> Reply:
    return saved_reply(
        entry, cpd=_cpd_for(ctx, entry), communities=_shareable(ctx.session, ctx.member_id)
    )


def _looks_like_a_command(ctx: Context, text: str) -> bool:
    """A few words that are close to a command name are a typo, not a reflection: the dispatcher
    answers them with "did you mean", and the prompt stays open."""
    words = text.lower().split()
    if not 0 < len(words) <= 4:
        return False
    return bool(difflib.get_close_matches(words[0], ctx.registry.groups(), n=1, cutoff=0.8))


def answer_prompt(ctx: Context, text: str) -> Reply | None:
    """A direct message while a prompt is open (or a reply to one) is its answer."""
    channel = ctx.invocation.channel
    if channel is not None and not channel.direct:
        return None
    prompt = service.prompt_awaiting_answer(
        ctx.session,
        ctx.member_id,
        ctx.now,
        window=timedelta(hours=ctx.settings.reflection.answer_window_hours),
        reply_to=ctx.invocation.reply_to,
    )
    repeat = service.repeated_answer(ctx.session, ctx.member_id, text, ctx.now)
    if repeat is not None and (
        prompt is None or prompt.id == repeat.prompt_id or prompt.sent_at < repeat.created_at
    ):
        # The same answer sent again (a retry): kept once. A prompt sent since is answered anew.
        return _saved(ctx, repeat)
    if prompt is None or _looks_like_a_command(ctx, text):
        return None
    entry = service.answer_prompt(
        ctx.session, prompt, text, ctx.now, limit=ctx.settings.reflection.max_answer_length
    )
    return _saved(ctx, entry)


# journal -----------------------------------------------------------------------------------


@command(
    "journal add",
    help=N_("Write a journal entry of your own, without a prompt."),
    examples=["journal add Tried cold calling with Year 9 today: far more hands up by the end."],
)
def journal_add(
    ctx: Context,
    *,
    text: Annotated[
        str,
        Arg(
            N_("your reflection, as you would write it"),
            kind=Kind.LONG_TEXT,
            rest=True,
            max_length=20000,
        ),
    ],
) -> Reply:
    entry = service.add_entry(
        ctx.session,
        ctx.member_id,
        text,
        ctx.now,
        limit=ctx.settings.reflection.max_answer_length,
    )
    return _saved(ctx, entry)


@command(
    "journal list",
    help=N_("Your journal entries, newest first, ten to a page."),
    examples=["journal list", "journal list 2"],
)
def journal_list(
    ctx: Context, *, page: Annotated[int, Arg(N_("page number"), min_value=1, max_value=100000)] = 1
) -> Reply:
    found = service.list_entries(ctx.session, ctx.member_id, page)
    reply = Reply().heading(_("Your journal"))
    if not found.entries:
        return reply.text(
            _('Your journal is empty. Send reflect for a question, or journal add "...".')
        )
    lines: list[list[SpanLike]] = []
    for entry in found.entries:
        when = format_day(entry.created_at.astimezone(ctx.zone).date(), "dd MMM yyyy")
        shared = service.shares_of(ctx.session, entry.id or 0)
        mark = _(" · shared") if shared else ""
        lines.append(
            [
                bold(f"#{entry.id}"),
                f" · {when} · {model_label(entry.model)}{mark} — ",
                short(entry.body),
            ]
        )
    reply.items(lines)
    reply.note(
        _(
            "Page {page} of {pages}. Read one with journal show ID.",
            page=found.page,
            pages=found.pages,
        )
        + " "
        + ngettext("{n} entry in all.", "{n} entries in all.", found.total)
    )
    if found.page < found.pages:
        reply.action(_("Older entries"), f"journal list {found.page + 1}")
    return reply


@command(
    "journal show",
    help=N_("Read one of your journal entries in full."),
    examples=["journal show 12"],
)
def journal_show(
    ctx: Context,
    *,
    id: Annotated[int, Arg(N_("the entry's number, from journal list"), kind=Kind.ID)],
) -> Reply:
    entry = service.get_entry(ctx.session, ctx.member_id, id)
    reply = entry_reply(entry, ctx.zone, service.shared_community_names(ctx.session, id))
    reply.action(_("Log as CPD evidence"), _cpd_for(ctx, entry), "primary")
    reply.action(_("Delete"), f"journal delete {id}", "danger")
    return reply


@command(
    "journal delete",
    help=N_("Delete one of your journal entries. Asks you to confirm first."),
    examples=["journal delete 12", "journal delete 12 confirm"],
)
def journal_delete(
    ctx: Context,
    *,
    id: Annotated[int, Arg(N_("the entry's number, from journal list"), kind=Kind.ID)],
    confirm: Annotated[
        str | None, Arg(N_("type confirm to delete without asking"), max_length=10)
    ] = None,
) -> Reply:
    entry = service.get_entry(ctx.session, ctx.member_id, id)
    if not confirmed(confirm):
        reply = (
            Reply()
            .heading(_("Delete journal entry #{id}?", id=id))
            .text(short(entry.body, 200))
            .note(_("This cannot be undone."))
        )
        if service.shares_of(ctx.session, id):
            reply.note(_("Copies already posted to communities stay there."))
        return reply.action(_("Delete it"), f"journal delete {id} confirm", "danger")
    service.delete_entry(ctx.session, ctx.member_id, id)
    return Reply.success(_("Journal entry #{id} is deleted.", id=id))


@command(
    "journal share",
    help=N_("Post one of your entries to a community's channels. Shows you the post first."),
    examples=["journal share 12 community=maths-secondary"],
)
def journal_share(
    ctx: Context,
    *,
    id: Annotated[int, Arg(N_("the entry's number, from journal list"), kind=Kind.ID)],
    community: Annotated[
        str,
        Arg(
            N_("a community you belong to"), kind=Kind.COMMUNITY, autocomplete=True, max_length=100
        ),
    ],
    confirm: Annotated[
        str | None, Arg(N_("type confirm to post without previewing"), max_length=10)
    ] = None,
) -> Reply:
    entry = service.get_entry(ctx.session, ctx.member_id, id)
    found = find_community(ctx.session, community)
    if not confirmed(confirm):
        service.check_can_share(ctx.session, ctx.member_id, entry, found)
        with language(channel_language(found, ctx.settings.staffroom.language)):
            preview = shared_reflection_reply(ctx.member.display_name, entry, found.name)
        reply = Reply().heading(_("Share this reflection?"))
        reply.text(_("This is the post that would go to "), found.name, _("'s channels:"))
        reply.blocks.extend(preview.blocks[1:])
        reply.note(
            _(
                "Everyone in the community's channels will see it, with your name. "
                "Your journal stays private otherwise."
            )
        )
        return reply.action(
            _("Post it"), f"journal share {id} community={found.slug} confirm", "primary"
        )
    share = service.share_entry(
        ctx.session, ctx.member, entry, found, ctx.now, ctx.settings.staffroom.language
    )
    ctx.audit("journal.share", entry=id, community=found.slug)
    return Reply.success(
        _(
            "Shared journal entry #{id} with {community} ({channels} channel(s)).",
            id=id,
            community=found.name,
            channels=share.channels,
        )
    )
