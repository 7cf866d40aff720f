"""Socket Mode end to end: envelopes pushed on the fake's websocket, acks and answers collected."""

from __future__ import annotations

import json

from tests.adapters.slack.conftest import Harness
from tests.fakes.fake_slack import (
    block_actions_payload,
    event_payload,
    slash_command_payload,
    view_submission_payload,
)


async def test_the_core_scenario_over_socket_mode(socket_slack: Harness) -> None:
    fake = socket_slack.fake
    assert fake.calls_to("apps.connections.open")[0].token == "xapp-test"

    help_id = await fake.socket_send(
        "slash_commands",
        slash_command_payload(text="help", user_id="U1", response_url=fake.response_url("help")),
    )
    assert (await fake.socket_ack(help_id))["envelope_id"] == help_id
    answer = (await fake.wait_for_responses(1))[0].body
    assert "professional learning" in answer["blocks"][0]["text"]["text"]

    bio = "<!channel> hi <@U123>"
    set_id = await fake.socket_send(
        "slash_commands",
        slash_command_payload(
            text=f'profile set role=teacher bio="{bio}"',
            user_id="U1",
            response_url=fake.response_url("set"),
        ),
    )
    await fake.socket_ack(set_id)
    set_answer = (await fake.wait_for_responses(2))[1].body
    assert "<!channel>" not in json.dumps(set_answer) and "&lt;!channel&gt;" in json.dumps(
        set_answer
    )
    member = socket_slack.member_of("U1")
    assert member is not None and (member.role, member.bio) == ("teacher", bio)

    delete_id = await fake.socket_send(
        "slash_commands",
        slash_command_payload(
            text="privacy delete", user_id="U1", response_url=fake.response_url("ask")
        ),
    )
    await fake.socket_ack(delete_id)
    ask = (await fake.wait_for_responses(3))[2].body
    button = next(b for b in ask["blocks"] if b["type"] == "actions")["elements"][0]
    # U2 presses it: the command runs as U2, who has no data yet, and U1 keeps everything.
    press_id = await fake.socket_send(
        "interactive",
        block_actions_payload(
            user_id="U2",
            action_id=button["action_id"],
            value=button["value"],
            response_url=fake.response_url("press"),
            channel_id="C1",
        ),
    )
    await fake.socket_ack(press_id)
    pressed = (await fake.wait_for_responses(4))[3]
    assert pressed.name == "press" and "deleted" in json.dumps(pressed.body)
    assert socket_slack.member_of("U1") is not None and socket_slack.member_of("U2") is None


async def test_modal_over_socket_mode_with_inline_errors(socket_slack: Harness) -> None:
    fake = socket_slack.fake
    opened_id = await fake.socket_send(
        "slash_commands", slash_command_payload(text="profile set", user_id="U3")
    )
    await fake.socket_ack(opened_id)
    view = (await fake.wait_for_calls("views.open"))[0].args["view"]

    def submission(timezone: str) -> dict[str, object]:
        values = {"timezone": {"value": {"type": "plain_text_input", "value": timezone}}}
        return view_submission_payload(
            user_id="U3",
            callback_id=view["callback_id"],
            values=values,
            private_metadata=view["private_metadata"],
        )

    wrong_id = await fake.socket_send("interactive", submission("Mars/Olympus"))
    wrong = await fake.socket_ack(wrong_id)
    assert wrong["payload"]["response_action"] == "errors"
    assert list(wrong["payload"]["errors"]) == ["timezone"]

    right_id = await fake.socket_send("interactive", submission("Europe/Paris"))
    right = await fake.socket_ack(right_id)
    assert "payload" not in right or not right["payload"]
    member = socket_slack.member_of("U3")
    assert member is not None and member.timezone == "Europe/Paris"


async def test_retried_event_over_socket_mode_is_handled_once(socket_slack: Harness) -> None:
    fake = socket_slack.fake
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DU4",
        "user": "U4",
        "text": "help",
        "ts": "2.0001",
    }
    payload = event_payload(event, event_id="EvSock")
    marker = {**event, "text": "profile show", "ts": "2.0002", "thread_ts": "marker"}
    async with socket_slack.one_at_a_time():
        first = await fake.socket_send("events_api", payload)
        again = await fake.socket_send(
            "events_api", payload, retry_attempt=1, retry_reason="timeout"
        )
        await fake.socket_ack(first)
        await fake.socket_ack(again)
        later = event_payload(marker, event_id="EvSock2")
        await fake.socket_ack(await fake.socket_send("events_api", later))
        posts = await socket_slack.posts_until("marker")
    assert len(posts) == 2


async def test_reconnects_when_slack_asks(socket_slack: Harness) -> None:
    fake = socket_slack.fake
    await fake.socket_disconnect()
    await fake.wait_for_socket(connections=2)
    envelope = await fake.socket_send(
        "slash_commands",
        slash_command_payload(text="help", response_url=fake.response_url("again")),
    )
    await fake.socket_ack(envelope)
    assert (await fake.wait_for_responses(1))[0].name == "again"
