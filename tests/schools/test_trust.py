"""Trusts: a group of schools with trust admins, whose reports show each school's totals and
the trust's, never a member's name or words; and the scoping of roles and reports."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from core.app import Staffroom
from core.cpd.periods import Period
from core.mentoring.models import MatchStatus, MentorMatch, MentorNote
from core.schools.models import School, Trust, TrustRole
from core.schools.service import cpd_report
from core.schools.trust_reports import trust_cpd_report
from tests.core.test_privacy import rows_mentioning
from tests.schools.conftest import ADMIN
from tests.schools.helpers import audited, create_school, csv_rows, grant, join, member_id, ok
from tests.talk import say, text_of

TRUST = "Riverside Trust"
SECRETS = ("SECRET-NOTE", "SECRET-JOURNAL", "SECRET-CHECKIN", "Assessment course")
MEMBERS = ("Ana", "Bob", "Cat", "Zed", "Yan", "Eve")


@pytest.fixture
def trust(app: Staffroom) -> Staffroom:
    """Riverside Trust holds Hillside (Ana, its CPD lead; Bob; Cat) and Oakfield (Zed, Yan);
    Elmwood (Eve, its CPD lead) is in no trust. Tia is Riverside's trust admin, in no school."""
    hillside = create_school(app)
    oakfield = create_school(app, "Oakfield High")
    elmwood = create_school(app, "Elmwood Academy")
    join(app, hillside, "ana", "bob", "cat")
    join(app, oakfield, "zed", "yan")
    join(app, elmwood, "eve")
    grant(app, "ana", "cpd-lead")
    grant(app, "eve", "cpd-lead")
    ok(say(app, f'trust create "{TRUST}"', user=ADMIN))
    for school in ("Hillside Primary", "Oakfield High"):
        ok(say(app, f'trust add "{school}"', user=ADMIN))
    say(app, "profile show", user="tia")
    ok(say(app, f"admin grant #{member_id(app, 'tia')} trust-admin", user=ADMIN))
    say(
        app,
        'cpd log 2 "Assessment course" category=course date=2026-10-02 notes="SECRET-NOTE of Ana"',
        user="ana",
    )
    say(app, "journal add SECRET-JOURNAL: hands up by the end of the lesson", user="bob")
    say(app, 'cpd log 1.5 "Reading" category=reading date=2026-11-20', user="bob")
    say(app, 'cpd log 3 "Oak course" category=course date=2026-11-02', user="zed")
    say(app, 'cpd log 7 "Elm course" category=course date=2026-11-02', user="eve")
    return app


def test_a_trust_admin_sees_each_schools_totals_and_the_trusts(trust: Staffroom) -> None:
    reply = ok(say(trust, "report cpd", user="tia"))
    shown = text_of(reply)
    assert "CPD at Riverside Trust: 2026-09-01 – 2027-08-31" in shown
    assert "Schools: 2" in shown and "Members: 5" in shown and "Hours: 6.5" in shown
    assert "Activities: 3" in shown and "Quiet members: 2" in shown
    assert "Hillside Primary: members 3 · hours 3.5 · activities 2 · quiet 1" in shown
    assert "Oakfield High: members 2 · hours 3 · activities 1 · quiet 1" in shown
    assert "course: 5 h" in shown and "reading: 1.5 h" in shown
    [attachment] = reply.attachments
    assert attachment.filename.endswith("-cpd-2026-09-01_2027-08-31.csv")
    ids = {s.name: str(s.id) for s in _schools(trust)}
    assert csv_rows(attachment.data) == [
        ["school_id", "school", "members", "hours", "activities", "quiet"],
        [ids["Hillside Primary"], "Hillside Primary", "3", "3.5", "2", "1"],
        [ids["Oakfield High"], "Oakfield High", "2", "3", "1", "1"],
        ["", "total", "5", "6.5", "3", "2"],
    ]
    everything = shown + attachment.data.decode("utf-8-sig")
    for private in (*SECRETS, *MEMBERS, "Elmwood", "Elm course"):
        assert private not in everything, private


def test_the_trusts_totals_are_each_schools_own_report_summed(trust: Staffroom) -> None:
    """Grouped over the whole trust, the totals are what each school's own report says, in
    any period, for a school nobody has joined too."""
    create_school(trust, "Ashgrove Infants")
    ok(say(trust, 'trust add "Ashgrove Infants"', user=ADMIN))
    ok(say(trust, 'cpd log 4 "Old course" category=course date=2025-10-02', user="cat"))
    ok(say(trust, 'cpd log 1 "Podcast" category=reading date=2026-11-21', user="bob"))
    periods = (
        Period("all", None, None),
        Period("this-year", date(2026, 9, 1), date(2027, 8, 31)),
        Period("november", date(2026, 11, 1), date(2026, 11, 30)),
    )
    with Session(trust.engine) as session:
        riverside = session.exec(select(Trust).where(Trust.name == TRUST)).one()
        assert riverside.id is not None
        for period in periods:
            report = trust_cpd_report(session, riverside.id, period)
            names = [s.school for s in report.schools]
            assert names == ["Ashgrove Infants", "Hillside Primary", "Oakfield High"]
            categories: dict[str, float] = {}
            for row in report.schools:
                own = cpd_report(session, row.school_id, period)
                assert (row.members, row.hours, row.activities, row.quiet) == (
                    len(own.members),
                    own.total_hours,
                    own.total_activities,
                    len(own.quiet),
                ), (period.name, row.school)
                for category, hours in own.by_category:
                    categories[category] = categories.get(category, 0.0) + hours
            expected = sorted(
                ((c, round(h, 2)) for c, h in categories.items()), key=lambda i: (-i[1], i[0])
            )
            assert report.by_category == expected, period.name
        everything = trust_cpd_report(session, riverside.id, periods[0])
        november = trust_cpd_report(session, riverside.id, periods[2])
    ashgrove, hillside, oakfield = everything.schools
    assert (ashgrove.members, ashgrove.hours, ashgrove.activities, ashgrove.quiet) == (0, 0, 0, 0)
    assert (hillside.members, hillside.hours, hillside.activities, hillside.quiet) == (3, 8.5, 4, 0)
    assert (oakfield.hours, oakfield.quiet) == (3, 1)
    assert [(s.hours, s.quiet) for s in november.schools] == [(0, 0), (2.5, 2), (3, 1)]
    assert november.by_category == [("course", 3.0), ("reading", 2.5)]


def _schools(app: Staffroom) -> list[School]:
    with Session(app.engine) as session:
        return list(session.exec(select(School)))


def test_scoping_stays_per_school_for_leads_and_refuses_teachers(trust: Staffroom) -> None:
    lead = text_of(ok(say(trust, "report cpd", user="ana")))
    assert "CPD at Hillside Primary" in lead and "Members: 3" in lead
    assert "Zed" not in lead and "Oakfield" not in lead and "Riverside" not in lead
    elm = say(trust, "report cpd", user="eve")
    assert "Members: 1" in text_of(elm) and "Ana" not in elm.attachments[0].data.decode()
    for user in ("bob", "zed"):
        refused = say(trust, "report cpd", user=user)
        assert refused.tone == "error" and not refused.attachments
        assert "Only CPD leads and school admins" in text_of(refused)
    asked = say(trust, "report cpd scope=trust", user="ana")
    assert asked.tone == "error" and "Only trust admins" in text_of(asked)
    probing = say(trust, 'report cpd trust="Riverside Trust"', user="eve")
    assert probing.tone == "error" and "not a trust admin" in text_of(probing)
    assert not probing.attachments


def test_a_trust_admin_who_leads_a_school_can_ask_for_it(trust: Staffroom) -> None:
    grant(trust, "ana", "trust-admin")
    assert "CPD at Riverside Trust" in text_of(ok(say(trust, "report cpd", user="ana")))
    own = text_of(ok(say(trust, "report cpd scope=school", user="ana")))
    assert "CPD at Hillside Primary" in own and "• Cat" in own
    # A trust admin is no CPD lead of the schools: no member list of theirs.
    refused = say(trust, "report cpd scope=school", user="tia")
    assert refused.tone == "error"


def test_training_mentoring_and_coffee_at_trust_scope(trust: Staffroom) -> None:
    ok(say(trust, 'training require "Safeguarding" every=12', user="ana"))
    ok(say(trust, "training done 1", user="bob"))
    now = trust.clock.now()
    ids = {u: member_id(trust, u) for u in ("cat", "zed", "yan")}
    with Session(trust.engine) as session:
        # One pair across the trust's two schools, one inside Oakfield.
        for mentor, mentee in (("zed", "cat"), ("yan", "zed")):
            match = MentorMatch(
                mentor_id=ids[mentor],
                mentee_id=ids[mentee],
                status=MatchStatus.ACTIVE,
                proposed_at=now - timedelta(weeks=6),
                activated_at=now - timedelta(weeks=5),
                expires_at=now + timedelta(days=7),
            )
            session.add(match)
            session.flush()
            assert match.id is not None
            session.add(
                MentorNote(
                    match_id=match.id,
                    member_id=ids[mentee],
                    kind="checkin",
                    text="SECRET-CHECKIN about my class",
                    at=now - timedelta(days=2),
                )
            )
        session.commit()
    training = ok(say(trust, "report training", user="tia"))
    shown = text_of(training)
    assert "Training at Riverside Trust" in shown
    assert "Hillside Primary: 1 required · 0 expired · 0 expiring · 2 never done · 1 done" in shown
    assert "Oakfield High: requires no training yet" in shown
    assert csv_rows(training.attachments[0].data)[-1] == ["", "total", "1", "0", "0", "2", "1"]
    mentoring = ok(say(trust, "report mentoring", user="tia"))
    told = text_of(mentoring)
    assert "Active: 2" in told  # the pair across two schools counts once
    assert "Hillside Primary: 1 active" in told and "Oakfield High: 2 active" in told
    coffee = ok(say(trust, "report coffee", user="tia"))
    assert "Coffee at Riverside Trust" in text_of(coffee)
    for reply in (training, mentoring, coffee):
        everything = text_of(reply) + reply.attachments[0].data.decode("utf-8-sig")
        for private in (*SECRETS, *MEMBERS):
            assert private not in everything, private


def test_trust_commands_and_their_permissions(trust: Staffroom) -> None:
    assert say(trust, 'trust create "Another Trust"', user="ana").tone == "error"
    bare = text_of(say(trust, "trust", user="bob"))
    assert "trust add" in bare and "trust show" in bare
    help_text = text_of(say(trust, "help trust", user="bob"))
    assert "trust create" in help_text and "trust remove" in help_text
    shown = text_of(ok(say(trust, "trust show", user="bob")))
    assert "Riverside Trust" in shown and "Oakfield High · 2 members" in shown
    assert "Tia" in shown and "never a member's name" in shown
    nothing = text_of(say(trust, "trust show", user="eve"))
    assert "Your school is not in a trust" in nothing
    assert say(trust, f'trust show "{TRUST}"', user="eve").tone == "error"
    # A school is in one trust at most.
    ok(say(trust, 'trust create "Another Trust"', user=ADMIN))
    moved = say(trust, 'trust add "Hillside Primary" trust="Another Trust"', user=ADMIN)
    assert moved.tone == "error" and "one trust only" in text_of(moved)
    # A trust admin cannot pull in a school that did not agree; its school admin can.
    grabbed = say(trust, 'trust add "Elmwood Academy"', user="tia")
    assert grabbed.tone == "error" and "its own say" in text_of(grabbed)
    grant(trust, "eve", "school-admin")
    grant(trust, "eve", "trust-admin", by="tia")
    ok(say(trust, 'trust add "Elmwood Academy" trust="Riverside Trust"', user="eve"))
    assert "Schools: 3" in text_of(say(trust, "report cpd", user="tia"))
    # Taking a school out asks first.
    ask = say(trust, 'trust remove "Oakfield High"', user="tia")
    assert ask.actions and ask.actions[0].command == 'trust remove "Oakfield High" confirm'
    assert "Schools: 3" in text_of(say(trust, "report cpd", user="tia"))
    ok(say(trust, ask.actions[0].command, user="tia"))
    assert "Schools: 2" in text_of(say(trust, "report cpd", user="tia"))
    assert say(trust, 'trust remove "Hillside Primary" confirm', user="bob").tone == "error"
    actions = [e.action for e in audited(trust, "trust.")]
    assert actions.count("trust.grant") == 2 and "trust.remove" in actions
    assert actions[:3] == ["trust.create", "trust.add", "trust.add"]


def test_trust_admin_roles_are_held_on_the_trust(trust: Staffroom) -> None:
    with Session(trust.engine) as session:
        [role] = session.exec(select(TrustRole)).all()
    assert role.member_id == member_id(trust, "tia") and role.role == "trust-admin"
    refused = say(trust, f"admin grant #{member_id(trust, 'bob')} trust-admin", user="ana")
    assert refused.tone == "error" and "Only trust admins" in text_of(refused)
    grant(trust, "zed", "trust-admin", by="tia")
    listed = text_of(ok(say(trust, "admin list", user="tia")))
    assert "Riverside Trust (trust)" in listed and "Zed" in listed and "granted by Tia" in listed
    done = ok(say(trust, f"admin revoke #{member_id(trust, 'zed')} trust-admin", user="tia"))
    assert "no longer trust admin of Riverside Trust" in text_of(done)
    assert say(trust, "report cpd", user="zed").tone == "error"
    [grant_entry, *_rest] = [e for e in audited(trust, "trust.grant")]
    assert grant_entry.detail["role"] == "trust-admin"
    assert [e.action for e in audited(trust, "trust.revoke")] == ["trust.revoke"]


def test_a_trust_admin_maps_a_workspace_to_one_of_its_schools(trust: Staffroom) -> None:
    elsewhere = say(trust, 'school map "Elmwood Academy"', user="tia")
    assert elsewhere.tone == "error" and "trust admins of its trust" in text_of(elsewhere)
    mapped = say(trust, 'school map "Oakfield High"', user="tia")
    assert mapped.tone == "success", text_of(mapped)
    joined = text_of(say(trust, "school show", user="newcomer"))
    assert "Oakfield High" in joined


def test_members_are_told_what_a_trust_sees(trust: Staffroom) -> None:
    shown = text_of(say(trust, "school show", user="bob"))
    assert "trust admins see per-school totals only" in shown
    assert "privacy school" in text_of(say(trust, "privacy", user="bob"))
    told = text_of(ok(say(trust, "privacy school", user="bob")))
    assert "Trust: Riverside Trust" in told and "per-school totals" in told
    assert "never your journal" in told
    alone = text_of(ok(say(trust, "privacy school", user="newcomer")))
    assert "no CPD lead or trust sees anything" in alone


def test_the_glance_for_leads_and_trust_admins(trust: Staffroom) -> None:
    ok(say(trust, 'training require "Safeguarding"', user="ana"))
    lead = text_of(ok(say(trust, "report glance", user="ana")))
    assert "This term: 2026-09-01 – 2026-12-31" in lead and "Hours this term: 3.5" in lead
    assert "Quiet members: 1 / 3" in lead and "Training due: 3" in lead
    admin = text_of(ok(say(trust, "report glance", user="tia")))
    assert "Riverside Trust (trust)" in admin and "Hours this term: 6.5" in admin
    assert "Oakfield High: 3 h this term · 1 of 2 quiet" in admin
    refused = say(trust, "report glance", user="bob")
    assert refused.tone == "error"


def test_trust_roles_in_export_delete_and_linking(trust: Staffroom) -> None:
    grant(trust, "zed", "trust-admin", by="tia")
    data = json.loads(say(trust, "privacy export", user="tia").attachments[0].data)["schools"]
    assert [(r["trust"], r["role"]) for r in data["trust_roles"]] == [(TRUST, "trust-admin")]
    assert [r["member_id"] for r in data["trust_roles_granted"]] == [member_id(trust, "zed")]
    # Zed links a second account that is also a trust admin: one role is kept.
    say(trust, "profile show", user="zed-phone")
    grant(trust, "zed-phone", "trust-admin", by="tia")
    phone = member_id(trust, "zed-phone")
    code = re.search(r"\b[A-Z2-9]{8}\b", text_of(say(trust, "link", user="zed")))
    assert code is not None
    say(trust, f"link {code.group(0)}", user="zed-phone")
    ok(say(trust, "link confirm", user="zed-phone"))
    assert rows_mentioning(trust, phone) == {}
    with Session(trust.engine) as session:
        held = [(r.member_id, r.granted_by) for r in session.exec(select(TrustRole))]
    tia, zed = member_id(trust, "tia"), member_id(trust, "zed")
    assert sorted(held) == sorted([(tia, member_id(trust, ADMIN)), (zed, tia)])
    ok(say(trust, "privacy delete confirm", user="tia"))
    assert rows_mentioning(trust, tia) == {}
    with Session(trust.engine) as session:
        assert [(r.member_id, r.granted_by) for r in session.exec(select(TrustRole))] == [
            (zed, None)
        ]
