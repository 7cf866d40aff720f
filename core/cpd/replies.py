"""How the CPD record is shown in answers: hours, an activity as a line or as fields, a goal as a
line."""

from __future__ import annotations

from core.cpd.models import CpdActivity, CpdGoal, GoalStatus
from core.i18n import _
from core.reply import SpanLike, bold, code


def hours_text(value: float) -> str:
    """Hours as members read them: ``1.5``, ``2``, never ``2.0``."""
    return f"{value:g}"


def activity_line(activity: CpdActivity) -> list[SpanLike]:
    """One activity as a list line: its number, date, hours, category, title and standards."""
    parts: list[SpanLike] = [
        code(f"#{activity.id}"),
        f" {activity.occurred_on.isoformat()} · {hours_text(activity.hours)} h"
        f" · {activity.category} · ",
        bold(activity.title),
    ]
    if activity.standards:
        parts.append(f" ({', '.join(activity.standards)})")
    return parts


def activity_fields(activity: CpdActivity) -> list[tuple[str, str]]:
    """An activity's details as labelled fields, the ones it has."""
    fields = [
        (_("Date"), activity.occurred_on.isoformat()),
        (_("Hours"), hours_text(activity.hours)),
        (_("Category"), activity.category),
    ]
    if activity.provider:
        fields.append((_("Provider"), activity.provider))
    if activity.standards:
        fields.append((_("Standards"), ", ".join(activity.standards)))
    if activity.evidence_url:
        fields.append((_("Evidence"), activity.evidence_url))
    if activity.reflection_entry_id is not None:
        fields.append((_("Journal entry"), f"#{activity.reflection_entry_id}"))
    return fields


def goal_line(goal: CpdGoal, hours: float) -> list[SpanLike]:
    """One goal as a list line: its number, title, progress towards its target, due date."""
    parts: list[SpanLike] = [code(f"#{goal.id}"), " ", bold(goal.title)]
    details = []
    if goal.target_hours:
        details.append(
            _(
                "{hours} of {target} h",
                hours=hours_text(hours),
                target=hours_text(goal.target_hours),
            )
        )
    if goal.category:
        details.append(goal.category)
    if goal.due:
        details.append(_("due {due}", due=goal.due.isoformat()))
    if goal.status == GoalStatus.DONE:
        details.append(_("done"))
    if details:
        parts.append(" · " + " · ".join(details))
    return parts
