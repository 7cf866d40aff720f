"""The reports at trust scope, as a trust admin reads them: which trust a report is about, and
the replies, with one line of totals per school and the trust's total (never a member's name).

A trust admin's ``report ...`` is about their trust unless they ask for ``scope=school`` (when
they are also a lead of their own school). Anyone else gets the school report, with its
refusals, exactly as before trusts existed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from core.commands import N_, Arg
from core.context import Context
from core.cpd.periods import Period
from core.cpd.replies import category_label
from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _, format_number, format_percent
from core.reply import Reply, SpanLike, bold
from core.schools.exports import (
    trust_coffee_csv,
    trust_cpd_csv,
    trust_mentoring_csv,
    trust_training_csv,
)
from core.schools.models import Trust
from core.schools.trust_reports import (
    trust_coffee_report,
    trust_cpd_report,
    trust_mentoring_report,
    trust_training_report,
)
from core.schools.trusts import administered_trusts

SCOPES = ("school", "trust")
ScopeArg = Annotated[
    str | None,
    Arg(
        N_("school or trust: trust admins get their trust's report unless they ask for school"),
        choices=SCOPES,
        positional=False,
    ),
]
TrustArg = Annotated[
    str | None,
    Arg(
        N_("which trust, for admins of several (its name, in quotes)"),
        positional=False,
        max_length=120,
    ),
]


def _same(one: str, other: str) -> bool:
    return " ".join(one.split()).lower() == " ".join(other.split()).lower()


def report_trust(ctx: Context, scope: str | None, trust: str | None) -> Trust | None:
    """The trust a report is about, or None for the member's school report."""
    if scope == "school" and trust is None:
        return None
    mine = administered_trusts(ctx.session, ctx.member_id)
    if trust is not None:
        for found in mine:
            if _same(found.name, trust):
                return found
        # The same answer whether or not such a trust exists: names cannot be probed.
        raise NotFound(
            _("You are not a trust admin of a trust called {name}.", name=trust.strip()[:60])
        )
    if not mine:
        if scope == "trust":
            raise PermissionDenied(_("Only trust admins see a trust's reports."))
        return None
    if len(mine) > 1:
        raise UserError(
            _(
                'You are a trust admin of {trusts}. Say which with trust="NAME".',
                trusts=", ".join(t.name for t in mine),
            )
        )
    return mine[0]


def _privacy_note(reply: Reply) -> Reply:
    return reply.note(
        _(
            "Totals per school only: no member's name, activity titles, notes or journal "
            "entries. Each school's CPD leads see their own school's members."
        )
    )


def _slug(trust: Trust) -> str:
    return f"trust-{trust.id}"


def trust_cpd_reply(ctx: Context, trust: Trust, period: Period) -> Reply:
    assert trust.id is not None
    report = trust_cpd_report(ctx.session, trust.id, period)
    reply = Reply().heading(_("CPD at {trust}: {period}", trust=trust.name, period=period.label()))
    reply.fields(
        [
            (_("Schools"), str(len(report.schools))),
            (_("Members"), str(report.members)),
            (_("Hours"), format_number(report.hours)),
            (_("Activities"), str(report.activities)),
            (_("Quiet members"), str(report.quiet)),
        ]
    )
    if not report.schools:
        reply.text(
            _('{trust} has no schools yet. Add one with trust add "School".', trust=trust.name)
        )
    else:
        reply.text(bold(_("By school")))
        reply.items(
            [
                [
                    bold(s.school),
                    ": ",
                    _(
                        "members {members} · hours {hours} · activities {activities} · "
                        "quiet {quiet}",
                        members=s.members,
                        hours=format_number(s.hours),
                        activities=s.activities,
                        quiet=s.quiet,
                    ),
                ]
                for s in report.schools
            ]
        )
    if report.by_category:
        reply.text(bold(_("By category, all schools")))
        reply.items([[f"{category_label(c)}: {format_number(h)} h"] for c, h in report.by_category])
    _privacy_note(reply)
    return reply.attach(
        f"{_slug(trust)}-cpd-{period.slug()}.csv", "text/csv", trust_cpd_csv(report)
    )


def trust_training_reply(ctx: Context, trust: Trust, today: date) -> Reply:
    assert trust.id is not None
    rows = trust_training_report(ctx.session, trust.id, today)
    reply = Reply().heading(_("Training at {trust}", trust=trust.name))
    if not rows:
        return reply.text(
            _('{trust} has no schools yet. Add one with trust add "School".', trust=trust.name)
        )
    reply.fields(
        [
            (_("Expired"), str(sum(r.expired for r in rows))),
            (_("Expiring"), str(sum(r.expiring for r in rows))),
            (_("Never done"), str(sum(r.never_done for r in rows))),
            (_("Done"), str(sum(r.done for r in rows))),
        ]
    )
    lines: list[list[SpanLike]] = []
    for r in rows:
        if not r.requirements:
            detail = _("requires no training yet")
        else:
            detail = _(
                "{requirements} required · {expired} expired · {expiring} expiring · "
                "{never} never done · {done} done",
                requirements=r.requirements,
                expired=r.expired,
                expiring=r.expiring,
                never=r.never_done,
                done=r.done,
            )
        lines.append([bold(r.school), ": ", detail])
    reply.text(bold(_("By school")))
    reply.items(lines)
    reply.note(
        _("Counts of members against each school's own requirements (expiring: within 30 days).")
    )
    _privacy_note(reply)
    return reply.attach(
        f"{_slug(trust)}-training-{today.isoformat()}.csv", "text/csv", trust_training_csv(rows)
    )


def trust_mentoring_reply(ctx: Context, trust: Trust, now: datetime, today: date) -> Reply:
    assert trust.id is not None
    rows, total = trust_mentoring_report(
        ctx.session, trust.id, now, ctx.settings.mentoring.checkin_every_weeks
    )
    reply = Reply().heading(_("Mentoring at {trust}", trust=trust.name))
    reply.fields(
        [
            (_("Proposed"), str(total.proposed)),
            (_("Active"), str(total.active)),
            (_("Ended"), str(total.ended)),
            (_("Check-ins overdue"), str(total.overdue)),
            (_("Waiting for a mentor"), str(total.waiting)),
        ]
    )
    if rows:
        reply.text(bold(_("By school")))
        reply.items(
            [
                [
                    bold(r.school),
                    ": ",
                    _(
                        "{active} active · {proposed} proposed · {ended} ended · "
                        "{overdue} overdue · {waiting} waiting",
                        active=r.active,
                        proposed=r.proposed,
                        ended=r.ended,
                        overdue=r.overdue,
                        waiting=r.waiting,
                    ),
                ]
                for r in rows
            ]
        )
    reply.note(_("A pair across two schools of the trust counts in each, and once in the total."))
    _privacy_note(reply)
    return reply.attach(
        f"{_slug(trust)}-mentoring-{today.isoformat()}.csv",
        "text/csv",
        trust_mentoring_csv(rows, total),
    )


def trust_coffee_reply(ctx: Context, trust: Trust, today: date) -> Reply:
    assert trust.id is not None
    rows = trust_coffee_report(ctx.session, trust.id)
    reply = Reply().heading(_("Coffee at {trust}", trust=trust.name))
    answered, met = sum(r.answered for r in rows), sum(r.met for r in rows)
    reply.fields(
        [
            (_("Taking part"), str(sum(r.taking_part for r in rows))),
            (_("Answers"), f"{answered} / {sum(r.seats for r in rows)}"),
            (_("Met rate"), format_percent(met / answered) if answered else _("no answers yet")),
            (_("Never met anyone"), str(sum(r.never_met for r in rows))),
            (_("Left out"), str(sum(r.left_out for r in rows))),
        ]
    )
    if rows:
        reply.text(bold(_("By school")))
        reply.items(
            [
                [
                    bold(r.school),
                    ": ",
                    _(
                        "{taking_part} taking part · met rate {rate} · {never} never met · "
                        "{left} left out",
                        taking_part=r.taking_part,
                        rate=format_percent(r.met_rate) if r.met_rate is not None else "–",
                        never=r.never_met,
                        left=r.left_out,
                    ),
                ]
                for r in rows
            ]
        )
    _privacy_note(reply)
    return reply.attach(
        f"{_slug(trust)}-coffee-{today.isoformat()}.csv", "text/csv", trust_coffee_csv(rows)
    )
