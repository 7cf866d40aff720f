"""The observation feature's schedule kind: reminders before the lesson, and the observer's
nudge to write their notes after it, each in the reader's language and on their clock."""

from __future__ import annotations

from core.delivery.kinds import Occurrence, Outgoing
from core.observation.lesson_study import observations_of
from core.observation.models import LessonStudy, Observation, ObservationStatus
from core.observation.replies import discussion_reply, reminder_reply, speaking_to


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
        other = found.observed_id if member_id == found.observer_id else found.observer_id
        with speaking_to(session, member_id) as zone:
            reply = reminder_reply(session, found, zone, member_id=member_id, after=after)
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
        with speaking_to(session, member_id):
            reply = discussion_reply(session, study, standing.get(member_id))
        out.append(
            Outgoing(
                reply=reply,
                member_id=member_id,
                suffix=f"member-{member_id}",
                about=tuple(p for p in people if p != member_id),
            )
        )
    return out
