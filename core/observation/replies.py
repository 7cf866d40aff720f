"""What observation says: an observation as a summary or with its notes, the notices each side
gets when the other asks, answers, changes, cancels, writes or shares, the reminders, and the
lesson study's messages.

Every notice goes to the other side of an observation, so it is built in that person's
language and on their clock: :func:`speaking_to` is that one step. Nothing here sends anything;
:func:`core.observation.service.tell` puts a notice in the outbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.communities.models import Community
from core.events.service import when_local
from core.i18n import _, language, ngettext
from core.identity.models import Member
from core.observation.models import (
    GROUP_SIZE,
    NOTE_FIELDS,
    LessonStudy,
    Observation,
    ObservationStatus,
)
from core.reply import Reply, SpanLike, bold, italic, link


def name_of(session: Session, member_id: int | None) -> str:
    member = session.get(Member, member_id) if member_id is not None else None
    return member.display_name if member else _("a former colleague")


@contextmanager
def speaking_to(session: Session, member_id: int) -> Iterator[ZoneInfo]:
    """Build a message for one of the people involved: inside, text is in their language, and
    the zone given is their clock (UTC and the default language for someone who has left)."""
    member = session.get(Member, member_id)
    with language(member.language if member else None):
        yield ZoneInfo(member.timezone if member else "UTC")


# Words ------------------------------------------------------------------------------------------


def status_word(status: ObservationStatus) -> str:
    return {
        ObservationStatus.PROPOSED: _("waiting for an answer"),
        ObservationStatus.ACCEPTED: _("planned"),
        ObservationStatus.DECLINED: _("declined"),
        ObservationStatus.CANCELLED: _("cancelled"),
        ObservationStatus.DONE: _("done"),
    }[status]


def note_label(name: str) -> str:
    return {
        "went_well": _("What went well"),
        "evidence": _("Evidence seen"),
        "question": _("A question to think about"),
        "next_step": _("One next step"),
    }[name]


def note_question(name: str, focus: str) -> str:
    """What the observer is asked, step by step, for each part of the notes."""
    return {
        "went_well": _("What went well, with the focus ({focus}) in mind?", focus=focus),
        "evidence": _("What did you see or hear that shows it? (Evidence, not judgements.)"),
        "question": _("One question for your colleague to think about."),
        "next_step": _("One next step they might try."),
    }[name]


# An observation ---------------------------------------------------------------------------------


def summary_reply(observation: Observation, zone: ZoneInfo, heading: str) -> Reply:
    """Who observes whom, the focus, the lesson and when: what both agreed to."""
    reply = Reply().heading(heading)
    reply.text(bold(_("Focus: ")), observation.focus)
    if observation.hope:
        reply.text(bold(_("Hoping to learn: ")), observation.hope)
    if observation.lesson:
        reply.text(bold(_("Lesson: ")), observation.lesson)
    if observation.at is not None:
        reply.text(bold(_("When: ")), when_local(observation.at, zone))
    return reply


def notes_reply(observation: Observation, zone: ZoneInfo, heading: str) -> Reply:
    reply = summary_reply(observation, zone, heading)
    for name in NOTE_FIELDS:
        value = getattr(observation, name)
        if value:
            reply.text(bold(note_label(name) + ": "), italic(value))
    return reply


def observation_line(
    session: Session, observation: Observation, viewer_id: int, zone: ZoneInfo
) -> list[SpanLike]:
    """One observation in a list: number, focus, the other person, when, and its state."""
    o = observation
    who = (
        _("observed by {name}", name=name_of(session, o.observer_id))
        if o.observed_id == viewer_id
        else _("{name}'s lesson", name=name_of(session, o.observed_id))
    )
    line: list[SpanLike] = [bold(f"#{o.id} "), o.focus, " — ", who]
    if o.at is not None:
        line += [", ", when_local(o.at, zone)]
    line += [" (", status_word(o.status), ")"]
    return line


def show_reply(session: Session, observation: Observation, zone: ZoneInfo) -> Reply:
    """One observation in full for someone who may see it: the plan, the notes, the state."""
    reply = notes_reply(
        observation,
        zone,
        _(
            "Observation {id}: {observer} observes {observed}",
            id=observation.id,
            observer=name_of(session, observation.observer_id),
            observed=name_of(session, observation.observed_id),
        ),
    )
    return reply.text(bold(_("Status: ")), status_word(observation.status))


# Answers to the one acting ----------------------------------------------------------------------


def asked_reply(observation: Observation, zone: ZoneInfo, other_name: str) -> Reply:
    """To the teacher who asked a colleague to observe them."""
    reply = summary_reply(
        observation, zone, _("Asked {name} to observe your lesson", name=other_name)
    )
    reply.tone = "success"
    return reply.note(
        _(
            "They will be asked with Accept and Decline buttons, and you will hear back. The "
            "notes will come to you alone.",
        )
    )


def offered_reply(observation: Observation, zone: ZoneInfo, other_name: str) -> Reply:
    """To the colleague who offered to observe someone."""
    reply = summary_reply(
        observation, zone, _("Offered to observe {name}'s lesson", name=other_name)
    )
    reply.tone = "success"
    return reply.note(
        _(
            "{name} is asked with Accept and Decline buttons, and may change the focus. Your "
            "notes will go to them alone.",
            name=other_name,
        )
    )


def accepted_reply(observation: Observation, zone: ZoneInfo) -> Reply:
    """To the one who accepted, with what to do next."""
    reply = summary_reply(observation, zone, _("Accepted: observation {id}", id=observation.id))
    reply.tone = "success"
    if observation.at is None:
        return reply.note(
            _(
                'Agree a lesson together, then add it with observe edit {id} date="YYYY-MM-DD '
                'HH:MM" so you are both reminded.',
                id=observation.id,
            )
        )
    return reply.note(_("You will both be reminded a day and an hour before."))


def step_question(observation: Observation) -> Reply:
    """The next part of the notes, asked step by step."""
    step = observation.drafting
    assert step is not None
    number = NOTE_FIELDS.index(step) + 1
    reply = Reply().heading(
        _(
            "Notes for observation {id}, part {n} of {total}",
            id=observation.id,
            n=number,
            total=len(NOTE_FIELDS),
        )
    )
    reply.text(note_question(step, observation.focus))
    return reply.note(_("Reply here. Send skip to leave this part empty, or stop to finish later."))


def notes_sent_reply(session: Session, observation: Observation, zone: ZoneInfo) -> Reply:
    """To the observer, once their notes have gone to the observed teacher."""
    observed = name_of(session, observation.observed_id)
    reply = notes_reply(observation, zone, _("Notes sent to {name}", name=observed))
    reply.tone = "success"
    reply.note(
        _(
            "Only {name} sees them, unless they choose to share them. You can correct them with "
            "observe notes {id}.",
            name=observed,
            id=observation.id,
        )
    )
    if observation.observer_cpd_id is None:
        reply.action(_("Log as CPD"), f"observe cpd {observation.id}")
    return reply


def cancel_question(observation_id: int, other_name: str) -> Reply:
    """Asked before calling an observation off."""
    return (
        Reply()
        .heading(_("Cancel observation {id}?", id=observation_id))
        .text(_("{name} is told, and the reminders stop. This cannot be undone.", name=other_name))
        .action(_("Cancel it"), f"observe cancel {observation_id} confirm", "danger")
    )


def delete_question(observation_id: int) -> Reply:
    """Asked before an observation and its notes go for good."""
    return (
        Reply()
        .heading(_("Delete observation {id}?", id=observation_id))
        .text(
            _(
                "The plan and the notes go for good, for you and anyone you shared them "
                "with. Your journal and CPD record keep what you wrote there."
            )
        )
        .action(_("Delete it"), f"observe delete {observation_id} confirm", "danger")
    )


# Notices to the other side ----------------------------------------------------------------------


def proposed_notice(
    session: Session, observation: Observation, zone: ZoneInfo, *, by: int, as_observed: bool
) -> Reply:
    """To the colleague asked to observe (or offered an observation), with buttons to answer."""
    asker = name_of(session, by)
    heading = (
        _("{name} asks you to observe a lesson", name=asker)
        if as_observed
        else _("{name} offers to observe one of your lessons", name=asker)
    )
    notice = summary_reply(observation, zone, heading)
    notice.note(
        _(
            "Observation here is developmental: the notes go to the observed teacher only, "
            "who decides whether anyone else sees them."
        )
    )
    notice.action(_("Accept"), f"observe accept {observation.id}", "primary")
    notice.action(_("Decline"), f"observe decline {observation.id}")
    return notice


def answered_notice(
    session: Session, observation: Observation, zone: ZoneInfo, *, by: int, accept: bool
) -> Reply:
    """To the one who asked: accepted or declined (and, to an observed teacher, how to say
    what they hope to learn)."""
    who = name_of(session, by)
    heading = (
        _("{name} accepted: observation {id}", name=who, id=observation.id)
        if accept
        else _("{name} declined observation {id}", name=who, id=observation.id)
    )
    notice = summary_reply(observation, zone, heading)
    if accept and observation.asked_by_observed:
        notice.note(
            _(
                'Tell them what you want to learn with observe edit {id} hope="...".',
                id=observation.id,
            )
        )
    return notice


def cancelled_notice(
    session: Session, observation: Observation, zone: ZoneInfo, *, by: int
) -> Reply:
    return summary_reply(
        observation,
        zone,
        _("{name} cancelled observation {id}", name=name_of(session, by), id=observation.id),
    )


def changed_notice(session: Session, observation: Observation, zone: ZoneInfo, *, by: int) -> Reply:
    return summary_reply(
        observation,
        zone,
        _("{name} changed observation {id}", name=name_of(session, by), id=observation.id),
    )


def notes_notice(
    session: Session, observation: Observation, zone: ZoneInfo, *, again: bool
) -> Reply:
    """The notes, to the observed teacher alone, with what they can do with them."""
    observer = name_of(session, observation.observer_id)
    heading = (
        _("{name} corrected their notes on your lesson", name=observer)
        if again
        else _("{name}'s notes on your lesson", name=observer)
    )
    notice = notes_reply(observation, zone, heading)
    notice.note(
        _(
            "Only you can see these notes. Reflect on them in your journal, log the "
            "observation as CPD, or share them with your mentor or CPD lead if you choose."
        )
    )
    notice.action(_("Reflect on it"), f"observe reflect {observation.id}", "primary")
    notice.action(_("Log as CPD"), f"observe cpd {observation.id}")
    return notice


def shared_notice(session: Session, observation: Observation, zone: ZoneInfo, *, by: int) -> Reply:
    """The notes, to the mentor or CPD lead the observed teacher chose."""
    return notes_reply(
        observation,
        zone,
        _(
            "{name} shared the notes of an observation of their lesson",
            name=name_of(session, by),
        ),
    )


def reminder_reply(
    session: Session, observation: Observation, zone: ZoneInfo, *, member_id: int, after: bool
) -> Reply:
    """Before the lesson, to either of the two; after it (``after``), the observer's nudge to
    write the notes."""
    found = observation
    other = found.observed_id if member_id == found.observer_id else found.observer_id
    if after:
        heading = _("How did {name}'s lesson go?", name=name_of(session, found.observed_id))
    elif member_id == found.observer_id:
        heading = _("Coming up: you observe {name}'s lesson", name=name_of(session, other))
    else:
        heading = _("Coming up: {name} observes your lesson", name=name_of(session, other))
    reply = summary_reply(found, zone, heading)
    if not after:
        return reply.action(_("See it"), f"observe show {found.id}")
    reply.note(
        _(
            "Write your notes while it is fresh: what went well, the evidence, one "
            "question and one next step. They go to {name} alone.",
            name=name_of(session, found.observed_id),
        )
    )
    return reply.action(_("Write my notes"), f"observe notes {found.id}", "primary")


# Lesson study -----------------------------------------------------------------------------------


def study_summary(community: Community, count: int) -> str:
    """How far the group has got: observers so far and how many more a study needs."""
    if count < GROUP_SIZE - 1:
        return ngettext(
            "{community}: {n} of the {needed} observers a lesson study needs so far.",
            "{community}: {n} of the {needed} observers a lesson study needs so far.",
            count,
            community=community.name,
            needed=GROUP_SIZE - 1,
        )
    return ngettext(
        "{community}: {n} observer, enough for a lesson study.",
        "{community}: {n} observers, enough for a lesson study.",
        count,
        community=community.name,
    )


def discussion_question(focus: str) -> str:
    return _(
        "Lesson study on {focus}: what did pupils do that you did not expect, and what would "
        "you change in the plan before it is taught again?",
        focus=focus,
    )


def study_reply(
    session: Session,
    study: LessonStudy,
    community: Community,
    observers: list[int],
    zone: ZoneInfo,
    heading: str,
) -> Reply:
    """A lesson study: the focus, who teaches, when, the plan, who observes so far."""
    names = [name_of(session, m) for m in observers]
    reply = Reply().heading(heading)
    reply.text(bold(_("Focus: ")), study.focus)
    reply.text(bold(_("Teacher: ")), name_of(session, study.teacher_id))
    if study.lesson:
        reply.text(bold(_("Lesson: ")), study.lesson)
    reply.text(bold(_("When: ")), when_local(study.at, zone))
    if study.plan_url:
        reply.text(bold(_("Plan: ")), link(study.plan_url, study.plan_url))
    if names:
        reply.text(bold(_("Observers: ")), ", ".join(names))
    reply.text(study_summary(community, len(names)))
    return reply


def study_line(session: Session, study: LessonStudy, zone: ZoneInfo, count: int) -> list[SpanLike]:
    """One lesson study in a list: number, focus, teacher, when, how many observe."""
    return [
        bold(f"#{study.id} "),
        study.focus,
        " — ",
        name_of(session, study.teacher_id),
        ", ",
        when_local(study.at, zone),
        " · ",
        ngettext("{n} observer", "{n} observers", count),
    ]


def study_cancel_question(study_id: int) -> Reply:
    """Asked before the teacher calls a lesson study off."""
    return (
        Reply()
        .heading(_("Cancel lesson study {id}?", id=study_id))
        .text(_("Every observer is told, and the reminders stop. This cannot be undone."))
        .action(_("Cancel it"), f"observe study cancel {study_id} confirm", "danger")
    )


def study_invitation(session: Session, study: LessonStudy, community: Community) -> Reply:
    """Posted to the community's channels when a study opens, with a button to join."""
    notice = Reply(ephemeral=False).heading(
        _("Lesson study in {community}", community=community.name)
    )
    notice.text(
        _(
            "{name} will teach a research lesson and invites colleagues to observe it with one "
            "shared focus: ",
            name=name_of(session, study.teacher_id),
        ),
        bold(study.focus),
    )
    return notice.action(_("Join as an observer"), f"observe study join {study.id}", "primary")


def joined_notice(session: Session, community: Community, *, by: int, count: int) -> Reply:
    """To the teacher: a colleague joined as an observer."""
    notice = Reply().heading(
        _("{name} joined your lesson study as an observer", name=name_of(session, by))
    )
    return notice.text(study_summary(community, count))


def left_notice(session: Session, *, by: int) -> Reply:
    """To the teacher: an observer stepped out."""
    return Reply().heading(_("{name} left your lesson study", name=name_of(session, by)))


def study_cancelled_notice(study: LessonStudy, community: Community) -> Reply:
    """To each observer, when the teacher calls the study off."""
    notice = Reply().heading(
        _("Cancelled: the lesson study in {community}", community=community.name)
    )
    return notice.text(bold(_("Focus: ")), study.focus)


def discussion_reply(session: Session, study: LessonStudy, mine: Observation | None) -> Reply:
    """After the research lesson, to the teacher and each observer: the discussion question,
    with a button that opens it in their journal (and, to an observer who has not written
    their notes, one for those)."""
    reply = Reply().heading(_("Lesson study: time to talk it over"))
    reply.text(discussion_question(study.focus))
    reply.note(
        _(
            "Talk it over together, then note what you take from it in your journal. "
            "Observers' notes go to {name} alone.",
            name=name_of(session, study.teacher_id),
        )
    )
    reply.action(_("Reflect on it"), f"observe study reflect {study.id}", "primary")
    if mine is not None and mine.status == ObservationStatus.ACCEPTED:
        reply.action(_("Write my notes"), f"observe notes {mine.id}")
    return reply
