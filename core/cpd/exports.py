"""Files a teacher can hand in: the CPD record as CSV, iCalendar and a one-page PDF summary.

CSV is UTF-8 with a byte-order mark (so Excel shows names like "Zoë Ångström" correctly), ISO
dates and hours as plain numbers. Cells a spreadsheet would run as a formula are prefixed with an
apostrophe. iCalendar holds activities as all-day events and goals' due dates. The PDF uses a
Unicode TrueType font (DejaVu Sans, or ``cpd.pdf_font``) so every name renders.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event
from sqlmodel import Session

from core.cpd.frameworks import catalogue
from core.cpd.models import GoalStatus
from core.cpd.service import Summary, reflection_title
from core.cpd.settings import CpdSettings
from core.i18n import _, ngettext

CSV_COLUMNS = (
    "id",
    "date",
    "hours",
    "category",
    "title",
    "provider",
    "evidence_url",
    "standards",
    "notes",
    "reflection",
    "logged_at",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)
PDF_ROWS = 12
"""Rows per section of the PDF, so the summary stays on one page."""


def _cell(text: str | None) -> str:
    """User text for a spreadsheet cell: never something Excel would run as a formula."""
    value = text or ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def summary_csv(session: Session, member_id: int, summary: Summary) -> bytes:
    """One row per activity in the period, every field, oldest first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for a in summary.activities:
        writer.writerow(
            [
                a.id,
                a.occurred_on.isoformat(),
                f"{a.hours:g}",
                _cell(a.category),
                _cell(a.title),
                _cell(a.provider),
                a.evidence_url or "",
                ";".join(a.standards),
                _cell(a.notes),
                _cell(reflection_title(session, member_id, a.reflection_entry_id)),
                a.created_at.isoformat(),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def summary_ics(summary: Summary, *, member_name: str, now: datetime) -> bytes:
    """Activities as all-day events, and the due dates of goals that fall in the period."""
    calendar = Calendar()
    calendar.add("prodid", "-//Staffroom//CPD record//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("CPD record: {name}", name=member_name))
    for a in summary.activities:
        event = Event()
        event.add("uid", f"cpd-activity-{a.id}@staffroom")
        event.add("dtstamp", now)
        event.add("dtstart", a.occurred_on)
        event.add("dtend", a.occurred_on + timedelta(days=1))
        event.add("summary", f"{a.title} ({a.hours:g} h)")
        event.add("categories", [a.category])
        details = [_("Hours: {hours}", hours=f"{a.hours:g}")]
        if a.provider:
            details.append(_("Provider: {provider}", provider=a.provider))
        if a.standards:
            details.append(_("Standards: {codes}", codes=", ".join(a.standards)))
        if a.evidence_url:
            details.append(_("Evidence: {url}", url=a.evidence_url))
            event.add("url", a.evidence_url)
        if a.notes:
            details.append(a.notes)
        event.add("description", "\n".join(details))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    for line in summary.goals:
        goal = line.goal
        if goal.due is None or not summary.period.contains(goal.due):
            continue
        event = Event()
        event.add("uid", f"cpd-goal-{goal.id}@staffroom")
        event.add("dtstamp", now)
        event.add("dtstart", goal.due)
        event.add("dtend", goal.due + timedelta(days=1))
        event.add("summary", _("CPD goal due: {title}", title=goal.title))
        state = _("done") if goal.status == GoalStatus.DONE else _("open")
        description = _("Status: {state}", state=state)
        if goal.target_hours:
            description += "\n" + _(
                "Hours: {hours} of {target}",
                hours=f"{line.hours:g}",
                target=f"{goal.target_hours:g}",
            )
        event.add("description", description)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def find_font(settings: CpdSettings) -> Path | None:
    """A Unicode TTF for the PDF: the configured one, else a system DejaVu Sans."""
    candidates = [settings.pdf_font] if settings.pdf_font else []
    candidates += FONT_CANDIDATES
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def summary_pdf(
    session: Session,
    member_id: int,
    summary: Summary,
    *,
    member_name: str,
    now: datetime,
    settings: CpdSettings,
) -> bytes:
    """A one-page summary: totals, hours by category and standard, goals and reflections."""
    from fpdf import FPDF  # imported lazily: only exports need it

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(now)
    pdf.set_creator("Staffroom")
    pdf.set_title(_("CPD summary: {name}", name=member_name))
    font = find_font(settings)
    family = "Helvetica"
    fit: Callable[[str], str] = _latin1
    if font is not None:
        bold_font = font.with_name(font.stem + "-Bold" + font.suffix)
        pdf.add_font("Body", "", str(font))
        pdf.add_font("Body", "B", str(bold_font if bold_font.is_file() else font))
        family, fit = "Body", _same
    pdf.add_page()
    width = pdf.epw

    def line(text: str, *, size: float = 10, bold: bool = False, height: float = 5.5) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.cell(width, height, fit(text), new_x="LMARGIN", new_y="NEXT")

    def row(label: str, value: str) -> None:
        pdf.set_font(family, "", 10)
        pdf.cell(width - 30, 5.5, fit(_clip(label, 95)))
        pdf.cell(30, 5.5, fit(value), align="R", new_x="LMARGIN", new_y="NEXT")

    def section(title: str, rows: list[tuple[str, str]], empty: str) -> None:
        pdf.ln(3)
        line(title, size=12, bold=True, height=7)
        for label, value in rows[:PDF_ROWS]:
            row(label, value)
        if len(rows) > PDF_ROWS:
            line(_("… and {n} more (see the CSV export)", n=len(rows) - PDF_ROWS), size=9)
        if not rows:
            line(empty, size=9)

    line(_("CPD summary"), size=18, bold=True, height=10)
    line(member_name, size=13, bold=True, height=7)
    line(_("Period: {period}", period=summary.period.label()), size=10)
    total = ngettext(
        "{hours} hours in {n} activity",
        "{hours} hours in {n} activities",
        len(summary.activities),
        hours=f"{summary.total_hours:g}",
    )
    if summary.target_hours:
        total += _(
            " — {percent}% of the yearly target of {target} hours",
            percent=round(100 * summary.total_hours / summary.target_hours),
            target=f"{summary.target_hours:g}",
        )
    line(total, size=11, bold=True)
    section(
        _("Hours by category"),
        [(c, f"{h:g}") for c, h in summary.by_category],
        _("Nothing logged in this period."),
    )
    standards = [(f"{s.code} {s.title}", f"{h:g}") for s, h in summary.by_standard]
    if summary.untagged_hours:
        standards.append((_("Not mapped to a standard"), f"{summary.untagged_hours:g}"))
    section(_("Hours by standard"), standards, _("No activities mapped to standards."))
    section(
        _("Goals"),
        [
            (
                ("✓ " if g.goal.status == GoalStatus.DONE else "")
                + g.goal.title
                + (f" ({_('due {due}', due=g.goal.due.isoformat())})" if g.goal.due else ""),
                f"{g.hours:g}/{g.goal.target_hours:g} h" if g.goal.target_hours else "",
            )
            for g in summary.goals
        ],
        _("No goals set."),
    )
    reflections: list[tuple[str, str]] = []
    for a in summary.activities:
        linked = reflection_title(session, member_id, a.reflection_entry_id)
        thought = linked or (a.notes.split("\n")[0] if a.notes else "")
        if thought:
            reflections.append((f"{a.title}: {_clip(thought, 70)}", a.occurred_on.isoformat()))
    section(_("Reflections"), reflections, _("No reflections recorded with these activities."))
    pdf.set_y(-20)
    codes = catalogue(settings.standards_frameworks)
    frameworks = sorted({s.framework for s in codes.values()})
    line(
        _(
            "Made by Staffroom on {day}. Standards: {frameworks}.",
            day=now.date().isoformat(),
            frameworks="; ".join(frameworks),
        ),
        size=8,
    )
    return bytes(pdf.output())


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same(text: str) -> str:
    return text


def _latin1(text: str) -> str:
    """Without a Unicode font, fpdf's core fonts take Latin-1 only: replace what they cannot."""
    text = text.replace("…", "...").replace("—", "-").replace("–", "-").replace("✓", "*")
    return text.encode("latin-1", "replace").decode("latin-1")
