"""A button opening a form with some values given (``form:open``): the registry reads what the
text gives, the form asks only the rest, and on the console Decline asks for its optional reason
one question at a time, running as whoever answers."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from adapters.console import ConsoleSession
from core.app import Staffroom
from core.clock import FixedClock
from core.forms import service
from core.forms.questions import FormAction, open_action, read_action
from core.schools.models import CpdRequest, RequestStatus
from tests.conftest import make_settings
from tests.forms.test_forms import rows, telegram
from tests.schools.conftest import ADMIN
from tests.schools.helpers import create_school, dms, grant, join, ok
from tests.talk import say, text_of

ASK = 'cpd request "Maths hub conference" date=2026-12-10 reason="Our mastery work this year"'


def test_an_open_button_reads_back_its_command() -> None:
    command = open_action("cpd request decline 3")
    assert command == "form:open cpd request decline 3"
    assert read_action(command) == FormAction("open", value="cpd request decline 3")
    assert read_action("form:open") is None and read_action("form:open  ") is None


def test_form_with_gives_the_values_the_text_names(app: Staffroom) -> None:
    registry = app.registry
    decline = registry.resolve(["cpd", "request", "decline"])
    assert decline is not None and not decline[0].form  # the button asks for the form
    assert registry.form_with("cpd request decline 3") == (decline[0], {"id": "3"})
    assert registry.form_with("cpd request decline id=3") == (decline[0], {"id": "3"})
    assert registry.form_with("cpd request decline") == (decline[0], {})
    # Nothing left to ask (it runs as it stands), or text the command does not take.
    assert registry.form_with('cpd request decline 3 reason="No cover"') is None
    assert registry.form_with("cpd request decline 3 4") is None
    assert registry.form_with("cpd request decline 3 colour=red") is None
    assert registry.form_with("cpd request decline 3 #tag") is None
    assert registry.form_with('cpd request decline "3') is None
    assert registry.form_with("cpd teleport 3") is None


def test_the_form_asks_only_what_the_button_did_not_give(app: Staffroom) -> None:
    opened = app.registry.form_with("cpd request decline 3")
    assert opened is not None
    asked = service.start(app, telegram(), *opened)
    assert isinstance(asked, service.Ask)
    shown = text_of(asked.reply)
    assert "question 2 of 2" in shown and "Reason" in shown
    assert [a.label for a in asked.reply.actions] == ["Skip", "Finish"]  # the reason is optional
    [row] = rows(app)
    assert (row.answers, row.asking) == ({"id": "3"}, "reason")

    submit = service.answer(app, telegram(), "No cover that week")
    assert isinstance(submit, service.Submit)
    assert submit.args == {"id": "3", "reason": "No cover that week"}
    assert rows(app) == []

    service.start(app, telegram(), *opened)
    skipped = service.press(app, telegram(), FormAction("skip", "reason"))
    assert isinstance(skipped, service.Submit) and skipped.args == {"id": "3"}


def test_a_form_with_nothing_left_to_ask_is_not_opened(app: Staffroom) -> None:
    found = app.registry.resolve(["cpd", "request", "decline"])
    assert found is not None
    with pytest.raises(ValueError, match="nothing left to ask"):
        service.start(app, telegram(), found[0], {"id": "3", "reason": "No"})
    assert rows(app) == []


@pytest.fixture
def school(db_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    """Hillside Primary: Lin its CPD lead, Bob asking; Zed is in no school. ``root`` on the
    console is the Staffroom admin who creates it."""
    settings = make_settings(db_url, staffroom={"admins": [f"console:local:{ADMIN}"]})
    app = Staffroom(settings, clock=clock)
    join(app, create_school(app), "lin", "bob")
    grant(app, "lin", "cpd-lead")
    ok(say(app, ASK, user="bob"))
    yield app
    app.engine.dispose()


def _request(app: Staffroom) -> CpdRequest:
    with Session(app.engine) as session:
        return session.exec(select(CpdRequest)).one()


async def test_decline_on_the_console_asks_for_the_reason(school: Staffroom) -> None:
    app = school

    # Zed, no lead, types the button's command: it runs as Zed, who has no such request.
    zed = ConsoleSession(app, "Zed", io.StringIO())
    assert "question 2 of 2" in (await zed.handle_line(open_action("cpd request decline 1")) or "")
    assert "There is no CPD request #1 for you" in (await zed.handle_line("Not mine") or "")
    assert _request(app).status == RequestStatus.PENDING

    lin = ConsoleSession(app, "Lin", io.StringIO())
    listed = await lin.handle_line("cpd request list") or ""
    assert "[2] Decline #1" in listed
    asked = await lin.handle_line("2") or ""
    assert "cpd request decline: question 2 of 2" in asked and "[1] Skip" in asked
    assert _request(app).status == RequestStatus.PENDING
    done = await lin.handle_line("No cover that week") or ""
    assert "Declined Bob's request" in done, done
    request = _request(app)
    assert (request.status, request.decision_note) == (
        RequestStatus.DECLINED,
        "No cover that week",
    )
    told = text_of(dms(app, "bob")[-1])
    assert "declined your CPD request #1" in told and "No cover that week" in told
    # The form is over: the next line is a command again.
    assert "CPD requests" in (await lin.handle_line("cpd request list") or "")


async def test_a_command_typed_instead_puts_the_console_form_away(school: Staffroom) -> None:
    app = school
    lin = ConsoleSession(app, "Lin", io.StringIO())
    await lin.handle_line(open_action("cpd request decline 1"))
    listed = await lin.handle_line("cpd request list") or ""
    assert "Waiting for your answer" in listed and "put the cpd request decline form away" in listed
    assert rows(app) == [] and _request(app).status == RequestStatus.PENDING

    await lin.handle_line(open_action("cpd request decline 1"))
    assert "Stopped" in (await lin.handle_line("/cancel") or "")
    assert rows(app) == [] and _request(app).status == RequestStatus.PENDING
