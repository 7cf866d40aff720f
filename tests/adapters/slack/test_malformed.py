"""Interactive payloads Bolt cannot read get 400 from our endpoint, never a 500 from inside Bolt."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.adapters.slack.conftest import Harness
from tests.fakes.fake_slack import block_actions_payload, view_submission_payload


def form(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def press(**changes: Any) -> dict[str, Any]:
    return {**block_actions_payload(action_id="sr_0", value="help", channel_id="C1"), **changes}


@pytest.mark.parametrize(
    "payload",
    [
        press(actions=[]),
        press(actions=["sr_0"]),
        press(actions={"action_id": "sr_0"}),
        press(actions=None),
    ],
    ids=["empty", "not-a-dict", "not-a-list", "null"],
)
async def test_unreadable_block_actions_get_400(
    http_slack: Harness, payload: dict[str, Any]
) -> None:
    status, _ = await http_slack.post(form(payload))
    assert status == 400


async def test_an_action_without_a_type_is_still_a_button_press(http_slack: Harness) -> None:
    # Slack always sends "type" on an action, but Bolt does not need it: such a press runs.
    payload = press(actions=[{"action_id": "sr_0", "value": "help"}])
    payload["response_url"] = http_slack.fake.response_url("typeless")
    status, _ = await http_slack.post(form(payload))
    assert status == 200
    assert [r.name for r in await http_slack.fake.wait_for_responses(1)] == ["typeless"]


def submission(**view_changes: Any) -> dict[str, Any]:
    payload = view_submission_payload(callback_id="staffroom_form")
    return {**payload, "view": {**payload["view"], **view_changes}}


@pytest.mark.parametrize(
    "payload",
    [
        {**submission(), "view": "callback_id"},
        {**submission(), "view": None},
        {**submission(), "view": ["callback_id"]},
        {k: v for k, v in submission().items() if k != "view"},
        {**submission(), "type": "view_closed", "view": "callback_id"},
    ],
    ids=["string", "null", "list", "missing", "closed-string"],
)
async def test_unreadable_view_payloads_get_400(
    http_slack: Harness, payload: dict[str, Any]
) -> None:
    status, _ = await http_slack.post(form(payload))
    assert status == 400


@pytest.mark.parametrize("state", [{"values": ["role"]}, {"values": "role"}, "state", []])
async def test_view_state_that_is_not_a_dict_counts_as_no_values(
    http_slack: Harness, state: Any
) -> None:
    metadata = json.dumps({"command": "profile set", "channel": "C1"})
    payload = submission(state=state, private_metadata=metadata)
    status, _ = await http_slack.post(form(payload))
    assert status == 200
    member = http_slack.member_of("U1")
    assert member is None or member.role is None
