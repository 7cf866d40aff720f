"""Commands for peer observation: ask or offer, answer, plan, write the notes, and what the
observed teacher does with them (reflect, log as CPD, share)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlmodel import select

from core.commands import N_, Arg, command, confirmed
from core.communities.membership import find_community
from core.communities.models import Community
from core.context import Context
from core.cpd.frameworks import parse_standards
from core.cpd.models import CpdActivity
from core.cpd.replies import category_label
from core.cpd.service import ActivityInput, check_hours, log_activity, match_category
from core.errors import UserError
from core.i18n import _, format_number, ngettext
from core.identity.models import Member
from core.identity.service import find_member, lock_member
from core.observation import lesson_study, service
from core.observation.models import LessonStudy, Observation, ObservationStatus
from core.observation.replies import (
    accepted_reply,
    asked_reply,
    cancel_question,
    delete_question,
    discussion_question,
    name_of,
    notes_sent_reply,
    observation_line,
    offered_reply,
    show_reply,
    step_question,
    study_cancel_question,
    study_line,
    study_reply,
    summary_reply,
)
from core.params import Kind
from core.reflection import library
from core.reflection import service as journal
from core.reflection.models import JournalEntry
from core.reply import Reply, SpanLike, bold, code

CATEGORY = "peer observation"
"""The CPD category an observation is logged under, when the install offers it."""

ObservationId = Annotated[
    int, Arg(N_("the observation's number, from observe list"), kind=Kind.ID, autocomplete=True)
]
Colleague = Annotated[
    str, Arg(N_("a colleague: @mention, #id or name"), kind=Kind.MEMBER, max_length=100)
]
Focus = Annotated[str, Arg(N_("what to look at, like questioning or transitions"), max_length=200)]
When = Annotated[
    datetime | None,
    Arg(N_('the lesson\'s date and time, like "2026-12-08 10:40"'), positional=False),
]
Lesson = Annotated[
    str | None, Arg(N_('which lesson, like "Y9 maths, period 3"'), positional=False, max_length=120)
]
Hope = Annotated[
    str | None,
    Arg(N_("what you want to learn from it, in a line"), positional=False, max_length=300),
]


def _colleague(ctx: Context, ref: str) -> Member:
    return find_member(
        ctx.session, ref, ctx.invocation.platform, ctx.invocation.tenant, visible=ctx.may_see
    )


def _propose(
    ctx: Context,
    colleague: str,
    *,
    as_observed: bool,
    focus: str,
    hope: str | None,
    lesson: str | None,
    at: datetime | None,
) -> tuple[Observation, Member]:
    """A request (``as_observed``) or an offer to the named colleague, audited."""
    other = _colleague(ctx, colleague)
    assert other.id is not None
    found = service.propose(
        ctx.session,
        by=ctx.member_id,
        other=other.id,
        as_observed=as_observed,
        focus=focus,
        hope=hope,
        lesson=lesson,
        at=at,
        now=ctx.now,
    )
    action = "observation.request" if as_observed else "observation.offer"
    ctx.audit(action, observation_id=found.id)
    return found, other


@command(
    "observe request",
    help=N_("Ask a colleague to observe one of your lessons, with a focus you choose."),
    examples=[
        'observe request @sam focus="questioning" date="2026-12-08 10:40" lesson="Y9 maths, P3"'
    ],
)
def observe_request(
    ctx: Context,
    *,
    colleague: Colleague,
    focus: Focus,
    date: When = None,
    lesson: Lesson = None,
    hope: Hope = None,
) -> Reply:
    found, other = _propose(
        ctx, colleague, as_observed=True, focus=focus, hope=hope, lesson=lesson, at=date
    )
    return asked_reply(found, ctx.zone, other.display_name)


@command(
    "observe offer",
    help=N_("Offer to observe a colleague's lesson; they choose whether, and the focus."),
    examples=['observe offer @ana focus="behaviour for learning" date="2026-12-09 13:00"'],
)
def observe_offer(
    ctx: Context,
    *,
    colleague: Colleague,
    focus: Focus,
    date: When = None,
    lesson: Lesson = None,
) -> Reply:
    found, other = _propose(
        ctx, colleague, as_observed=False, focus=focus, hope=None, lesson=lesson, at=date
    )
    return offered_reply(found, ctx.zone, other.display_name)


@command(
    "observe accept",
    help=N_("Accept an observation you were asked for or offered."),
    examples=["observe accept 4"],
)
def observe_accept(ctx: Context, *, id: ObservationId) -> Reply:
    found = service.answer(ctx.session, id, ctx.member_id, accept=True, now=ctx.now)
    return accepted_reply(found, ctx.zone)


@command(
    "observe decline",
    help=N_("Decline an observation you were asked for or offered; they are told kindly."),
    examples=["observe decline 4"],
)
def observe_decline(ctx: Context, *, id: ObservationId) -> Reply:
    service.answer(ctx.session, id, ctx.member_id, accept=False, now=ctx.now)
    return Reply.success(_("Declined observation {id}; they have been told.", id=id))


@command(
    "observe list",
    help=N_("Observations of your lessons, the ones you are doing, and notes shared with you."),
    examples=["observe list"],
)
def observe_list(ctx: Context) -> Reply:
    found = service.observations_of(ctx.session, ctx.member_id)
    if not (found.mine or found.observing or found.shared):
        return Reply.message(
            _("No observations yet. Ask a colleague to observe a lesson with "),
            code('observe request @colleague focus="questioning"'),
            _(", or offer to observe theirs with observe offer."),
        )
    reply = Reply().heading(_("Your observations"))
    sections = (
        (_("Of your lessons"), found.mine),
        (_("You are observing"), found.observing),
        (_("Shared with you"), found.shared),
    )
    for title, rows in sections:
        if rows:
            reply.text(bold(title))
            reply.items([observation_line(ctx.session, o, ctx.member_id, ctx.zone) for o in rows])
    return reply.note(_("See one with observe show ID."))


@command(
    "observe show",
    help=N_("One observation: the plan, and the notes if you may see them."),
    examples=["observe show 4"],
)
def observe_show(ctx: Context, *, id: ObservationId) -> Reply:
    found = service.get_observation(ctx.session, id, ctx.member_id)
    reply = show_reply(ctx.session, found, ctx.zone)
    if found.drafting is not None and ctx.member_id == found.observer_id:
        reply.note(_("Your notes are a draft; finish them with observe notes {id}.", id=id))
    if found.status == ObservationStatus.PROPOSED and ctx.member_id == service.answerer(found):
        reply.action(_("Accept"), f"observe accept {id}", "primary")
        reply.action(_("Decline"), f"observe decline {id}")
        return reply
    if ctx.member_id != found.observed_id:
        return _actions_for_observer(reply, found) if ctx.member_id == found.observer_id else reply
    names = [name_of(ctx.session, m) for m in service.shared_with(ctx.session, id)]
    if names:
        reply.text(bold(_("Shared with: ")), ", ".join(names))
    entry = _reflection_of(ctx, found)
    if entry is not None:
        reply.text(bold(_("Your reflection: ")), _("journal entry {id}", id=entry.id))
    if found.status == ObservationStatus.DONE:
        if entry is None:
            reply.action(_("Reflect on it"), f"observe reflect {id}", "primary")
        if found.observed_cpd_id is None:
            reply.action(_("Log as CPD"), f"observe cpd {id}")
    elif found.status in (ObservationStatus.PROPOSED, ObservationStatus.ACCEPTED):
        reply.action(_("Cancel it"), f"observe cancel {id}", "danger")
    return reply


def _actions_for_observer(reply: Reply, found: Observation) -> Reply:
    if found.status == ObservationStatus.ACCEPTED:
        reply.action(_("Write my notes"), f"observe notes {found.id}", "primary")
    if found.status == ObservationStatus.DONE and found.observer_cpd_id is None:
        reply.action(_("Log as CPD"), f"observe cpd {found.id}")
    return reply


def _reflection_of(ctx: Context, found: Observation) -> JournalEntry | None:
    if found.reflection_prompt_id is None:
        return None
    return ctx.session.exec(
        select(JournalEntry).where(
            JournalEntry.prompt_id == found.reflection_prompt_id,
            JournalEntry.member_id == ctx.member_id,
        )
    ).first()


@command(
    "observe edit",
    help=N_(
        "Change the plan: the focus and what you hope to learn (the observed teacher), "
        "the date or the lesson (either of you)."
    ),
    examples=['observe edit 4 date="2026-12-10 09:00"', 'observe edit 4 hope="more hands up"'],
)
def observe_edit(
    ctx: Context,
    *,
    id: ObservationId,
    focus: Annotated[
        str | None, Arg(N_("what to look at"), positional=False, max_length=200)
    ] = None,
    hope: Hope = None,
    lesson: Lesson = None,
    date: When = None,
) -> Reply:
    found = service.edit(
        ctx.session, id, ctx.member_id, focus=focus, hope=hope, lesson=lesson, at=date, now=ctx.now
    )
    reply = summary_reply(found, ctx.zone, _("Changed observation {id}", id=id))
    reply.tone = "success"
    return reply


@command(
    "observe notes",
    help=N_(
        "Write your notes after observing: what went well, evidence, a question, a next "
        "step. Give none and I ask for each in turn."
    ),
    form=True,
    examples=[
        "observe notes 4",
        'observe notes 4 went_well="Wait time after questions" next_step="Cold call by name"',
    ],
)
def observe_notes(
    ctx: Context,
    *,
    id: ObservationId,
    went_well: Annotated[
        str | None,
        Arg(
            N_("what went well, against the focus"),
            kind=Kind.LONG_TEXT,
            positional=False,
            max_length=2000,
        ),
    ] = None,
    evidence: Annotated[
        str | None,
        Arg(N_("what you saw or heard"), kind=Kind.LONG_TEXT, positional=False, max_length=2000),
    ] = None,
    question: Annotated[
        str | None, Arg(N_("one question for them"), positional=False, max_length=500)
    ] = None,
    next_step: Annotated[
        str | None, Arg(N_("one next step"), positional=False, max_length=500)
    ] = None,
) -> Reply:
    given = {
        "went_well": went_well,
        "evidence": evidence,
        "question": question,
        "next_step": next_step,
    }
    if all(v is None for v in given.values()):
        found = service.start_draft(ctx.session, id, ctx.member_id, ctx.now)
        return step_question(found)
    found = service.record_notes(ctx.session, id, ctx.member_id, given, ctx.now)
    ctx.audit("observation.notes", observation_id=id)
    return notes_sent_reply(ctx.session, found, ctx.zone)


def answer_notes(ctx: Context, text: str) -> Reply | None:
    """A direct message while the observer is writing notes step by step is the next part."""
    channel = ctx.invocation.channel
    if channel is not None and not channel.direct:
        return None
    found = service.drafting(ctx.session, ctx.member_id, ctx.now)
    if found is None or found.drafting is None:
        return None
    outcome = service.answer_draft(
        ctx.session, found, text, ctx.now, limit=service.note_limit(found.drafting)
    )
    if outcome == "sent":
        ctx.audit("observation.notes", observation_id=found.id)
        return notes_sent_reply(ctx.session, found, ctx.zone)
    if outcome == "stopped":
        return Reply.message(
            _("Saved as a draft. Carry on any time with observe notes {id}.", id=found.id)
        )
    return step_question(found)


@command(
    "observe reflect",
    help=N_("Reflect on the notes of an observation of your lesson, in your private journal."),
    examples=["observe reflect 4", 'observe reflect 4 "More wait time worked; next, cold call."'],
)
def observe_reflect(
    ctx: Context,
    *,
    id: ObservationId,
    text: Annotated[
        str | None,
        Arg(
            N_("your reflection; leave it out and I will ask"),
            kind=Kind.LONG_TEXT,
            max_length=20000,
        ),
    ] = None,
) -> Reply:
    found = service.get_observation(ctx.session, id, ctx.member_id)
    service.require_observed(ctx.session, found, ctx.member_id)
    service.require_notes(found)
    question = library.Prompt(
        key="observation",
        model="observation",
        stage="reflect",
        stage_title="",
        stage_index=0,
        text=service.reflection_question(ctx.session, found),
    )
    prompt = journal.open_prompt(ctx.session, ctx.member_id, question, ctx.now)
    found.reflection_prompt_id = prompt.id
    ctx.session.add(found)
    if text is None:
        reply = Reply().heading(_("Reflect on observation {id}", id=id))
        reply.text(question.text)
        return reply.note(
            _(
                "Reply to me here: it goes into your private journal, which only you can read, "
                "linked to this observation."
            )
        )
    entry = journal.answer_prompt(
        ctx.session, prompt, text, ctx.now, limit=ctx.settings.reflection.max_answer_length
    )
    reply = Reply.success(_("Saved to your journal as entry {id}.", id=entry.id))
    if found.observed_cpd_id is None:
        reply.action(_("Log as CPD"), f"observe cpd {id}")
    return reply


@command(
    "observe cpd",
    help=N_("Log an observation you took part in as CPD (peer observation), in one step."),
    examples=["observe cpd 4", "observe cpd 4 hours=1.5 standards=TS4"],
)
def observe_cpd(
    ctx: Context,
    *,
    id: ObservationId,
    hours: Annotated[
        float | None, Arg(N_("how long (default 1 hour)"), kind=Kind.HOURS, positional=False)
    ] = None,
    standards: Annotated[
        str | None, Arg(N_("standard codes, like TS1,TS4"), positional=False)
    ] = None,
) -> Reply:
    lock_member(ctx.session, ctx.member_id)  # two presses at once: the second sees the first
    found = service.get_observation(ctx.session, id, ctx.member_id, for_update=True)
    if ctx.member_id not in (found.observed_id, found.observer_id):
        service.require_observed(ctx.session, found, ctx.member_id)
    service.require_notes(found)
    observed = ctx.member_id == found.observed_id
    logged = found.observed_cpd_id if observed else found.observer_cpd_id
    if logged is not None and ctx.session.get(CpdActivity, logged) is not None:
        return Reply.message(
            _("Already logged as CPD activity #{id}. See it with cpd show {id}.", id=logged)
        )
    settings = ctx.settings.cpd
    category = (
        match_category(CATEGORY, settings.categories)
        if any(c.lower() == CATEGORY for c in settings.categories)
        else settings.categories[0]
    )
    title = (
        _("Peer observation of my lesson: {focus}", focus=found.focus)
        if observed
        # No name: the record is seen by the observer's CPD lead, the colleague did not agree to that.
        else _("Observed a colleague's lesson: {focus}", focus=found.focus)
    )
    today = ctx.local_now.date()
    activity = log_activity(
        ctx.session,
        ctx.member_id,
        ActivityInput(
            hours=check_hours(hours if hours is not None else 1.0, settings),
            title=title[:200],
            category=category,
            day=min(service.local_day(found, ctx.zone), today),
            standards=(
                parse_standards(standards, settings.standards_frameworks) if standards else []
            ),
            reflection_entry_id=(
                entry.id if observed and (entry := _reflection_of(ctx, found)) else None
            ),
        ),
        now=ctx.now,
        today=today,
    )
    if observed:
        found.observed_cpd_id = activity.id
    else:
        found.observer_cpd_id = activity.id
    ctx.session.add(found)
    reply = Reply.success(_("Logged #{id}: ", id=activity.id), bold(activity.title))
    return reply.note(
        _(
            "Hours: {hours}; category: {category}. Change it with cpd edit {id}.",
            hours=format_number(activity.hours),
            category=category_label(category),
            id=activity.id,
        )
    )


@command(
    "observe share",
    help=N_("Show the notes of an observation of your lesson to your mentor or CPD lead."),
    examples=["observe share 4 @sam"],
)
def observe_share(ctx: Context, *, id: ObservationId, colleague: Colleague) -> Reply:
    target = _colleague(ctx, colleague)
    if not service.share(ctx.session, id, ctx.member_id, target, ctx.now):
        return Reply.message(
            _("{name} can already see observation {id}.", name=target.display_name, id=id)
        )
    ctx.audit("observation.share", observation_id=id, member_id=target.id)
    return Reply.success(
        _(
            "Shared observation {id} with {name}. Stop with observe unshare {id} {ref}.",
            id=id,
            name=target.display_name,
            ref=f"#{target.id}",
        )
    )


@command(
    "observe unshare",
    help=N_("Stop showing an observation's notes to someone you shared them with."),
    examples=["observe unshare 4 @sam"],
)
def observe_unshare(ctx: Context, *, id: ObservationId, colleague: Colleague) -> Reply:
    target = _colleague(ctx, colleague)
    if not service.unshare(ctx.session, id, ctx.member_id, target):
        return Reply.message(
            _("Observation {id} was not shared with {name}.", id=id, name=target.display_name)
        )
    return Reply.success(
        _(
            "{name} can no longer see observation {id} (a message already sent stays where it "
            "was sent).",
            name=target.display_name,
            id=id,
        )
    )


@command(
    "observe cancel",
    help=N_("Call off an observation that has not happened; the other person is told. Asks first."),
    examples=["observe cancel 4"],
)
def observe_cancel(
    ctx: Context,
    *,
    id: ObservationId,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to cancel without asking"), max_length=10)
    ] = None,
) -> Reply:
    if not confirmed(confirm):
        found = service.get_observation(ctx.session, id, ctx.member_id)
        other = name_of(ctx.session, service.other_side(found, ctx.member_id))
        return cancel_question(id, other)
    service.cancel(ctx.session, id, ctx.member_id, ctx.now)
    return Reply.success(_("Cancelled observation {id}.", id=id))


@command(
    "observe delete",
    help=N_("Delete an observation of your lesson and its notes for good. Asks first."),
    examples=["observe delete 4"],
)
def observe_delete(
    ctx: Context,
    *,
    id: ObservationId,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to delete without asking"), max_length=10)
    ] = None,
) -> Reply:
    found = service.get_observation(ctx.session, id, ctx.member_id)
    service.check_may_delete(found, ctx.member_id)
    if not confirmed(confirm):
        return delete_question(id)
    if found.status in (ObservationStatus.PROPOSED, ObservationStatus.ACCEPTED):
        raise UserError(
            _(
                "Observation {id} is still planned: cancel it first with observe cancel {id}, so "
                "your colleague is told.",
                id=id,
            )
        )
    service.delete(ctx.session, id, ctx.member_id)
    ctx.audit("observation.delete", observation_id=id)
    return Reply.success(_("Deleted observation {id}.", id=id))


# Lesson study ------------------------------------------------------------------------------------

StudyId = Annotated[
    int, Arg(N_("the lesson study's number, from observe study list"), kind=Kind.ID)
]


def _study_reply(ctx: Context, study: LessonStudy, community: Community, heading: str) -> Reply:
    observers = lesson_study.observers(ctx.session, study.id or 0)
    return study_reply(ctx.session, study, community, observers, ctx.zone, heading)


@command(
    "observe study create",
    help=N_(
        "Open a lesson study in a community: you teach the research lesson, colleagues "
        "join to observe it with one focus."
    ),
    examples=[
        'observe study create maths-secondary focus="hinge questions" date="2026-12-10 10:40"'
    ],
)
def observe_study_create(
    ctx: Context,
    *,
    community: Annotated[str, Arg(N_("the community"), kind=Kind.COMMUNITY, autocomplete=True)],
    focus: Focus,
    date: Annotated[
        datetime, Arg(N_('the research lesson\'s date and time, like "2026-12-10 10:40"'))
    ],
    lesson: Lesson = None,
    plan: Annotated[
        str | None,
        Arg(N_("a link to the plan you wrote together"), kind=Kind.URL, positional=False),
    ] = None,
) -> Reply:
    found = find_community(ctx.session, community)
    study = lesson_study.create_study(
        ctx.session,
        found,
        teacher_id=ctx.member_id,
        focus=focus,
        at=date,
        lesson=lesson,
        plan_url=plan,
        now=ctx.now,
        install_language=ctx.settings.staffroom.language,
    )
    ctx.audit("observation.study.create", study_id=study.id, community=found.slug)
    reply = _study_reply(ctx, study, found, _("Lesson study {id} opened", id=study.id))
    reply.tone = "success"
    return reply.note(
        _(
            "Colleagues in {community} join with observe study join {id}; their notes come to "
            "you alone, and everyone is asked to talk it over after the lesson.",
            community=found.name,
            id=study.id,
        )
    )


@command(
    "observe study join",
    help=N_("Join a lesson study in your community as one of its observers."),
    examples=["observe study join 2"],
)
def observe_study_join(ctx: Context, *, id: StudyId) -> Reply:
    observation = lesson_study.join_study(ctx.session, id, ctx.member_id, ctx.now)
    reply = summary_reply(
        observation,
        ctx.zone,
        _(
            "You observe {name}'s research lesson",
            name=name_of(ctx.session, observation.observed_id),
        ),
    )
    reply.tone = "success"
    return reply.note(
        _(
            "This is observation {id}: you are reminded before, and write your notes with "
            "observe notes {id} after.",
            id=observation.id,
        )
    )


@command(
    "observe study leave",
    help=N_("Stop observing a lesson study; the teacher is told."),
    examples=["observe study leave 2"],
)
def observe_study_leave(ctx: Context, *, id: StudyId) -> Reply:
    lesson_study.leave_study(ctx.session, id, ctx.member_id, ctx.now)
    return Reply.success(_("You no longer observe lesson study {id}.", id=id))


@command(
    "observe study list",
    help=N_("Lesson studies in your communities."),
    examples=["observe study list"],
)
def observe_study_list(ctx: Context) -> Reply:
    studies = lesson_study.studies_for(ctx.session, ctx.member_id, ctx.now)
    if not studies:
        return Reply.message(
            _("No lesson studies in your communities. Open one with "),
            code('observe study create COMMUNITY focus="..." date="YYYY-MM-DD HH:MM"'),
            ".",
        )
    lines: list[list[SpanLike]] = []
    for study in studies:
        count = len(lesson_study.observers(ctx.session, study.id or 0))
        lines.append(study_line(ctx.session, study, ctx.zone, count))
    return (
        Reply()
        .heading(_("Lesson studies"))
        .items(lines)
        .note(_("See one with observe study show ID; join with observe study join ID."))
    )


@command(
    "observe study show",
    help=N_("One lesson study: the focus, the teacher, the observers."),
    examples=["observe study show 2"],
)
def observe_study_show(ctx: Context, *, id: StudyId) -> Reply:
    study, community = lesson_study.get_study(ctx.session, id, ctx.member_id)
    reply = _study_reply(ctx, study, community, _("Lesson study {id}", id=id))
    if study.cancelled_at is not None:
        return reply.text(_("This lesson study was cancelled."))
    observing = ctx.member_id in lesson_study.observers(ctx.session, id)
    if ctx.member_id != study.teacher_id and not observing and study.at > ctx.now:
        reply.action(_("Join as an observer"), f"observe study join {id}", "primary")
    return reply


@command(
    "observe study reflect",
    help=N_("After the research lesson: the discussion question, as a prompt for your journal."),
    examples=["observe study reflect 2"],
)
def observe_study_reflect(ctx: Context, *, id: StudyId) -> Reply:
    study, _community = lesson_study.get_study(ctx.session, id, ctx.member_id)
    if ctx.member_id != study.teacher_id and ctx.member_id not in lesson_study.observers(
        ctx.session, id
    ):
        raise UserError(
            _("Only the teacher and the observers of lesson study {id} discuss it.", id=id)
        )
    question = library.Prompt(
        key="lesson-study",
        model="observation",
        stage="discuss",
        stage_title="",
        stage_index=0,
        text=discussion_question(study.focus),
    )
    journal.open_prompt(ctx.session, ctx.member_id, question, ctx.now)
    reply = Reply().heading(_("Lesson study {id}", id=id))
    reply.text(question.text)
    return reply.note(
        _("Reply to me here: it goes into your private journal, which only you can read.")
    )


@command(
    "observe study cancel",
    help=N_("Call off a lesson study you teach; every observer is told. Asks first."),
    examples=["observe study cancel 2"],
)
def observe_study_cancel(
    ctx: Context,
    *,
    id: StudyId,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to cancel without asking"), max_length=10)
    ] = None,
) -> Reply:
    if not confirmed(confirm):
        lesson_study.get_study(ctx.session, id, ctx.member_id)
        return study_cancel_question(id)
    told = lesson_study.cancel_study(ctx.session, id, ctx.member_id, ctx.now)
    return Reply.success(
        ngettext(
            "Cancelled lesson study {id}; {n} observer was told.",
            "Cancelled lesson study {id}; {n} observers were told.",
            told,
            id=id,
        )
    )
