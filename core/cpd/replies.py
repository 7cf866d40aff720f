"""How the CPD record is shown in answers: hours, a category's name, an activity as a line or as
fields, a goal as a line; and the reminders its schedules send (a goal falling due, a nudge after
quiet weeks)."""

from __future__ import annotations

from core.cpd.models import CpdActivity, CpdGoal, GoalStatus
from core.cpd.settings import DEFAULT_CATEGORIES
from core.i18n import _, format_number, ngettext
from core.reply import Reply, SpanLike, bold, code


def hours_text(value: float) -> str:
    """Hours as members read them, in their language: ``1.5`` (``1,5`` in Spanish), ``2``,
    never ``2.0``. Not for command lines a button runs: those keep ``{hours:g}``."""
    return format_number(value)


def category_label(value: str) -> str:
    """A stored category as the member reads it: a shipped one in the current language
    (``reading`` is ``lectura`` in Spanish), one the organisation configured as it wrote it.
    The stored value stays the English word: reports, CSV data and command lines keep it."""
    return _(value) if value in DEFAULT_CATEGORIES else value


def activity_line(activity: CpdActivity) -> list[SpanLike]:
    """One activity as a list line: its number, date, hours, category, title and standards."""
    parts: list[SpanLike] = [
        code(f"#{activity.id}"),
        f" {activity.occurred_on.isoformat()} · {hours_text(activity.hours)} h"
        f" · {category_label(activity.category)} · ",
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
        (_("Category"), category_label(activity.category)),
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
        details.append(category_label(goal.category))
    if goal.due:
        details.append(_("due {due}", due=goal.due.isoformat()))
    if goal.status == GoalStatus.DONE:
        details.append(_("done"))
    if details:
        parts.append(" · " + " · ".join(details))
    return parts


def goal_reminder_reply(goal: CpdGoal, days: int, hours: float) -> Reply:
    """The reminder that a goal falls due in ``days`` days (today if none), with its progress."""
    assert goal.due is not None
    reply = Reply(tone="info").heading(
        ngettext("A CPD goal is due tomorrow", "A CPD goal is due in {n} days", days)
        if days > 0
        else _("A CPD goal is due today")
    )
    reply.text(bold(goal.title), _(" (#{id}), due {due}.", id=goal.id, due=goal.due.isoformat()))
    if goal.target_hours:
        reply.text(
            _(
                "So far: {hours} of {target} hours.",
                hours=hours_text(hours),
                target=hours_text(goal.target_hours),
            )
        )
    reply.action(_("Mark it done"), f"cpd goal done {goal.id}", "primary")
    reply.action(_("Turn off CPD reminders"), "cpd reminders off")
    return reply


def nudge_reply(weeks: int) -> Reply:
    """The gentle nudge after ``weeks`` weeks with nothing logged."""
    reply = Reply.message(
        ngettext(
            "Nothing new in your CPD record for a week.",
            "Nothing new in your CPD record for {n} weeks.",
            weeks,
        ),
        _(
            " Small things count: an article, a webinar, a conversation with a colleague "
            "about a lesson. Log one with "
        ),
        bold('cpd log 0.5 "What I read"'),
        ".",
    )
    reply.action(_("Turn off CPD reminders"), "cpd reminders off")
    return reply
