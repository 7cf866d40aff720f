"""Proof that the real slack-bolt and slack-sdk work, unmodified, against `FakeSlack`.

Every test points only the SDK's base URL at the fake; nothing is mocked. slack_sdk reads
`HTTP(S)_PROXY` and ignores `NO_PROXY`, so an autouse fixture clears the proxy variables, or calls
to 127.0.0.1 would be sent to the proxy.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.fake_slack import (
    FakeSlack,
    block_actions_body,
    event_body,
    event_payload,
    sign,
    slash_command_body,
    slash_command_payload,
    url_verification_body,
    view_submission_body,
)

SIGNING_SECRET = "test-signing-secret"
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clear proxy variables: slack_sdk would otherwise proxy even 127.0.0.1."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    """A running fake Slack."""
    async with FakeSlack() as fake:
        yield fake


def bolt_app(slack: FakeSlack, **kwargs: Any) -> AsyncApp:
    """A bare Bolt app whose Web API client talks to the fake."""
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_base_url, **kwargs)
    return AsyncApp(client=client, signing_secret=SIGNING_SECRET)


@asynccontextmanager
async def serve_http(app: AsyncApp) -> AsyncIterator[Callable[..., Awaitable[tuple[int, str]]]]:
    """Serve a Bolt app over HTTP on 127.0.0.1 and yield a function that POSTs signed bodies."""
    runner = web.AppRunner(app.server(path="/slack/events").web_app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"

    async with aiohttp.ClientSession() as session:

        async def post(body: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
            async with session.post(url, data=body, headers=headers) as response:
                return response.status, await response.text()

        try:
            yield post
        finally:
            await runner.cleanup()


async def test_signed_slash_command_is_acked_and_listener_posts(slack: FakeSlack) -> None:
    app = bolt_app(slack)

    @app.command("/staffroom")
    async def staffroom(ack: Any, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack("On it")
        await client.chat_postMessage(channel=command["channel_id"], text=f"hi {command['text']}")

    async with serve_http(app) as post:
        body = slash_command_body(text="help", channel_id="C42")
        status, text = await post(body, sign(SIGNING_SECRET, body))
        calls = await slack.wait_for_calls("chat.postMessage")

    assert (status, text) == (200, "On it")
    # Bolt adds the team_id of the request to every call made by the listener client.
    assert calls[0].args == {"channel": "C42", "text": "hi help", "team_id": "T1"}
    assert calls[0].token == "xoxb-test"
    assert len(slack.calls_to("auth.test")) == 1


async def test_bolt_http_drops_slash_text_containing_the_word_payload(slack: FakeSlack) -> None:
    """Pins a Bolt 1.30 quirk: a form body containing "payload" is parsed as interactivity."""
    app = bolt_app(slack)

    @app.command("/staffroom")
    async def staffroom(ack: Any) -> None:
        await ack("seen")

    body = slash_command_body(text="share the payload of the week")
    async with serve_http(app) as post:
        status, _ = await post(body, sign(SIGNING_SECRET, body))

    assert status == 404


async def test_forged_tampered_and_stale_signatures_get_401(slack: FakeSlack) -> None:
    app = bolt_app(slack)

    @app.command("/staffroom")
    async def staffroom(ack: Any) -> None:
        await ack()

    body = slash_command_body()
    async with serve_http(app) as post:
        forged = await post(body, sign("not-the-secret", body))
        tampered = await post(body.replace("help", "hack"), sign(SIGNING_SECRET, body))
        stale = await post(body, sign(SIGNING_SECRET, body, int(time.time()) - 600))

    assert [status for status, _ in (forged, tampered, stale)] == [401, 401, 401]
    assert slack.calls == []


async def test_block_action_responds_via_response_url(slack: FakeSlack) -> None:
    app = bolt_app(slack)

    @app.action("join")
    async def join(ack: Any, respond: Any, body: dict[str, Any]) -> None:
        await ack()
        await respond(f"Joined {body['actions'][0]['value']}")

    body = block_actions_body(
        action_id="join", value="maths", response_url=slack.response_url("join"), channel_id="C1"
    )
    async with serve_http(app) as post:
        status, _ = await post(body, sign(SIGNING_SECRET, body))
        responses = await slack.wait_for_responses()

    assert status == 200
    assert responses[0].name == "join"
    assert responses[0].body["text"] == "Joined maths"


async def test_view_submission_reaches_listener_with_values(slack: FakeSlack) -> None:
    app = bolt_app(slack)
    seen: dict[str, Any] = {}

    @app.view("log_cpd")
    async def log_cpd(ack: Any, view: dict[str, Any]) -> None:
        seen.update(view["state"]["values"])
        await ack(response_action="errors", errors={"hours": "Use a number"})

    values = {"hours": {"hours_input": {"type": "plain_text_input", "value": "two"}}}
    body = view_submission_body(callback_id="log_cpd", values=values, private_metadata="m")
    async with serve_http(app) as post:
        status, text = await post(body, sign(SIGNING_SECRET, body))

    assert status == 200
    assert json.loads(text) == {"response_action": "errors", "errors": {"hours": "Use a number"}}
    assert seen == values


async def test_events_url_verification_and_retry_headers(slack: FakeSlack) -> None:
    app = bolt_app(slack)
    retries: list[list[str]] = []

    @app.event("app_mention")
    async def mention(event: dict[str, Any], request: AsyncBoltRequest, say: Any) -> None:
        retries.append(list(request.headers.get("x-slack-retry-num", [])))
        await say(f"Hello <@{event['user']}>")

    challenge = url_verification_body("abc")
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C1"}
    body = event_body(event, event_id="Ev1")
    async with serve_http(app) as post:
        verified = await post(challenge, sign(SIGNING_SECRET, challenge))
        first = await post(body, sign(SIGNING_SECRET, body))
        retry = await post(body, sign(SIGNING_SECRET, body, retry_num=1, retry_reason="timeout"))
        calls = await slack.wait_for_calls("chat.postMessage", count=2)

    assert verified == (200, '{"challenge": "abc"}')
    assert (first[0], retry[0]) == (200, 200)
    assert sorted(retries) == [[], ["1"]]
    assert calls[0].args["text"] == "Hello <@U1>"


async def test_files_upload_v2_stores_the_file(slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_base_url)

    response = await client.files_upload_v2(
        channel="C1",
        filename="cpd-log.csv",
        content=b"date,hours\n2024-09-01,2\n",
        title="CPD log",
        initial_comment="Your CPD log",
    )

    assert response["file"]["id"] == slack.files[0].file_id
    uploaded = slack.files[0]
    assert (uploaded.filename, uploaded.title, uploaded.channel) == ("cpd-log.csv", "CPD log", "C1")
    assert uploaded.content == b"date,hours\n2024-09-01,2\n"
    assert uploaded.initial_comment == "Your CPD log"


async def test_rate_limit_is_retried_after_retry_after(slack: FakeSlack) -> None:
    client = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.api_base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail_next("chat.postMessage", status=429, retry_after=1)

    started = time.monotonic()
    response = await client.chat_postMessage(channel="C1", text="hello")

    assert response["ok"] is True
    assert time.monotonic() - started >= 1
    assert len(slack.calls_to("chat.postMessage")) == 2


async def test_failures_are_queued_and_consumed_once(slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_base_url)
    slack.fail_next("chat.postMessage", error="channel_not_found")
    slack.fail_next("chat.postMessage", status=500)
    slack.fail_next("users.info", error="user_not_found")

    errors = []
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel="C1", text="hello")
        errors.append((raised.value.response.status_code, raised.value.response["error"]))
    with pytest.raises(SlackApiError) as missing:
        await client.users_info(user="U9")

    assert errors == [(200, "channel_not_found"), (500, "internal_error")]
    assert missing.value.response["error"] == "user_not_found"
    assert (await client.chat_postMessage(channel="C1", text="hello"))["ok"] is True
    assert (await client.users_info(user="U9"))["user"]["id"] == "U9"


async def test_web_api_methods_answer_like_slack(slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_base_url)
    slack.add_user("U7", real_name="Ada Lovelace", tz="Europe/Paris")
    view = {"type": "modal", "callback_id": "log_cpd", "title": {"type": "plain_text", "text": "x"}}

    dm = await client.conversations_open(users="U7")
    opened = await client.views_open(trigger_id="1.1.t", view=view)
    updated = await client.views_update(view_id=opened["view"]["id"], view=view)
    home = await client.views_publish(user_id="U7", view={"type": "home", "blocks": []})
    ephemeral = await client.chat_postEphemeral(channel="C1", user="U7", text="psst")
    edited = await client.chat_update(channel="C1", ts="1.000001", text="edited")
    user = await client.users_info(user="U7")
    with pytest.raises(SlackApiError) as unknown:
        await client.api_call("staffroom.nonsense")
    with pytest.raises(SlackApiError) as wrong_token:
        await client.apps_connections_open(app_token="xoxb-test")

    assert dm["channel"]["id"] == "DU7"
    assert opened["view"]["callback_id"] == "log_cpd"
    assert updated["view"]["id"] == opened["view"]["id"]
    assert home["view"]["type"] == "home"
    assert ephemeral["message_ts"]
    assert edited["text"] == "edited"
    assert (user["user"]["real_name"], user["user"]["tz"]) == ("Ada Lovelace", "Europe/Paris")
    assert unknown.value.response["error"] == "unknown_method"
    assert wrong_token.value.response["error"] == "not_allowed_token_type"
    assert slack.calls_to("views.open")[0].args["view"] == view


async def test_socket_mode_delivers_envelopes_and_collects_acks(slack: FakeSlack) -> None:
    app = bolt_app(slack)

    @app.command("/staffroom")
    async def staffroom(ack: Any, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack("On it")
        await client.chat_postMessage(channel=command["channel_id"], text="socket hello")

    @app.event("app_mention")
    async def mention(say: Any) -> None:
        await say("mentioned")

    handler = AsyncSocketModeHandler(app, app_token="xapp-test")
    await handler.connect_async()
    try:
        envelope_id = await slack.socket_send("slash_commands", slash_command_payload())
        ack = await slack.socket_ack(envelope_id)
        await slack.wait_for_calls("chat.postMessage")

        await slack.socket_disconnect()
        await slack.wait_for_socket(connections=2)
        event = {"type": "app_mention", "user": "U1", "text": "<@UBOT>", "channel": "C1"}
        event_id = await slack.socket_send("events_api", event_payload(event))
        event_ack = await slack.socket_ack(event_id)
        calls = await slack.wait_for_calls("chat.postMessage", count=2)
    finally:
        await handler.close_async()

    assert ack == {"envelope_id": envelope_id, "payload": {"text": "On it"}}
    assert event_ack == {"envelope_id": event_id}
    assert [call.args["text"] for call in calls] == ["socket hello", "mentioned"]
    assert [call.token for call in slack.calls_to("apps.connections.open")] == ["xapp-test"] * 2


async def test_stopping_closes_sockets_promptly() -> None:
    slack = FakeSlack()
    await slack.start()
    client = AsyncWebClient(base_url=slack.api_base_url)
    url = (await client.apps_connections_open(app_token="xapp-test"))["url"]

    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        hello = await ws.receive_json(timeout=2)
        started = time.monotonic()
        await slack.stop()
        closing = await ws.receive(timeout=2)

    assert hello["type"] == "hello"
    assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED)
    assert time.monotonic() - started < 2
