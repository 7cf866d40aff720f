"""What mentoring says: offers and requests as saved, the member's mentoring status, proposals,
contact details once both accept, check-in prompts, the end-of-pair feedback prompt, the words
for a match's state, and the coffee rotation's questions asked before acting.

Every such reply names the other side of a match, so the helpers that name people live here too.
A :class:`Notice` is a reply addressed to a member, produced by a change: the functions of
:mod:`core.mentoring.matching`, :mod:`core.mentoring.pairs` and :mod:`core.mentoring.coffee`
return them and their callers put them in the outbox; nothing here sends anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.communities.models import Community
from core.i18n import _, format_day, format_moment, format_number, ngettext
from core.identity.models import Member
from core.identity.service import accounts_of
from core.mentoring.explain import explain
from core.mentoring.models import (
    CoffeeRotation,
    CoffeeRound,
    MatchStatus,
    MentorMatch,
    MentorNote,
    MentorOffer,
    MentorRequest,
    MentorRound,
    RequestStatus,
)
from core.reply import Reply, SpanLike, bold


@dataclass(frozen=True, slots=True)
class Notice:
    """A direct message for a member that a change produced; ``key`` makes sending it idempotent."""

    member_id: int
    key: str
    reply: Reply
    due_at: datetime | None = None
    about: tuple[int, ...] = ()
    """Members whose data the notice shows (a partner's name and goals), for privacy delete."""


def name_of(session: Session, member_id: int) -> str:
    member = session.get(Member, member_id)
    return member.display_name if member else _("a former member")


def other_party(match: MentorMatch, member_id: int) -> int:
    return match.mentee_id if member_id == match.mentor_id else match.mentor_id


def contacts(session: Session, member_id: int) -> list[str]:
    """How to reach a member on each platform they use (only shown after mutual acceptance)."""
    lines = []
    for account in accounts_of(session, member_id):
        who = f"@{account.handle.lstrip('@')}" if account.handle else account.display_name
        lines.append(f"{account.platform.title()}: {who}")
    return lines


def status_word(status: str) -> str:
    """The word shown for a match's status; a decline shows as "closed" to both sides."""
    return {
        MatchStatus.PROPOSED: _("proposed"),
        MatchStatus.ACTIVE: _("active"),
        MatchStatus.COMPLETED: _("completed"),
        MatchStatus.DECLINED: _("closed"),
        MatchStatus.EXPIRED: _("expired"),
    }.get(MatchStatus(status), status)


def proposal_reply(session: Session, match: MentorMatch, viewer_id: int) -> Reply:
    """The proposal as one side sees it: who, why, and buttons to answer."""
    other = name_of(session, other_party(match, viewer_id))
    as_mentor = viewer_id == match.mentor_id
    viewer = "mentor" if as_mentor else "mentee"
    reply = Reply().heading(
        _("Mentoring proposal #{id}", id=match.id) if match.id else _("Mentoring proposal")
    )
    if as_mentor:
        reply.text(_("Would you mentor "), bold(other), _("?"))
    else:
        reply.text(bold(other), _(" could be your mentor."))
    why = explain(match.reasons, viewer=viewer, other_name=other)
    if why:
        reply.text(why)
    request = session.get(MentorRequest, match.request_id) if match.request_id else None
    if as_mentor and request is not None and request.goals:
        reply.items([[goal] for goal in request.goals])
    reply.note(
        _(
            "Contact details are shared only when you both accept. Answer by {date}; "
            "if you decline, {name} only hears that it did not work out.",
            date=match.expires_at.date().isoformat(),
            name=other,
        )
    )
    reply.action(_("Accept"), f"mentor accept {match.id}", "primary")
    reply.action(_("Decline"), f"mentor decline {match.id}", "danger")
    return reply


def contacts_reply(session: Session, match: MentorMatch, viewer_id: int) -> Reply:
    other_id = other_party(match, viewer_id)
    other = name_of(session, other_id)
    reply = Reply.success(
        _("You and "), bold(other), _(" have both accepted: your mentoring pair is active.")
    )
    reply.text(_("Reach {name} here:", name=other))
    reply.items([[line] for line in contacts(session, other_id)])
    reply.note(
        _(
            'Say hello and agree when to meet. Add notes with mentor checkin {id} "note" and '
            "read them together with mentor notes {id}; finish with mentor end {id}.",
            id=match.id,
        )
    )
    return reply


def feedback_prompt(session: Session, match: MentorMatch, viewer_id: int) -> Reply:
    other = name_of(session, other_party(match, viewer_id))
    reply = Reply().heading(_("Mentoring with {name} has ended", name=other))
    reply.text(
        _(
            "How was it? Give a rating from 1 to 5 and one line of feedback: "
            'mentor feedback {id} 5 "what helped most".',
            id=match.id,
        )
    )
    reply.note(
        _(
            "{name} can read your line with mentor notes {id}; the rating is seen only by you "
            "and Staffroom's organisers.",
            name=other,
            id=match.id,
        )
    )
    add_cpd_action(reply, other)
    return reply


def notes_reply(
    session: Session, match: MentorMatch, viewer_id: int, notes: list[MentorNote], zone: ZoneInfo
) -> Reply:
    """A pair's notes as one side reads them: check-ins in order, then the feedback lines.

    ``notes`` are those the viewer may read (:func:`core.mentoring.pairs.notes_for`); the
    partner's rating is not among what is shown, only their words.
    """
    other = name_of(session, other_party(match, viewer_id))
    reply = Reply().heading(_("Mentoring notes with {name} (#{id})", name=other, id=match.id))
    checkins = [n for n in notes if n.kind == "checkin"]
    lines: list[list[SpanLike]] = []
    for note in checkins:
        who = _("You") if note.member_id == viewer_id else other
        day = format_day(note.at.astimezone(zone).date(), "dd MMM yyyy")
        lines.append([bold(f"{day} · {who}: "), note.text])
    if lines:
        reply.items(lines)
    else:
        reply.text(_("No check-in notes yet."))
    for note in notes:
        if note.kind != "feedback":
            continue
        if note.member_id == viewer_id:
            reply.text(
                bold(_("Your feedback ({rating}/5): ", rating=note.rating or "-")), note.text
            )
        else:
            reply.text(bold(_("Feedback from {name}: ", name=other)), note.text)
    if match.status == MatchStatus.ACTIVE:
        reply.note(
            _(
                'Only you and {name} read these. Add one with mentor checkin {id} "what we did".',
                name=other,
                id=match.id,
            )
        )
    else:
        reply.note(_("Only you and {name} read these.", name=other))
    return reply


def add_cpd_action(reply: Reply, other_name: str, hours: float = 1.0) -> Reply:
    """A button that logs mentoring time as CPD in one step."""
    title = _("Mentoring with {name}", name=other_name).replace('"', "'")
    return reply.action(
        _("Log {hours} h as CPD", hours=format_number(hours)),
        f'cpd log {hours:g} "{title}" category=coaching/mentoring',
    )


def offer_reply(offer: MentorOffer, *, has_profile: bool) -> Reply:
    """The thanks for an offer, with what would help mentees find the mentor."""
    reply = Reply.success(
        _("Thank you for offering to mentor, for up to {n} mentees at once.", n=offer.capacity)
    )
    if offer.topics:
        reply.text(_("Topics: "), ", ".join(offer.topics))
    else:
        reply.note(
            _('Add topics so mentees find you: mentor offer "behaviour management" "assessment".')
        )
    if not has_profile:
        reply.note(
            _("Matching also uses your profile: profile set subjects=maths phases=secondary.")
        )
    return reply


def request_reply(request: MentorRequest) -> Reply:
    """A request as saved: in the queue, or (the same request sent again while a proposal is
    out for it) already in, with the proposal waiting."""
    if request.status == RequestStatus.PROPOSED:
        return Reply.message(
            _(
                "You have already asked for a mentor with these goals, and a proposal is "
                "waiting for your answer. See it with mentor status."
            )
        )
    reply = Reply.success(_("Your mentoring request is in the queue for the next round."))
    reply.items([[goal] for goal in request.goals], ordered=True)
    reply.note(_("Your first goal counts most. See where you are with mentor status."))
    return reply


def status_reply(
    session: Session,
    viewer_id: int,
    *,
    offer: MentorOffer | None,
    places: int,
    request: MentorRequest | None,
    matches: list[MentorMatch],
) -> Reply:
    """The member's mentoring at a glance: their offer (``places`` taken), their request, and
    their pairs, each with what can be done next."""
    reply = Reply().heading(_("Mentoring"))
    if offer is not None:
        state = _("open") if offer.active else _("paused")
        reply.fields(
            [
                (_("Your offer"), state),
                (_("Places"), f"{places}/{offer.capacity}"),
                (_("Topics"), ", ".join(offer.topics) or "—"),
            ]
        )
    if request is not None:
        reply.text(_("Your request: "), "; ".join(request.goals))
        if request.status == RequestStatus.OPEN:
            reply.note(_("Waiting for the next round."))
    for match in matches:
        other_id = other_party(match, viewer_id)
        other = name_of(session, other_id)
        role = _("mentor") if match.mentor_id == other_id else _("mentee")
        if match.status == MatchStatus.PROPOSED:
            reply.blocks.extend(proposal_reply(session, match, viewer_id).blocks)
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


def round_reply(round_: MentorRound) -> Reply:
    """What a mentoring round run by hand did."""
    reply = Reply.success(
        _(
            # Counts after labels, not inside a sentence: three numbers, each its own plural.
            "Round done. Proposed: {proposed}. Mentees waiting: {mentees}. Mentors with free "
            "places: {mentors}.",
            proposed=round_.proposed,
            mentees=round_.mentees,
            mentors=round_.mentors,
        )
    )
    left = round_.mentees - round_.proposed
    if left:
        reply.note(
            ngettext(
                "{n} mentee had no good fit this time; they get priority next round.",
                "{n} mentees had no good fit this time; they get priority next round.",
                left,
            )
        )
    return reply


def checkin_prompt(match: MentorMatch, other_name: str) -> Reply:
    """The scheduled question to one side of an active pair: how is it going?"""
    reply = Reply().heading(_("Mentoring check-in"))
    reply.text(
        _("How is it going with "),
        bold(other_name),
        _(
            '? Note it with mentor checkin {id} "what we did", or finish with mentor end {id}.',
            id=match.id,
        ),
    )
    return add_cpd_action(reply, other_name)


def end_question(match_id: int, other_name: str) -> Reply:
    """Asked before ending an active pair, which cannot be undone."""
    return (
        Reply()
        .heading(_("End your mentoring with {name}?", name=other_name))
        .text(
            _(
                "Check-ins stop and you are both asked for feedback; {name} is told. "
                "An ended pair cannot be restarted (you can ask for a new one).",
                name=other_name,
            )
        )
        .action(_("End it"), f"mentor end {match_id} confirm", "danger")
    )


def another_round_question(
    community: Community, rotation: CoffeeRotation, recent: CoffeeRound, zone: ZoneInfo
) -> Reply:
    """Asked before a coffee round that would follow the last one too soon."""
    return (
        Reply()
        .heading(_("Run another coffee round in {name} already?", name=community.name))
        .text(
            _(
                "Round {number} ran on {when}.",
                number=recent.number,
                when=format_moment(recent.at.astimezone(zone)),
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
        .action(_("Run it anyway"), f"coffee round {community.slug} confirm", "danger")
    )


def coffee_intro(
    session: Session, community: Community, round_: CoffeeRound, partners: list[int], starter: str
) -> Reply:
    """A coffee round's introduction to one member: who they meet, how to reach them, a
    question to start with."""
    reply = Reply().heading(_("Coffee in {name} (round {id})", name=community.name, id=round_.id))
    names = ", ".join(name_of(session, m) for m in partners)
    reply.text(_("This round you are meeting "), bold(names), _(". Find a time that suits you."))
    for partner in partners:
        reply.text(bold(name_of(session, partner)))
        reply.items([[line] for line in contacts(session, partner)])
    reply.text(_("A question to start with: "), starter)
    reply.note(
        _(
            "After you meet, tell me with coffee met {id} yes (or coffee met {id} no if it did "
            "not happen).",
            id=round_.id,
        )
    )
    reply.note(
        _("Pause with coffee pause {slug}, leave with coffee leave {slug}.", slug=community.slug)
    )
    return reply


def met_question(community: Community, round_: CoffeeRound) -> Reply:
    """Asked near the end of a round: did the group meet?"""
    return (
        Reply.message(
            _(
                "Did you manage to meet for coffee in {name} (round {id})?",
                name=community.name,
                id=round_.id,
            )
        )
        .action(_("Yes, we met"), f"coffee met {round_.id} yes", "primary")
        .action(_("No"), f"coffee met {round_.id} no")
    )


def alone_this_round(community: Community, number: int) -> Reply:
    """For the one member left without a partner in a round."""
    return Reply.message(
        _(
            "You were the only one taking part in {name}'s coffee round "
            "{number}, so there is no partner this time. You stay in for the "
            "next round.",
            name=community.name,
            number=number,
        )
    )
