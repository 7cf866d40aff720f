"""Reflection data in privacy export, privacy delete and account linking."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from core.app import Staffroom
from core.communities.models import Role
from core.delivery.models import OutboxMessage, Schedule
from core.reflection.models import JournalEntry
from core.reflection.privacy import REFLECTION_DATA
from tests.core.test_privacy import rows_mentioning
from tests.reflection.helpers import community, entries_of, member_id
from tests.talk import say, tell, text_of


def fill(app: Staffroom, user: str = "ana") -> None:
    """Some of everything: a schedule, an answered prompt, a free entry, a share."""
    community(app, f"club-{user}", roles={user: Role.MEMBER})
    say(app, "reflect schedule mon,thu 09:00 model=kolb", user=user)
    say(app, "reflect kolb", user=user)
    tell(app, f"{user} answered the prompt", user=user)
    say(app, f'journal add "{user} wrote freely"', user=user)
    entry = entries_of(app, user)[0]
    assert say(app, f"journal share {entry.id} community=club-{user} confirm", user=user).tone == (
        "success"
    )


def test_export_holds_entries_prompts_shares_and_schedules(app: Staffroom) -> None:
    fill(app)
    with Session(app.engine) as session:
        data = REFLECTION_DATA.export(session, member_id(app, "ana"))
    json.dumps(data)  # JSON-compatible as it stands
    assert [e["body"] for e in data["journal"]] == ["ana answered the prompt", "ana wrote freely"]
    assert data["journal"][0]["prompt_text"]
    assert [p["model"] for p in data["prompts"]] == ["kolb"]
    assert len(data["shares"]) == 1
    [schedule] = data["schedules"]
    assert schedule["recurrence"]["weekdays"] == [0, 3] and schedule["payload"]["model"] == "kolb"


def test_privacy_export_command_includes_the_journal(app: Staffroom) -> None:
    fill(app)
    reply = say(app, "privacy export")
    assert reply.attachments, text_of(reply)
    data = json.loads(reply.attachments[0].data)
    assert len(data["reflection"]["journal"]) == 2


def test_delete_leaves_no_reflection_data_and_withdraws_unsent_posts(app: Staffroom) -> None:
    fill(app, "ana")
    fill(app, "bob")
    ana = member_id(app, "ana")
    with app.session() as session:
        REFLECTION_DATA.delete(session, ana)
    with Session(app.engine) as session:
        assert session.exec(select(JournalEntry).where(JournalEntry.member_id == ana)).all() == []
        assert session.exec(select(Schedule).where(Schedule.member_id == ana)).all() == []
        posts = session.exec(select(OutboxMessage)).all()
        assert [p.channel_id for p in posts] == ["C-club-bob-0"]
    left = rows_mentioning(app, ana)
    assert not any(
        t.split(".")[0] in ("journal_entry", "journal_share", "reflection_prompt") for t in left
    )
    assert len(entries_of(app, "bob")) == 2


def test_privacy_delete_removes_every_row(app: Staffroom) -> None:
    fill(app)
    ana = member_id(app, "ana")
    done = say(app, "privacy delete confirm")
    assert done.tone == "success", text_of(done)
    assert rows_mentioning(app, ana) == {}


def test_linking_accounts_brings_the_journal_along(app: Staffroom) -> None:
    fill(app, "ana")
    say(app, "reflect schedule daily 07:00", user="ana2")
    say(app, 'journal add "From my other account"', user="ana2")
    code = text_of(say(app, "link", user="ana")).split("link ")[1].split()[0]
    say(app, f"link {code}", user="ana2")
    linked = say(app, "link confirm", user="ana2")
    assert linked.tone == "success", text_of(linked)
    ana = member_id(app, "ana")
    bodies = sorted(e.body for e in entries_of(app, "ana"))
    assert bodies == ["From my other account", "ana answered the prompt", "ana wrote freely"]
    with Session(app.engine) as session:
        live = session.exec(
            select(Schedule).where(Schedule.member_id == ana, Schedule.kind == "reflection.prompt")
        ).all()
        assert [s.recurrence["weekdays"] for s in live] == [[0, 3]]
    # From the linked account, the whole journal is one's own.
    listed = text_of(say(app, "journal list", user="ana2"))
    assert "From my other account" in listed and "ana wrote freely" in listed
