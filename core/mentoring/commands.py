"""Commands for mentoring (``mentor ...``): offers and requests, rounds, answering proposals,
check-ins, ending a pair and feedback. Coffee rotations' commands are in
:mod:`core.mentoring.coffee_commands`; both put the notices a change produced in the outbox with
:func:`send_notices`."""

from __future__ import annotations

from typing import Annotated

from sqlmodel import col, select

from core.commands import N_, Arg, command, confirmed
from core.communities.membership import find_community, require_role
from core.communities.models import Community, Role
from core.context import Context
from core.delivery.models import Schedule
from core.delivery.outbox import enqueue
from core.delivery.schedules import cancel_schedule, create_schedule
from core.errors import UserError
from core.i18n import _
from core.identity.commands import PHASES
from core.mentoring.matching import (
    busy_places,
    offer_of,
    request_of,
    run_round,
    save_offer,
    save_request,
)
from core.mentoring.models import MatchStatus, MentorMatch, MentorOffer, RequestStatus
from core.mentoring.pairs import (
    accept,
    add_checkin,
    decline,
    end_match,
    give_feedback,
    match_for,
    matches_of,
    notes_for,
)
from core.mentoring.replies import (
    Notice,
    add_cpd_action,
    end_question,
    name_of,
    notes_reply,
    offer_reply,
    other_party,
    request_reply,
    round_reply,
    status_reply,
    status_word,
)
from core.params import BadValue, Kind
from core.reply import Reply

MAX_GOALS = 5
MAX_TOPICS = 10


def send_notices(ctx: Context, notices: list[Notice]) -> None:
    """Put the notices a change produced in the outbox, due now unless they say otherwise."""
    for notice in notices:
        enqueue(
            ctx.session,
            key=notice.key,
            reply=notice.reply,
            due_at=notice.due_at or ctx.now,
            now=ctx.now,
            member_id=notice.member_id,
            about=notice.about,
        )


def every_weeks(words: list[str], param: str) -> int | None:
    """``every 2 weeks`` / ``every week`` / ``fortnightly`` -> weeks; ``off`` -> None."""
    text = " ".join(w.lower() for w in words).strip()
    if text in ("off", "stop", "none"):
        return None
    if text in ("weekly", "every week"):
        return 1
    if text == "fortnightly":
        return 2
    parts = text.split()
    if (
        len(parts) == 3
        and parts[0] == "every"
        and parts[1].isdigit()
        and parts[2]
        in (
            "week",
            "weeks",
        )
    ):
        weeks = int(parts[1])
        if 1 <= weeks <= 12:
            return weeks
    raise BadValue(
        _(
            'Say how often, like "every 2 weeks" (1 to 12 weeks), or "off" to stop.',
        ),
        param,
    )


# Mentoring --------------------------------------------------------------------------------------
@command(
    "mentor offer",
    help=N_("Offer to mentor: how many mentees at once, and topics you can help with."),
    examples=['mentor offer capacity=2 "behaviour management" "first-year teaching"'],
)
def mentor_offer(
    ctx: Context,
    *,
    topics: Annotated[list[str] | None, Arg(N_("topics, each in quotes"), max_length=80)] = None,
    capacity: Annotated[
        int | None, Arg(N_("mentees at once"), positional=False, min_value=1, max_value=20)
    ] = None,
) -> Reply:
    topics = topics or []
    if len(topics) > MAX_TOPICS:
        raise BadValue(_("At most {n} topics, please.", n=MAX_TOPICS), "topics")
    offer = save_offer(
        ctx.session,
        ctx.member_id,
        capacity=capacity,
        topics=topics,
        settings=ctx.settings.mentoring,
        now=ctx.now,
    )
    return offer_reply(offer, has_profile=bool(ctx.member.subjects and ctx.member.phases))


@command("mentor pause", help=N_("Stop receiving new mentee proposals for now."))
def mentor_pause(ctx: Context) -> Reply:
    offer = _own_offer(ctx)
    offer.active = False
    offer.updated_at = ctx.now
    ctx.session.add(offer)
    return Reply.success(
        _("Paused: no new proposals until you send mentor resume. Current pairs carry on.")
    )


@command("mentor resume", help=N_("Receive new mentee proposals again."))
def mentor_resume(ctx: Context) -> Reply:
    offer = _own_offer(ctx)
    offer.active = True
    offer.updated_at = ctx.now
    ctx.session.add(offer)
    return Reply.success(_("Welcome back: you are in the next mentoring round."))


def _own_offer(ctx: Context) -> MentorOffer:
    offer = offer_of(ctx.session, ctx.member_id)
    if offer is None:
        raise UserError(
            _('You have not offered to mentor yet. Start with mentor offer "your topic".')
        )
    return offer


@command(
    "mentor request",
    help=N_("Ask for a mentor: your goals in your own words, each in quotes."),
    examples=['mentor request "behaviour management" "first-year teaching" phase=secondary'],
)
def mentor_request(
    ctx: Context,
    *,
    goals: Annotated[list[str], Arg(N_("your goals, each in quotes"), max_length=200)],
    phase: Annotated[
        str | None, Arg(N_("phase you teach"), choices=PHASES, positional=False)
    ] = None,
    language: Annotated[
        str | None, Arg(N_("language to be mentored in"), positional=False, max_length=32)
    ] = None,
) -> Reply:
    if len(goals) > MAX_GOALS:
        raise BadValue(
            _("At most {n} goals, please: choose the ones that matter most now.", n=MAX_GOALS),
            "goals",
        )
    request = save_request(
        ctx.session, ctx.member_id, goals=goals, phase=phase, language=language, now=ctx.now
    )
    return request_reply(request)


@command("mentor status", help=N_("Your offer, your request and your mentoring pairs."))
def mentor_status(ctx: Context) -> Reply:
    from core.mentoring.pairs import expire_due

    send_notices(ctx, expire_due(ctx.session, ctx.now))
    session, me = ctx.session, ctx.member_id
    offer = offer_of(session, me)
    return status_reply(
        session,
        me,
        offer=offer,
        places=busy_places(session, me) if offer is not None else 0,
        request=request_of(session, me),
        matches=matches_of(session, me)[:10],
    )


@command("mentor withdraw", help=N_("Withdraw your mentoring request (or your offer)."))
def mentor_withdraw(
    ctx: Context,
    *,
    what: Annotated[str | None, Arg(N_("request or offer"), choices=("request", "offer"))] = None,
) -> Reply:
    request = request_of(ctx.session, ctx.member_id)
    offer = offer_of(ctx.session, ctx.member_id)
    if what is None:
        if request is not None and offer is not None:
            raise UserError(
                _("You have a request and an offer: say mentor withdraw request or offer."),
                show_usage=True,
            )
        what = "request" if request is not None else "offer" if offer is not None else None
    if what == "offer":
        if offer is None:
            raise UserError(_("You have no mentoring offer to withdraw."))
        notices = _close_proposals(ctx, as_mentor=True)
        ctx.session.delete(offer)
        send_notices(ctx, notices)
        return Reply.success(
            _("Your offer is withdrawn. Active pairs carry on; end them with mentor end ID.")
        )
    if request is None:
        raise UserError(
            _('You have no mentoring request waiting. Make one with mentor request "your goal".')
        )
    notices = _close_proposals(ctx, as_mentor=False)
    request.status = RequestStatus.WITHDRAWN
    ctx.session.add(request)
    send_notices(ctx, notices)
    return Reply.success(_("Your mentoring request is withdrawn."))


def _close_proposals(ctx: Context, *, as_mentor: bool) -> list[Notice]:
    """Decline this member's open proposals on the side they are leaving."""
    notices: list[Notice] = []
    side = col(MentorMatch.mentor_id) if as_mentor else col(MentorMatch.mentee_id)
    for match in ctx.session.exec(
        select(MentorMatch).where(side == ctx.member_id, MentorMatch.status == MatchStatus.PROPOSED)
    ):
        assert match.id is not None
        notices += decline(ctx.session, match.id, ctx.member_id, ctx.now)[1]
    return notices


def _community_or_admin(ctx: Context, ref: str | None) -> Community | None:
    if ref is None:
        if not ctx.is_admin:
            raise UserError(
                _(
                    "Name the community to run its round, like mentor match maths-secondary. "
                    "Only Staffroom admins can run a round for everyone."
                ),
                show_usage=True,
            )
        return None
    community = find_community(ctx.session, ref)
    if not ctx.is_admin:
        require_role(ctx.session, community, ctx.member_id, Role.MODERATOR)
    return community


@command(
    "mentor match",
    help=N_("Run a mentoring round now (moderators of the community, or admins)."),
    examples=["mentor match maths-secondary"],
)
def mentor_match(
    ctx: Context,
    *,
    community: Annotated[
        str | None, Arg(N_("community"), kind=Kind.COMMUNITY, autocomplete=True)
    ] = None,
) -> Reply:
    found = _community_or_admin(ctx, community)
    round_, notices = run_round(
        ctx.session,
        ctx.settings.mentoring,
        ctx.now,
        community_id=found.id if found else None,
        run_by=ctx.member_id,
    )
    send_notices(ctx, notices)
    return round_reply(round_)


@command(
    "mentor schedule",
    help=N_("Run mentoring rounds automatically, like every 4 weeks, or off."),
    examples=["mentor schedule maths-secondary every 4 weeks", "mentor schedule maths off"],
)
def mentor_schedule(
    ctx: Context,
    *,
    community: Annotated[
        str | None, Arg(N_("community"), kind=Kind.COMMUNITY, autocomplete=True)
    ] = None,
    every: Annotated[list[str] | None, Arg(N_('"every 4 weeks" or "off"'), max_length=20)] = None,
) -> Reply:
    words = every or []
    if community in ("every", "off", "weekly", "fortnightly"):
        words, community = [community, *words], None
    weeks = every_weeks(words, "every")
    found = _community_or_admin(ctx, community)
    community_id = found.id if found else None
    existing = ctx.session.exec(
        select(Schedule).where(
            Schedule.kind == "mentor.round",
            col(Schedule.active),
            Schedule.community_id == community_id
            if community_id is not None
            else col(Schedule.community_id).is_(None),
        )
    ).first()
    where = found.name if found else _("everyone")
    if existing is not None:
        cancel_schedule(ctx.session, existing)
    if weeks is None:
        if existing is None:
            raise UserError(_("There are no scheduled mentoring rounds for {where}.", where=where))
        return Reply.success(_("Scheduled mentoring rounds for {where} are off.", where=where))
    schedule = create_schedule(
        ctx.session,
        kind="mentor.round",
        now=ctx.now,
        recurrence={
            "type": "weekly",
            "weekdays": [ctx.local_now.weekday()],
            "time": "09:00",
            "every_weeks": weeks,
        },
        timezone=ctx.member.timezone,
        community_id=community_id,
        # The planner has no settings at hand: those in force now travel with the schedule.
        payload={"settings": ctx.settings.mentoring.model_dump(mode="json")},
        follow_member_timezone=False,
    )
    first = schedule.next_due_at or ctx.now
    return Reply.success(
        _(
            "Mentoring rounds for {where} will run every {weeks} weeks, next on {date}.",
            where=where,
            weeks=weeks,
            date=first.astimezone(ctx.zone).date().isoformat(),
        )
    )


MatchId = Annotated[int, Arg(N_("the match number, like 12"), kind=Kind.ID)]


def _answered(ctx: Context, change: tuple[Reply, list[Notice]]) -> Reply:
    """The reply to a change of a match, after putting the notices it produced in the outbox."""
    reply, notices = change
    send_notices(ctx, notices)
    return reply


@command("mentor accept", help=N_("Accept a mentoring proposal."))
def mentor_accept(ctx: Context, *, id: MatchId) -> Reply:
    return _answered(ctx, accept(ctx.session, id, ctx.member_id, ctx.settings.mentoring, ctx.now))


@command(
    "mentor decline",
    help=N_("Decline a mentoring proposal. The other person only hears it did not work out."),
)
def mentor_decline(ctx: Context, *, id: MatchId) -> Reply:
    return _answered(ctx, decline(ctx.session, id, ctx.member_id, ctx.now))


@command(
    "mentor checkin",
    help=N_("Note how your mentoring is going; your partner reads it too (mentor notes ID)."),
    examples=['mentor checkin 12 "Planned a seating chart together"'],
)
def mentor_checkin(
    ctx: Context,
    *,
    id: MatchId,
    note: Annotated[
        str, Arg(N_("a line about your last meeting"), kind=Kind.LONG_TEXT, max_length=500)
    ],
) -> Reply:
    match = add_checkin(ctx.session, id, ctx.member_id, note, ctx.now)
    other = name_of(ctx.session, other_party(match, ctx.member_id))
    reply = Reply.success(_("Check-in noted."))
    reply.note(_("You and {name} can read your notes with mentor notes {id}.", name=other, id=id))
    return add_cpd_action(reply, other)


@command(
    "mentor notes",
    help=N_("Read your mentoring pair's check-in notes, and the feedback once it has ended."),
    examples=["mentor notes 12"],
)
def mentor_notes(ctx: Context, *, id: MatchId) -> Reply:
    match, notes = notes_for(ctx.session, id, ctx.member_id)
    if match.status not in (MatchStatus.ACTIVE, MatchStatus.COMPLETED):
        raise UserError(
            _(
                "Notes are for pairs that have started, and #{id} is {status}. "
                "See your pairs with mentor status.",
                id=id,
                status=status_word(match.status),
            )
        )
    return notes_reply(ctx.session, match, ctx.member_id, notes, ctx.zone)


@command(
    "mentor end",
    help=N_("End an active mentoring pair; you will both be asked for feedback. Asks first."),
    examples=["mentor end 12"],
)
def mentor_end(
    ctx: Context,
    *,
    id: MatchId,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to end it without asking"), max_length=10)
    ] = None,
) -> Reply:
    if not confirmed(confirm):
        match = match_for(ctx.session, id, ctx.member_id)
        if match.status != MatchStatus.ACTIVE:
            return _answered(ctx, end_match(ctx.session, id, ctx.member_id, ctx.now))
        other = name_of(ctx.session, other_party(match, ctx.member_id))
        return end_question(id, other)
    return _answered(ctx, end_match(ctx.session, id, ctx.member_id, ctx.now))


@command(
    "mentor feedback",
    help=N_("Rate an ended mentoring pair from 1 to 5, with one line of feedback."),
    examples=['mentor feedback 12 5 "Practical and kind"'],
)
def mentor_feedback(
    ctx: Context,
    *,
    id: MatchId,
    rating: Annotated[int, Arg(N_("1 to 5"), min_value=1, max_value=5)],
    line: Annotated[str, Arg(N_("one line"), max_length=300)],
) -> Reply:
    give_feedback(ctx.session, id, ctx.member_id, rating, line, ctx.now)
    match = match_for(ctx.session, id, ctx.member_id)
    other = name_of(ctx.session, other_party(match, ctx.member_id))
    return Reply.success(_("Thank you for your feedback.")).note(
        _(
            "{name} can read your line with mentor notes {id}; your rating stays with you and "
            "Staffroom's organisers.",
            name=other,
            id=id,
        )
    )
