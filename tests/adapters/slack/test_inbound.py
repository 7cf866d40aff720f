"""The listeners over HTTP mode: who is asking, forms, the Home tab, DMs and the ways an answer
reaches a person when the first way fails."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

from sqlmodel import Session, select

from adapters.slack.inbound import CONCURRENT_WORK
from core.clock import FixedClock
from core.identity.models import Account, Member
from tests.adapters.slack.conftest import Harness
from tests.adapters.slack.test_http_mode import all_text, slash
from tests.fakes.fake_slack import (
    block_actions_body,
    block_actions_payload,
    event_body,
    slash_command_body,
    view_submission_payload,
)


def dm(user: str, text: str, ts: str, **fields: str) -> dict[str, str]:
    """A direct message event from ``user`` to the bot."""
    return {
        "type": "message",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": text,
        "ts": ts,
        **fields,
    }


def home_button(user: str, value: str, press: int = 0) -> str:
    """A button pressed in the Home tab (its container is the view, not a message)."""
    return block_actions_body(
        user_id=user,
        action_id="sr_0",
        value=value,
        trigger_id=f"home.{press}",
        view={"id": "VHOME"},
    )


# who is asking ------------------------------------------------------------------------------


async def test_a_slack_connect_member_is_one_member_whatever_they_use(http_slack: Harness) -> None:
    # U7's home workspace is T2; they talk to the bot from a channel shared with T1, so the
    # workspace of each request (team.id, the event's team_id) is T1, not theirs.
    typed = slash_command_body(
        text="profile set role=teacher",
        user_id="U7",
        team_id="T2",
        response_url=http_slack.fake.response_url("typed"),
    )
    assert (await http_slack.post(typed))[0] == 200
    answer = (await http_slack.fake.wait_for_responses(1))[0].body
    assert ":warning:" not in all_text(answer["blocks"])
    http_slack.fake.responses.clear()

    pressed = block_actions_payload(
        user_id="U7",
        team_id="T1",
        action_id="sr_0",
        value="profile show",
        response_url=http_slack.fake.response_url("press"),
        channel_id="C1",
    )
    pressed["user"]["team_id"] = "T2"
    assert (await http_slack.post(urlencode({"payload": json.dumps(pressed)})))[0] == 200
    shown = (await http_slack.fake.wait_for_responses(1))[0].body
    assert "teacher" in all_text(shown["blocks"])

    submitted = view_submission_payload(
        user_id="U7",
        team_id="T1",
        callback_id="staffroom_form",
        values={"bio": {"value": {"type": "plain_text_input", "value": "Chemistry"}}},
        private_metadata=json.dumps({"command": "profile set", "channel": "C1"}),
    )
    submitted["user"]["team_id"] = "T2"
    assert (await http_slack.post(urlencode({"payload": json.dumps(submitted)})))[0] == 200
    await http_slack.fake.wait_for_calls("chat.postEphemeral")

    message = dm("U7", "profile show", "7.0001", thread_ts="7.0000", user_team="T2")
    assert (await http_slack.post(event_body(message, team_id="T1")))[0] == 200
    posts = await http_slack.posts_until("7.0000")
    assert "Chemistry" in all_text(posts[0].args["blocks"])

    with Session(http_slack.app.engine) as session:
        accounts = session.exec(select(Account)).all()
    assert [(a.tenant, a.user_id) for a in accounts] == [("T2", "U7")]
    assert http_slack.count(Member) == 1


# slash commands and forms -------------------------------------------------------------------


async def test_a_form_opens_even_while_every_worker_is_busy(http_slack: Harness) -> None:
    # The trigger_id expires 3 s after the command: the modal must not wait for a free worker.
    work = http_slack.platform.inbound.work
    for _ in range(CONCURRENT_WORK):
        await work.acquire()
    try:
        body = slash_command_body(text="profile set", user_id="U1", trigger_id="trig-busy")
        assert (await http_slack.post(body))[0] == 200
        opened = await http_slack.fake.wait_for_calls("views.open")
        assert opened[0].args["trigger_id"] == "trig-busy"
    finally:
        for _ in range(CONCURRENT_WORK):
            work.release()


async def test_a_form_that_cannot_open_answers_with_the_usage(http_slack: Harness) -> None:
    http_slack.fake.fail_next("views.open", error="expired_trigger_id")
    answer = await slash(http_slack, "profile set", user="U1")
    assert "Usage: profile set" in all_text(answer["blocks"])
    assert answer["response_type"] == "ephemeral"


# answering --------------------------------------------------------------------------------


async def test_when_respond_fails_a_private_answer_is_an_ephemeral_message(
    http_slack: Harness,
) -> None:
    http_slack.fake.fail_next("response_url", status=500)
    body = slash_command_body(
        text="help", user_id="U1", response_url=http_slack.fake.response_url()
    )
    assert (await http_slack.post(body))[0] == 200
    ephemeral = (await http_slack.fake.wait_for_calls("chat.postEphemeral"))[0].args
    assert (ephemeral["channel"], ephemeral["user"]) == ("C1", "U1")
    assert "professional learning" in all_text(ephemeral["blocks"])


async def test_when_the_bot_is_not_in_the_channel_the_answer_goes_by_dm(
    http_slack: Harness,
) -> None:
    http_slack.fake.fail_next("response_url", status=500)
    http_slack.fake.fail_next("chat.postEphemeral", error="not_in_channel")
    body = slash_command_body(
        text="help", user_id="U1", response_url=http_slack.fake.response_url()
    )
    assert (await http_slack.post(body))[0] == 200
    posted = (await http_slack.fake.wait_for_calls("chat.postMessage"))[0].args
    assert posted["channel"] == "DU1"
    assert "professional learning" in all_text(posted["blocks"])
    assert len(http_slack.fake.calls_to("conversations.open")) == 1


# direct messages --------------------------------------------------------------------------


async def test_dms_with_a_file_or_sent_to_the_channel_too_are_heard(http_slack: Harness) -> None:
    events = [
        dm("U1", "profile set role=teacher", "1.1", subtype="file_share"),
        dm("U1", "profile set role=mentor", "1.2", subtype="message_changed"),
        dm("U1", "help", "1.3", subtype="thread_broadcast", thread_ts="1.0"),
        dm("U1", "profile show", "1.4", thread_ts="marker"),
    ]
    async with http_slack.one_at_a_time():
        for event in events:
            assert (await http_slack.post(event_body(event)))[0] == 200
        posts = await http_slack.posts_until("marker")
    assert [p.args.get("thread_ts") for p in posts] == [None, "1.0", "marker"]
    assert "teacher" in all_text(posts[-1].args["blocks"])


async def test_work_queued_behind_busy_workers_is_acked_at_once_and_done_later(
    http_slack: Harness,
) -> None:
    work = http_slack.platform.inbound.work
    for _ in range(CONCURRENT_WORK):
        await work.acquire()
    try:
        dm_sent = await http_slack.post(event_body(dm("U1", "help", "2.1", thread_ts="2.0")))
        pressed = await http_slack.post(home_button("U1", "profile show"))
        opened = {"type": "app_home_opened", "user": "U2", "channel": "DU2", "tab": "home"}
        home = await http_slack.post(event_body(opened))
        assert [r[0] for r in (dm_sent, pressed, home)] == [200, 200, 200]
        assert http_slack.fake.calls_to("views.publish") == []
    finally:
        for _ in range(CONCURRENT_WORK):
            work.release()
    publishes = await http_slack.fake.wait_for_calls("views.publish", count=2)
    assert {p.args["user_id"] for p in publishes} == {"U1", "U2"}
    await http_slack.posts_until("2.0")


# the Home tab ------------------------------------------------------------------------------


async def test_a_button_in_the_home_tab_answers_by_dm_and_refreshes_it(
    http_slack: Harness,
) -> None:
    await slash(http_slack, "profile set role=teacher", user="U1")
    assert (await http_slack.post(home_button("U1", "profile set role=mentor")))[0] == 200
    published = (await http_slack.fake.wait_for_calls("views.publish"))[0].args
    assert published["user_id"] == "U1" and "mentor" in all_text(published["view"]["blocks"])
    answer = http_slack.fake.calls_to("chat.postMessage")[0].args
    assert answer["channel"] == "DU1"
    member = http_slack.member_of("U1")
    assert member is not None and member.role == "mentor"


async def test_home_refreshes_do_not_use_up_the_members_rate_limit(http_slack: Harness) -> None:
    await slash(http_slack, "profile set role=teacher", user="U1")
    presses = 8
    for n in range(presses):
        assert (await http_slack.post(home_button("U1", "profile show", n)))[0] == 200
        await http_slack.fake.wait_for_calls("views.publish", count=n + 1)
    last = http_slack.fake.calls_to("views.publish")[-1].args["view"]
    assert "teacher" in all_text(last["blocks"])
    assert "a lot of commands" not in all_text(last["blocks"])
    answers = http_slack.fake.calls_to("chat.postMessage")
    assert len(answers) == presses
    assert all("a lot of commands" not in all_text(a.args["blocks"]) for a in answers)


async def test_home_tab_memory_forgets_old_visits(http_slack: Harness, clock: FixedClock) -> None:
    def opened(user: str) -> str:
        return event_body({"type": "app_home_opened", "user": user, "tab": "home"})

    await http_slack.post(opened("U1"))
    await http_slack.post(opened("U2"))
    await http_slack.fake.wait_for_calls("views.publish", count=2)
    clock.advance(timedelta(minutes=1))
    await http_slack.post(opened("U3"))
    await http_slack.fake.wait_for_calls("views.publish", count=3)
    await http_slack.post(opened("U3"))  # moments later: the dashboard already shown stays
    await http_slack.post(opened("U1"))  # a minute later: shown afresh
    publishes = await http_slack.fake.wait_for_calls("views.publish", count=4)
    assert [p.args["user_id"] for p in publishes][2:] == ["U3", "U1"]
    assert len(http_slack.platform.inbound.home_visits) == 2
