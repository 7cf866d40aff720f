"""The observation feature's schedule kind: reminders before the lesson, and the observer's
nudge to write their notes after it, each in the reader's language and on their clock."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.delivery.kinds import Occurrence, Outgoing
from core.i18n import _, language
from core.identity.models import Member
from core.observation.lesson_study import discussion_question, observations_of
from core.observation.models import LessonStudy, Observation, ObservationStatus
from core.observation.service import name_of, summary_reply
from core.reply import Reply


def produce_reminder(occ: Occurrence) -> list[Outgoing]:
    """Before: a message to both. After (``notes`` in the payload): to the observer alone, with
    the button that starts the notes. Nothing for an observation no longer planned."""
    session, schedule, at = occ.session, occ.schedule, occ.at
    found = session.get(Observation, schedule.subject_id) if schedule.subject_id else None
    if found is None or found.id is None or found.status != ObservationStatus.ACCEPTED:
        return []
    if found.at is None or found.observer_id is None:
        return []
    after = bool(schedule.payload.get("notes"))
    if not after and found.at <= at:
        return []
    people = [found.observer_id] if after else [found.observed_id, found.observer_id]
    out = []
    for member_id in people:
        member = session.get(Member, member_id)
        other = found.observed_id if member_id == found.observer_id else found.observer_id
        with language(member.language if member else None):
            zone = ZoneInfo(member.timezone if member else "UTC")
            if after:
                heading = _("How did {name}'s lesson go?", name=name_of(session, found.observed_id))
            elif member_id == found.observer_id:
                heading = _("Coming up: you observe {name}'s lesson", name=name_of(session, other))
            else:
                heading = _("Coming up: {name} observes your lesson", name=name_of(session, other))
            reply = summary_reply(found, zone, heading)
            if after:
                reply.note(
                    _(
                        "Write your notes while it is fresh: what went well, the evidence, one "
                        "question and one next step. They go to {name} alone.",
                        name=name_of(session, found.observed_id),
                    )
                )
                reply.action(_("Write my notes"), f"observe notes {found.id}", "primary")
            else:
                reply.action(_("See it"), f"observe show {found.id}")
        out.append(
            Outgoing(
                reply=reply,
                member_id=member_id,
                suffix=f"member-{member_id}",
                about=(other,) if other is not None else (),
            )
        )
    return out


def produce_discussion(occ: Occurrence) -> list[Outgoing]:
    """After the research lesson: the teacher and every observer still in the study are asked
    the discussion question, each in their language, with a button that opens it as a journal
    prompt (pressed by them, so nothing is written on their behalf)."""
    session, schedule = occ.session, occ.schedule
    study = session.get(LessonStudy, schedule.subject_id) if schedule.subject_id else None
    if study is None or study.id is None or study.cancelled_at is not None:
        return []
    standing = {o.observer_id: o for o in observations_of(session, study.id)}
    people = [study.teacher_id, *(m for m in standing if m is not None)]
    if len(people) < 2:
        return []  # nobody came to observe: nothing to discuss
    out = []
    for member_id in people:
        member = session.get(Member, member_id)
        with language(member.language if member else None):
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
            mine = standing.get(member_id)
            if mine is not None and mine.status == ObservationStatus.ACCEPTED:
                reply.action(_("Write my notes"), f"observe notes {mine.id}")
        out.append(
            Outgoing(
                reply=reply,
                member_id=member_id,
                suffix=f"member-{member_id}",
                about=tuple(p for p in people if p != member_id),
            )
        )
    return out
