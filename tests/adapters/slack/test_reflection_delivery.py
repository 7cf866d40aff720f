"""A scheduled reflection prompt reaches a Slack member by DM, and their DM answer is kept."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from core.clock import FixedClock
from core.delivery import deliver_due, plan_due
from core.reflection.models import JournalEntry
from tests.adapters.slack.conftest import Harness
from tests.adapters.slack.test_http_mode import slash
from tests.fakes.fake_slack import event_body


async def test_scheduled_prompt_by_dm_and_answer_in_the_journal(
    http_slack: Harness, clock: FixedClock
) -> None:
    app = http_slack.app
    answer = await slash(http_slack, "reflect schedule daily 09:00")
    assert ":warning:" not in str(answer["blocks"]), answer
    clock.advance(timedelta(hours=23, minutes=30))
    with app.session() as session:
        plan_due(session, clock.now(), app.settings.delivery)
    await deliver_due(
        app.engine,
        {"slack": http_slack.platform.messenger},
        clock.now(),
        app.settings.delivery,
        "t",
    )
    prompt = (await http_slack.fake.wait_for_calls("chat.postMessage"))[0]
    assert prompt.args["channel"] == "DU1"

    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DU1",
        "user": "U1",
        "text": "Cold calling worked better once I gave thinking time first.",
        "ts": "3.0001",
    }
    await http_slack.post(event_body(event))
    await http_slack.fake.wait_for_calls("chat.postMessage", count=2)
    with Session(app.engine) as session:
        entries = session.exec(select(JournalEntry)).all()
    assert [(e.body, e.prompt_id is not None) for e in entries] == [(event["text"], True)]
