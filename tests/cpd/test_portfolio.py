"""cpd export pdf: the appraisal portfolio, read back from the PDF (text and where it sits)."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, partial
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from core.app import Staffroom
from core.clock import FixedClock
from core.cpd import exports
from core.cpd.settings import CpdSettings
from tests.conftest import make_settings
from tests.reflection.helpers import entries_of
from tests.talk import say, text_of

ADMIN = "root"
NAME = "Siân Llŷr"
MM = 72 / 25.4
"""PDF points per millimetre."""
CJK_FONTS = [p for p in exports.FALLBACK_CANDIDATES if "CJK" in p and Path(p).is_file()]


@pytest.fixture
def app(sqlite_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    """SQLite only (the subject is the file, not the database), with a Staffroom admin to
    create the member's school."""
    staffroom = Staffroom(
        make_settings(sqlite_url, staffroom={"admins": [f"console:local:{ADMIN}"]}), clock=clock
    )
    yield staffroom
    staffroom.engine.dispose()


def cpd(app: Staffroom, line: str, user: str = "ana") -> str:
    # A teacher typing a record in, not a burst: keep under the per-minute command limit.
    app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]
    reply = say(app, line, user=user, name=NAME if user == "ana" else None)
    assert reply.tone != "error", text_of(reply)
    return text_of(reply)


def portfolio(app: Staffroom, line: str = "cpd export pdf") -> bytes:
    app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]
    reply = say(app, line, name=NAME)
    [file] = reply.attachments
    assert file.content_type == "application/pdf" and file.filename.endswith(".pdf")
    return file.data


def pages(pdf: bytes) -> list[str]:
    """The text of each page, read back from the file."""
    # pypdf reads the 2-byte codes of a CID-keyed CFF font (Noto Sans CJK) with a NUL before
    # each character; poppler and viewers read them as written.
    return [page.extract_text().replace("\x00", "") for page in PdfReader(io.BytesIO(pdf)).pages]


def text(pdf: bytes) -> str:
    return "\n".join(pages(pdf))


@dataclass
class Line:
    """One line of text as drawn: where it starts (points from the page's left and top)."""

    text: str
    x: float
    top: float
    font: str
    size: float


def lines(pdf: bytes) -> list[Line]:
    """Every line drawn, page after page, in the order drawn."""
    found: list[Line] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        height = float(page.mediabox.height)
        page.extract_text(visitor_text=partial(_visit, found, height))
    return found


def _visit(
    found: list[Line], height: float, text: str, cm: Any, tm: Any, font: Any, size: float
) -> None:
    if text.strip():
        name = str(font.get("/BaseFont", "")) if font else ""
        found.append(Line(text.strip(), tm[4], round(height - tm[5]), name, size))


def width(line: Line) -> float:
    """How wide the line is in the portfolio's text font, in points."""
    measure = _measure()
    measure.set_font("Text", "B" if "Bold" in line.font else "", line.size)
    return measure.get_string_width(line.text)


@cache
def _measure() -> FPDF:
    measure = FPDF(unit="pt")
    regular = exports.find_font(CpdSettings())
    assert regular is not None, "DejaVu Sans is needed to measure the portfolio's lines"
    measure.add_font("Text", "", regular)
    measure.add_font("Text", "B", regular.with_name("DejaVuSans-Bold.ttf"))
    return measure


def school(app: Staffroom, name: str = "Ysgol Gymraeg Bro Ŵyn") -> None:
    reply = say(app, f'school create "{name}"', user=ADMIN)
    code = re.search(r"\b[A-HJ-NP-Z2-9]{8}\b", text_of(reply))
    assert code is not None, text_of(reply)
    cpd(app, f"school join {code.group(0)}")


def test_a_portfolio_names_the_member_school_role_and_period(app: Staffroom) -> None:
    school(app)
    cpd(app, "profile set role=middle-leader")
    cpd(app, 'cpd log 2 "Phonics refresher" category=course date=2026-10-05 standards=TS3')
    cpd(app, 'cpd goal add "Ten hours on phonics" hours=10 category=course due=2027-03-31')
    shown = text(portfolio(app))
    assert f"CPD record: {NAME}" in shown
    assert "Ysgol Gymraeg Bro Ŵyn" in shown
    assert "middle-leader" in shown
    assert "1 September 2026 – 31 August 2027" in shown
    assert "2 hours in 1 activity — 6% of the yearly target of 35 hours" in shown
    assert "course" in shown and "TS3 Demonstrate good subject and curriculum knowledge" in shown
    assert "Ten hours on phonics" in shown and "2 of 10 h (20%)" in shown
    assert "due 31 Mar 2027" in shown
    assert "Made by Staffroom on 23 November 2026." in shown


def test_every_activity_is_there_past_twelve_on_numbered_pages(app: Staffroom) -> None:
    for day in range(1, 31):
        cpd(
            app, f'cpd log 1.5 "Workshop number {day:02d}" category=workshop date=2026-10-{day:02d}'
        )
    pdf = portfolio(app)
    shown = text(pdf)
    for day in range(1, 31):
        assert f"Workshop number {day:02d}" in shown
        assert f"{day} Oct 2026" in shown
    assert "45 hours in 30 activities" in shown and "workshop" in shown
    numbered = pages(pdf)
    assert len(numbered) >= 2
    for number, page in enumerate(numbered, start=1):
        assert f"Page {number} of {len(numbered)}" in page
        assert NAME in page  # the footer says whose page it is


def test_long_text_wraps_inside_its_own_column(app: Staffroom) -> None:
    title = " ".join(f"Wrapword{n:02d}" for n in range(1, 19))
    notes = " ".join(["Retrieval practice every lesson, and the impact on Year 9."] * 18)
    cpd(
        app,
        f'cpd log 3 "{title}" category=course date=2026-09-15 notes="{notes}" '
        "evidence=https://example.org/" + "certificate-" * 25,
    )
    drawn = lines(portfolio(app))
    title_left = (exports._MARGIN + exports._DATE_WIDTH) * MM
    hours_left = (210 - exports._MARGIN - exports._HOURS_WIDTH) * MM
    title_lines = [line for line in drawn if "Wrapword" in line.text]
    assert len(title_lines) >= 2  # wrapped, not cut
    assert " ".join(line.text for line in title_lines) == title
    for line in title_lines:
        assert title_left <= line.x < title_left + 2 * MM, line
        assert line.x + width(line) <= hours_left, line
    first = title_lines[0]
    beside = [line.text for line in drawn if abs(line.top - first.top) <= 1 and line != first]
    assert beside == ["15 Sept 2026", "3 h"]  # the date and hours columns keep their own
    value_left = title_left + exports._LABEL_WIDTH * MM
    impact = [line for line in drawn if "Retrieval" in line.text or "Year 9." in line.text]
    assert len(impact) > 10
    for line in impact:
        assert value_left <= line.x < value_left + 2 * MM, line
        assert line.x + width(line) <= (210 - exports._MARGIN) * MM, line


def test_letters_of_the_shipped_languages_and_beyond_are_all_there(app: Staffroom) -> None:
    cpd(
        app,
        'cpd log 1 "Gweithdy ŵ ŷ: año de la enseñanza" category=workshop date=2026-10-01 '
        'provider="Lycée Æsop" notes="Œuvre, naïve, façade; Ελληνικά, русский"',
    )
    shown = text(portfolio(app))
    assert "Gweithdy ŵ ŷ: año de la enseñanza" in shown
    assert "Lycée Æsop" in shown
    assert "Œuvre, naïve, façade; Ελληνικά, русский" in shown
    assert exports.REPLACEMENT not in shown


@pytest.mark.skipif(not CJK_FONTS, reason="no Noto Sans CJK font on this machine")
def test_chinese_characters_are_drawn_when_a_cjk_font_is_installed(app: Staffroom) -> None:
    cpd(app, 'cpd log 1 "教师专业发展 workshop" category=workshop date=2026-10-01')
    shown = text(portfolio(app))
    assert "教师专业发展 workshop" in shown
    assert exports.REPLACEMENT not in shown


def test_without_a_font_for_them_characters_show_as_a_mark_and_are_logged_once(
    app: Staffroom, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A machine with DejaVu Sans only: no CJK or emoji font installed.
    monkeypatch.setattr(exports, "FALLBACK_CANDIDATES", ())
    cpd(app, 'cpd log 1 "教师 workshop ŵ" category=workshop date=2026-10-01 notes="龙龙龙"')
    with caplog.at_level(logging.WARNING, logger=exports.log.name):
        shown = text(portfolio(app))
    mark = exports.REPLACEMENT
    assert f"{mark * 2} workshop ŵ" in shown and mark * 3 in shown
    assert "教" not in shown and "龙" not in shown
    assert f"Some characters show as {mark}: this server has no font for them." in shown
    [warning] = [r for r in caplog.records if r.name == exports.log.name]
    assert "5 characters" in warning.getMessage()
    assert "龙" not in warning.getMessage() and "workshop" not in warning.getMessage()


def test_without_any_unicode_font_latin_text_still_renders(
    app: Staffroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "FONT_CANDIDATES", ())
    monkeypatch.setattr(exports, "FALLBACK_CANDIDATES", ())
    cpd(app, 'cpd log 1 "Año … Gweithdy ŵ" category=workshop date=2026-10-01')
    pdf = portfolio(app)
    assert b"Helvetica" in pdf
    shown = text(pdf)
    assert "Año ... Gweithdy ?" in shown
    assert "Some characters show as ?" in shown


def test_a_spanish_member_gets_spanish_labels_dates_and_numbers(app: Staffroom) -> None:
    cpd(app, "settings language es")
    school(app, "IES Miguel de Cervantes")
    cpd(
        app,
        'cpd log 1.5 "Evaluación formativa" category=course date=2026-09-15 '
        "provider=CEP standards=TS6 evidence=https://example.org/cert",
    )
    cpd(app, 'cpd goal add "Diez horas" hours=10')
    shown = text(portfolio(app))
    for label in (
        "Registro de formación: Siân Llŷr",
        "Centro",
        "1 de septiembre de 2026 – 31 de agosto de 2027",
        "1,5 horas en 1 actividad",
        "Horas por categoría",
        "Horas por estándar",
        "Objetivos",
        "Actividades",
        "Categoría",
        "Estándares",
        "Impartido por",
        "Evidencia",
        "abierta",
        "1,5 de 10 h (15%)",
        "15 sept 2026",
        "Generado por Staffroom el 23 de noviembre de 2026.",
    ):
        assert label in shown, label
    assert "Hours by category" not in shown and "Provider" not in shown


def test_journal_text_only_when_attached_as_the_reflection(app: Staffroom) -> None:
    cpd(app, 'journal add "Cold calling gave every pupil a voice in 9B."')
    cpd(app, 'journal add "PRIVATE: I nearly gave up on Tuesday."')
    cpd(app, 'journal add "BOB-PRIVATE: not Ana\'s."', user="bob")
    attached, private = (e.id for e in entries_of(app, "ana"))
    cpd(
        app,
        f'cpd log 1 "Cold calling trial" category="action research" date=2026-10-01 '
        f"reflection={attached}",
    )
    cpd(app, 'cpd log 1 "Reading group" category=reading date=2026-10-02 notes="Chapter 3"')
    shown = text(portfolio(app, "cpd export all pdf"))
    assert "Journal entry" in shown
    assert "Cold calling gave every pupil a voice in 9B." in shown
    assert "Chapter 3" in shown  # the member's own impact note
    assert "PRIVATE" not in shown and private is not None


def test_a_reflection_runs_on_over_the_page_in_its_column_under_the_footer(
    app: Staffroom,
) -> None:
    body = " ".join(f"Sentence {n:03d} of what changed in my teaching." for n in range(1, 40))
    cpd(app, f'journal add "{body}"')
    [entry] = entries_of(app, "ana")
    notes = " ".join(["Pupils explained their reasoning in full sentences."] * 25)
    cpd(
        app,
        f'cpd log 2 "Oracy project" category="action research" date=2026-10-01 '
        f'notes="{notes}" reflection={entry.id}',
    )
    pdf = portfolio(app)
    first, second = pages(pdf)
    assert "Sentence 001" in first and "Sentence 039" in second
    value_left = (exports._MARGIN + exports._DATE_WIDTH + exports._LABEL_WIDTH) * MM
    drawn = lines(pdf)
    for line in drawn:
        if line.text.startswith("Sentence"):
            assert value_left <= line.x < value_left + 2 * MM, line
    footer = [line for line in drawn if line.top > (297 - exports._MARGIN) * MM]
    names = [line for line in footer if line.text == NAME]
    assert len(names) == 2
    assert all(line.x < (exports._MARGIN + 2) * MM for line in names)  # not in the column
    assert [line.text for line in footer if line.text.startswith("Page")] == [
        "Page 1 of 2",
        "Page 2 of 2",
    ]
