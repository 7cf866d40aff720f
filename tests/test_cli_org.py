"""``staffroom org map`` and ``staffroom org list``: an operator maps a Slack workspace or Discord
server to a school from the command line, with the same rules as ``school map`` in chat."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session, select

from bots.cli import main
from core.app import Staffroom
from core.clock import FixedClock
from core.identity.models import AuditEntry
from core.schools.service import mapped_school
from tests.conftest import make_settings
from tests.talk import say, text_of

ADMIN = "root"


def staffroom(args: Sequence[str], url: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"STAFFROOM_DATABASE__URL": url}, obj={})


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A real SQLite file, made by ``staffroom db upgrade``."""
    database = f"sqlite:///{tmp_path}/org.db"
    done = staffroom(["db", "upgrade"], database)
    assert done.exit_code == 0, done.output
    return database


@pytest.fixture
def app(url: str, clock: FixedClock) -> Iterator[Staffroom]:
    """The same database, with two schools made in chat by a Staffroom admin."""
    settings = make_settings(url, staffroom={"admins": [f"console:local:{ADMIN}"]})
    staffroom_app = Staffroom(settings, clock=clock)
    for name in ("Oakwood Primary", "Hillside High"):
        made = say(staffroom_app, f'school create "{name}"', user=ADMIN)
        assert made.tone == "success", text_of(made)
    yield staffroom_app
    staffroom_app.engine.dispose()


def _school_of(app: Staffroom, platform: str, tenant: str) -> str | None:
    with Session(app.engine) as session:
        found = mapped_school(session, platform, tenant)
        return found.name if found is not None else None


def test_org_map_maps_a_workspace_and_its_members_join(url: str, app: Staffroom) -> None:
    done = staffroom(
        ["org", "map", "--platform", "slack", "--tenant", "T123", "oakwood primary"], url
    )
    assert done.exit_code == 0, done.output
    assert "slack T123 now belongs to Oakwood Primary" in done.output
    assert _school_of(app, "slack", "T123") == "Oakwood Primary"
    joined = say(app, "school show", user="U1", platform="slack", tenant="T123")
    assert "Oakwood Primary" in text_of(joined) and joined.tone == "success"
    again = staffroom(
        ["org", "map", "--platform", "slack", "--tenant", "T123", "Oakwood Primary"], url
    )
    assert again.exit_code == 0 and "already belongs to Oakwood Primary" in again.output
    with Session(app.engine) as session:
        audits = session.exec(select(AuditEntry).where(AuditEntry.action == "school.map")).all()
    assert [a.detail["by"] for a in audits] == ["cli"]


def test_org_map_keeps_the_rules_of_school_map(url: str, app: Staffroom) -> None:
    staffroom(["org", "map", "--platform", "discord", "--tenant", "555", "Oakwood Primary"], url)
    taken = staffroom(
        ["org", "map", "--platform", "discord", "--tenant", "555", "Hillside High"], url
    )
    assert taken.exit_code != 0 and "already belongs to Oakwood Primary" in taken.output
    assert _school_of(app, "discord", "555") == "Oakwood Primary"
    missing = staffroom(["org", "map", "--platform", "slack", "--tenant", "T9", "Nowhere"], url)
    assert missing.exit_code != 0 and "There is no school called Nowhere" in missing.output
    assert "Traceback" not in missing.output
    wrong = staffroom(
        ["org", "map", "--platform", "myspace", "--tenant", "1", "Hillside High"], url
    )
    assert wrong.exit_code != 0 and _school_of(app, "myspace", "1") is None


def test_org_list_shows_schools_trusts_and_workspaces(url: str, app: Staffroom) -> None:
    say(app, 'trust create "Riverside Trust"', user=ADMIN)
    say(app, 'trust add "Hillside High"', user=ADMIN)
    staffroom(["org", "map", "--platform", "slack", "--tenant", "T123", "Oakwood Primary"], url)
    listed = staffroom(["org", "list"], url)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines == [
        "Hillside High: 0 members; trust: Riverside Trust; mapped: none",
        "Oakwood Primary: 0 members; trust: none; mapped: slack T123",
    ]


def test_org_list_on_an_empty_database(url: str) -> None:
    listed = staffroom(["org", "list"], url)
    assert listed.exit_code == 0 and "no schools yet" in listed.output
