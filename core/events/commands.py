"""Commands for community events: create, list, RSVP, export, edit and cancel."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from core.commands import N_, Arg, command
from core.communities.membership import find_community, require_inside
from core.context import Context
from core.errors import UserError
from core.events.models import Answer
from core.events.replies import event_reply
from core.events.service import (
    cancel_event,
    cpd_command,
    create_event,
    edit_event,
    rsvp,
    to_ical,
    upcoming,
    visible_event,
    when_local,
)
from core.i18n import _, ngettext
from core.params import Kind, parse_url
from core.reply import Reply, SpanLike, bold, code

ANSWER_WORDS = {Answer.YES: N_("going"), Answer.NO: N_("not going"), Answer.MAYBE: N_("maybe")}


@command(
    "event create",
    help=N_("Create an event in a community you belong to; WHEN is in your timezone."),
    examples=[
        'event create maths-secondary "Exit tickets teachmeet" "2026-12-01 16:00" 1h '
        "https://meet.example.org/abc",
    ],
)
def event_create(
    ctx: Context,
    *,
    community: Annotated[str, Arg(N_("the community"), kind=Kind.COMMUNITY, autocomplete=True)],
    title: Annotated[str, Arg(N_("what it is"), max_length=200)],
    when: Annotated[datetime, Arg(N_('start, like "2026-12-01 16:00"'))],
    duration: Annotated[timedelta | None, Arg(N_("how long, like 1h or 90m (default 1h)"))] = None,
    link: Annotated[str | None, Arg(N_("where to join or read more"), kind=Kind.URL)] = None,
) -> Reply:
    found = find_community(ctx.session, community)
    event = create_event(
        ctx.session,
        found,
        creator_id=ctx.member_id,
        title=title,
        starts_at=when,
        duration=duration or timedelta(hours=1),
        link_url=link,
        timezone=ctx.member.timezone,
        now=ctx.now,
        install_language=ctx.settings.staffroom.language,
    )
    ctx.audit("event.create", event_id=event.id, community=found.slug)
    reply = event_reply(event, found, ctx.zone)
    reply.tone = "success"
    reply.note(
        _(
            "You are down as going. Those who answer yes get reminders a day and an hour "
            "before. Share it with: event rsvp {id} yes",
            id=event.id,
        )
    )
    reply.action(_("Calendar file"), f"event export {event.id}")
    return reply


@command(
    "event list",
    help=N_("Upcoming events of your communities, or of one community, in your local time."),
    examples=["event list", "event list maths-secondary"],
)
def event_list(
    ctx: Context,
    *,
    community: Annotated[
        str | None, Arg(N_("one community"), kind=Kind.COMMUNITY, autocomplete=True)
    ] = None,
) -> Reply:
    found = None
    if community is not None:
        found = find_community(ctx.session, community)
        require_inside(ctx.session, found, ctx.member_id)
    rows = upcoming(ctx.session, ctx.member_id, ctx.now, community=found)
    if not rows:
        if found is not None:
            return Reply.message(
                _("{community} has no upcoming events. Create one with ", community=found.name),
                code(f'event create {found.slug} "TITLE" "YYYY-MM-DD HH:MM"'),
                ".",
            )
        return Reply.message(
            _(
                "No upcoming events in your communities. Find communities with community list, "
                "or see one's events with event list COMMUNITY."
            )
        )
    lines: list[list[SpanLike]] = []
    for row in rows:
        line: list[SpanLike] = [
            bold(row.event.title),
            _(" (id {id}) — ", id=row.event.id),
            when_local(row.event.starts_at, ctx.zone),
        ]
        if found is None:
            line.append(f" · {row.community.name}")
        line.append(ngettext(" · {n} going", " · {n} going", row.going))
        if row.your_answer is not None:
            line.append(_(" · you: {answer}", answer=_(ANSWER_WORDS[Answer(row.your_answer)])))
        lines.append(line)
    title = (
        _("Upcoming in {community}", community=found.name)
        if found is not None
        else _("Upcoming events")
    )
    return (
        Reply()
        .heading(title)
        .items(lines)
        .note(
            _(
                "Answer with event rsvp ID yes, no or maybe; get a calendar file with event export ID."
            )
        )
    )


@command(
    "event rsvp",
    help=N_("Say whether you are coming: yes, no or maybe."),
    examples=["event rsvp 12 yes"],
)
def event_rsvp(
    ctx: Context,
    *,
    id: Annotated[int, Arg(N_("the event id, like 12"), kind=Kind.ID)],
    answer: Annotated[str, Arg(N_("yes, no or maybe"), choices=tuple(a.value for a in Answer))],
) -> Reply:
    event, community = visible_event(ctx.session, id, ctx.member_id)
    chosen = Answer(answer)
    rsvp(ctx.session, event, ctx.member_id, chosen, ctx.now)
    reply = event_reply(event, community, ctx.zone)
    reply.tone = "success"
    if chosen is Answer.YES:
        reply.text(
            _(
                "You are going. I will remind you a day and an hour before, and offer to log it "
                "as CPD afterwards."
            )
        )
        reply.action(_("Calendar file"), f"event export {event.id}")
        if event.ends_at <= ctx.now:  # before it, a CPD entry would be dated in the future
            reply.action(_("Log as CPD"), cpd_command(event, ctx.zone))
    elif chosen is Answer.MAYBE:
        reply.text(_("Noted as maybe. Answer yes to get reminders."))
    else:
        reply.text(_("Noted: you are not going."))
    return reply


@command(
    "event export",
    help=N_("Get an event as a calendar file (iCalendar) for Outlook, Google or Apple Calendar."),
    examples=["event export 12"],
)
def event_export(
    ctx: Context, *, id: Annotated[int, Arg(N_("the event id, like 12"), kind=Kind.ID)]
) -> Reply:
    event, community = visible_event(ctx.session, id, ctx.member_id)
    return Reply.success(
        _("Open the file to add "), bold(event.title), _(" to your calendar.")
    ).attach(f"staffroom-event-{event.id}.ics", "text/calendar", to_ical(event, community, ctx.now))


@command(
    "event edit",
    help=N_("Change an event you organise: title, time, length or link; those going are told."),
    examples=['event edit 12 when="2026-12-03 16:30"', "event edit 12 link=-"],
)
def event_edit(
    ctx: Context,
    *,
    id: Annotated[int, Arg(N_("the event id, like 12"), kind=Kind.ID)],
    title: Annotated[str | None, Arg(N_("what it is"), positional=False, max_length=200)] = None,
    when: Annotated[
        datetime | None, Arg(N_('new start, like "2026-12-01 16:00"'), positional=False)
    ] = None,
    duration: Annotated[
        timedelta | None, Arg(N_("how long, like 1h or 90m"), positional=False)
    ] = None,
    link: Annotated[
        str | None,
        Arg(N_("where to join or read more (- removes it)"), positional=False, max_length=2000),
    ] = None,
) -> Reply:
    event, community = visible_event(ctx.session, id, ctx.member_id)
    if all(v is None for v in (title, when, duration, link)):
        raise UserError(
            _('Say what to change, like event edit {id} when="2026-12-03 16:30".', id=id),
            show_usage=True,
        )
    clear = link is not None and link.strip() == "-"
    told = edit_event(
        ctx.session,
        event,
        community,
        by=ctx.member_id,
        now=ctx.now,
        title=title,
        starts_at=when,
        duration=duration,
        link_url=None if link is None or clear else parse_url(link, "link"),
        clear_link=clear,
    )
    ctx.audit("event.edit", event_id=event.id)
    reply = event_reply(event, community, ctx.zone)
    reply.tone = "success"
    return reply.note(
        ngettext(
            "Updated; the {n} person who planned to come has been told.",
            "Updated; {n} people who planned to come have been told.",
            told,
        )
    )


@command(
    "event cancel",
    help=N_("Cancel an event you organise (or, as a moderator, any event of your community)."),
    examples=["event cancel 12"],
)
def event_cancel(
    ctx: Context, *, id: Annotated[int, Arg(N_("the event id, like 12"), kind=Kind.ID)]
) -> Reply:
    event, community = visible_event(ctx.session, id, ctx.member_id)
    told = cancel_event(ctx.session, event, community, by=ctx.member_id, now=ctx.now)
    ctx.audit("event.cancel", event_id=event.id)
    return Reply.success(
        bold(event.title),
        ngettext(
            " is cancelled; the {n} person who planned to come has been told.",
            " is cancelled; {n} people who planned to come have been told.",
            told,
        ),
    )
