"""Commands for coffee rotations (``coffee ...``): joining and leaving a community's rotation,
pausing, how often rounds run, running one by hand, and saying whether you met."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from core.commands import N_, Arg, command, confirmed
from core.communities.membership import find_community, require_role
from core.communities.models import Role
from core.context import Context
from core.errors import UserError
from core.i18n import _, ngettext
from core.mentoring import coffee
from core.mentoring.commands import every_weeks, send_notices
from core.mentoring.replies import another_round_question
from core.params import BadValue, ConvertContext, Kind, parse_date, parse_id
from core.reply import Reply

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
    weeks = every_weeks(every or [], "every")
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
        return another_round_question(found, rotation, recent, ctx.zone)
    round_, groups, notices = coffee.run_round(
        ctx.session, rotation, ctx.settings.mentoring.coffee_avoid_repeat_rounds, ctx.now
    )
    send_notices(ctx, notices)
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
