"""journal add, list, show, delete and share; journals stay private to their author."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.communities.models import Role
from core.delivery.models import OutboxMessage, OutboxState
from core.reflection.models import JournalShare
from core.reflection.privacy import REFLECTION_DATA
from tests.conftest import make_settings
from tests.reflection.helpers import community, entries_of, member_id
from tests.talk import run, say, tell, text_of


def add(app: Staffroom, text: str, user: str = "ana") -> int:
    reply = say(app, f'journal add "{text}"', user=user)
    assert reply.tone == "success", text_of(reply)
    return entries_of(app, user)[-1].id or 0


def outbox(app: Staffroom) -> list[OutboxMessage]:
    with Session(app.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def test_journal_add_keeps_a_free_entry(app: Staffroom) -> None:
    reply = say(app, "journal add Cold calling worked well with 9B today")
    assert reply.tone == "success"
    [entry] = entries_of(app, "ana")
    assert entry.body == "Cold calling worked well with 9B today"
    assert entry.prompt_id is None and entry.model is None
    # The button names the entry; the member's words never ride in a button payload.
    assert reply.actions[0].command.startswith(
        f'cpd log 0.5 "Reflection, journal entry #{entry.id}"'
    )
    assert all("Cold calling" not in a.command for a in reply.actions)
    logged = say(app, reply.actions[0].command)
    assert logged.tone == "success", text_of(logged)


def test_journal_add_refuses_nothing_and_too_much(app: Staffroom) -> None:
    assert "needs text" in text_of(say(app, "journal add"))
    assert say(app, 'journal add "   "').tone == "error"
    app.settings.reflection.max_answer_length = 100
    assert "101 characters" in text_of(say(app, "journal add " + "y" * 101))
    assert entries_of(app, "ana") == []


def test_journal_add_keeps_unicode_as_written(app: Staffroom) -> None:
    add(app, "Élèves de 6ᵉ: très bien aujourd’hui — 数学 👍")
    assert entries_of(app, "ana")[0].body == "Élèves de 6ᵉ: très bien aujourd’hui — 数学 👍"


def test_journal_list_pages_newest_first(app: Staffroom, clock: FixedClock) -> None:
    assert "journal is empty" in text_of(say(app, "journal list"))
    for n in range(12):
        add(app, f"Entry number {n}")
        clock.advance(timedelta(hours=1))
    first = say(app, "journal list")
    shown = text_of(first)
    assert "Entry number 11" in shown and "Entry number 2" in shown
    assert "Entry number 1\n" not in shown and "Entry number 0" not in shown
    assert shown.index("Entry number 11") < shown.index("Entry number 10")
    assert "Page 1 of 2. Read one with journal show ID. 12 entries in all." in shown
    assert first.actions[0].command == "journal list 2"
    second = text_of(say(app, first.actions[0].command))
    assert "Entry number 0" in second and "Entry number 2" not in second
    assert "no page 3" in text_of(say(app, "journal list 3"))
    assert say(app, "journal list 0").tone == "error"
    assert say(app, "journal list two").tone == "error"


def test_journal_show_gives_the_prompt_and_the_answer(app: Staffroom) -> None:
    say(app, "reflect driscoll")
    tell(app, "Pupils explained their reasoning in pairs first.")
    [entry] = entries_of(app, "ana")
    reply = say(app, f"journal show {entry.id}")
    shown = text_of(reply)
    assert "Pupils explained their reasoning in pairs first." in shown
    assert entry.prompt_text and entry.prompt_text in shown
    assert "Driscoll: What? So what? Now what? · What?" in shown
    assert "Private: not shared" in shown
    assert "Mon 23 Nov 2026, 10:00" in shown
    assert [a.label for a in reply.actions] == ["Log as CPD evidence", "Delete"]


def test_journal_show_of_a_missing_entry_or_bad_id(app: Staffroom) -> None:
    missing = say(app, "journal show 999")
    assert missing.tone == "error" and "no journal entry #999" in text_of(missing)
    assert "whole number" in text_of(say(app, "journal show abc"))
    assert "needs id" in text_of(say(app, "journal show"))


def test_journal_delete_asks_first(app: Staffroom) -> None:
    entry_id = add(app, "A thought to forget")
    ask = say(app, f"journal delete {entry_id}")
    assert "cannot be undone" in text_of(ask)
    assert len(entries_of(app, "ana")) == 1
    assert ask.actions[0].command == f"journal delete {entry_id} confirm"
    done = say(app, ask.actions[0].command)
    assert done.tone == "success"
    assert entries_of(app, "ana") == []
    assert say(app, f"journal delete {entry_id} confirm").tone == "error"


def test_share_needs_membership_and_a_channel(app: Staffroom) -> None:
    entry_id = add(app, "Retrieval quizzes every lesson start")
    community(app, "maths-secondary", roles={"omar": Role.OWNER})
    community(app, "no-channels", roles={"ana": Role.MEMBER}, channels=0)
    refused = say(app, f"journal share {entry_id} community=maths-secondary")
    assert refused.tone == "error" and "community join maths-secondary" in text_of(refused)
    quiet = say(app, f"journal share {entry_id} community=no-channels confirm")
    assert quiet.tone == "error" and "no channel" in text_of(quiet)
    unknown = say(app, f"journal share {entry_id} community=nowhere")
    assert "no community called nowhere" in text_of(unknown)
    assert "needs community" in text_of(say(app, f"journal share {entry_id}"))
    assert outbox(app) == []


def test_share_previews_then_posts_to_every_bound_channel(app: Staffroom) -> None:
    community(app, "maths-secondary", roles={"ana": Role.MEMBER}, channels=2)
    say(app, "reflect gibbs")
    tell(app, "My explanation of ratio was too abstract. <@U999> @everyone")
    entry_id = entries_of(app, "ana")[0].id
    preview = say(app, f"journal share {entry_id} community=maths-secondary")
    assert "Everyone in the community's channels will see it" in text_of(preview)
    assert "My explanation of ratio" in text_of(preview)
    assert outbox(app) == []
    assert preview.actions[0].command == (
        f"journal share {entry_id} community=maths-secondary confirm"
    )
    done = say(app, preview.actions[0].command)
    assert done.tone == "success" and "2 channel(s)" in text_of(done)
    posts = outbox(app)
    assert sorted(p.channel_id or "" for p in posts) == [
        "C-maths-secondary-0",
        "C-maths-secondary-1",
    ]
    for post in posts:
        assert post.member_id is None and post.kind == "reflection.share"
        spans = [s for b in post.payload["blocks"] if b["type"] == "text" for s in b["spans"]]
        body = next(s for s in spans if "ratio" in s["text"])
        assert body["style"] == "plain"  # user text is escaped by every adapter
        assert not post.payload["ephemeral"]
        assert any(s["text"] == "Ana" and s["style"] == "plain" for s in spans)
    shown = text_of(say(app, f"journal show {entry_id}"))
    assert "Shared with: Maths Secondary" in shown
    again = say(app, f"journal share {entry_id} community=maths-secondary confirm")
    assert "already shared" in text_of(again)
    assert len(outbox(app)) == 2
    assert "· shared" in text_of(say(app, "journal list"))


def test_deleting_a_shared_entry_withdraws_posts_not_yet_sent(app: Staffroom) -> None:
    community(app, "science", roles={"ana": Role.MEMBER}, channels=2)
    entry_id = add(app, "Practical write-ups take too long")
    say(app, f"journal share {entry_id} community=science confirm")
    with Session(app.engine) as session:
        sent = session.exec(select(OutboxMessage)).first()
        assert sent is not None
        sent.state = OutboxState.SENT
        session.add(sent)
        session.commit()
    ask = say(app, f"journal delete {entry_id}")
    assert "Copies already posted" in text_of(ask)
    say(app, f"journal delete {entry_id} confirm")
    assert [p.state for p in outbox(app)] == [OutboxState.SENT]
    with Session(app.engine) as session:
        assert session.exec(select(JournalShare)).all() == []


@pytest.fixture
def admin_app(db_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    staffroom = Staffroom(
        make_settings(db_url, staffroom={"admins": ["console:local:root"]}), clock=clock
    )
    yield staffroom
    staffroom.engine.dispose()


def test_nobody_else_can_read_a_journal_entry(admin_app: Staffroom) -> None:
    app = admin_app
    community(
        app,
        "english",
        roles={
            "ana": Role.MEMBER,
            "bob": Role.MEMBER,
            "mo": Role.MODERATOR,
            "olive": Role.OWNER,
            "root": Role.MEMBER,
        },
    )
    secret = "I nearly cried in period 5 today."
    entry_id = add(app, secret)
    say(app, f"journal share {entry_id} community=english confirm")
    private_id = add(app, "Not shared with anyone")
    missing = text_of(say(app, "journal show 99999", user="bob"))
    for user in ("bob", "mo", "olive", "root"):
        for target in (entry_id, private_id):
            shown = say(app, f"journal show {target}", user=user)
            assert shown.tone == "error", user
            # The same answer as for an entry that does not exist: nothing leaks.
            assert text_of(shown) == missing.replace("99999", str(target))
            assert secret not in text_of(shown)
            assert say(app, f"journal delete {target} confirm", user=user).tone == "error"
            shared = say(app, f"journal share {target} community=english confirm", user=user)
            assert shared.tone == "error"
            structured = run(app, "journal show", {"id": target}, user=user)
            assert structured.tone == "error"
        assert secret not in text_of(say(app, "journal list", user=user))
        with Session(app.engine) as session:
            exported = json.dumps(REFLECTION_DATA.export(session, member_id(app, user)))
        assert secret not in exported and "Not shared" not in exported
    assert len(entries_of(app, "ana")) == 2
    assert secret in text_of(say(app, f"journal show {entry_id}", user="ana"))
