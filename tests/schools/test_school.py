"""Schools: an admin creates one and maps a workspace, members join, school admins grant roles."""

from __future__ import annotations

from core.app import Staffroom
from tests.schools.conftest import ADMIN
from tests.schools.helpers import (
    CODE,
    SCHOOL,
    audited,
    create_school,
    grant,
    join,
    member_id,
    school_rows,
)
from tests.talk import say, text_of

VISIBLE = (
    "Activity titles, dates, hours, categories and standards of your CPD record; "
    "never your journal, your notes, observation notes (unless you share them) or your "
    "mentoring notes."
)


def test_only_staffroom_admins_create_schools(app: Staffroom) -> None:
    refused = say(app, f'school create "{SCHOOL}"', user="ana")
    assert refused.tone == "error" and "Only Staffroom admins" in text_of(refused)
    code = create_school(app)
    assert len(code) == 8 and not set(code) & set("01IO")
    again = say(app, 'school create "hillside  PRIMARY"', user=ADMIN)
    assert again.tone == "error" and "already a school called Hillside Primary" in text_of(again)
    assert CODE.search(text_of(say(app, 'school create "Oakfield High"', user=ADMIN)))
    assert audited(app, "school.create")[0].detail == {"school_id": 1}


def test_a_mapped_workspace_makes_members_who_ask(app: Staffroom) -> None:
    create_school(app)
    assert say(app, "school show", user="ana").plain_text().startswith("You are not in a school")
    mapped = say(app, f'school map "{SCHOOL}"', user=ADMIN)
    assert mapped.tone == "success", text_of(mapped)
    assert "already belongs" in text_of(say(app, f'school map "{SCHOOL}"', user=ADMIN))

    first = say(app, "school show", user="ana")
    shown = text_of(first)
    assert first.tone == "success" and "you are now one of its members" in shown
    assert "Your role: member" in shown and "Members: 1" in shown
    assert "Workspaces: console (local)" in shown
    assert VISIBLE in shown and "Join code" not in shown
    again = text_of(say(app, "school show", user="ana"))
    assert "now one of its members" not in again and VISIBLE in again
    say(app, "school show", user="bob")
    assert "Members: 2" in text_of(say(app, "school show", user="ana"))
    # Elsewhere (a Slack workspace not mapped), no one joins by asking.
    elsewhere = say(app, "school show", user="cat", platform="slack", tenant="T9")
    assert "You are not in a school" in text_of(elsewhere)
    assert len(school_rows(app)[0]) == 2


def test_members_join_by_code(app: Staffroom) -> None:
    code = create_school(app)
    wrong = say(app, "school join ZZZZZZZZ", user="ana")
    assert wrong.tone == "error" and "join code is not right" in text_of(wrong)
    typed = f"{code[:4].lower()}-{code[4:].lower()}"
    joined = say(app, f"school join {typed}", user="ana")
    assert joined.tone == "success" and VISIBLE in text_of(joined), text_of(joined)
    assert "already a member" in text_of(say(app, f"school join {code}", user="ana"))
    join(app, code, "bob")
    shown = text_of(say(app, "school show", user="bob"))
    assert SCHOOL in shown and "Members: 2" in shown and "Workspaces: none mapped yet" in shown


def test_moving_to_another_school_asks_first_and_drops_roles(app: Staffroom) -> None:
    hillside = create_school(app)
    oakfield = create_school(app, "Oakfield High")
    join(app, hillside, "ana")
    grant(app, "ana", "cpd-lead")
    ask = say(app, f"school join {oakfield}", user="ana")
    assert "Move to Oakfield High?" in text_of(ask)
    assert "takes you out of Hillside Primary" in text_of(ask)
    [button] = [a for a in ask.actions if a.command.startswith("school")]
    assert button.command == f"school join {oakfield} confirm"
    assert SCHOOL in text_of(say(app, "school show", user="ana"))
    moved = say(app, button.command, user="ana")
    assert moved.tone == "success", text_of(moved)
    shown = text_of(say(app, "school show", user="ana"))
    assert "Oakfield High" in shown and "Your role: member" in shown
    members, roles = school_rows(app)
    assert [m.school_id for m in members] == [2] and roles == []


def test_roles_are_granted_by_admins_and_school_admins_only(app: Staffroom) -> None:
    code = create_school(app)
    join(app, code, "ana", "bob", "cat")
    say(app, "school show", user="dan")  # in no school
    ana, bob, cat, dan = (member_id(app, u) for u in ("ana", "bob", "cat", "dan"))

    refused = say(app, f"admin grant #{bob} cpd-lead", user="ana")
    assert refused.tone == "error" and "Only school admins of Hillside Primary" in text_of(refused)
    grant(app, "ana", "school-admin")
    assert "Your role: school admin" in text_of(say(app, "school show", user="ana"))
    assert f"Join code: {code}" in text_of(say(app, "school show", user="ana"))

    grant(app, "bob", "cpd-lead", by="ana")
    assert "already CPD lead" in text_of(say(app, f"admin grant #{bob} cpd-lead", user="ana"))
    # A CPD lead is not a school admin; names are never enough; outsiders are not found.
    lead = say(app, f"admin grant #{cat} cpd-lead", user="bob")
    assert lead.tone == "error" and "Only school admins" in text_of(lead)
    by_name = say(app, "admin grant Cat cpd-lead", user="ana")
    assert by_name.tone == "error" and "Name them by id" in text_of(by_name)
    outsider = say(app, f"admin grant #{dan} cpd-lead", user="ana")
    assert outsider.tone == "error" and f"No member with id {dan}" in text_of(outsider)
    not_in_one = say(app, f"admin grant #{dan} cpd-lead", user=ADMIN)
    assert "is not in a school yet" in text_of(not_in_one)
    assert say(app, f"admin grant #{cat} owner", user="ana").tone == "error"

    listed = text_of(say(app, "admin list", user="ana"))
    assert f"Ana (id {ana}) · school admin" in listed
    assert f"Bob (id {bob}) · CPD lead · since 2026-11-23, granted by Ana" in listed
    assert say(app, "admin list", user="bob").tone == "error"
    assert "Hillside Primary" in text_of(say(app, "admin list", user=ADMIN))

    revoked = say(app, f"admin revoke #{bob} cpd-lead", user="ana")
    assert revoked.tone == "success" and "no longer CPD lead" in text_of(revoked)
    again = say(app, f"admin revoke #{bob} cpd-lead", user="ana")
    assert again.tone == "error" and "nothing to take away" in text_of(again)
    actions = [
        (e.action, e.detail.get("member_id"), e.detail.get("role")) for e in audited(app, "school.")
    ]
    assert [a for a in actions if a[0] in ("school.grant", "school.revoke")] == [
        ("school.grant", ana, "school-admin"),
        ("school.grant", bob, "cpd-lead"),
        ("school.revoke", bob, "cpd-lead"),
    ]


def test_school_admins_map_their_own_school_only(app: Staffroom) -> None:
    code = create_school(app)
    create_school(app, "Oakfield High")
    join(app, code, "ana")
    plain = say(app, f'school map "{SCHOOL}"', user="ana", platform="slack", tenant="T1")
    assert plain.tone == "error" and "Only Staffroom admins, or school admins" in text_of(plain)
    grant(app, "ana", "school-admin")
    other = say(app, 'school map "Oakfield High"', user="ana")
    assert other.tone == "error"
    mapped = say(app, f'school map "{SCHOOL}"', user="ana")
    assert mapped.tone == "success", text_of(mapped)
    taken = say(app, 'school map "Oakfield High"', user=ADMIN)
    assert taken.tone == "error" and "already belongs to Hillside Primary" in text_of(taken)
    assert "no school called" in text_of(say(app, 'school map "Nowhere"', user=ADMIN))
