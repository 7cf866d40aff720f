"""Commands for mentoring (``mentor ...``) and coffee rotations (``coffee ...``), their schedule
kinds, and mentoring's privacy participant."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from core.commands import N_, Arg, command, confirmed
from core.communities.membership import find_community, require_role
from core.communities.models import Community, Role
from core.context import Context
from core.delivery.models import Schedule
from core.delivery.outbox import enqueue
from core.delivery.schedules import cancel_schedule, create_schedule
from core.errors import UserError
from core.i18n import _, format_moment, ngettext
from core.identity.commands import PHASES
from core.mentoring import coffee
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
    contacts,
    name_of,
    notes_reply,
    other_party,
    proposal_reply,
    status_word,
)
from core.params import BadValue, ConvertContext, Kind, parse_date, parse_id
from core.reply import Reply, bold

MAX_GOALS = 5
MAX_TOPICS = 10


def _send(ctx: Context, notices: list[Notice]) -> None:
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


def _every(words: list[str], param: str) -> int | None:
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
    reply = Reply.success(
        _("Thank you for offering to mentor, for up to {n} mentees at once.", n=offer.capacity)
    )
    if offer.topics:
        reply.text(_("Topics: "), ", ".join(offer.topics))
    else:
        reply.note(
            _('Add topics so mentees find you: mentor offer "behaviour management" "assessment".')
        )
    if not ctx.member.subjects or not ctx.member.phases:
        reply.note(
            _("Matching also uses your profile: profile set subjects=maths phases=secondary.")
        )
    return reply


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
    reply = Reply.success(_("Your mentoring request is in the queue for the next round."))
    reply.items([[goal] for goal in request.goals], ordered=True)
    reply.note(_("Your first goal counts most. See where you are with mentor status."))
    return reply


@command("mentor status", help=N_("Your offer, your request and your mentoring pairs."))
def mentor_status(ctx: Context) -> Reply:
    from core.mentoring.pairs import expire_due

    _send(ctx, expire_due(ctx.session, ctx.now))
    session, me = ctx.session, ctx.member_id
    reply = Reply().heading(_("Mentoring"))
    offer = offer_of(session, me)
    if offer is not None:
        state = _("open") if offer.active else _("paused")
        reply.fields(
            [
                (_("Your offer"), state),
                (_("Places"), f"{busy_places(session, me)}/{offer.capacity}"),
                (_("Topics"), ", ".join(offer.topics) or "—"),
            ]
        )
    request = request_of(session, me)
    if request is not None:
        reply.text(_("Your request: "), "; ".join(request.goals))
        if request.status == RequestStatus.OPEN:
            reply.note(_("Waiting for the next round."))
    for match in matches_of(session, me)[:10]:
        other_id = other_party(match, me)
        other = name_of(session, other_id)
        role = _("mentor") if match.mentor_id == other_id else _("mentee")
        if match.status == MatchStatus.PROPOSED:
            reply.blocks.extend(proposal_reply(session, match, me).blocks)
            reply.action(_("Accept #{id}", id=match.id), f"mentor accept {match.id}", "primary")
            reply.action(_("Decline #{id}", id=match.id), f"mentor decline {match.id}", "danger")
        elif match.status == MatchStatus.ACTIVE:
            reply.text(
                bold(f"#{match.id}"), " ", _("Active with your {role} ", role=role), bold(other)
            )
            reply.items([[line] for line in contacts(session, other_id)])
            add_cpd_action(reply, other)
            reply.action(_("Notes #{id}", id=match.id), f"mentor notes {match.id}")
        else:
            shown = other if match.status == MatchStatus.COMPLETED else _("a proposed match")
            reply.text(f"#{match.id} ", shown, " — ", status_word(match.status))
    if len(reply.blocks) == 1:
        reply.text(
            _(
                'Nothing yet. Ask for a mentor with mentor request "your goal", or offer with '
                'mentor offer "your topic".'
            )
        )
    return reply


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
        _send(ctx, notices)
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
    _send(ctx, notices)
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
    _send(ctx, notices)
    reply = Reply.success(
        _(
            "Round done: {proposed} proposals for {mentees} waiting mentees and {mentors} mentors "
            "with free places.",
            proposed=round_.proposed,
            mentees=round_.mentees,
            mentors=round_.mentors,
        )
    )
    left = round_.mentees - round_.proposed
    if left:
        reply.note(
            _("{n} mentees had no good fit this time; they get priority next round.", n=left)
        )
    return reply


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
    weeks = _every(words, "every")
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
    _send(ctx, notices)
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
        return (
            Reply()
            .heading(_("End your mentoring with {name}?", name=other))
            .text(
                _(
                    "Check-ins stop and you are both asked for feedback; {name} is told. "
                    "An ended pair cannot be restarted (you can ask for a new one).",
                    name=other,
                )
            )
            .action(_("End it"), f"mentor end {id} confirm", "danger")
        )
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


# Coffee -----------------------------------------------------------------------------------------
CoffeeCommunity = Annotated[
    str, Arg(N_("the community, by name or short name"), kind=Kind.COMMUNITY, autocomplete=True)
]


@command(
    "coffee join",
    help=N_("Join a community's coffee rotation."),
    examples=["coffee join maths-secondary"],
)
def coffee_join(ctx: Context, *, community: CoffeeCommunity) -> Reply:
    found = find_community(ctx.session, community)
    rotation = coffee.join(ctx.session, found, ctx.member_id, ctx.now)
    when = (
        _("Rounds run every {n} weeks.", n=rotation.every_weeks)
        if rotation.every_weeks
        else _("A moderator starts the rounds.")
    )
    return Reply.success(_("You are in {name}'s coffee rotation. ", name=found.name) + when)


@command("coffee leave", help=N_("Leave a community's coffee rotation."))
def coffee_leave(ctx: Context, *, community: CoffeeCommunity) -> Reply:
    found = find_community(ctx.session, community)
    _rotation, seat = coffee.require_participant(ctx.session, found, ctx.member_id)
    ctx.session.delete(seat)
    return Reply.success(_("You have left {name}'s coffee rotation.", name=found.name))


@command(
    "coffee pause",
    help=N_("Skip coffee rounds for a while, or until a date."),
    examples=["coffee pause maths-secondary", "coffee pause maths-secondary until 2027-01-10"],
)
def coffee_pause(
    ctx: Context,
    *,
    community: CoffeeCommunity,
    until: Annotated[list[str] | None, Arg(N_("a date"), max_length=40)] = None,
) -> Reply:
    found = find_community(ctx.session, community)
    _rotation, seat = coffee.require_participant(ctx.session, found, ctx.member_id)
    words = [w for w in (until or []) if w.lower() != "until"]
    if words:
        day = parse_date(" ".join(words), "until", ConvertContext(ctx.now, ctx.member.timezone))
        end = datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(ctx.member.timezone))
        if end <= ctx.now:
            raise BadValue(_("The date must be in the future, like 2027-01-10."), "until")
        seat.paused_until, seat.paused = end, False
        message = _("Paused until {date}.", date=day.isoformat())
    else:
        seat.paused_until, seat.paused = None, True
        message = _("Paused until you send coffee resume {slug}.", slug=found.slug)
    ctx.session.add(seat)
    return Reply.success(message)


@command("coffee resume", help=N_("Take part in coffee rounds again."))
def coffee_resume(ctx: Context, *, community: CoffeeCommunity) -> Reply:
    found = find_community(ctx.session, community)
    _rotation, seat = coffee.require_participant(ctx.session, found, ctx.member_id)
    seat.paused, seat.paused_until = False, None
    ctx.session.add(seat)
    return Reply.success(_("You are back in {name}'s coffee rounds.", name=found.name))


@command(
    "coffee schedule",
    help=N_("Set how often coffee rounds run and the group size (moderators)."),
    examples=["coffee schedule maths-secondary every 2 weeks size=2"],
)
def coffee_schedule(
    ctx: Context,
    *,
    community: CoffeeCommunity,
    every: Annotated[list[str] | None, Arg(N_('"every 2 weeks" or "off"'), max_length=20)] = None,
    size: Annotated[
        int | None, Arg(N_("people per group"), positional=False, min_value=2, max_value=4)
    ] = None,
) -> Reply:
    weeks = _every(every or [], "every")
    found = find_community(ctx.session, community)
    require_role(ctx.session, found, ctx.member_id, Role.MODERATOR)
    rotation = coffee.ensure_rotation(ctx.session, found, ctx.now)
    coffee.set_schedule(
        ctx.session,
        rotation,
        every_weeks=weeks,
        size=size or rotation.size,
        avoid_repeat_rounds=ctx.settings.mentoring.coffee_avoid_repeat_rounds,
        timezone=ctx.member.timezone,
        now=ctx.now,
    )
    if weeks is None:
        return Reply.success(_("Coffee rounds in {name} are off.", name=found.name))
    return Reply.success(
        _(
            "Coffee rounds in {name} run every {weeks} weeks, in groups of {size}.",
            name=found.name,
            weeks=weeks,
            size=rotation.size,
        )
    )


@command(
    "coffee round",
    help=N_("Run a coffee round now (moderators). Asks first if the last one was recent."),
    examples=["coffee round maths-secondary"],
)
def coffee_round(
    ctx: Context,
    *,
    community: CoffeeCommunity,
    confirm: Annotated[
        str | None,
        Arg(N_("type confirm to run it even if the last round was recent"), max_length=10),
    ] = None,
) -> Reply:
    found = find_community(ctx.session, community)
    require_role(ctx.session, found, ctx.member_id, Role.MODERATOR)
    rotation = coffee.rotation_of(ctx.session, found)
    if rotation is None:
        raise UserError(
            _(
                "Nobody has joined {name}'s coffee rotation yet: coffee join {slug}.",
                name=found.name,
                slug=found.slug,
            )
        )
    recent = coffee.ran_within(ctx.session, rotation, ctx.now, coffee.period(rotation))
    if recent is not None and not confirmed(confirm):
        # A second round re-pairs everyone before most have met: only on purpose.
        return (
            Reply()
            .heading(_("Run another coffee round in {name} already?", name=found.name))
            .text(
                _(
                    "Round {number} ran on {when}.",
                    number=recent.number,
                    when=format_moment(recent.at.astimezone(ctx.zone)),
                ),
                " ",
                ngettext(
                    "Rounds here are {n} week apart.",
                    "Rounds here are {n} weeks apart.",
                    rotation.every_weeks or 1,
                ),
                " ",
                _("A new round now gives everyone new partners before most have met."),
            )
            .action(_("Run it anyway"), f"coffee round {found.slug} confirm", "danger")
        )
    round_, groups, notices = coffee.run_round(
        ctx.session, rotation, ctx.settings.mentoring.coffee_avoid_repeat_rounds, ctx.now
    )
    _send(ctx, notices)
    people = sum(len(g) for g in groups)
    return Reply.success(
        _("Coffee round {number}: ", number=round_.number)
        + ngettext("{n} person", "{n} people", people)
        + ngettext(" in {n} group.", " in {n} groups.", len(groups))
    )


_ANSWERS = ("yes", "no")


@command(
    "coffee met",
    help=N_("Say whether you met your coffee partner: coffee met yes, or with a round's number."),
    examples=["coffee met yes", "coffee met 12 no"],
)
def coffee_met(
    ctx: Context,
    *,
    # Text, not an id: "coffee met yes" leaves the round out (the latest), and buttons already
    # sent say "coffee met 12 yes", so the first word is either.
    round: Annotated[
        str,
        Arg(
            N_("the round number from your introduction, or yes or no for your latest"),
            max_length=12,
        ),
    ],
    answer: Annotated[str | None, Arg(N_("yes or no"), choices=_ANSWERS)] = None,
) -> Reply:
    round_id: int | None = None
    if answer is None:
        answer = round.strip().lower()
        if answer not in _ANSWERS:
            raise BadValue(_("Say whether you met: coffee met yes, or coffee met no."), "answer")
    else:
        round_id = parse_id(round, "round")
    seat, where = coffee.record_met(ctx.session, round_id, ctx.member_id, answer == "yes", ctx.now)
    if answer == "yes":
        reply = Reply.success(_("Lovely. Thanks for letting us know."))
    else:
        reply = Reply.success(_("Thanks for telling us. There is always the next round."))
    if where is not None:
        reply.note(_("Noted for round {id} in {name}.", id=seat.round_id, name=where.name))
    return reply
