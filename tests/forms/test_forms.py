"""The forms service on both databases: asked one field at a time, run through dispatch, and
covered by privacy export, delete and merge."""

from __future__ import annotations

import dataclasses
import json
import re

from sqlmodel import Session, select

from core.app import Staffroom
from core.cpd.models import CpdActivity
from core.forms import service
from core.forms.models import FormProgress
from core.forms.questions import FormAction
from core.invocation import ChannelRef, Invocation
from tests.talk import say, text_of


def telegram(user: str = "42", text: str = "") -> Invocation:
    """A message in a private chat, as the Telegram adapter hands it over."""
    return Invocation(
        platform="telegram",
        tenant="123",
        user_id=user,
        display_name="Ana",
        text=text,
        kind="message",
        channel=ChannelRef(id=user, direct=True),
    )


def start(app: Staffroom, name: str, user: str = "42") -> service.Ask | service.Say:
    found = app.registry.resolve(name.split())
    assert found is not None
    return service.start(app, telegram(user), found[0])


def rows(app: Staffroom) -> list[FormProgress]:
    with Session(app.engine) as session:
        return list(session.exec(select(FormProgress)).all())


def test_answers_then_a_structured_command_runs_through_dispatch(app: Staffroom) -> None:
    first = start(app, "cpd log")
    assert isinstance(first, service.Ask) and first.hint == "like 1.5 or 90m"
    assert isinstance(service.answer(app, telegram(), "1.5"), service.Ask)
    assert isinstance(service.answer(app, telegram(), "“Peer coaching”"), service.Ask)
    skipped = service.answer(app, telegram(), "-")
    assert isinstance(skipped, service.Ask)
    assert rows(app)[0].answers == {"hours": "1.5", "title": "Peer coaching", "category": None}

    submit = service.press(app, telegram(), FormAction("finish"))
    assert isinstance(submit, service.Submit)
    assert submit.args == {"hours": "1.5", "title": "Peer coaching"}
    assert rows(app) == []
    run = dataclasses.replace(
        telegram(), text=None, kind="command", command=submit.command, args=submit.args
    )
    reply = app.dispatch(run)
    assert reply.tone == "success", text_of(reply)
    with Session(app.engine) as session:
        assert session.exec(select(CpdActivity.title)).all() == ["Peer coaching"]


def test_no_form_open_leaves_the_text_to_the_rest_of_staffroom(app: Staffroom) -> None:
    assert service.answer(app, telegram(), "hello") is None
    start(app, "cpd log", user="77")
    assert service.answer(app, telegram(), "hello") is None  # someone else's form


def test_export_delete_and_merge_cover_open_forms(app: Staffroom) -> None:
    start(app, "cpd log")
    service.answer(app, telegram(), "2")
    code = re.search(r"link ([A-Z0-9]{8})", say(app, "link", user="ana-console").plain_text())
    assert code is not None
    asked = app.dispatch(dataclasses.replace(telegram(), kind="command", text=f"link {code[1]}"))
    assert "Link this account?" in text_of(asked)
    app.dispatch(dataclasses.replace(telegram(), kind="command", text="link confirm"))

    # The form followed the Telegram account to the member it was merged into, and carries on.
    assert isinstance(service.answer(app, telegram(), "Mentor training"), service.Ask)
    exported = say(app, "privacy export", user="ana-console")
    data = json.loads(exported.attachments[0].data)
    assert [f["answers"] for f in data["forms"]] == [{"hours": "2", "title": "Mentor training"}]

    say(app, "privacy delete confirm", user="ana-console")
    assert rows(app) == []
