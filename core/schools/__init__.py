"""Schools, the CPD lead's view: a school, the trust it may be in, the workspaces mapped to it,
its members and roles, the school's reports (CPD, training, mentoring, coffee; per school for a
trust admin), the training it requires with its reminders, and CPD requests answered by a line
manager or CPD lead."""

from __future__ import annotations

from sqlmodel import Session

from core.commands import N_
from core.feature import Feature
from core.schools import commands, report_commands, request_commands, trust_commands
from core.schools.models import (
    CpdRequest,
    School,
    SchoolMember,
    SchoolRole,
    SchoolTenant,
    Training,
    TrainingRecord,
    Trust,
    TrustRole,
)
from core.schools.privacy import SCHOOL_DATA
from core.schools.reminders import CPD_IMPACT, TRAINING_REMINDER
from core.schools.schedules import produce_cpd_impact, produce_training_reminder
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
        "trust": N_("Trusts, groups of schools: their schools, and who sees each school's totals."),
        "admin": N_(
            "School and trust roles: make a member a CPD lead, school admin or trust admin, "
            "or undo it."
        ),
        "report": N_(
            "Reports for CPD leads and trust admins: CPD hours, training due, mentoring and coffee."
        ),
        "training": N_("Training your school requires: what is due, and recording you did it."),
    },
    commands=(
        commands.school_show,
        commands.school_join,
        commands.school_create,
        commands.school_map,
        commands.privacy_school,
        trust_commands.trust_show,
        trust_commands.trust_create,
        trust_commands.trust_add,
        trust_commands.trust_remove,
        request_commands.school_manager,
        commands.admin_grant,
        commands.admin_revoke,
        commands.admin_list,
        commands.report_cpd,
        report_commands.report_training,
        report_commands.report_mentoring,
        report_commands.report_coffee,
        report_commands.report_glance,
        commands.training_status,
        commands.training_done,
        commands.training_list,
        commands.training_require,
        commands.training_remove,
        request_commands.cpd_request,
        request_commands.cpd_request_list,
        request_commands.cpd_request_cancel,
        request_commands.cpd_request_approve,
        request_commands.cpd_request_decline,
        request_commands.cpd_request_log,
    ),
    data=SCHOOL_DATA,
    kinds={TRAINING_REMINDER: produce_training_reminder, CPD_IMPACT: produce_cpd_impact},
    suggestions=(TRAININGS,),
    tables=(
        Trust,
        School,
        SchoolTenant,
        SchoolMember,
        SchoolRole,
        TrustRole,
        Training,
        TrainingRecord,
        CpdRequest,
    ),
)
