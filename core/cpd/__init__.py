"""The CPD record: activities, goals, reminders, summaries and exports for appraisal."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.commands import N_, Command, Param
from core.cpd import commands, schedules
from core.cpd.models import CpdActivity, CpdGoal, CpdPreference
from core.cpd.privacy import CPD_DATA
from core.cpd.replies import category_label
from core.cpd.service import fold_name
from core.feature import Feature
from core.i18n import language
from core.identity.models import Member
from core.suggestions import Suggestion, SuggestionSource, Typed, id_matches, id_source, matches


def _is_category(command: Command, param: Param) -> bool:
    return command.group == "cpd" and param.name == "category" and not param.choices


def _categories(session: Session, typed: Typed) -> list[Suggestion]:
    """The configured categories, named in the member's language, each with its stored value (a
    Discord choice's name and value): typing either name finds it."""
    spoken = session.get(Member, typed.member_id) if typed.member_id is not None else None
    with language(spoken.language if spoken is not None else None):
        labelled = [(category_label(c), c) for c in typed.settings.cpd.categories]
    word = fold_name(typed.text)
    return [(label, c) for label, c in labelled if matches(word, fold_name(label), fold_name(c))]


def _activities(session: Session, member_id: int, typed: str) -> list[Suggestion]:
    rows = session.exec(
        select(CpdActivity)
        .where(CpdActivity.member_id == member_id)
        .order_by(col(CpdActivity.occurred_on).desc(), col(CpdActivity.id).desc())
        .limit(200)
    ).all()
    return [
        (f"#{a.id} {a.occurred_on.isoformat()} {a.title}", int(a.id or 0))
        for a in rows
        if id_matches(typed, a.id, a.title)
    ]


def _open_goals(session: Session, member_id: int, typed: str) -> list[Suggestion]:
    rows = session.exec(
        select(CpdGoal)
        .where(CpdGoal.member_id == member_id, CpdGoal.status == "open")
        .order_by(col(CpdGoal.id).desc())
        .limit(200)
    ).all()
    return [
        (f"#{g.id} {g.title}", int(g.id or 0)) for g in rows if id_matches(typed, g.id, g.title)
    ]


FEATURE = Feature(
    name="cpd",
    groups={
        "cpd": N_("Your CPD record: log activities, set goals, see summaries and export them."),
    },
    commands=(
        commands.cpd_log,
        commands.cpd_list,
        commands.cpd_edit,
        commands.cpd_delete,
        commands.cpd_summary,
        commands.cpd_export,
        commands.cpd_standards,
        commands.cpd_goal_add,
        commands.cpd_goal_list,
        commands.cpd_goal_done,
        commands.cpd_goal_edit,
        commands.cpd_goal_reopen,
        commands.cpd_goal_delete,
        commands.cpd_reminders,
    ),
    data=CPD_DATA,
    kinds={schedules.GOAL_REMINDER: schedules.goal_reminder, schedules.NUDGE: schedules.nudge},
    suggestions=(
        SuggestionSource("category", _is_category, _categories),
        id_source("activities", [("cpd edit", "id"), ("cpd delete", "id")], _activities),
        id_source(
            "goals",
            [("cpd goal done", "id"), ("cpd goal edit", "id"), ("cpd goal delete", "id")],
            _open_goals,
        ),
    ),
    on_timezone_change=(schedules.move_goal_reminders,),
    tables=(CpdActivity, CpdGoal, CpdPreference),
)
