"""Privacy: export holds everything; delete leaves nothing of the member in any table."""

from __future__ import annotations

import json

from sqlalchemy import inspect, text
from sqlmodel import Session

from core.app import Staffroom
from core.identity.models import Account
from core.models import metadata
from tests.talk import say, text_of


def member_columns() -> list[tuple[str, str]]:
    """Every (table, column) that refers to a member, found from the schema itself, so tables
    that later features add are covered without editing this test."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "member" for fk in column.foreign_keys):
                found.append((table.name, column.name))
    return found


def rows_mentioning(app: Staffroom, member_id: int) -> dict[str, int]:
    left: dict[str, int] = {}
    with app.engine.connect() as connection:
        still = connection.execute(
            text("SELECT count(*) FROM member WHERE id = :id"), {"id": member_id}
        ).scalar_one()
        if still:
            left["member.id"] = still
        for table, column in member_columns():
            count = connection.execute(
                text(f'SELECT count(*) FROM "{table}" WHERE "{column}" = :id'), {"id": member_id}
            ).scalar_one()
            if count:
                left[f"{table}.{column}"] = count
    return left


def test_export_is_a_json_file_with_profile_and_accounts(app: Staffroom) -> None:
    say(app, 'profile set role=teacher bio="Maths at Hillside"')
    reply = say(app, "privacy export")
    assert len(reply.attachments) == 1
    data = json.loads(reply.attachments[0].data)
    assert data["profile"]["member"]["role"] == "teacher"
    assert data["profile"]["accounts"][0]["user_id"] == "ana"


def test_delete_asks_first_then_leaves_nothing(app: Staffroom) -> None:
    say(app, "profile set role=teacher")
    say(app, "link")
    say(app, "link ZZZZZZZZ")  # a failed attempt is stored too
    say(app, "profile show", user="bob")
    with Session(app.engine) as session:
        member_id = session.query(Account).filter_by(user_id="ana").one().member_id
    ask = say(app, "privacy delete")
    assert ask.actions and ask.actions[0].command == "privacy delete confirm"
    assert rows_mentioning(app, member_id)
    done = say(app, ask.actions[0].command)
    assert done.tone == "success", text_of(done)
    assert rows_mentioning(app, member_id) == {}
    assert "member" in inspect(app.engine).get_table_names()
    # Other members are untouched.
    assert "Bob" in text_of(say(app, "profile show", user="bob"))


def test_schema_has_member_references_to_check() -> None:
    assert ("account", "member_id") in member_columns()
