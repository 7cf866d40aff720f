"""The school's reports as CSV files for the CPD lead: CPD (one row per member), training (one
row per member and requirement), mentoring (one per pair) and coffee (one per member); and the
trust's, for a trust admin: one row per school, then a ``total`` row.

Like the CPD record's own export (``core.cpd.exports``): UTF-8 with a byte-order mark (so Excel
shows names like "Zoë Ångström" correctly), CRLF line ends, hours as plain numbers, and cells a
spreadsheet would run as a formula prefixed with an apostrophe (names are chosen by members).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from core.commands import N_
from core.i18n import _
from core.schools.programme import CoffeeReport, MentoringReport
from core.schools.service import SchoolReport, TrainingRow
from core.schools.trust_reports import (
    SchoolCoffeeTotals,
    SchoolMentoringTotals,
    SchoolTrainingTotals,
    TrustCpdReport,
)

CSV_COLUMNS = (N_("member_id"), N_("name"), N_("hours"), N_("activities"))
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """User text for a spreadsheet cell: never something Excel would run as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def report_csv(report: SchoolReport) -> bytes:
    """Every member of the school, by name, with their hours and activities in the period."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_headers(CSV_COLUMNS))
    for row in report.members:
        writer.writerow([row.member_id, _cell(row.name), f"{row.hours:g}", row.activities])
    return out.getvalue().encode("utf-8-sig")


def _headers(columns: tuple[str, ...]) -> list[str]:
    """The column names in the reader's language (the cells keep machine-readable values)."""
    return [_(c) for c in columns]


def _rows(columns: tuple[str, ...], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_headers(columns))
    for row in rows:
        writer.writerow([_cell(v) if isinstance(v, str) else ("" if v is None else v) for v in row])
    return out.getvalue().encode("utf-8-sig")


TRAINING_COLUMNS = (
    N_("training_id"),
    N_("training"),
    N_("member_id"),
    N_("name"),
    N_("standing"),
    N_("last_done"),
    N_("until"),
)


def training_csv(rows: list[TrainingRow]) -> bytes:
    """Every member against every requirement: standing, the day last done, and the day it
    expires (or is due by)."""
    return _rows(
        TRAINING_COLUMNS,
        [
            [
                r.status.training.id,
                r.status.training.title,
                r.member_id,
                r.name,
                r.standing.value,
                r.status.last_done.isoformat() if r.status.last_done else None,
                r.status.until.isoformat() if r.status.until else None,
            ]
            for r in rows
        ],
    )


MENTORING_COLUMNS = (
    N_("match_id"),
    N_("mentor"),
    N_("mentee"),
    N_("status"),
    N_("proposed_on"),
    N_("active_from"),
    N_("ended_on"),
    N_("checkins"),
    N_("last_checkin_on"),
    N_("checkin_overdue"),
)


def _day(moment: datetime | None) -> str | None:
    return moment.date().isoformat() if moment is not None else None


def mentoring_csv(report: MentoringReport, outsider: str) -> bytes:
    """One row per pair; ``outsider`` stands for a side who is not a member of the school.
    No check-in or feedback text, and no one's own rating."""
    return _rows(
        MENTORING_COLUMNS,
        [
            [
                p.match_id,
                p.mentor if p.mentor is not None else outsider,
                p.mentee if p.mentee is not None else outsider,
                p.status,
                _day(p.proposed_at),
                _day(p.activated_at),
                _day(p.ended_at),
                p.checkins,
                _day(p.last_checkin),
                "yes" if p.overdue else "no",
            ]
            for p in report.pairs
        ],
    )


COFFEE_COLUMNS = (
    N_("member_id"),
    N_("name"),
    N_("rounds"),
    N_("met"),
    N_("not_met"),
    N_("never_met"),
    N_("left_out"),
)


def coffee_csv(report: CoffeeReport) -> bytes:
    """One row per member of the school who takes or took part in coffee rounds."""
    return _rows(
        COFFEE_COLUMNS,
        [
            [
                m.member_id,
                m.name,
                m.seats,
                m.met,
                m.not_met,
                "yes" if m.never_met else "no",
                "yes" if m.left_out else "no",
            ]
            for m in report.members
        ],
    )


# The trust's reports: one row per school, then the total ---------------------------------------

TOTAL = "total"
"""The ``school`` cell of a trust file's last row."""
TRUST_CPD_COLUMNS = (
    N_("school_id"),
    N_("school"),
    N_("members"),
    N_("hours"),
    N_("activities"),
    N_("quiet"),
)


def trust_cpd_csv(report: TrustCpdReport) -> bytes:
    """Each school's members, hours, activities and quiet members, then the trust's total."""
    return _rows(
        TRUST_CPD_COLUMNS,
        [
            *(
                [s.school_id, s.school, s.members, f"{s.hours:g}", s.activities, s.quiet]
                for s in report.schools
            ),
            [
                None,
                TOTAL,
                report.members,
                f"{report.hours:g}",
                report.activities,
                report.quiet,
            ],
        ],
    )


TRUST_TRAINING_COLUMNS = (
    N_("school_id"),
    N_("school"),
    N_("requirements"),
    N_("expired"),
    N_("expiring"),
    N_("never_done"),
    N_("done"),
)


def trust_training_csv(rows: list[SchoolTrainingTotals]) -> bytes:
    """Each school's requirements, and its member-requirements by standing, then the total."""
    figures = ("requirements", "expired", "expiring", "never_done", "done")
    return _rows(
        TRUST_TRAINING_COLUMNS,
        [
            *([r.school_id, r.school, *(getattr(r, f) for f in figures)] for r in rows),
            [None, TOTAL, *(sum(getattr(r, f) for r in rows) for f in figures)],
        ],
    )


TRUST_MENTORING_COLUMNS = (
    N_("school_id"),
    N_("school"),
    N_("proposed"),
    N_("active"),
    N_("ended"),
    N_("checkins_overdue"),
    N_("waiting_for_mentor"),
)


def trust_mentoring_csv(rows: list[SchoolMentoringTotals], total: SchoolMentoringTotals) -> bytes:
    """Each school's pairs and members waiting, then the trust's total (a pair across two of
    its schools counted once)."""
    return _rows(
        TRUST_MENTORING_COLUMNS,
        [
            [
                r.school_id,
                r.school or TOTAL,
                r.proposed,
                r.active,
                r.ended,
                r.overdue,
                r.waiting,
            ]
            for r in (*rows, total)
        ],
    )


TRUST_COFFEE_COLUMNS = (
    N_("school_id"),
    N_("school"),
    N_("taking_part"),
    N_("seats"),
    N_("answered"),
    N_("met"),
    N_("never_met"),
    N_("left_out"),
)


def trust_coffee_csv(rows: list[SchoolCoffeeTotals]) -> bytes:
    """Each school's coffee figures, then the total."""
    figures = ("taking_part", "seats", "answered", "met", "never_met", "left_out")
    return _rows(
        TRUST_COFFEE_COLUMNS,
        [
            *([r.school_id, r.school, *(getattr(r, f) for f in figures)] for r in rows),
            [None, TOTAL, *(sum(getattr(r, f) for r in rows) for f in figures)],
        ],
    )
