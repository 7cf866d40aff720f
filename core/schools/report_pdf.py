"""The school's reports as PDF files for the CPD lead: CPD (with charts of hours by month and by
category), training, mentoring and coffee.

Each PDF holds what the report's reply and CSV hold, and nothing else: the renderers take the
same report values as :mod:`core.schools.exports` (built by the services from activity facts,
statuses, dates and counts), so a journal entry, an activity's notes or a mentoring note cannot
reach a page, because none of them is ever in what a renderer is given. The one addition,
:func:`hours_by_month`, reads only the day and the hours of the school's activities.

The pages are laid out like the member's portfolio (:func:`core.cpd.exports.summary_pdf`): A4,
its fonts with their fallbacks and visible mark for a character no font has, labels, dates and
numbers in the current language, a title, the school, the period and the day it was made on the
first page, tables running on over as many pages as they need with their column headings
repeated, and "Page n of N" at the foot of every page. The charts are drawn with fpdf2's own
rectangles, lines and text.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from core.cpd.exports import Typesetter, period_text
from core.cpd.periods import Period
from core.cpd.replies import category_label
from core.cpd.settings import CpdSettings
from core.i18n import _, current_language, format_day, format_number
from core.schools.programme import CoffeeReport, MentoringReport
from core.schools.replies import rating_facts, standing_label
from core.schools.service import SchoolReport, Standing, TrainingRow

if TYPE_CHECKING:
    from fpdf import FPDF

log = logging.getLogger(__name__)

_MARGIN = 16.0
_ROW = 5.4
"""Height of a table row (mm): one line, clipped, so a page holds a known number of rows."""
_PAD = 1.2
_WIDEST = 1.3
"""No letter is wider than this many times the font size (DejaVu's widest is 1.0; emoji 1.2)."""
_BAR = (66, 110, 170)
_GRID = 215
_MONTH_CHART = 52.0
"""Height of the bars' area in the chart of hours by month (mm)."""
_MONTH_LABELS = 12
"""At most this many month labels under the chart: a long period labels every few months."""


# Words and numbers in the reader's language ------------------------------------------------


def _number(value: int) -> str:
    """A count in the reader's way of writing numbers (``2,000``; ``2000`` or ``2.000``)."""
    return format_number(value)


def _percent(value: float) -> str:
    from babel.numbers import format_percent

    return str(format_percent(value, locale=current_language().replace("-", "_")))


def _day(day: date | datetime | None) -> str:
    if day is None:
        return ""
    return format_day(day.date() if isinstance(day, datetime) else day, "medium")


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


# The document --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its heading, its share of the page's width, how its cells align."""

    heading: str
    share: float
    align: str = "L"


class _ReportDocument:
    """One report's pages: the first page's title and facts, headings, tables, charts."""

    def __init__(
        self,
        title: str,
        school: str,
        *,
        period: Period | None,
        now: datetime,
        today: date,
        settings: CpdSettings,
        landscape: bool = False,
    ) -> None:
        from fpdf import FPDF  # imported lazily: only files need it

        class Pages(FPDF):
            def footer(self) -> None:
                self.set_xy(_MARGIN, -12)
                typeset.font(7.5)
                self.set_text_color(110)
                half = (self.w - 2 * _MARGIN) / 2
                self.cell(half, 5, typeset(school[:80]), align="L")
                page = _(
                    "Page {page} of {pages}", page=self.page_no(), pages=self.str_alias_nb_pages
                )
                self.cell(half, 5, typeset(page), align="R")
                self.set_text_color(0)

        pdf = Pages(orientation="L" if landscape else "P", format="A4")
        pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        pdf.set_auto_page_break(True, margin=18)
        pdf.set_creation_date(now)
        pdf.set_creator("Staffroom")
        pdf.set_lang(current_language())
        pdf.set_title(title)
        typeset = Typesetter(pdf, settings)  # the footer draws with it, from the first page
        self.pdf: FPDF = pdf
        self.fit = typeset
        pdf.add_page()
        self.text(title, size=17, bold=True)
        pdf.ln(1)
        facts = [(_("School"), school)]
        if period is not None:
            facts.append((_("Period"), period_text(period)))
        facts.append((_("Made on"), format_day(today)))
        self.facts(facts)

    # Text ------------------------------------------------------------------------------------

    def text(self, text: str, *, size: float = 9.0, bold: bool = False, grey: bool = False) -> None:
        pdf = self.pdf
        self.fit.font(size, bold=bold)
        pdf.set_text_color(95 if grey else 0)
        pdf.multi_cell(
            pdf.epw, max(4.6, size * 0.5), self.fit(text, bold=bold), new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_text_color(0)
        pdf.ln(0.8)

    def facts(self, facts: Sequence[tuple[str, str]]) -> None:
        """Label and value pairs, one a line."""
        pdf = self.pdf
        label_width = 64.0  # "Valoración de los mentores", "Wedi'u gwrthod neu wedi dod i ben"
        for label, value in facts:
            if pdf.will_page_break(_ROW):
                pdf.add_page()
            self.fit.font(9)
            pdf.set_text_color(95)
            pdf.cell(label_width, _ROW, self._clipped(label, label_width))
            pdf.set_text_color(0)
            pdf.cell(pdf.epw - label_width, _ROW, self._clipped(value, pdf.epw - label_width))
            pdf.ln(_ROW)
        pdf.ln(1.5)

    def heading(self, text: str, *, room: float = 24.0) -> None:
        """A section heading, with ``room`` below it on the same page."""
        pdf = self.pdf
        if pdf.will_page_break(room + 12):
            pdf.add_page()
        pdf.ln(3)
        self.fit.font(12.5, bold=True)
        pdf.multi_cell(pdf.epw, 7, self.fit(text, bold=True), new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(190)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.ln(1.5)

    def _clipped(self, text: str, width: float, *, bold: bool = False) -> str:
        """``text`` as drawable, cut with an ellipsis to fit ``width`` (mm) on one line."""
        text = self.fit(" ".join(text.split()), bold=bold)
        room = width - 2 * _PAD
        # Measuring is most of the cost of a long table: a text short enough to fit even in
        # the widest letters is not measured.
        if len(text) * self.pdf.font_size * _WIDEST <= room:
            return text
        if self.pdf.get_string_width(text) <= room:
            return text
        ellipsis = self.fit("…")
        while text and self.pdf.get_string_width(text + ellipsis) > room:
            text = text[: max(0, min(len(text) - 1, int(len(text) * 0.9)))]
        return text.rstrip() + ellipsis

    # Tables ----------------------------------------------------------------------------------

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> None:
        """Rows of one clipped line each, on as many pages as they need; the column headings
        head every page the table is on."""
        pdf = self.pdf
        total = sum(c.share for c in columns)
        widths = [pdf.epw * c.share / total for c in columns]

        def headings() -> None:
            self.fit.font(8.5, bold=True)
            pdf.set_fill_color(236)
            for column, width in zip(columns, widths, strict=True):
                pdf.cell(
                    width,
                    _ROW + 0.6,
                    self._clipped(column.heading, width, bold=True),
                    align=column.align,
                    fill=True,
                )
            pdf.ln(_ROW + 0.6)
            self.fit.font(8.5)

        if pdf.will_page_break(3 * _ROW):
            pdf.add_page()
        headings()
        for index, row in enumerate(rows):
            if pdf.will_page_break(_ROW):
                pdf.add_page()
                headings()
            shade = index % 2 == 1
            if shade:
                pdf.set_fill_color(247)
            for column, width, value in zip(columns, widths, row, strict=True):
                pdf.cell(width, _ROW, self._clipped(value, width), align=column.align, fill=shade)
            pdf.ln(_ROW)
        pdf.ln(2)

    # Charts ----------------------------------------------------------------------------------

    def month_chart(self, months: Sequence[tuple[date, float]]) -> None:
        """Vertical bars, one a month, on a scale with three grid lines; the month's short name
        under its bar (and the year under the first bar and each January)."""
        pdf = self.pdf
        axis = 14.0
        height = _MONTH_CHART
        if pdf.will_page_break(height + 18):
            pdf.add_page()
        top = pdf.get_y() + 4
        left = pdf.l_margin + axis
        width = pdf.epw - axis
        scale = _nice_top(max((h for _m, h in months), default=0.0))
        bottom = top + height
        self.fit.font(7)
        pdf.set_draw_color(_GRID)
        for step in range(4):
            value = scale * step / 3
            y = bottom - height * step / 3
            pdf.line(left, y, left + width, y)
            pdf.set_xy(pdf.l_margin, y - 2)
            pdf.set_text_color(110)
            pdf.cell(axis - 1.5, 4, self.fit(format_number(value)), align="R")
        slot = width / max(1, len(months))
        every = max(1, math.ceil(len(months) / _MONTH_LABELS))
        pdf.set_fill_color(*_BAR)
        for index, (month, hours) in enumerate(months):
            x = left + index * slot
            bar = height * hours / scale if scale else 0.0
            if bar > 0:
                pdf.rect(x + slot * 0.15, bottom - bar, slot * 0.7, bar, style="F")
                if slot >= 9:
                    pdf.set_text_color(60)
                    pdf.set_xy(x, bottom - bar - 4)
                    pdf.cell(slot, 4, self.fit(format_number(hours)), align="C")
            if index % every == 0:
                pdf.set_text_color(0)
                pdf.set_xy(x - slot * (every - 1) / 2, bottom + 0.8)
                pdf.cell(slot * every, 4, self.fit(format_day(month, "MMM")), align="C")
                if index == 0 or month.month == 1:
                    pdf.set_text_color(110)
                    pdf.set_xy(x - slot * (every - 1) / 2, bottom + 4.3)
                    pdf.cell(slot * every, 4, self.fit(str(month.year)), align="C")
        pdf.set_draw_color(120)
        pdf.line(left, bottom, left + width, bottom)
        pdf.set_text_color(0)
        pdf.set_xy(pdf.l_margin, bottom + 10)

    def bar_chart(self, items: Sequence[tuple[str, float]]) -> None:
        """Horizontal bars, one a line: the label, the bar, the hours."""
        pdf = self.pdf
        label_width, value_width = 52.0, 20.0
        width = pdf.epw - label_width - value_width
        scale = max((h for _label, h in items), default=0.0)
        for label, hours in items:
            if pdf.will_page_break(_ROW + 1):
                pdf.add_page()
            y = pdf.get_y()
            self.fit.font(8.5)
            pdf.cell(label_width, _ROW, self._clipped(label, label_width))
            bar = width * hours / scale if scale else 0.0
            pdf.set_fill_color(*_BAR)
            if bar > 0:
                pdf.rect(pdf.get_x(), y + 1, max(0.4, bar), _ROW - 2, style="F")
            pdf.set_x(pdf.l_margin + label_width + width)
            pdf.cell(value_width, _ROW, self.fit(f"{format_number(hours)} h"), align="R")
            pdf.ln(_ROW + 0.6)
        pdf.ln(2)

    def output(self) -> bytes:
        if self.fit.missing:
            self.text(
                _(
                    "Some characters show as {mark}: this server has no font for them. "
                    "Your Staffroom admin can install one.",
                    mark=self.fit.mark,
                ),
                size=8,
                grey=True,
            )
            # Counts only, never the characters: they are members' names.
            log.warning(
                "school report: %d characters had no font and show as a mark; install "
                "fonts-noto-cjk and fonts-noto-color-emoji (see core/cpd/exports.py)",
                self.fit.missing,
            )
        return bytes(self.pdf.output())


def _nice_top(largest: float) -> float:
    """The top of a chart's scale: the smallest round number (1, 1.5, 2, 3, 5 or 10 times a
    power of ten, so each third of it is a round number too) at or above ``largest``."""
    if largest <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(largest))
    for factor in (1, 1.5, 3, 6, 10):
        if largest <= factor * power + 1e-9:
            return float(factor * power)
    return float(10 * power)


# The reports ---------------------------------------------------------------------------------


def cpd_report_pdf(
    report: SchoolReport,
    *,
    school: str,
    by_month: Sequence[tuple[date, float]],
    now: datetime,
    today: date,
    settings: CpdSettings,
) -> bytes:
    """The school's CPD in the period: totals, a chart of hours by month (``by_month``, from
    :func:`hours_by_month`) and one of hours by category, the quiet members, then every member
    with their hours and activities, as the CSV has them. ``today`` is the lead's own date."""
    document = _ReportDocument(
        _("CPD at {school}", school=school),
        school,
        period=report.period,
        now=now,
        today=today,
        settings=settings,
    )
    document.facts(
        [
            (_("Members"), _number(len(report.members))),
            (_("Hours"), format_number(report.total_hours)),
            (_("Activities"), _number(report.total_activities)),
            (_("Quiet members"), _number(len(report.quiet))),
        ]
    )
    document.heading(_("Hours by month"), room=_MONTH_CHART + 14)
    if by_month:
        document.month_chart(by_month)
    else:
        document.text(_("Nothing logged in this period."), grey=True)
    document.heading(_("Hours by category"))
    if report.by_category:
        document.bar_chart([(category_label(c), h) for c, h in report.by_category])
    else:
        document.text(_("Nothing logged in this period."), grey=True)
    document.heading(_("Members"))
    document.table(
        [Column(_("Name"), 6), Column(_("Hours"), 2, "R"), Column(_("Activities"), 2, "R")],
        [[m.name, format_number(m.hours), _number(m.activities)] for m in report.members],
    )
    document.text(
        _(
            "Hours and activities of each member, from what they logged: no titles, notes or "
            "journal entries."
        ),
        size=8,
        grey=True,
    )
    return document.output()


def training_report_pdf(
    rows: Sequence[TrainingRow],
    *,
    school: str,
    now: datetime,
    today: date,
    settings: CpdSettings,
) -> bytes:
    """Every member against every requirement, one section per requirement with its counts,
    those who need to act first (the order of :func:`core.schools.service.training_report`)."""
    document = _ReportDocument(
        _("Training at {school}", school=school),
        school,
        period=None,
        now=now,
        today=today,
        settings=settings,
    )
    if not rows:
        document.text(_("Your school requires no training yet. Set some with training require."))
        return document.output()
    trainings = {r.status.training.id: r.status.training for r in rows}
    for training_id, training in trainings.items():
        mine = [r for r in rows if r.status.training.id == training_id]
        document.heading(f"#{training_id} {training.title}")
        document.text(
            ", ".join(
                f"{_number(sum(r.standing is s for r in mine))} {standing_label(s)}"
                for s in Standing
            )
        )
        document.table(
            [
                Column(_("Name"), 5),
                Column(_("Standing"), 3),
                Column(_("Last done"), 2.5),
                Column(_("Until"), 2.5),
            ],
            [
                [
                    r.name,
                    standing_label(r.standing),
                    _day(r.status.last_done),
                    _day(r.status.until),
                ]
                for r in mine
            ],
        )
    return document.output()


def mentoring_report_pdf(
    report: MentoringReport,
    outsider: str,
    *,
    school: str,
    now: datetime,
    today: date,
    settings: CpdSettings,
) -> bytes:
    """The school's pairs, who waits for a mentor and the rating averages; ``outsider`` stands
    for a side who is not a member of the school. Counts, dates and averages only."""
    document = _ReportDocument(
        _("Mentoring at {school}", school=school),
        school,
        period=None,
        now=now,
        today=today,
        settings=settings,
        landscape=True,  # nine columns, four of them dates
    )
    facts = [
        (_("Proposed"), _number(report.count("proposed"))),
        (_("Active"), _number(report.count("active"))),
        (_("Ended"), _number(report.count("completed"))),
        (_("Declined or expired"), _number(report.count("declined", "expired"))),
        (_("Check-ins overdue"), _number(len(report.overdue))),
    ]
    facts.extend(rating_facts(report.ratings))
    document.facts(facts)
    document.heading(_("Pairs"))
    if not report.pairs:
        document.text(_("No pairs yet."), grey=True)
    else:
        document.table(
            [
                Column("#", 1, "R"),
                Column(_("Mentor"), 4),
                Column(_("Mentee"), 4),
                Column(_("Status"), 2.4),
                Column(_("Proposed"), 2.5),
                Column(_("Ended"), 2.5),
                Column(_("Check-ins"), 1.8, "R"),
                Column(_("Last check-in"), 2.5),
                Column(_("Overdue"), 1.6),
            ],
            [
                [
                    str(p.match_id),
                    p.mentor if p.mentor is not None else outsider,
                    p.mentee if p.mentee is not None else outsider,
                    p.status,
                    _day(p.proposed_at),
                    _day(p.ended_at),
                    _number(p.checkins),
                    _day(p.last_checkin),
                    _yes(p.overdue),
                ]
                for p in report.pairs
            ],
        )
    document.heading(_("Waiting for a mentor"))
    if not report.unmatched:
        document.text(_("No one is waiting for a mentor."), grey=True)
    else:
        document.table(
            [Column(_("Name"), 5), Column(_("Asked on"), 3), Column(_("Rounds missed"), 2, "R")],
            [[w.name, _day(w.since), _number(w.missed_rounds)] for w in report.unmatched],
        )
    document.text(
        _(
            "Counts, dates and average ratings only: never what anyone wrote in a check-in "
            "or feedback, and no one outside your school by name."
        ),
        size=8,
        grey=True,
    )
    return document.output()


def coffee_report_pdf(
    report: CoffeeReport,
    *,
    school: str,
    now: datetime,
    today: date,
    settings: CpdSettings,
) -> bytes:
    """The school's coffee rounds: the met rate, then every member taking part, as the CSV
    has them."""
    document = _ReportDocument(
        _("Coffee at {school}", school=school),
        school,
        period=None,
        now=now,
        today=today,
        settings=settings,
    )
    rate = report.met_rate
    document.facts(
        [
            (_("Rounds"), _number(report.rounds)),
            (_("Taking part"), _number(len(report.members))),
            (_("Answers"), f"{_number(report.answered)} / {_number(report.seats)}"),
            (_("Met rate"), _percent(rate) if rate is not None else _("no answers yet")),
        ]
    )
    document.heading(_("Members"))
    if not report.members:
        document.text(_("No one at your school takes part in coffee rounds yet."), grey=True)
        return document.output()
    document.table(
        [
            Column(_("Name"), 5),
            Column(_("Rounds"), 1.6, "R"),
            Column(_("Met"), 1.6, "R"),
            Column(_("Not met"), 1.6, "R"),
            Column(_("Never met"), 1.8),
            Column(_("Left out"), 1.8),
        ],
        [
            [
                m.name,
                _number(m.seats),
                _number(m.met),
                _number(m.not_met),
                _yes(m.never_met),
                _yes(m.left_out),
            ]
            for m in report.members
        ],
    )
    return document.output()
