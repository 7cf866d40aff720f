"""Peer observation on Slack: the request reaches the colleague by DM with Accept and Decline
buttons, a press runs as whoever pressed it, the notes are a modal, and they reach the observed
teacher alone, by DM, through the deliverer."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from core.observation.models import Observation, ObservationStatus
from tests.adapters.slack.conftest import Harness
from tests.adapters.slack.test_http_mode import all_text, slash
from tests.delivery.helpers import worker_pass
from tests.fakes.fake_slack import (
    SlackCall,
    block_actions_body,
    slash_command_body,
    view_submission_body,
)

ANA, BOB, CAROL = "U1", "U2", "U3"


async def deliver(h: Harness) -> None:
    await worker_pass(h.app, {"slack": h.platform.messenger})


def observation(h: Harness) -> Observation:
    with Session(h.app.engine) as session:
        return session.exec(select(Observation)).one()


def buttons(post: SlackCall) -> dict[str, dict[str, Any]]:
    """The buttons of a posted message, by their text."""
    return {
        element["text"]["text"]: element
        for block in post.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


async def press(h: Harness, user: str, button: dict[str, Any], name: str) -> str:
    """``user`` presses ``button`` in their DM; returns the answer that comes back to them."""
    body = block_actions_body(
        user_id=user,
        action_id=button["action_id"],
        value=button["value"],
        response_url=h.fake.response_url(name),
        channel_id=f"D{user}",
    )
    assert (await h.post(body))[0] == 200
    answer = await h.responses_until(name)
    assert answer[-1] == name
    found = next(r for r in reversed(h.fake.responses) if r.name == name)
    return all_text(found.body.get("blocks") or []) + str(found.body.get("text"))


async def dms_to(h: Harness, channel: str, containing: str) -> list[SlackCall]:
    await h.fake.wait_for_calls("chat.postMessage")
    return [
        p
        for p in h.fake.calls_to("chat.postMessage")
        if p.args["channel"] == channel and containing in json.dumps(p.args)
    ]


async def test_request_accept_by_button_and_notes_by_modal(http_slack: Harness) -> None:
    h = http_slack
    for user in (ANA, BOB, CAROL):
        await slash(h, "profile set role=teacher", user=user, name=f"setup-{user}")
    asked = await slash(h, f'observe request <@{BOB}> focus="questioning <!here>"', user=ANA)
    assert "Asked" in all_text(asked["blocks"])
    assert "<!here>" not in json.dumps(asked)  # member text pings nobody

    await deliver(h)
    [request] = await dms_to(h, f"D{BOB}", "observe")
    offered = buttons(request)
    assert set(offered) == {"Accept", "Decline"}

    # Carol presses Bob's Accept: it runs as Carol, who is not part of it.
    refused = await press(h, CAROL, offered["Accept"], "carol-press")
    assert "no observation" in refused
    assert observation(h).status == ObservationStatus.PROPOSED
    accepted = await press(h, BOB, offered["Accept"], "bob-press")
    assert "Accepted" in accepted
    assert observation(h).status == ObservationStatus.ACCEPTED

    # Bob types the command with nothing after it: a modal opens for the notes.
    body = slash_command_body(text="observe notes", user_id=BOB, trigger_id="trig-notes")
    assert (await h.post(body))[0] == 200
    opened = (await h.fake.wait_for_calls("views.open"))[0].args
    assert opened["trigger_id"] == "trig-notes"
    view = opened["view"]
    assert [b["block_id"] for b in view["blocks"]] == [
        "id",
        "went_well",
        "evidence",
        "question",
        "next_step",
    ]
    values = {
        "id": {"value": {"type": "plain_text_input", "value": "1"}},
        "went_well": {"value": {"type": "plain_text_input", "value": "Calm, purposeful start"}},
        "next_step": {"value": {"type": "plain_text_input", "value": "Cold call by name"}},
    }
    submit = view_submission_body(
        user_id=BOB,
        callback_id=view["callback_id"],
        values=values,
        private_metadata=view["private_metadata"],
    )
    assert await h.post(submit) == (200, "")
    found = observation(h)
    assert found.status == ObservationStatus.DONE
    assert (found.went_well, found.next_step) == ("Calm, purposeful start", "Cold call by name")
    confirmation = (await h.fake.wait_for_calls("chat.postEphemeral"))[-1].args
    assert confirmation["user"] == BOB and "Notes sent" in all_text(confirmation["blocks"])

    await deliver(h)
    notes = await dms_to(h, f"D{ANA}", "Calm, purposeful start")
    assert len(notes) == 1 and "Cold call by name" in json.dumps(notes[0].args)
    # Nobody else got them: only Ana's DM and Bob's own confirmation carry the notes.
    carrying = [
        (p.method, p.args["channel"], p.args.get("user"))
        for p in h.fake.calls
        if p.method.startswith("chat.") and "Calm, purposeful start" in json.dumps(p.args)
    ]
    assert sorted(carrying, key=str) == sorted(
        [("chat.postEphemeral", "C1", BOB), ("chat.postMessage", f"D{ANA}", None)], key=str
    )
