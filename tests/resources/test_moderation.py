"""resource report / reports / hide / restore: members report, moderators (or admins) decide."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from core.app import Staffroom
from core.clock import FixedClock
from core.communities.models import Role
from core.identity.models import AuditEntry
from core.resources.models import Resource, ResourceReport
from tests.conftest import make_settings
from tests.resources.helpers import make_community, share
from tests.talk import say, text_of


@pytest.fixture
def staffroom(db_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    """An app where the console user "admin" is a Staffroom admin."""
    app = Staffroom(
        make_settings(db_url, staffroom={"admins": ["console:local:admin"]}), clock=clock
    )
    yield app
    app.engine.dispose()


def _hidden(app: Staffroom, rid: int) -> bool:
    with Session(app.engine) as session:
        resource = session.get(Resource, rid)
        assert resource is not None
        return resource.hidden


def test_member_cannot_hide_moderator_can_and_restores(staffroom: Staffroom) -> None:
    app = staffroom
    make_community(app, "science", roles={"mo": Role.MODERATOR, "ana": Role.MEMBER})
    rid = share(app, 'https://example.org/a "Circuits" community=science')
    for who in ("ana", "bob"):
        reply = say(app, f"resource hide {rid}", user=who)
        assert reply.tone == "error" and "Only moderators of Science" in text_of(reply)
    assert not _hidden(app, rid)
    done = say(app, f'resource hide {rid} "Paywalled"', user="mo")
    assert done.tone == "success" and done.actions[0].command == f"resource restore {rid}"
    assert _hidden(app, rid)
    assert "already hidden" in text_of(say(app, f"resource hide {rid}", user="mo"))
    # Gone for members, everywhere; moderators still see it, with the reason and a restore button.
    assert say(app, f"resource show {rid}", user="ana").tone == "error"
    assert say(app, f"resource vote {rid}", user="bob").tone == "error"
    assert "Circuits" not in text_of(say(app, "resource search circuits", user="ana"))
    assert "Circuits" not in text_of(say(app, "resource top", user="ana"))
    shown = say(app, f"resource show {rid}", user="mo")
    assert "Paywalled" in text_of(shown)
    assert [a.command for a in shown.actions] == [f"resource restore {rid}"]
    assert say(app, f"resource restore {rid}", user="ana").tone == "error"
    assert say(app, f"resource restore {rid}", user="mo").tone == "success"
    assert not _hidden(app, rid)
    assert "is not hidden" in text_of(say(app, f"resource restore {rid}", user="mo"))
    assert "Circuits" in text_of(say(app, "resource search circuits", user="ana"))
    with Session(app.engine) as session:
        actions = session.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert [a for a in actions if a.startswith("resource.")] == [
            "resource.hide",
            "resource.restore",
        ]


def test_resources_without_community_are_moderated_by_admins(staffroom: Staffroom) -> None:
    app = staffroom
    make_community(app, "science", roles={"mo": Role.MODERATOR})
    rid = share(app, 'https://example.org/a "Loose link"')
    reply = say(app, f"resource hide {rid}", user="mo")
    assert reply.tone == "error" and "Staffroom admins" in text_of(reply)
    assert say(app, f"resource hide {rid}", user="admin").tone == "success"
    assert say(app, f"resource show {rid}", user="admin").tone == "info"
    assert say(app, f"resource restore {rid}", user="admin").tone == "success"


def test_report_and_the_moderators_queue(staffroom: Staffroom) -> None:
    app = staffroom
    make_community(app, "science", roles={"mo": Role.MODERATOR})
    make_community(app, "history", roles={"other": Role.MODERATOR})
    rid = share(app, 'https://example.org/a "Circuits" community=science')
    done = say(app, f'resource report {rid} "The link is broken"', user="bob")
    assert done.tone == "success"
    assert "already reported" in text_of(say(app, f'resource report {rid} "Still"', user="bob"))
    say(app, f'resource report {rid} "Wrong answers in the quiz"', user="carl")
    assert say(app, f"resource report {rid}", user="dee").tone == "error"  # no reason
    queue = text_of(say(app, "resource reports", user="mo"))
    assert "Circuits" in queue and "2 reports" in queue and "Wrong answers" in queue
    assert "No open reports" in text_of(say(app, "resource reports", user="other"))
    assert "No open reports" in text_of(say(app, "resource reports", user="bob"))
    assert "Circuits" in text_of(say(app, "resource reports", user="admin"))
    say(app, f"resource hide {rid}", user="mo")
    assert "No open reports" in text_of(say(app, "resource reports", user="mo"))
    with Session(app.engine) as session:
        reports = session.exec(select(ResourceReport)).all()
        assert len(reports) == 2 and all(r.resolved_at is not None for r in reports)
