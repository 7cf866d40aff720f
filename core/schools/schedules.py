"""The schools feature's schedule kinds: training reminders, and the ask for an impact note
after approved CPD (see :mod:`core.schools.reminders` for when they run, and why so)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.delivery.kinds import Occurrence, Outgoing
from core.i18n import _, language, ngettext
from core.identity.models import Member
from core.reply import Reply, SpanLike, bold, code
from core.schools.models import CpdRequest, RequestStatus
from core.schools.reminders import REMINDER_DAYS
from core.schools.service import TrainingStatus, days_left, school_of, training_statuses


def _reminder_line(status: TrainingStatus, days: int) -> list[SpanLike]:
    training = status.training
    day = status.until.isoformat() if status.until else ""
    renew = status.last_done is not None
    if days == 0:
        when = _("expires today") if renew else _("is due today")
    elif renew:
        when = ngettext(
            "expires in {n} day, on {day}", "expires in {n} days, on {day}", days, day=day
        )
    else:
        when = ngettext(
            "is due in {n} day, on {day}", "is due in {n} days, on {day}", days, day=day
        )
    return [
        bold(training.title),
        f" {when}. ",
        _("Record it with "),
        code(f"training done {training.id}"),
        _(" once you have done it."),
    ]


def produce_training_reminder(occ: Occurrence) -> list[Outgoing]:
    """On a reminder day (in the member's calendar) of any of their school's trainings, one
    message listing them; nothing on other days, or for someone no longer in a school."""
    session, schedule = occ.session, occ.schedule
    member = session.get(Member, schedule.member_id) if schedule.member_id else None
    school = school_of(session, member.id) if member is not None and member.id else None
    if member is None or member.id is None or school is None or school.id is None:
        return []
    today = occ.at.astimezone(ZoneInfo(schedule.timezone)).date()
    due = [
        (status, days)
        for status in training_statuses(session, school.id, member.id, today)
        if (days := days_left(status, today)) in REMINDER_DAYS
    ]
    if not due:
        return []
    with language(member.language):
        reply = Reply().heading(_("Training reminder from {school}", school=school.name))
        reply.items([_reminder_line(status, days) for status, days in due])
        reply.action(_("My training"), "training status")
    return [Outgoing(reply=reply, member_id=member.id)]


def produce_cpd_impact(occ: Occurrence) -> list[Outgoing]:
    """After approved CPD: ask what difference it made, and how to log it in one step. Nothing
    if the request was cancelled or is already logged."""
    session, schedule = occ.session, occ.schedule
    request = session.get(CpdRequest, schedule.subject_id) if schedule.subject_id else None
    if request is None or request.status != RequestStatus.APPROVED:
        return []
    member = session.get(Member, request.member_id)
    with language(member.language if member is not None else None):
        reply = Reply().heading(_("How did {title} go?", title=request.title))
        reply.text(
            _(
                "What difference has it made to your teaching? Log it as CPD, with your impact "
                "note, in one step:"
            )
        )
        reply.text(code(f'cpd request log {request.id} hours=HOURS "what changed"'))
        reply.note(_("Your impact note stays private: CPD leads see the title, date and hours."))
        reply.action(_("My requests"), "cpd request list")
    return [Outgoing(reply=reply, member_id=request.member_id)]
