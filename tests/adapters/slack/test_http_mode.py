"""HTTP mode end to end: signed requests to the real Bolt app, answers seen by the fake Slack."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from core.identity.models import Account, Member
from tests.adapters.slack.conftest import SECRET, Harness
from tests.fakes.fake_slack import (
    block_actions_body,
    event_body,
    sign,
    slash_command_body,
    view_submission_body,
)


def all_text(blocks: list[dict[str, Any]]) -> str:
    """Every text in a list of blocks, joined, as Slack would receive it."""
    return json.dumps(blocks, ensure_ascii=False)


async def slash(h: Harness, text: str, user: str = "U1", name: str = "r") -> dict[str, Any]:
    """Send a signed slash command; return the response_url answer."""
    seen = len(h.fake.responses)
    body = slash_command_body(
        text=text, user_id=user, response_url=h.fake.response_url(name), trigger_id=f"t.{user}"
    )
    status, ack = await h.post(body)
    assert (status, ack) == (200, "")
    responses = await h.fake.wait_for_responses(seen + 1)
    return responses[seen].body


def marker_command(h: Harness) -> str:
    """A slash command whose answer comes to the response_url named "marker"."""
    return slash_command_body(text="help", user_id="U2", response_url=h.fake.response_url("marker"))


async def test_help_is_acked_then_answered_privately(http_slack: Harness) -> None:
    answer = await slash(http_slack, "help")
    assert answer["response_type"] == "ephemeral"
    assert answer["blocks"][0]["type"] == "header"
    assert "professional learning" in answer["blocks"][0]["text"]["text"]
    assert "profile" in all_text(answer["blocks"])


async def test_profile_set_stores_the_value_and_user_text_pings_nobody(
    http_slack: Harness,
) -> None:
    bio = "@everyone <!channel> <@U123> <#C1> <b>bold</b> & more"
    answer = await slash(http_slack, f'profile set role=teacher bio="{bio}"')
    member = http_slack.member_of("U1")
    assert member is not None and (member.role, member.bio) == ("teacher", bio)
    shown = all_text(answer["blocks"]) + answer["text"]
    assert "&lt;!channel&gt;" in shown and "&lt;@U123&gt;" in shown and "&amp; more" in shown
    for dangerous in ("<!channel>", "<@U123>", "<#C1>", "<b>", "<!everyone>"):
        assert dangerous not in shown
    assert all(
        obj.get("verbatim") is True
        for block in answer["blocks"]
        for obj in [block.get("text") or {}, *block.get("fields", []), *block.get("elements", [])]
        if obj.get("type") == "mrkdwn"
    )


async def test_text_containing_the_word_payload_still_runs(http_slack: Harness) -> None:
    answer = await slash(http_slack, 'profile set bio="the payload of the week"')
    assert answer["response_type"] == "ephemeral"
    member = http_slack.member_of("U1")
    assert member is not None and member.bio == "the payload of the week"


async def test_link_joins_two_slack_accounts(http_slack: Harness) -> None:
    code_answer = await slash(http_slack, "link", user="U1")
    code = re.search(r"link ([A-Z2-9]{8})", all_text(code_answer["blocks"]))
    assert code is not None
    asked = await slash(http_slack, f"link {code.group(1)}", user="U2")
    assert "Link this account?" in all_text(asked["blocks"])
    assert http_slack.count(Member) == 2
    done = await slash(http_slack, "link confirm", user="U2")
    assert "Linked" in all_text(done["blocks"])
    one, two = http_slack.member_of("U1"), http_slack.member_of("U2")
    assert one is not None and two is not None and one.id == two.id
    assert http_slack.count(Member) == 1


async def test_bad_signatures_get_401_and_change_nothing(http_slack: Harness) -> None:
    body = slash_command_body(text="profile set role=teacher", user_id="U9")
    good = sign(SECRET, body)
    forged = await http_slack.post(body, sign("not-our-secret", body))
    tampered = await http_slack.post(body.replace("teacher", "mentor"), good)
    stale = await http_slack.post(body, sign(SECRET, body, int(time.time()) - 600))
    unsigned = await http_slack.post(body, {"Content-Type": "application/x-www-form-urlencoded"})
    junk = await http_slack.post(body, {**good, "X-Slack-Request-Timestamp": "soon"})
    assert [r[0] for r in (forged, tampered, stale, unsigned, junk)] == [401] * 5
    assert http_slack.count(Account) == 0 and http_slack.count(Member) == 0
    assert http_slack.fake.responses == []


async def test_a_button_runs_as_the_person_who_pressed_it(http_slack: Harness) -> None:
    await slash(http_slack, "profile set role=teacher", user="U1")
    await slash(http_slack, "profile set role=mentor", user="U2")
    ask = await slash(http_slack, "privacy delete", user="U1")
    buttons = [e for b in ask["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["value"] for b in buttons] == ["privacy delete confirm"]
    # U2 presses the button U1 was shown: it deletes U2 (the presser), never U1.
    press = block_actions_body(
        user_id="U2",
        action_id=buttons[0]["action_id"],
        value=buttons[0]["value"],
        response_url=http_slack.fake.response_url("press"),
        channel_id="C1",
    )
    status, _ = await http_slack.post(press)
    assert status == 200
    responses = await http_slack.fake.wait_for_responses(4)
    assert "deleted" in all_text(responses[3].body["blocks"])
    assert http_slack.member_of("U2") is None
    kept = http_slack.member_of("U1")
    assert kept is not None and kept.role == "teacher"


async def test_bare_form_command_opens_a_modal_and_submission_runs_as_submitter(
    http_slack: Harness,
) -> None:
    body = slash_command_body(text="profile set", user_id="U1", trigger_id="trig-1")
    assert (await http_slack.post(body))[0] == 200
    opened = (await http_slack.fake.wait_for_calls("views.open"))[0].args
    assert opened["trigger_id"] == "trig-1"
    view = opened["view"]
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["bio"]["element"]["multiline"] is True
    assert blocks["role"]["element"]["type"] == "static_select"
    assert {"teacher", "mentor"} <= {o["value"] for o in blocks["role"]["element"]["options"]}

    values = {
        "role": {"value": {"type": "static_select", "selected_option": {"value": "mentor"}}},
        "bio": {"value": {"type": "plain_text_input", "value": "Physics <!here>"}},
        "experience": {"value": {"type": "plain_text_input", "value": "12"}},
    }
    submit = view_submission_body(
        user_id="U5",
        callback_id=view["callback_id"],
        values=values,
        private_metadata=view["private_metadata"],
    )
    status, text = await http_slack.post(submit)
    assert (status, text) == (200, "")
    member = http_slack.member_of("U5")
    assert member is not None
    assert (member.role, member.bio, member.years_experience) == ("mentor", "Physics <!here>", 12)
    confirmation = (await http_slack.fake.wait_for_calls("chat.postEphemeral"))[0].args
    assert confirmation["user"] == "U5" and confirmation["channel"] == "C1"
    assert "&lt;!here&gt;" in all_text(confirmation["blocks"])


async def test_modal_errors_show_inline_and_change_nothing(http_slack: Harness) -> None:
    body = slash_command_body(text="profile set", user_id="U1")
    await http_slack.post(body)
    view = (await http_slack.fake.wait_for_calls("views.open"))[0].args["view"]
    values = {
        "role": {"value": {"type": "static_select", "selected_option": {"value": "teacher"}}},
        "experience": {"value": {"type": "plain_text_input", "value": "lots"}},
    }
    submit = view_submission_body(
        user_id="U1",
        callback_id=view["callback_id"],
        values=values,
        private_metadata=view["private_metadata"],
    )
    status, text = await http_slack.post(submit)
    assert status == 200
    answer = json.loads(text)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["experience"]
    assert "whole number" in answer["errors"]["experience"]
    member = http_slack.member_of("U1")
    assert member is None or member.role is None


async def test_a_retried_event_is_handled_once(http_slack: Harness) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DU1",
        "user": "U1",
        "text": "profile set role=teacher",
        "ts": "1.0001",
    }
    body = event_body(event, event_id="EvOnce")
    marker = {**event, "text": "profile show", "ts": "1.0002", "thread_ts": "marker"}
    async with http_slack.one_at_a_time():
        first = await http_slack.post(body)
        retry = await http_slack.post(body, sign(SECRET, body, retry_num=1, retry_reason="timeout"))
        third = await http_slack.post(event_body(marker, event_id="EvOther"))
        assert [r[0] for r in (first, retry, third)] == [200, 200, 200]
        posts = await http_slack.posts_until("marker")
    assert len(posts) == 2
    assert {p.args["channel"] for p in posts} == {"DU1"}


async def test_dm_text_that_is_not_a_command_is_a_message(http_slack: Harness) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DU1",
        "user": "U1",
        "text": "Today the exit tickets worked well",
        "ts": "1.0003",
    }
    await http_slack.post(event_body(event))
    bot_echo = {**event, "user": "UBOT", "bot_id": "BBOT", "ts": "1.0004"}
    await http_slack.post(event_body(bot_echo))
    posts = await http_slack.fake.wait_for_calls("chat.postMessage")
    assert len(posts) == 1 and posts[0].args["channel"] == "DU1"


async def test_export_is_uploaded_to_the_members_dm(http_slack: Harness) -> None:
    await slash(http_slack, "privacy export")
    await http_slack.fake.wait_for_calls("files.completeUploadExternal")
    uploaded = http_slack.fake.files[0]
    assert uploaded.channel == "DU1"
    assert json.loads(uploaded.content)["profile"]["accounts"][0]["user_id"] == "U1"


async def test_home_tab_shows_the_members_dashboard(http_slack: Harness) -> None:
    await slash(http_slack, 'profile set role=teacher subjects=maths school="Hill <School>"')
    opened = {"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"}
    await http_slack.post(event_body(opened))
    published = (await http_slack.fake.wait_for_calls("views.publish"))[0].args
    assert published["user_id"] == "U1"
    shown = all_text(published["view"]["blocks"])
    assert published["view"]["type"] == "home"
    assert "teacher" in shown and "maths" in shown and "Hill &lt;School&gt;" in shown


async def test_a_replayed_signed_button_press_runs_once(http_slack: Harness) -> None:
    await slash(http_slack, "profile set role=teacher", user="U1")
    press = block_actions_body(
        user_id="U1",
        action_id="sr_0",
        value="privacy delete confirm",
        response_url=http_slack.fake.response_url("press"),
        channel_id="C1",
    )
    signed = sign(SECRET, press)
    async with http_slack.one_at_a_time():
        first = await http_slack.post(press, signed)
        replayed = await http_slack.post(press, signed)
        assert first[0] == 200 and replayed[0] == 409
        # Answered one at a time: what the replay would have started answers before the marker.
        await http_slack.post(marker_command(http_slack))
        answered = await http_slack.responses_until("marker")
    assert answered == ["r", "press", "marker"]
    assert http_slack.member_of("U1") is None


async def test_a_replayed_slash_command_is_refused(http_slack: Harness) -> None:
    body = slash_command_body(
        text="help", user_id="U1", response_url=http_slack.fake.response_url("help")
    )
    signed = sign(SECRET, body)
    async with http_slack.one_at_a_time():
        assert (await http_slack.post(body, signed))[0] == 200
        assert (await http_slack.post(body, signed))[0] == 409
        await http_slack.post(marker_command(http_slack))
        answered = await http_slack.responses_until("marker")
    assert answered == ["help", "marker"]


async def test_a_signature_that_is_not_ascii_is_a_401_not_a_crash(http_slack: Harness) -> None:
    body = slash_command_body(text="help", user_id="U1")
    headers = sign(SECRET, body)
    headers["X-Slack-Signature"] = "v0=é" + headers["X-Slack-Signature"][4:]
    status, _text = await http_slack.post(body, headers)
    assert status == 401


async def test_a_new_member_starts_on_their_slack_timezone_and_language(
    http_slack: Harness,
) -> None:
    http_slack.fake.add_user("U7", tz="America/Chicago", locale="es-ES")
    http_slack.fake.add_user("U8", tz="Not/AZone")
    await slash(http_slack, "profile show", user="U7")
    await slash(http_slack, "profile show", user="U8")
    chicago, unknown = http_slack.member_of("U7"), http_slack.member_of("U8")
    assert chicago is not None and chicago.timezone == "America/Chicago"
    assert chicago.language == "es"
    assert unknown is not None and unknown.timezone == "UTC"  # a zone Python does not know
    # Met once: later commands do not ask Slack again.
    asked = len(http_slack.fake.calls_to("users.info"))
    await slash(http_slack, "help", user="U7")
    assert len(http_slack.fake.calls_to("users.info")) == asked
