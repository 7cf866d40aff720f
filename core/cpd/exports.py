"""Files a teacher can hand in: the CPD record as CSV, iCalendar and a PDF portfolio.

CSV is UTF-8 with a byte-order mark (so Excel shows names like "Zoë Ångström" correctly), ISO
dates and hours as plain numbers. Cells a spreadsheet would run as a formula are prefixed with an
apostrophe. iCalendar holds activities as all-day events and goals' due dates.

The PDF is the portfolio for an appraisal: every activity of the period with all its fields, on as
many numbered pages as it takes, in the member's language. Its text font is a Unicode TrueType
font (DejaVu Sans, or ``cpd.pdf_font``); Chinese, Japanese, Korean and emoji come from Noto fonts
when the system has them (see :func:`summary_pdf` for what to install). A character no installed
font has is shown as a visible mark, never silently left out.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from icalendar import Calendar, Event
from sqlmodel import Session

from core.commands import N_
from core.cpd.frameworks import catalogue
from core.cpd.models import GoalStatus
from core.cpd.periods import Period
from core.cpd.replies import category_label
from core.cpd.service import Summary, reflection_title
from core.cpd.settings import CpdSettings
from core.errors import NotFound
from core.i18n import _, current_language, format_day, format_number, ngettext
from core.installations.install_id import install_id
from core.reflection.service import get_entry

if TYPE_CHECKING:
    from fpdf import FPDF

CSV_COLUMNS = (
    N_("id"),
    N_("date"),
    N_("hours"),
    N_("category"),
    N_("title"),
    N_("provider"),
    N_("evidence_url"),
    N_("standards"),
    N_("notes"),
    N_("reflection"),
    N_("logged_at"),
)
"""The CSV's columns, in English as written here (what existing imports read) and in the member's
language otherwise; the cells below them stay machine-readable in every language."""
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str | None) -> str:
    """User text for a spreadsheet cell: never something Excel would run as a formula."""
    value = text or ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def summary_csv(session: Session, member_id: int, summary: Summary) -> bytes:
    """One row per activity in the period, every field, oldest first: headers in the current
    language, cells the same in every language (ISO dates, ``1.5`` hours, stored categories)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_(column) for column in CSV_COLUMNS])
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


def summary_ics(session: Session, summary: Summary, *, member_name: str, now: datetime) -> bytes:
    """Activities as all-day events, and the due dates of goals that fall in the period.

    UIDs name this install (:func:`~core.installations.install_id.install_id`), as events' do:
    calendar apps take two items with one UID for one, and every Staffroom has a
    ``cpd-activity-1``. The same activity exported again keeps its UID, so a re-import updates
    it rather than adding a copy."""
    install = install_id(session, now)
    calendar = Calendar()
    calendar.add("prodid", "-//Staffroom//CPD record//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("CPD record: {name}", name=member_name))
    for a in summary.activities:
        event = Event()
        event.add("uid", f"cpd-activity-{a.id}@{install}.staffroom")
        event.add("dtstamp", now)
        event.add("dtstart", a.occurred_on)
        event.add("dtend", a.occurred_on + timedelta(days=1))
        event.add("summary", f"{a.title} ({a.hours:g} h)")
        event.add("categories", [category_label(a.category)])
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
        event.add("uid", f"cpd-goal-{goal.id}@{install}.staffroom")
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


# The PDF portfolio ------------------------------------------------------------------------------

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)
"""Where the text font (DejaVu Sans) is found on Debian and Ubuntu, Fedora, Arch, by hand, macOS."""
FALLBACK_CANDIDATES = (
    # Chinese, Japanese and Korean: Noto Sans CJK on Debian and Ubuntu, Fedora, Arch, Alpine.
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",
    # Emoji: Noto Color Emoji, on the same systems.
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
    "/usr/share/fonts/google-noto-color-emoji-fonts/NotoColorEmoji.ttf",
    "/usr/share/fonts/noto/NotoColorEmoji.ttf",
)
"""Fonts for what the text font lacks, loaded only when a portfolio has such characters."""
REPLACEMENT = "\ufffd"
"""Shown for a character no installed font has, so that nothing vanishes without a trace."""
_INVISIBLE = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF} | set(range(0xFE00, 0xFE10))
"""Joiners and variation selectors: they draw nothing themselves, so leaving them out when no font
has them loses nothing a reader would see (an emoji sequence shows as its parts)."""
_CORE_FONT_SWAPS = str.maketrans({"…": "...", "—": "-", "–": "-", "✓": "*", "’": "'"})

_MARGIN = 16.0
_DATE_WIDTH = 30.0
_HOURS_WIDTH = 20.0
_LABEL_WIDTH = 30.0
_LINE = 4.6
_KEEP_WHOLE = 40.0
"""Rows up to this height (mm) are never split between pages."""

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PortfolioOwner:
    """Whose portfolio it is, as its first page says: name, school and role (when known)."""

    name: str
    school: str | None = None
    role: str | None = None


def find_font(settings: CpdSettings) -> Path | None:
    """The text font: ``cpd.pdf_font`` if it exists, else a system DejaVu Sans."""
    candidates = [settings.pdf_font] if settings.pdf_font else []
    for candidate in [*candidates, *FONT_CANDIDATES]:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def _bold_of(path: Path) -> Path | None:
    """The bold face beside a regular one (``DejaVuSans-Bold.ttf``, ``NotoSansCJK-Bold.ttc``)."""
    for stem in (path.stem.replace("-Regular", "-Bold"), path.stem + "-Bold"):
        bold = path.with_name(stem + path.suffix)
        if bold != path and bold.is_file():
            return bold
    return None


@cache
def _face(path: Path) -> int:
    """Which face of a font collection to use: Simplified Chinese when a CJK collection offers it
    (Chinese is what members write most), else the first."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    from fontTools.ttLib import TTCollection  # type: ignore[import-untyped]

    faces = TTCollection(str(path), lazy=True).fonts
    for number, face in enumerate(faces):
        if str(face["name"].getDebugName(1) or "").endswith(" SC"):
            return number
    return 0


class Typesetter:
    """The fonts of one portfolio, and what becomes of characters none of them has.

    The text font is DejaVu Sans (or ``cpd.pdf_font``); a fallback font is added, through fpdf2's
    ``set_fallback_fonts``, the first time the text has a character only it covers. A character
    that no installed font covers is replaced by a visible mark and counted, so the portfolio can
    say so and the log can say which fonts to install; fpdf2 would otherwise draw nothing.
    """

    def __init__(self, pdf: FPDF, settings: CpdSettings) -> None:
        self.pdf = pdf
        self.missing = 0
        text_font = find_font(settings)
        self._pending = [Path(p) for p in FALLBACK_CANDIDATES if Path(p).is_file()]
        if text_font is None and self._pending:
            text_font = self._pending.pop(0)  # a CJK font has Latin letters too
        self._fallbacks: list[str] = []
        self._cmaps: dict[str, set[int]] = {}
        self._bold_pending: dict[str, Path] = {}
        if text_font is None:
            # fpdf2's built-in Helvetica: Latin-1 only, and fpdf2 falls back from TTF fonts only.
            self.family = "Helvetica"
            self._covered = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
            self._pending = []
            self.mark = "?"
            return
        self.family = "Body"
        self._add("Body", text_font, bold_now=True)
        self._fallbacks.append("Body")  # bold text takes a glyph only the regular face has
        self.pdf.set_fallback_fonts(self._fallbacks, exact_match=False)
        self._covered = self._cmap("Body")
        self.mark = REPLACEMENT if ord(REPLACEMENT) in self._covered else "?"

    def _add(self, family: str, path: Path, *, bold_now: bool) -> None:
        self.pdf.add_font(family, "", str(path), collection_font_number=_face(path))
        bold = _bold_of(path)
        if bold_now:
            # A text font without a bold face (a ``cpd.pdf_font`` of one file) sets headings
            # in its regular face: fpdf2 cannot embolden a TrueType font.
            bold = bold or path
            self.pdf.add_font(family, "B", str(bold), collection_font_number=_face(bold))
        elif bold is not None:
            # A CJK face is large to read and to subset: its bold only once bold text needs it.
            self._bold_pending[family] = bold

    def _cmap(self, family: str) -> set[int]:
        covered: set[int] = set()
        for key, font in self.pdf.fonts.items():
            if key.rstrip("BI") == family.lower():
                covered |= set(getattr(font, "cmap", {}))
        return covered

    def _covers(self, codepoint: int, bold: bool) -> bool:
        while codepoint not in self._covered and self._pending:
            family = f"Fallback{len(self._fallbacks)}"
            self._add(family, self._pending.pop(0), bold_now=False)
            self._fallbacks.append(family)
            self._cmaps[family] = self._cmap(family)
            self._covered |= self._cmaps[family]
            self.pdf.set_fallback_fonts(self._fallbacks, exact_match=False)
        if bold and self._bold_pending:
            for family, cmap in self._cmaps.items():
                if codepoint in cmap and family in self._bold_pending:
                    path = self._bold_pending.pop(family)
                    self.pdf.add_font(family, "B", str(path), collection_font_number=_face(path))
                    self.pdf.set_fallback_fonts(self._fallbacks, exact_match=False)
                    break
        return codepoint in self._covered

    def __call__(self, text: str, *, bold: bool = False) -> str:
        """``text`` as the fonts can draw it: every character shown, or shown as a mark."""
        if self.family == "Helvetica":
            text = text.translate(_CORE_FONT_SWAPS)
        out: list[str] = []
        for char in text:
            codepoint = ord(char)
            if char == "\n" or self._covers(codepoint, bold):
                out.append(char)
            elif char.isspace():
                out.append(" ")
            elif codepoint in _INVISIBLE or unicodedata.category(char) == "Cc":
                continue
            else:
                out.append(self.mark)
                self.missing += 1
        return "".join(out)

    def font(self, size: float, *, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)


@dataclass(frozen=True, slots=True)
class _Cell:
    width: float
    text: str
    size: float = 9.0
    bold: bool = False
    align: str = "L"
    grey: bool = False

    @property
    def line(self) -> float:
        """Line height in mm for the font size in points."""
        return max(_LINE, self.size * 0.5)


class _Layout:
    """Rows of side-by-side cells, each wrapping inside its own column. A row that fits on a page
    is kept together; a longer one (a journal entry) runs on over the next pages in its column."""

    def __init__(self, pdf: FPDF, fit: Typesetter) -> None:
        self.pdf = pdf
        self.fit = fit

    def _height(self, cell: _Cell) -> float:
        self.fit.font(cell.size, bold=cell.bold)
        lines = self.pdf.multi_cell(cell.width, cell.line, cell.text, dry_run=True, output="LINES")
        return max(1, len(lines) if isinstance(lines, list) else 1) * cell.line

    def row(self, cells: list[_Cell], *, gap: float = 0.0, keep: float = 0.0) -> None:
        """Cells from the left margin, side by side; an empty text leaves its column blank.
        ``keep`` is room to leave below the row, so that it is not alone at a page's foot."""
        pdf = self.pdf
        filled = [
            (x, replace(c, text=self.fit(c.text, bold=c.bold)))
            for x, c in zip(self._starts(cells), cells, strict=True)
            if c.text
        ]
        heights = {id(c): self._height(c) for _x, c in filled}
        height = max(heights.values(), default=_LINE)
        # A short row is kept whole; a longer one starts where it is, as a long passage of
        # prose does, once a few of its lines fit.
        whole = height <= _KEEP_WHOLE
        if pdf.will_page_break((height if whole else 3 * _LINE) + keep):
            pdf.add_page()
        top, page = pdf.get_y(), pdf.page
        bottom = top
        # The tallest cell last: the others are drawn on this page, it may run on to the next.
        for x, cell in sorted(filled, key=lambda item: heights[id(item[1])]):
            margin = pdf.l_margin
            pdf.set_left_margin(x)  # a page break inside the cell continues in its column
            pdf.set_xy(x, top)
            self.fit.font(cell.size, bold=cell.bold)
            pdf.set_text_color(95 if cell.grey else 0)
            pdf.multi_cell(cell.width, cell.line, cell.text, align=cell.align)
            pdf.set_left_margin(margin)
            bottom = pdf.get_y() if pdf.page != page else max(bottom, pdf.get_y())
        pdf.set_text_color(0)
        pdf.set_xy(pdf.l_margin, bottom + gap)

    def _starts(self, cells: list[_Cell]) -> list[float]:
        starts, x = [], self.pdf.l_margin
        for cell in cells:
            starts.append(x)
            x += cell.width
        return starts

    def heading(self, text: str) -> None:
        """A section heading, never alone at the foot of a page."""
        pdf = self.pdf
        if pdf.will_page_break(24):
            pdf.add_page()
        pdf.ln(4)
        self.fit.font(12.5, bold=True)
        pdf.multi_cell(pdf.epw, 7, self.fit(text, bold=True), new_x="LMARGIN", new_y="NEXT")
        self.rule()

    def rule(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(190)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.ln(1.5)

    def text(self, text: str, *, size: float = 9.0, bold: bool = False, grey: bool = False) -> None:
        self.row([_Cell(self.pdf.epw, text, size=size, bold=bold, grey=grey)], gap=0.8)


def period_text(period: Period) -> str:
    if period.start is None and period.end is None:
        return _("all time")
    if period.start is None:
        return _("up to {end}", end=format_day(period.end or date.max))
    if period.end is None:
        return _("from {start}", start=format_day(period.start))
    return f"{format_day(period.start)} – {format_day(period.end)}"


def _journal_text(session: Session, member_id: int, entry_id: int | None) -> str | None:
    """The journal entry the member attached to an activity as its reflection: its prompt and
    their answer. Only an attached entry is read, and only the member's own."""
    if entry_id is None:
        return None
    try:
        entry = get_entry(session, member_id, entry_id)
    except NotFound:
        return None  # deleted since: the activity stays, without it
    parts = [entry.prompt_text or "", entry.body]
    return "\n".join(p.strip() for p in parts if p and p.strip()) or None


def summary_pdf(
    session: Session,
    member_id: int,
    summary: Summary,
    *,
    owner: PortfolioOwner,
    now: datetime,
    today: date,
    settings: CpdSettings,
) -> bytes:
    """The CPD portfolio a teacher hands in at appraisal, in the current language.

    Its first page names the member, their school and role and the period, with the total hours
    (and the yearly target); then hours by category and by standard, the goals with their
    progress, and every activity of the period with all its fields and the reflection, on as many
    A4 pages as it takes, numbered "Page n of N". ``today`` is the member's own date.

    Install: DejaVu Sans (Debian ``fonts-dejavu-core``) covers the shipped languages, English,
    Welsh, Spanish and French, and Greek and Cyrillic; Chinese, Japanese and Korean need Noto Sans
    CJK (``fonts-noto-cjk``) and colour emoji Noto Color Emoji (``fonts-noto-color-emoji``), found
    in the usual system places. Without them such characters show as a visible mark, the
    portfolio says so, and one warning is logged. Without any Unicode font, fpdf2's Helvetica
    draws Latin-1 only.
    """
    from fpdf import FPDF  # imported lazily: only exports need it

    title = _("CPD record: {name}", name=owner.name)

    class Portfolio(FPDF):
        def footer(self) -> None:
            # From the page's own margins: a cell running on over the page break has moved
            # the left margin to its column.
            self.set_xy(_MARGIN, -12)
            fit.font(7.5)
            self.set_text_color(110)
            half = (self.w - 2 * _MARGIN) / 2
            self.cell(half, 5, fit(_clip(owner.name, 60)), align="L")
            page = _("Page {page} of {pages}", page=self.page_no(), pages=self.str_alias_nb_pages)
            self.cell(half, 5, fit(page), align="R")
            self.set_text_color(0)

    pdf = Portfolio(format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_creation_date(now)
    pdf.set_creator("Staffroom")
    pdf.set_lang(current_language())
    fit = Typesetter(pdf, settings)
    pdf.set_title(title)  # metadata is Unicode text, needing no font
    pdf.set_author(owner.name)
    layout = _Layout(pdf, fit)
    width = pdf.epw
    pdf.add_page()

    layout.text(title, size=17, bold=True)
    pdf.ln(1)
    facts = [(_("School"), owner.school), (_("Role"), owner.role)]
    facts.append((_("Period"), period_text(summary.period)))
    for label, value in facts:
        if value:
            layout.row([_Cell(_LABEL_WIDTH, label, grey=True), _Cell(width - _LABEL_WIDTH, value)])
    pdf.ln(2)
    total = ngettext(
        "{hours} hours in {n} activity",
        "{hours} hours in {n} activities",
        len(summary.activities),
        hours=format_number(summary.total_hours),
    )
    if summary.target_hours:
        total += _(
            " — {percent}% of the yearly target of {target} hours",
            percent=round(100 * summary.total_hours / summary.target_hours),
            target=format_number(summary.target_hours),
        )
    layout.text(total, size=11, bold=True)

    def totals(rows: list[tuple[str, float]]) -> None:
        for label, hours in rows:
            layout.row(
                [
                    _Cell(width - _HOURS_WIDTH, label),
                    _Cell(_HOURS_WIDTH, f"{format_number(hours)} h", align="R"),
                ],
                gap=0.6,
            )

    layout.heading(_("Hours by category"))
    if not summary.by_category:
        layout.text(_("Nothing logged in this period."), grey=True)
    totals([(category_label(c), h) for c, h in summary.by_category])
    layout.heading(_("Hours by standard"))
    by_standard = [(f"{s.code} {s.title}", h) for s, h in summary.by_standard]
    if not by_standard:
        layout.text(_("No activities mapped to standards."), grey=True)
    if summary.untagged_hours:
        by_standard.append((_("Not mapped to a standard"), summary.untagged_hours))
    totals(by_standard)

    layout.heading(_("Goals"))
    if not summary.goals:
        layout.text(_("No goals set."), grey=True)
    for line in summary.goals:
        goal = line.goal
        details = []
        if goal.target_hours:
            details.append(
                _(
                    "{hours} of {target} h",
                    hours=format_number(line.hours),
                    target=format_number(goal.target_hours),
                )
                + f" ({min(100, round(100 * line.hours / goal.target_hours))}%)"
            )
        else:
            details.append(f"{format_number(line.hours)} h")
        if goal.category:
            details.append(category_label(goal.category))
        if goal.due:
            details.append(_("due {due}", due=format_day(goal.due, "medium")))
        state = _("done") if goal.status == GoalStatus.DONE else _("open")
        layout.row(
            [
                _Cell(_DATE_WIDTH, state, grey=True),
                _Cell(width - _DATE_WIDTH, goal.title, bold=True),
            ],
            keep=_LINE,
        )
        layout.row(
            [_Cell(_DATE_WIDTH, ""), _Cell(width - _DATE_WIDTH, " · ".join(details))], gap=1.5
        )

    layout.heading(_("Activities"))
    if not summary.activities:
        layout.text(_("Nothing logged in this period."), grey=True)
    known = catalogue(settings.standards_frameworks)
    field_width = width - _DATE_WIDTH - _LABEL_WIDTH
    for index, activity in enumerate(summary.activities):
        if index:
            layout.rule()
        layout.row(
            [
                _Cell(_DATE_WIDTH, format_day(activity.occurred_on, "medium"), bold=True),
                _Cell(width - _DATE_WIDTH - _HOURS_WIDTH, activity.title, size=10, bold=True),
                _Cell(_HOURS_WIDTH, f"{format_number(activity.hours)} h", bold=True, align="R"),
            ],
            gap=0.6,
            keep=2 * _LINE,
        )
        standards = [
            f"{code} {known[code.upper()].title}" if code.upper() in known else code
            for code in activity.standards
        ]
        fields = [
            (_("Category"), category_label(activity.category)),
            (_("Standards"), "\n".join(standards)),
            (_("Provider"), activity.provider or ""),
            (_("Evidence"), activity.evidence_url or ""),
            (_("Impact"), activity.notes),
            (
                _("Journal entry"),
                _journal_text(session, member_id, activity.reflection_entry_id) or "",
            ),
        ]
        for label, value in fields:
            if value:
                layout.row(
                    [
                        _Cell(_DATE_WIDTH, ""),
                        _Cell(_LABEL_WIDTH, label, size=8.5, grey=True),
                        _Cell(field_width, value),
                    ],
                    gap=0.6,
                )
        pdf.ln(1.5)

    pdf.ln(4)
    frameworks = sorted({s.framework for s in known.values()})
    made = _(
        "Made by Staffroom on {day}. Standards: {frameworks}.",
        day=format_day(today),
        frameworks="; ".join(frameworks),
    )
    layout.text(made, size=8, grey=True)
    if fit.missing:
        layout.text(
            _(
                "Some characters show as {mark}: this server has no font for them. "
                "Your Staffroom admin can install one.",
                mark=fit.mark,
            ),
            size=8,
            grey=True,
        )
        # Counts only, never the characters: they are the member's words.
        log.warning(
            "cpd portfolio: %d characters had no font and show as a mark; install "
            "fonts-noto-cjk and fonts-noto-color-emoji (see core/cpd/exports.py)",
            fit.missing,
        )
    return bytes(pdf.output())


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
