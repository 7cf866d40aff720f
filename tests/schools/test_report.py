"""report cpd: a CPD lead sees their school's totals, categories and quiet members, and a CSV,
built from activity facts only: never notes, journal entries or another school's members."""

from __future__ import annotations

import csv
import io

import pytest

from core.app import Staffroom
from tests.schools.helpers import create_school, grant, join, member_id
from tests.talk import say, text_of

SECRETS = ("SECRET-NOTE", "SECRET-JOURNAL", "Hands up by the end")


@pytest.fixture
def school(app: Staffroom) -> Staffroom:
    hillside = create_school(app)
    oakfield = create_school(app, "Oakfield High")
    join(app, hillside, "ana", "bob", "cat", "dan")
    join(app, oakfield, "zed")
    grant(app, "ana", "cpd-lead")
    say(
        app,
        'cpd log 2 "Assessment course" category=course date=2026-10-02 notes="SECRET-NOTE of Ana"',
        user="ana",
    )
    say(app, "journal add SECRET-JOURNAL: Hands up by the end of the lesson", user="bob")
    logged = say(
        app,
        'cpd log 1.5 "Questioning article" category=reading date=2026-11-20 '
        'notes="SECRET-NOTE of Bob" reflection=1',
        user="bob",
    )
    assert logged.tone == "success", text_of(logged)
    say(app, 'cpd log 30m "Coaching session" category=coaching date=2026-11-21', user="bob")
    say(
        app, 'cpd log 3 "Last summer\'s conference" category=conference date=2026-07-01', user="dan"
    )
    say(app, 'cpd log 7 "Another school\'s course" category=course', user="zed")
    return app


def _csv(reply_data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(reply_data.decode("utf-8-sig"))))


def test_the_lead_sees_totals_categories_and_quiet_members(school: Staffroom) -> None:
    reply = say(school, "report cpd", user="ana")
    shown = text_of(reply)
    assert reply.tone == "info", shown
    assert "CPD at Hillside Primary: 2026-09-01 – 2027-08-31" in shown
    assert "Members: 4" in shown and "Hours: 4" in shown and "Activities: 3" in shown
    assert "course: 2 h" in shown and "reading: 1.5 h" in shown
    assert "coaching/mentoring: 0.5 h" in shown
    assert "conference" not in shown  # last CPD year
    assert "2 quiet members, with nothing logged in this period" in shown
    assert "• Cat" in shown and "• Dan" in shown and "• Bob" not in shown
    [attachment] = reply.attachments
    assert attachment.filename == "school-cpd-2026-09-01_2027-08-31.csv"
    assert attachment.content_type == "text/csv"
    ids = {u: str(member_id(school, u)) for u in ("ana", "bob", "cat", "dan")}
    assert _csv(attachment.data) == [
        ["member_id", "name", "hours", "activities"],
        [ids["ana"], "Ana", "2", "1"],
        [ids["bob"], "Bob", "2", "2"],
        [ids["cat"], "Cat", "0", "0"],
        [ids["dan"], "Dan", "0", "0"],
    ]
    everything = shown + attachment.data.decode("utf-8-sig")
    for secret in (*SECRETS, "Zed", "Another school", "Questioning article"):
        assert secret not in everything, secret


def test_periods_and_the_other_school(school: Staffroom) -> None:
    last = text_of(say(school, "report cpd last-year", user="ana"))
    assert "Hours: 3" in last and "conference: 3 h" in last
    assert "3 quiet members" in last
    week = text_of(say(school, "report cpd 2026-11-20..2026-11-23", user="ana"))
    assert "Hours: 2" in week and "Activities: 2" in week
    bad = say(school, "report cpd fortnight", user="ana")
    assert bad.tone == "error" and "is not a period I know" in text_of(bad)
    grant(school, "zed", "school-admin")
    theirs = say(school, "report cpd", user="zed")
    assert "CPD at Oakfield High" in text_of(theirs) and "Members: 1" in text_of(theirs)
    assert "Everyone has logged something" in text_of(theirs)
    assert "Ana" not in theirs.attachments[0].data.decode("utf-8-sig")


def test_plain_members_and_outsiders_cannot_run_reports(school: Staffroom) -> None:
    for user in ("bob", "zed"):
        refused = say(school, "report cpd", user=user)
        assert refused.tone == "error" and not refused.attachments
        assert "Only CPD leads and school admins" in text_of(refused)
    nowhere = say(school, "report cpd", user="newcomer")
    assert nowhere.tone == "error" and "You are not in a school yet" in text_of(nowhere)
    grant(school, "bob", "school-admin")
    assert say(school, "report cpd", user="bob").attachments


def test_names_that_look_like_formulas_are_kept_as_text(app: Staffroom) -> None:
    code = create_school(app)
    join(app, code, "ana")
    grant(app, "ana", "cpd-lead")
    say(app, f"school join {code}", user="eve", name="=HYPERLINK(1)")
    rows = _csv(say(app, "report cpd", user="ana").attachments[0].data)
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(1)", "Ana"]


@pytest.mark.parametrize("name", ["cpd", "training", "mentoring", "coffee"])
def test_each_report_comes_as_a_pdf_when_asked_and_as_csv_otherwise(
    school: Staffroom, name: str
) -> None:
    from pypdf import PdfReader

    say(school, 'training require "Safeguarding" every=12', user="ana")
    as_csv = say(school, f"report {name}", user="ana")
    assert [a.content_type for a in as_csv.attachments] == ["text/csv"], text_of(as_csv)
    as_pdf = say(school, f"report {name} format=pdf", user="ana")
    assert as_pdf.tone != "error", text_of(as_pdf)
    [file] = as_pdf.attachments
    assert file.content_type == "application/pdf" and file.filename.endswith(".pdf")
    pages = "".join(p.extract_text() for p in PdfReader(io.BytesIO(file.data)).pages)
    assert "Hillside Primary" in pages
    assert not any(secret in pages for secret in SECRETS)
    wrong = say(school, f"report {name} format=docx", user="ana")
    assert wrong.tone == "error" and "pdf" in text_of(wrong)


def test_a_spanish_leads_csv_has_spanish_headers_and_the_same_cells(school: Staffroom) -> None:
    english = _csv(say(school, "report cpd", user="ana").attachments[0].data)
    say(school, "settings language es", user="ana")
    spanish = _csv(say(school, "report cpd", user="ana").attachments[0].data)
    assert english[0] == ["member_id", "name", "hours", "activities"]
    assert spanish[0] == ["id_miembro", "nombre", "horas", "actividades"]
    assert spanish[1:] == english[1:]
