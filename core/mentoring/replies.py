"""What mentoring says: proposals, contact details once both accept, the end-of-pair feedback
prompt, and the words for a match's state.

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

from core.i18n import _, format_day
from core.identity.models import Member
from core.identity.service import accounts_of
from core.mentoring.explain import explain
from core.mentoring.models import MatchStatus, MentorMatch, MentorNote, MentorRequest
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
        _("Log {hours} h as CPD", hours=f"{hours:g}"),
        f'cpd log {hours:g} "{title}" category=coaching/mentoring',
    )
