"""Schools, the CPD lead's view: a school, the workspaces mapped to it, its members and roles,
the school's CPD report, and the training it requires."""

from __future__ import annotations

from sqlmodel import Session

from core.commands import N_
from core.feature import Feature
from core.schools import commands
from core.schools.models import (
    School,
    SchoolMember,
    SchoolRole,
    SchoolTenant,
    Training,
    TrainingRecord,
)
from core.schools.privacy import SCHOOL_DATA
from core.schools.service import school_of, trainings_of
from core.suggestions import Suggestion, SuggestionSource, id_matches, id_source


def _trainings(session: Session, member_id: int, typed: str) -> list[Suggestion]:
    school = school_of(session, member_id)
    if school is None or school.id is None:
        return []
    return [
        (f"#{t.id} {t.title}", int(t.id or 0))
        for t in trainings_of(session, school.id)
        if id_matches(typed, t.id, t.title)
    ]


TRAININGS: SuggestionSource = id_source(
    "trainings", [("training done", "id"), ("training remove", "id")], _trainings
)

FEATURE = Feature(
    name="schools",
    groups={
        "school": N_("Your school: join it, and see what its CPD leads can see of your record."),
        "admin": N_("School roles: make a member a CPD lead or a school admin, or undo it."),
        "report": N_("Reports for CPD leads: the school's CPD hours, categories, quiet members."),
        "training": N_("Training your school requires: what is due, and recording you did it."),
    },
    commands=(
        commands.school_show,
        commands.school_join,
        commands.school_create,
        commands.school_map,
        commands.admin_grant,
        commands.admin_revoke,
        commands.admin_list,
        commands.report_cpd,
        commands.training_status,
        commands.training_done,
        commands.training_list,
        commands.training_require,
        commands.training_remove,
    ),
    data=SCHOOL_DATA,
    suggestions=(TRAININGS,),
    tables=(School, SchoolTenant, SchoolMember, SchoolRole, Training, TrainingRecord),
)
