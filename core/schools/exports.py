"""The school's CPD report as a CSV file for the CPD lead: one row per member.

Like the CPD record's own export (``core.cpd.exports``): UTF-8 with a byte-order mark (so Excel
shows names like "Zoë Ångström" correctly), CRLF line ends, hours as plain numbers, and cells a
spreadsheet would run as a formula prefixed with an apostrophe (names are chosen by members).
"""

from __future__ import annotations

import csv
import io

from core.schools.service import SchoolReport

CSV_COLUMNS = ("member_id", "name", "hours", "activities")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """User text for a spreadsheet cell: never something Excel would run as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def report_csv(report: SchoolReport) -> bytes:
    """Every member of the school, by name, with their hours and activities in the period."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.members:
        writer.writerow([row.member_id, _cell(row.name), f"{row.hours:g}", row.activities])
    return out.getvalue().encode("utf-8-sig")
