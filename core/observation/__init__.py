"""Peer observation: a colleague observes a lesson against a focus the observed teacher chose,
the notes go to the observed teacher alone, and both can log it as CPD. Lesson study: a group
observes one research lesson with a shared focus and talks it over afterwards."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from core.commands import N_
from core.feature import Feature
from core.observation import commands, schedules
from core.observation.lesson_study import DISCUSSION_KIND
from core.observation.models import LessonStudy, Observation, ObservationShare
from core.observation.privacy import OBSERVATION_DATA
from core.observation.service import REMINDER_KIND
from core.suggestions import Suggestion, id_matches, id_source


def _observations(session: Session, member_id: int, typed: str) -> list[Suggestion]:
    rows = session.exec(
        select(Observation)
        .where(or_(Observation.observed_id == member_id, Observation.observer_id == member_id))
        .order_by(col(Observation.id).desc())
        .limit(200)
    ).all()
    return [
        (f"#{o.id} {o.focus}", int(o.id or 0)) for o in rows if id_matches(typed, o.id, o.focus)
    ]


_WITH_ID = (
    "accept",
    "decline",
    "show",
    "edit",
    "notes",
    "reflect",
    "cpd",
    "share",
    "unshare",
    "cancel",
    "delete",
)

FEATURE = Feature(
    name="observation",
    groups={
        "observe": N_(
            "Peer observation: ask a colleague to observe a lesson, with a focus you choose. "
            "The notes are yours."
        ),
    },
    commands=(
        commands.observe_request,
        commands.observe_offer,
        commands.observe_list,
        commands.observe_show,
        commands.observe_accept,
        commands.observe_decline,
        commands.observe_edit,
        commands.observe_notes,
        commands.observe_reflect,
        commands.observe_cpd,
        commands.observe_share,
        commands.observe_unshare,
        commands.observe_cancel,
        commands.observe_delete,
        commands.observe_study_list,
        commands.observe_study_show,
        commands.observe_study_create,
        commands.observe_study_join,
        commands.observe_study_leave,
        commands.observe_study_reflect,
        commands.observe_study_cancel,
    ),
    on_message=(commands.answer_notes,),
    data=OBSERVATION_DATA,
    kinds={
        REMINDER_KIND: schedules.produce_reminder,
        DISCUSSION_KIND: schedules.produce_discussion,
    },
    suggestions=(
        id_source("observations", [(f"observe {c}", "id") for c in _WITH_ID], _observations),
    ),
    tables=(LessonStudy, Observation, ObservationShare),
)
