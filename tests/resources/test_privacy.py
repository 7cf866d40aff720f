"""Resources take part in privacy export, delete and account linking (merge)."""

from __future__ import annotations

import json
import re

from sqlalchemy import text
from sqlmodel import Session, select

from core.app import Staffroom
from core.communities.models import Role
from core.resources.models import Resource, ResourceSave, ResourceVote
from tests.core.test_privacy import rows_mentioning
from tests.resources.helpers import make_community, member_id, share
from tests.talk import say, text_of


def test_export_holds_shared_votes_saves_and_reports(app: Staffroom) -> None:
    mine = share(app, 'https://example.org/mine "My plan" #ks3')
    theirs = share(app, 'https://example.org/theirs "Their plan"', user="bob")
    say(app, f"resource vote {theirs}")
    say(app, f"resource save {theirs}")
    say(app, f'resource report {theirs} "Out of date"')
    data = json.loads(say(app, "privacy export").attachments[0].data)["resources"]
    assert [r["id"] for r in data["shared"]] == [mine]
    assert data["shared"][0]["title"] == "My plan" and data["shared"][0]["tags"] == ["ks3"]
    assert [v["resource_id"] for v in data["votes"]] == [theirs]
    assert [s["resource_id"] for s in data["saved"]] == [theirs]
    assert data["reports"][0]["reason"] == "Out of date"


def test_delete_removes_what_they_shared_and_every_trace(app: Staffroom) -> None:
    make_community(app, "science", roles={"ana": Role.MODERATOR})
    mine = share(app, 'https://example.org/mine "My plan" community=science')
    theirs = share(app, 'https://example.org/theirs "Their plan" community=science', user="bob")
    say(app, f"resource vote {mine}", user="bob")
    say(app, f"resource save {mine}", user="bob")
    say(app, f"resource vote {theirs}")
    say(app, f"resource save {theirs}")
    say(app, f'resource report {theirs} "Out of date"')
    hidden_by_ana = share(app, 'https://example.org/hid "Hidden one" community=science', user="bob")
    say(app, f"resource hide {hidden_by_ana}")
    ana = member_id(app, "ana")
    assert say(app, "privacy delete confirm").tone == "success"
    assert rows_mentioning(app, ana) == {}
    with Session(app.engine) as session:
        assert session.get(Resource, mine) is None
        kept = session.get(Resource, theirs)
        assert kept is not None and kept.vote_count == 0
        still_hidden = session.get(Resource, hidden_by_ana)
        assert still_hidden is not None and still_hidden.hidden
    # The deleted resource left the search index too; bob's bookmark of it went with it.
    assert "My plan" not in text_of(say(app, "resource search plan", user="bob"))
    assert "not saved anything" in text_of(say(app, "resource saved", user="bob"))


def _link(app: Staffroom, user: str, other: str) -> None:
    code = re.search(r"link ([A-Z0-9]{8})", text_of(say(app, "link", user=user)))
    assert code
    say(app, f"link {code.group(1)}", user=other)
    assert say(app, "link confirm", user=other).tone == "success"


def test_linking_accounts_merges_votes_and_saves_without_doubles(app: Staffroom) -> None:
    both = share(app, 'https://example.org/both "Voted twice"', user="carl")
    one = share(app, 'https://example.org/one "Voted once"', user="carl")
    own = share(app, 'https://example.org/own "Shared by the other account"', user="ana2")
    for user in ("ana", "ana2"):
        say(app, f"resource vote {both}", user=user)
        say(app, f"resource save {both}", user=user)
    say(app, f"resource vote {one}", user="ana2")
    say(app, f"resource vote {own}", user="ana")  # becomes a vote for their own resource
    _link(app, "ana", "ana2")
    ana = member_id(app, "ana")
    with Session(app.engine) as session:
        votes = session.exec(select(ResourceVote.resource_id).where(ResourceVote.member_id == ana))
        assert sorted(votes.all()) == sorted([both, one])
        saves = session.exec(select(ResourceSave).where(ResourceSave.member_id == ana)).all()
        assert len(saves) == 1
        counts = {r.id: r.vote_count for r in session.exec(select(Resource)) if r.id is not None}
        assert counts == {both: 1, one: 1, own: 0}
        shared = session.get(Resource, own)
        assert shared is not None and shared.shared_by == ana


def test_the_sharer_can_edit_and_delete_and_others_cannot(app: Staffroom) -> None:
    shared = say(app, 'resource share https://example.org/et "Exit tikets" #assesment')
    assert shared.tone == "success"
    edited = say(app, 'resource edit 1 title="Exit tickets" #assessment #ks3')
    assert edited.tone == "success", text_of(edited)
    shown = text_of(say(app, "resource show 1"))
    assert "Exit tickets" in shown and "#assessment #ks3" in shown and "assesment" not in shown
    found = text_of(say(app, "resource search tickets", user="bob"))
    assert "Exit tickets" in found
    assert say(app, 'resource edit 1 title="Mine now"', user="bob").tone == "error"
    assert say(app, "resource delete 1 confirm", user="bob").tone == "error"
    asked = say(app, "resource delete 1")
    assert "Delete this resource?" in text_of(asked)
    assert say(app, asked.actions[0].command).tone == "success"
    assert "Exit tickets" not in text_of(say(app, "resource search tickets", user="bob"))
    with Session(app.engine) as session:
        if session.get_bind().dialect.name == "sqlite":
            # The deleted words are gone from the index itself, not only from results.
            blocks = session.execute(
                text("SELECT count(*) FROM resource_fts_data WHERE instr(block, 'ticket') > 0")
            ).one()
            assert blocks[0] == 0
