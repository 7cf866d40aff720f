"""The messages the schools feature's schedules send: a training reminder, and the ask for an
impact note after approved CPD. Built here, from records already read, so the producers in
:mod:`core.schools.schedules` only decide whether and to whom something is sent."""

from __future__ import annotations

from core.i18n import _, format_number, ngettext
from core.reply import Reply, SpanLike, bold, code
from core.schools.models import CpdRequest
from core.schools.programme import MIN_GROUP, Ratings
from core.schools.service import Standing, TrainingStatus


def standing_label(standing: Standing) -> str:
    """A training standing in words, as the report's reply and its PDF show it."""
    return {
        Standing.EXPIRED: _("expired"),
        Standing.EXPIRING: _("expiring"),
        Standing.NEVER_DONE: _("never done"),
        Standing.DONE: _("done"),
    }[standing]


def rating_facts(ratings: list[Ratings]) -> list[tuple[str, str]]:
    """Each side's feedback as a labelled fact: the average, or why there is none yet (a group
    under :data:`~core.schools.programme.MIN_GROUP`), for the report's reply and its PDF."""
    facts: list[tuple[str, str]] = []
    for group in ratings:
        label = _("Rated by mentees") if group.side == "mentees" else _("Rated by mentors")
        if group.average is not None:
            value = _(
                "{average} of 5 ({n} ratings)",
                average=format_number(group.average, 1),
                n=group.count,
            )
        else:
            value = ngettext(
                "{n} rating: averages show from {least}",
                "{n} ratings: averages show from {least}",
                group.count,
                least=MIN_GROUP,
            )
        facts.append((label, value))
    return facts


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


def training_reminder_reply(school: str, due: list[tuple[TrainingStatus, int]]) -> Reply:
    """The reminder of ``school``'s trainings falling due, each with its days left."""
    reply = Reply().heading(_("Training reminder from {school}", school=school))
    reply.items([_reminder_line(status, days) for status, days in due])
    return reply.action(_("My training"), "training status")


def cpd_impact_reply(request: CpdRequest) -> Reply:
    """After approved CPD: what difference it made, and how to log it in one step."""
    reply = Reply().heading(_("How did {title} go?", title=request.title))
    reply.text(
        _(
            "What difference has it made to your teaching? Log it as CPD, with your impact "
            "note, in one step:"
        )
    )
    reply.text(code(f'cpd request log {request.id} hours=HOURS "what changed"'))
    reply.note(_("Your impact note stays private: CPD leads see the title, date and hours."))
    return reply.action(_("My requests"), "cpd request list")
