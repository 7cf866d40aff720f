"""Schools in privacy export, delete and account linking: membership, roles, training records,
and the grants and requirements a member made."""

from __future__ import annotations

import json
import re

from sqlmodel import Session, select

from core.app import Staffroom
from core.delivery.models import Schedule
from core.schools.reminders import TRAINING_REMINDER
from tests.core.test_privacy import rows_mentioning
from tests.schools.helpers import create_school, grant, join, member_id, school_rows
from tests.schools.helpers import training_records as records
from tests.talk import say, text_of


def _hillside(app: Staffroom) -> str:
    """Ana is Hillside's school admin and made Bob its CPD lead; Ana set a training, Bob did it,
    and Ana did it too."""
    code = create_school(app)
    join(app, code, "ana", "bob")
    grant(app, "ana", "school-admin")
    grant(app, "bob", "cpd-lead", by="ana")
    say(app, 'training require "Safeguarding" every=12', user="ana")
    for user in ("ana", "bob"):
        say(app, "training done 1 evidence=https://example.org/cert", user=user)
    return code


def test_export_holds_membership_roles_and_training(app: Staffroom) -> None:
    _hillside(app)
    data = json.loads(say(app, "privacy export", user="ana").attachments[0].data)["schools"]
    assert data["school"]["name"] == "Hillside Primary"
    assert [(r["school"], r["role"]) for r in data["roles"]] == [
        ("Hillside Primary", "school-admin")
    ]
    assert [r["role"] for r in data["roles_granted"]] == ["cpd-lead"]
    [record] = data["training_records"]
    assert record["training"] == "Safeguarding" and record["done_on"] == "2026-11-23"
    assert record["evidence_url"] == "https://example.org/cert"
    assert [t["title"] for t in data["training_required"]] == ["Safeguarding"]
    nobody = json.loads(say(app, "privacy export", user="cat").attachments[0].data)["schools"]
    assert nobody["school"] is None and nobody["roles"] == [] and nobody["training_records"] == []


def test_delete_leaves_nothing_and_keeps_the_school_going(app: Staffroom) -> None:
    _hillside(app)
    ana, bob = member_id(app, "ana"), member_id(app, "bob")
    assert rows_mentioning(app, ana)
    done = say(app, "privacy delete confirm", user="ana")
    assert done.tone == "success", text_of(done)
    assert rows_mentioning(app, ana) == {}
    members, roles = school_rows(app)
    assert [m.member_id for m in members] == [bob]
    assert [(r.member_id, r.role, r.granted_by) for r in roles] == [(bob, "cpd-lead", None)]
    assert [r.member_id for r in records(app)] == [bob]
    assert "Safeguarding" in text_of(say(app, "training list", user="bob"))


def _link(app: Staffroom, keep: str, other: str) -> None:
    """``other`` links their account to ``keep``'s member (the one kept)."""
    code = re.search(r"\b[A-Z2-9]{8}\b", text_of(say(app, "link", user=keep)))
    assert code is not None
    say(app, f"link {code.group(0)}", user=other)
    linked = say(app, "link confirm", user=other)
    assert linked.tone == "success", text_of(linked)
    assert member_id(app, other) == member_id(app, keep)


def test_linking_keeps_the_target_school_and_moves_records(app: Staffroom) -> None:
    _hillside(app)
    oakfield = create_school(app, "Oakfield High")
    join(app, oakfield, "ana-phone", "cat")
    grant(app, "ana-phone", "school-admin")
    grant(app, "cat", "cpd-lead", by="ana-phone")
    say(app, 'training require "First aid"', user="ana-phone")
    say(app, "training done 2", user="ana-phone")
    phone = member_id(app, "ana-phone")
    _link(app, "ana", "ana-phone")
    ana = member_id(app, "ana")
    assert rows_mentioning(app, phone) == {}
    members, roles = school_rows(app)
    assert [(m.member_id, m.school_id) for m in members if m.member_id == ana] == [(ana, 1)]
    assert sorted((r.school_id, r.role) for r in roles if r.member_id == ana) == [
        (1, "school-admin")
    ]
    # What the phone account granted and did is credited to the one member now.
    assert [r.granted_by for r in roles if r.member_id == member_id(app, "cat")] == [ana]
    assert sorted(r.training_id for r in records(app) if r.member_id == ana) == [1, 2]
    with Session(app.engine) as session:
        checks = session.exec(
            select(Schedule).where(Schedule.kind == TRAINING_REMINDER, Schedule.member_id == ana)
        ).all()
    assert len(checks) == 1  # one daily training check, not one per linked account
    assert "Hillside Primary" in text_of(say(app, "school show", user="ana-phone"))


def test_linking_adopts_the_only_school(app: Staffroom) -> None:
    code = create_school(app)
    join(app, code, "bob-phone")
    grant(app, "bob-phone", "cpd-lead")
    say(app, "profile show", user="bob")
    _link(app, "bob", "bob-phone")
    shown = text_of(say(app, "school show", user="bob"))
    assert "Hillside Primary" in shown and "Your role: CPD lead" in shown
