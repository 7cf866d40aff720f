"""The school's reports as PDF files: built from real reports of a school seeded through the
app, read back from the file with pypdf. What the CSV has is there (names, hours, categories,
on numbered pages), the charts' labels are drawn, the reader's language shapes dates and
numbers, and no private text (an activity's notes, a journal entry, a check-in) ever is."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream
from sqlmodel import Session

from core.app import Staffroom
from core.clock import FixedClock
from core.cpd.periods import Period, parse_period
from core.i18n import language
from core.mentoring.models import MatchStatus, MentorMatch, MentorNote
from core.schools.programme import coffee_report, mentoring_report
from core.schools.report_pdf import (
    coffee_report_pdf,
    cpd_report_pdf,
    mentoring_report_pdf,
    training_report_pdf,
)
from core.schools.service import cpd_report, find_school, hours_by_month, training_report
from tests.conftest import make_settings
from tests.schools.conftest import ADMIN
from tests.schools.helpers import SCHOOL, create_school, csv_rows, grant, join, member_id, ok
from tests.talk import say

SECRETS = ("SECRET-NOTE", "SECRET-JOURNAL", "Hands up by the end", "SECRET-CHECKIN")


@pytest.fixture
def app(sqlite_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    """SQLite only: the subject is the file, not the database (tests/schools/test_report.py
    runs the same report on both)."""
    staffroom = Staffroom(
        make_settings(sqlite_url, staffroom={"admins": [f"console:local:{ADMIN}"]}), clock=clock
    )
    yield staffroom
    staffroom.engine.dispose()


def log(app: Staffroom, line: str, user: str) -> None:
    app.clock.advance(timedelta(seconds=2))  # type: ignore[attr-defined]
    ok(say(app, line, user=user))


@pytest.fixture
def school(app: Staffroom) -> Staffroom:
    """Hillside: Ana (CPD lead), Bob, Cat, Dan; Oakfield: Zed. Bob keeps a private journal
    entry attached to an activity, and both write private notes on theirs."""
    hillside = create_school(app)
    join(app, hillside, "ana", "bob", "cat", "dan")
    join(app, create_school(app, "Oakfield High"), "zed")
    grant(app, "ana", "cpd-lead")
    log(
        app,
        'cpd log 2 "Assessment course" category=course date=2026-10-02 notes="SECRET-NOTE of Ana"',
        "ana",
    )
    log(app, "journal add SECRET-JOURNAL: Hands up by the end of the lesson", "bob")
    log(
        app,
        'cpd log 1.5 "Questioning article" category=reading date=2026-11-20 '
        'notes="SECRET-NOTE of Bob" reflection=1',
        "bob",
    )
    log(app, 'cpd log 30m "Coaching session" category=coaching date=2026-11-21', "bob")
    log(app, 'cpd log 3 "Summer conference" category=conference date=2026-07-01', "dan")
    log(app, 'cpd log 7 "Another school\'s course" category=course', "zed")
    return app


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def text(pdf: bytes) -> str:
    return "\n".join(pages(pdf))


def bars(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height (points) of each rectangle filled in the charts' colour on page 1."""
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    colour: tuple[float, ...] = ()
    saved: list[tuple[float, ...]] = []  # text sets its colour inside q ... Q
    found = []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"q":
            saved.append(colour)
        elif operator == b"Q":
            colour = saved.pop()
        elif operator in (b"rg", b"g"):
            colour = tuple(round(float(v) * 255) for v in operands)
        elif operator == b"re" and colour == (66, 110, 170):
            found.append((round(float(operands[2]), 1), round(abs(float(operands[3])), 1)))
    return found


def in_order(shown: str, words: tuple[str, ...]) -> bool:
    """Each of ``words``, as a whole word, after the one before it (a chart's labels are read
    back among the numbers drawn above its bars)."""
    at = 0
    for word in words:
        found = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)").search(shown, at)
        if found is None:
            return False
        at = found.end()
    return True


def the_period(app: Staffroom, words: str | None = None) -> Period:
    return parse_period(words, app.clock.now().date(), app.settings.cpd.cycle_start_month)


def cpd_pdf(app: Staffroom, period: Period, *, name: str = SCHOOL) -> bytes:
    """The CPD report PDF of the school, built from its real report."""
    with Session(app.engine) as session:
        found = find_school(session, name)
        assert found.id is not None
        report = cpd_report(session, found.id, period)
        months = hours_by_month(session, found.id, period)
        return cpd_report_pdf(
            report,
            school=found.name,
            by_month=months,
            now=app.clock.now(),
            today=app.clock.now().date(),
            settings=app.settings.cpd,
        )


def test_the_cpd_report_has_what_the_csv_has_with_both_charts(school: Staffroom) -> None:
    period = the_period(school)
    pdf = cpd_pdf(school, period)
    assert pdf.startswith(b"%PDF")
    shown = text(pdf)
    assert "CPD at Hillside Primary" in shown
    assert "School Hillside Primary" in shown
    assert "Period 1 September 2026 – 31 August 2027" in shown
    assert "Made on 23 November 2026" in shown
    assert "Members 4" in shown and "Hours 4" in shown and "Activities 3" in shown
    assert "Quiet members 2" in shown
    # Every member of the CSV, with their hours and activities, and only those.
    csv = csv_rows(ok(say(school, "report cpd", user="ana")).attachments[0].data)
    for _id, name, hours, activities in csv[1:]:
        assert f"{name} {hours} {activities}" in shown, name
    assert "Zed" not in shown and "Another school" not in shown
    # The chart of hours by category: each category with its hours.
    for category, hours in (("course", "2"), ("reading", "1.5"), ("coaching/mentoring", "0.5")):
        assert re.search(rf"{re.escape(category)}\s+{re.escape(hours)} h", shown), category
    assert "conference" not in shown  # last CPD year
    # The chart of hours by month: twelve months of the CPD year, and the hours of October
    # (Ana's course) and November (Bob's two) above their bars.
    assert "Hours by month" in shown
    months = ("Sept", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug")
    assert in_order(shown, months), shown
    assert "2026" in shown and "2027" in shown
    with Session(school.engine) as session:
        found = find_school(session, SCHOOL)
        assert found.id is not None
        by_month = dict(hours_by_month(session, found.id, period))
    assert len(by_month) == 12 and by_month[date(2026, 10, 1)] == 2
    assert by_month[date(2026, 11, 1)] == 2 and by_month[date(2027, 1, 1)] == 0
    # Drawn to scale: two equal month bars (October, November), then the categories' bars as
    # long as their hours (2, 1.5, 0.5).
    (_w1, october), (_w2, november), *categories = bars(pdf)
    assert october == november > 0
    lengths = [width for width, _height in categories]
    assert len(lengths) == 3
    assert lengths[1] / lengths[0] == pytest.approx(0.75, abs=0.01)
    assert lengths[2] / lengths[0] == pytest.approx(0.25, abs=0.01)


def test_no_private_text_reaches_any_report(school: Staffroom) -> None:
    for period in (the_period(school), the_period(school, "all")):
        shown = text(cpd_pdf(school, period))
        for secret in (*SECRETS, "Questioning article", "Assessment course"):
            assert secret not in shown, secret
    with Session(school.engine) as session:
        found = find_school(session, SCHOOL)
        assert found.id is not None
        ids = [member_id(school, u) for u in ("bob", "cat")]
        match = MentorMatch(
            mentor_id=ids[0],
            mentee_id=ids[1],
            status=MatchStatus.ACTIVE,
            proposed_at=school.clock.now() - timedelta(weeks=3),
            activated_at=school.clock.now() - timedelta(weeks=2),
            expires_at=school.clock.now() + timedelta(days=7),
        )
        session.add(match)
        session.flush()
        assert match.id is not None
        session.add(
            MentorNote(
                match_id=match.id,
                member_id=ids[1],
                kind="checkin",
                text="SECRET-CHECKIN about my class",
                at=school.clock.now() - timedelta(days=2),
            )
        )
        session.commit()
        mentoring = mentoring_report(session, found.id, school.clock.now(), 2)
        shown = text(
            mentoring_report_pdf(
                mentoring,
                "someone outside the school",
                school=found.name,
                now=school.clock.now(),
                today=school.clock.now().date(),
                settings=school.settings.cpd,
            )
        )
    assert "Mentoring at Hillside Primary" in shown and "Active 1" in shown
    assert re.search(r"Bob\s+Cat\s+active", shown), shown
    for secret in SECRETS:
        assert secret not in shown, secret


def test_a_large_school_runs_on_numbered_pages_with_headings_on_each(app: Staffroom) -> None:
    code = create_school(app)
    users = [f"t{n:03}" for n in range(130)]
    join(app, code, "ana", *users)
    grant(app, "ana", "cpd-lead")
    long_name = "Wilhelmina " + "Featherstonehaugh-" * 8 + "End"
    ok(say(app, f"school join {code}", user="long", name=long_name))
    for n, user in enumerate(users[:40]):
        log(
            app,
            f'cpd log {n % 5 + 1} "Session {n}" category=course date=2026-10-{n % 28 + 1:02}',
            user,
        )
    pdf = cpd_pdf(app, the_period(app))
    numbered = pages(pdf)
    assert len(numbered) >= 4  # the charts, then 131 members at about 45 a page
    for number, page in enumerate(numbered, 1):
        assert f"Page {number} of {len(numbered)}" in page
    table_pages = [p for p in numbered if "T0" in p]
    assert len(table_pages) >= 3
    for page in table_pages:
        assert "Name Hours Activities" in page
    shown = "\n".join(numbered)
    for n, user in enumerate(users):
        hours = f"{n % 5 + 1} 1" if n < 40 else "0 0"
        assert f"{user.title()} {hours}" in shown, user
    assert "Quiet members 92" in shown
    # A name too long for its column is cut, visibly, and the numbers beside it still show.
    assert re.search(r"Wilhelmina Featherstonehaugh-[\w-]*… 0 0", shown), shown
    assert "-End" not in shown


def test_in_spanish_dates_numbers_and_known_labels_follow_the_reader(school: Staffroom) -> None:
    ok(say(school, "settings language es", user="ana"))
    period = the_period(school)
    with language("es"):
        pdf = cpd_pdf(school, period)
    shown = text(pdf)
    assert "Página 1 de" in shown
    assert "Horas por categoría" in shown and "Centro Hillside Primary" in shown
    assert "1 de septiembre de 2026 – 31 de agosto de 2027" in shown  # Babel's CLDR words
    assert "23 de noviembre de 2026" in shown
    assert re.search(r"lectura\s+1,5 h", shown), shown  # a decimal comma
    assert in_order(shown, ("sept", "oct", "nov", "dic", "ene", "feb", "ago")), shown
    for secret in SECRETS:
        assert secret not in shown


def test_training_and_coffee_reports(school: Staffroom) -> None:
    ok(say(school, 'training require "Safeguarding (KCSIE)" every=12', user="ana"))
    ok(say(school, "training done 1 date=2026-11-01", user="bob"))
    now = school.clock.now()
    with Session(school.engine) as session:
        found = find_school(session, SCHOOL)
        assert found.id is not None
        rows = training_report(session, found.id, now.date())
        training = text(
            training_report_pdf(
                rows, school=found.name, now=now, today=now.date(), settings=school.settings.cpd
            )
        )
        coffee = text(
            coffee_report_pdf(
                coffee_report(session, found.id),
                school=found.name,
                now=now,
                today=now.date(),
                settings=school.settings.cpd,
            )
        )
    assert "Training at Hillside Primary" in training
    assert "#1 Safeguarding (KCSIE)" in training
    assert "0 expired, 0 expiring, 3 never done, 1 done" in training
    assert re.search(r"Bob\s+done\s+1 Nov 2026\s+1 Nov 2027", training), training
    assert re.search(r"Cat\s+never done", training), training
    assert "Coffee at Hillside Primary" in coffee and "Rounds 0" in coffee
    assert "no answers yet" in coffee
    for secret in SECRETS:
        assert secret not in training + coffee
