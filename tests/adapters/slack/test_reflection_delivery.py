"""A scheduled reflection prompt reaches a Slack member by DM, and their DM answer is kept."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from core.clock import FixedClock
from core.delivery import deliver_due, plan_due
from core.delivery.models import OutboxMessage
from core.reflection.models import JournalEntry
from tests.adapters.slack.conftest import Harness
from tests.adapters.slack.test_http_mode import slash
from tests.fakes.fake_slack import event_body


async def deliver_a_prompt(h: Harness, clock: FixedClock) -> str:
    """Schedule U1's daily reflection, deliver the first prompt by DM; returns its message ts."""
    app = h.app
    answer = await slash(h, "reflect schedule daily 09:00")
    assert ":warning:" not in str(answer["blocks"]), answer
    clock.advance(timedelta(hours=23, minutes=30))
    with app.session() as session:
        plan_due(session, clock.now(), app.settings.delivery, app.producers)
    await deliver_due(
        app.engine,
        {"slack": h.platform.messenger},
        clock.now(),
        app.settings.delivery,
        "t",
    )
    prompt = (await h.fake.wait_for_calls("chat.postMessage"))[0]
    assert prompt.args["channel"] == "DU1"
    with Session(app.engine) as session:
        sent = session.exec(select(OutboxMessage)).one()
    assert sent.platform_message_id
    return sent.platform_message_id


async def test_scheduled_prompt_by_dm_and_answer_in_the_journal(
    http_slack: Harness, clock: FixedClock
) -> None:
    app = http_slack.app
    await deliver_a_prompt(http_slack, clock)

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


async def test_an_answer_in_the_prompts_thread_answers_that_prompt(
    http_slack: Harness, clock: FixedClock
) -> None:
    prompt_ts = await deliver_a_prompt(http_slack, clock)
    # Weeks later a loose message would not count as an answer; a reply in the thread does.
    clock.advance(timedelta(days=21))
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DU1",
        "user": "U1",
        "text": "Late, but: the seating plan helped.",
        "ts": "9.0001",
        "thread_ts": prompt_ts,
    }
    await http_slack.post(event_body(event))
    answer = await http_slack.posts_until(prompt_ts)
    assert answer[-1].args["channel"] == "DU1"
    with Session(http_slack.app.engine) as session:
        entries = session.exec(select(JournalEntry)).all()
    assert [(e.body, e.prompt_id is not None) for e in entries] == [(event["text"], True)]
