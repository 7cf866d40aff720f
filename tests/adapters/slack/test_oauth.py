"""Many workspaces: "Add to Slack" through the real Bolt OAuth flow against the fake Slack.

Each workspace installs through the real redirect flow (the install page and its state cookie,
the fake's authorisation page, the callback); then every command and every scheduled message
must go with that workspace's own token, and a workspace that removes Staffroom stops only its
own deliveries.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import text
from sqlmodel import Session, select

from adapters.slack import SlackNotConfigured, create_platform, slack_manifest
from adapters.slack.oauth import AuthorizeCache
from bots.logs import QUIET_LOGGERS, RedactingFormatter
from bots.runner import PlatformUnavailable, choose_platforms
from core.app import Staffroom, build_registry
from core.clock import FixedClock, utc
from core.delivery import deliver_due, enqueue, plan_due
from core.delivery.models import OutboxMessage, OutboxState, Schedule
from core.delivery.ports import Recipient, TransientFailure
from core.features import FEATURES
from core.identity.models import Account, AuditEntry
from core.installations.models import Installation, OAuthState
from core.installations.service import PAUSE_REASON, InstallationData
from core.reply import Reply
from tests.adapters.slack.conftest import KEY, SECRET, Installed, oauth_app
from tests.conftest import make_settings
from tests.fakes.fake_slack import (
    FakeSlack,
    SlackCall,
    block_actions_body,
    event_body,
    event_payload,
    sign,
    slash_command_payload,
    view_submission_body,
)


def token_used(calls: list[SlackCall], **args: str) -> set[str | None]:
    """The tokens of the calls whose arguments include ``args``."""
    return {c.token for c in calls if all(c.args.get(k) == v for k, v in args.items())}


async def two_schools(h: Installed) -> None:
    """Both workspaces installed; a teacher in each scheduled a daily reflection."""
    for team in ("T1", "T2"):
        status, page = await h.install(team)
        assert status == 200 and "Staffroom is installed" in page, page
    for user, team in (("U1", "T1"), ("U2", "T2")):
        answer = await h.slash("reflect schedule daily 09:00", user, team)
        assert ":warning:" not in json.dumps(answer), answer


async def test_two_workspaces_install_and_each_command_uses_its_own_token(
    installed: Installed,
) -> None:
    await two_schools(installed)
    fake = installed.fake
    one, two = fake.tokens_of("T1"), fake.tokens_of("T2")
    assert len(one) == len(two) == 1 and one != two
    # First contact reads the teacher's profile with the request's own workspace token.
    users_info = fake.calls_to("users.info")
    assert token_used(users_info, user="U1") == {one[0]}
    assert token_used(users_info, user="U2") == {two[0]}
    with Session(installed.app.engine) as session:
        accounts = {(a.tenant, a.user_id) for a in session.exec(select(Account))}
    assert accounts == {("T1", "U1"), ("T2", "U2")}


async def test_a_scheduled_dm_in_each_workspace_goes_with_that_workspaces_token(
    installed: Installed, clock: FixedClock
) -> None:
    await two_schools(installed)
    clock.advance(timedelta(hours=23, minutes=30))
    await installed.deliver()
    fake = installed.fake
    posts = fake.calls_to("chat.postMessage")
    assert token_used(posts, channel="DU1") == set(fake.tokens_of("T1"))
    assert token_used(posts, channel="DU2") == set(fake.tokens_of("T2"))
    assert token_used(fake.calls_to("conversations.open"), users="U2") == set(fake.tokens_of("T2"))


async def test_an_uninstall_pauses_only_that_workspace_and_a_reinstall_resumes_it(
    installed: Installed, clock: FixedClock
) -> None:
    await two_schools(installed)
    status, _ = await installed.post(event_body({"type": "app_uninstalled"}, team_id="T2"))
    assert status == 200
    removed = await installed.removed("T2")
    assert removed.removed_reason == "app_uninstalled"
    assert removed.bot_token_sealed is None and removed.removed_at is not None
    kept = installed.row("T1")
    assert kept is not None and kept.removed_at is None and kept.bot_token_sealed

    clock.advance(timedelta(hours=23, minutes=30))
    await installed.deliver()
    posts = installed.fake.calls_to("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["DU1"]
    with Session(installed.app.engine) as session:
        reasons = {s.member_id: s.paused_reason for s in session.exec(select(Schedule))}
        audit = [e.action for e in session.exec(select(AuditEntry))]
    assert sorted(reasons.values(), key=str) == sorted(
        [None, f"{PAUSE_REASON} (slack /T2)"], key=str
    )
    assert "installation.removed" in audit

    # Installing again resumes T2's prompts, from the next occurrence on.
    status, page = await installed.install("T2")
    assert status == 200, page
    with Session(installed.app.engine) as session:
        assert {s.paused_reason for s in session.exec(select(Schedule))} == {None}
    clock.advance(timedelta(days=1))
    await installed.deliver()
    posts = installed.fake.calls_to("chat.postMessage")
    assert token_used(posts, channel="DU2") == {installed.fake.tokens_of("T2")[-1]}


async def test_revoked_tokens_remove_the_workspace_too(installed: Installed) -> None:
    await two_schools(installed)
    event = {"type": "tokens_revoked", "tokens": {"bot": ["UBOTT1"], "oauth": []}}
    status, _ = await installed.post(event_body(event, team_id="T1"))
    assert status == 200
    removed = await installed.removed("T1")
    assert removed.removed_reason == "tokens_revoked"
    other = installed.row("T2")
    assert other is not None and other.removed_at is None


async def test_the_worker_refreshes_an_expiring_token_before_sending(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_workspace("T3", rotating=True, expires_in=600)  # well inside the margin
    app = oauth_app(sqlite_url, fake_slack, clock)
    front = create_platform(app)
    await front.start()
    fake_slack.oauth_redirect_url = f"http://127.0.0.1:{front.port}/slack/oauth_redirect"
    async with aiohttp.ClientSession() as browser:
        h = Installed(app, front, fake_slack, browser)
        status, page = await h.install("T3")
        assert status == 200, page
        await h.slash("reflect schedule daily 09:00", "U3", "T3")
        refreshed_on_requests = fake_slack.refreshes
        # The night: no request comes in, the worker alone sends.
        worker = create_platform(app, receive=False)
        clock.advance(timedelta(hours=23, minutes=30))
        with app.session() as session:
            plan_due(session, clock.now(), app.settings.delivery, app.producers)
        await deliver_due(
            app.engine, {"slack": worker.messenger}, clock.now(), app.settings.delivery, "w"
        )
    await front.stop()
    assert fake_slack.refreshes == refreshed_on_requests + 1
    newest = fake_slack.tokens_of("T3")[-1]
    methods = [c.method for c in fake_slack.calls]
    refresh_at = max(
        i
        for i, c in enumerate(fake_slack.calls)
        if c.method == "oauth.v2.access" and c.args.get("grant_type") == "refresh_token"
    )
    post_at = methods.index("chat.postMessage")
    assert refresh_at < post_at
    assert fake_slack.calls[post_at].token == newest
    row = Installed(app, front, fake_slack, browser).row("T3")
    assert row is not None and row.bot_token_sealed is not None
    assert Fernet(KEY.encode()).decrypt(row.bot_token_sealed.encode()).decode() == newest
    app.engine.dispose()


async def test_a_forged_or_replayed_state_is_refused(installed: Installed) -> None:
    fake = installed.fake
    forged = f"{installed.base}/slack/oauth_redirect?code=whatever&state=made-up"
    status, _ = await installed.callback(forged, "made-up")
    assert status == 401
    link, cookie = await installed.install_page("T1")
    location = await installed.authorise(link)
    # Another browser (no cookie) cannot finish someone else's install.
    status, _ = await installed.callback(location, None)
    assert status == 400
    status, page = await installed.callback(location, cookie)
    assert status == 200, page
    exchanges = len(fake.calls_to("oauth.v2.access"))
    status, page = await installed.callback(location, cookie)
    assert status == 401 and "install page" in page
    assert len(fake.calls_to("oauth.v2.access")) == exchanges
    with Session(installed.app.engine) as session:
        assert len(session.exec(select(Installation)).all()) == 1
        assert session.exec(select(OAuthState)).all() == []


async def test_tokens_at_rest_are_unreadable_without_the_key(installed: Installed) -> None:
    await two_schools(installed)
    tokens = installed.fake.tokens_of("T1") + installed.fake.tokens_of("T2")
    with installed.app.engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(text("SELECT * FROM installation"))]
    assert len(rows) == 2
    dumped = repr(rows)
    assert not any(token in dumped for token in tokens)
    sealed = [r.bot_token_sealed for r in (installed.row("T1"), installed.row("T2")) if r]
    with pytest.raises(InvalidToken):
        Fernet(Fernet.generate_key()).decrypt(sealed[0].encode())
    assert sorted(Fernet(KEY.encode()).decrypt(s.encode()).decode() for s in sealed) == sorted(
        tokens
    )


async def test_no_token_or_secret_reaches_a_log_line(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    for name in QUIET_LOGGERS:  # as `staffroom run` configures logging
        caplog.set_level(logging.WARNING, logger=name)
    caplog.set_level(logging.DEBUG)
    fake_slack.add_workspace("T4", rotating=True, expires_in=600)
    app = oauth_app(sqlite_url, fake_slack, clock)
    platform = create_platform(app)
    await platform.start()
    fake_slack.oauth_redirect_url = f"http://127.0.0.1:{platform.port}/slack/oauth_redirect"
    async with aiohttp.ClientSession() as browser:
        h = Installed(app, platform, fake_slack, browser)
        assert (await h.install("T4"))[0] == 200
        await h.slash("reflect schedule daily 09:00", "U4", "T4")
        clock.advance(timedelta(hours=23, minutes=30))
        await h.deliver()
        await h.post(event_body({"type": "app_uninstalled"}, team_id="T4"))
        await h.removed("T4")
    await platform.stop()
    app.engine.dispose()
    assert fake_slack.refreshes >= 1
    secrets = [*fake_slack.tokens_of("T4"), fake_slack.client_secret, KEY]
    formatter = RedactingFormatter(logging.Formatter("%(name)s %(message)s"))
    lines = [r.getMessage() for r in caplog.records] + [formatter.format(r) for r in caplog.records]
    assert any("installation saved" in line for line in lines)  # the flow did log
    leaked = [line for line in lines for secret in secrets if secret in line]
    assert leaked == []


async def test_an_install_from_a_team_not_on_the_allow_list_is_refused(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_workspace("T1")
    fake_slack.add_workspace("T9", name="Stranger School")
    app = oauth_app(sqlite_url, fake_slack, clock, allowed_teams=["T1"])
    platform = create_platform(app)
    await platform.start()
    fake_slack.oauth_redirect_url = f"http://127.0.0.1:{platform.port}/slack/oauth_redirect"
    async with aiohttp.ClientSession() as browser:
        h = Installed(app, platform, fake_slack, browser)
        status, page = await h.install("T9")
        assert status == 403
        assert "may not install Staffroom" in html.unescape(page)
        assert (await h.install("T1"))[0] == 200
        assert h.row("T9") is None and h.row("T1") is not None
    await platform.stop()
    app.engine.dispose()
    assert fake_slack.revoked == set(fake_slack.tokens_of("T9"))


async def test_an_org_wide_grid_install_serves_every_workspace_of_the_organisation(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_workspace("E1", enterprise_id="E1", org_wide=True)
    app = oauth_app(sqlite_url, fake_slack, clock)
    platform = create_platform(app)
    await platform.start()
    fake_slack.oauth_redirect_url = f"http://127.0.0.1:{platform.port}/slack/oauth_redirect"
    async with aiohttp.ClientSession() as browser:
        h = Installed(app, platform, fake_slack, browser)
        assert (await h.install("E1"))[0] == 200
        grid = {"enterprise_id": "E1", "is_enterprise_install": "true"}
        answer = await h.slash("reflect schedule daily 09:00", "W5", "T5", **grid)
        assert ":warning:" not in json.dumps(answer), answer
        clock.advance(timedelta(hours=23, minutes=30))
        await h.deliver()
    await platform.stop()
    app.engine.dispose()
    org_token = set(fake_slack.tokens_of("E1"))
    assert token_used(fake_slack.calls_to("users.info"), user="W5") == org_token
    assert token_used(fake_slack.calls_to("chat.postMessage"), channel="DW5") == org_token
    with Session(app.engine) as session:
        row = session.exec(select(Installation)).one()
    assert (row.enterprise_key, row.team_key, row.is_enterprise_install) == ("E1", "", True)


async def test_oauth_needs_http_mode_and_its_secrets(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake = fake_slack
    with pytest.raises(SlackNotConfigured, match=r"slack\.mode"):
        create_platform(oauth_app(sqlite_url, fake, clock, mode="socket"))
    with pytest.raises(SlackNotConfigured, match="STAFFROOM_SLACK__TOKEN_KEY"):
        create_platform(oauth_app(sqlite_url, fake, clock, token_key=None))
    with pytest.raises(SlackNotConfigured, match="Fernet"):
        create_platform(oauth_app(sqlite_url, fake, clock, token_key="short"))


async def test_the_oauth_manifest_has_the_redirect_url_events_and_grid(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    app = oauth_app(sqlite_url, fake_slack, clock)
    manifest = slack_manifest(
        app.settings, build_registry(FEATURES), public_url="https://staffroom.example.org/"
    )
    assert manifest["oauth_config"]["redirect_urls"] == [
        "https://staffroom.example.org/slack/oauth_redirect"
    ]
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)
    assert manifest["settings"]["org_deploy_enabled"] is True
    assert manifest["settings"]["token_rotation_enabled"] is True
    single = make_settings(sqlite_url, slack={"mode": "http"})
    plain = slack_manifest(single, build_registry(FEATURES), public_url="https://s.example.org")
    assert "redirect_urls" not in plain["oauth_config"]
    assert plain["settings"]["org_deploy_enabled"] is False
    app.engine.dispose()


def link_code(answer: dict[str, Any]) -> str:
    found = re.search(r"link ([A-Z2-9]{8})", json.dumps(answer))
    assert found is not None, answer
    return found.group(1)


async def test_a_member_also_in_another_workspace_gets_their_dm_there(
    installed: Installed, clock: FixedClock
) -> None:
    for team in ("T1", "T2"):
        assert (await installed.install(team))[0] == 200
    # One teacher in both schools' workspaces, linked; last seen in T2.
    code = link_code(await installed.slash("link", "U1", "T1"))
    await installed.slash(f"link {code}", "U2", "T2")
    assert "Linked" in json.dumps(await installed.slash("link confirm", "U2", "T2"))
    answer = await installed.slash("reflect schedule daily 09:00", "U2", "T2")
    assert ":warning:" not in json.dumps(answer), answer
    await installed.post(event_body({"type": "app_uninstalled"}, team_id="T2"))
    await installed.removed("T2")
    with Session(installed.app.engine) as session:
        assert {s.paused_reason for s in session.exec(select(Schedule))} == {None}

    clock.advance(timedelta(hours=23, minutes=30))
    await installed.deliver()
    fake = installed.fake
    posts = fake.calls_to("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["DU1"]
    assert token_used(posts) == set(fake.tokens_of("T1"))
    assert not [c for t in fake.tokens_of("T2") for c in fake.calls_with(t, "conversations.open")]
    with Session(installed.app.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert [(r.state, r.tenant) for r in rows] == [(OutboxState.SENT, "T1")]


async def test_channel_posts_in_a_removed_workspace_wait_for_it_to_install_again(
    installed: Installed, clock: FixedClock
) -> None:
    for team in ("T1", "T2"):
        assert (await installed.install(team))[0] == 200
    await installed.post(event_body({"type": "app_uninstalled"}, team_id="T2"))
    await installed.removed("T2")
    app = installed.app
    # A community bound to a channel in each school: its news is one row per binding.
    with app.session() as session:
        for team, channel in (("T1", "C1"), ("T2", "C2")):
            enqueue(
                session,
                key=f"news:{channel}",
                reply=Reply.message("Inset day moved to Friday"),
                due_at=clock.now(),
                now=clock.now(),
                platform="slack",
                tenant=team,
                channel_id=channel,
            )
    await installed.deliver()
    fake = installed.fake
    assert [(p.args["channel"], p.token) for p in fake.calls_to("chat.postMessage")] == [
        ("C1", fake.tokens_of("T1")[0])
    ]
    with Session(app.engine) as session:
        states = {r.channel_id: (r.state, r.attempts) for r in session.exec(select(OutboxMessage))}
        audit = [e.action for e in session.exec(select(AuditEntry))]
    assert states == {"C1": (OutboxState.SENT, 0), "C2": (OutboxState.SKIPPED, 0)}
    assert "delivery.failed" not in audit

    clock.advance(timedelta(minutes=5))
    assert (await installed.install("T2"))[0] == 200
    await installed.deliver()
    posts = fake.calls_to("chat.postMessage")
    assert [(p.args["channel"], p.token) for p in posts][1:] == [("C2", fake.tokens_of("T2")[-1])]


async def test_a_workspace_taken_off_the_allow_list_is_refused_on_every_request(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    for team in ("T1", "T2"):
        fake_slack.add_workspace(team)
    before = oauth_app(sqlite_url, fake_slack, clock, allowed_teams=["T1", "T2"])
    platform = create_platform(before)
    await platform.start()
    fake_slack.oauth_redirect_url = f"http://127.0.0.1:{platform.port}/slack/oauth_redirect"
    async with aiohttp.ClientSession() as browser:
        h = Installed(before, platform, fake_slack, browser)
        for team in ("T1", "T2"):
            assert (await h.install(team))[0] == 200
    await platform.stop()
    before.engine.dispose()

    # The trust lets T2 go: the operator takes it off the list and restarts.
    app = oauth_app(sqlite_url, fake_slack, clock, allowed_teams=["T1"])
    platform = create_platform(app)
    await platform.start()
    async with aiohttp.ClientSession() as browser:
        h = Installed(app, platform, fake_slack, browser)
        command = urlencode(
            slash_command_payload(
                text="profile set role=teacher",
                user_id="U2",
                team_id="T2",
                response_url=fake_slack.response_url("refused"),
            )
        )
        status, ack = await h.post(command)
        assert status == 200 and "not available in this Slack workspace" in ack
        press = block_actions_body(
            user_id="U2",
            team_id="T2",
            action_id="sr_0",
            value="profile set role=mentor",
            response_url=fake_slack.response_url("pressed"),
            channel_id="C2",
        )
        assert (await h.post(press))[0] == 200
        told = (await fake_slack.wait_for_responses(1))[0]
        assert told.name == "pressed" and "not available" in told.body["text"]
        submit = view_submission_body(user_id="U2", team_id="T2", callback_id="staffroom_form")
        status, answer = await h.post(submit)
        assert status == 200 and json.loads(answer)["response_action"] == "update"
        assert "not available" in answer
        assert not any(c.method == "users.info" for c in fake_slack.calls)
        with Session(app.engine) as session:
            assert session.exec(select(Account)).all() == []
        # T1 is served as before, and T2 can still remove Staffroom.
        assert ":warning:" not in json.dumps(await h.slash("profile show", "U1", "T1"))
        await h.post(event_body({"type": "app_uninstalled"}, team_id="T2"))
        assert (await h.removed("T2")).removed_reason == "app_uninstalled"
    await platform.stop()
    app.engine.dispose()


def test_the_missing_credentials_named_are_the_ones_the_install_needs(
    sqlite_url: str, clock: FixedClock
) -> None:
    oauth = Staffroom(make_settings(sqlite_url, slack={"install": "oauth"}), clock=clock)
    single = Staffroom(make_settings(sqlite_url), clock=clock)
    with pytest.raises(PlatformUnavailable) as refused:
        choose_platforms(oauth, ["slack"])
    message = str(refused.value)
    assert "STAFFROOM_SLACK__CLIENT_ID" in message and "STAFFROOM_SLACK__TOKEN_KEY" in message
    assert "CLIENT_SECRET" in message and "BOT_TOKEN" not in message
    with pytest.raises(PlatformUnavailable, match="STAFFROOM_SLACK__BOT_TOKEN"):
        choose_platforms(single, ["slack"])
    oauth.engine.dispose()
    single.engine.dispose()


async def removal_logged(caplog: pytest.LogCaptureFixture, team: str, count: int) -> None:
    """Wait until the store has handled ``count`` removal events for ``team`` (Bolt acks an
    event before its listener runs, and a repeat changes nothing there is to wait for)."""
    async with asyncio.timeout(5):
        while True:
            if len([r for r in caplog.records if f"team {team}:" in r.getMessage()]) >= count:
                return
            await asyncio.sleep(0.02)


async def test_both_workspaces_uninstall_one_after_the_other_and_each_keeps_its_own_record(
    installed: Installed, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="staffroom.slack")
    await two_schools(installed)
    app = installed.app
    with app.session() as session:  # news for a bound channel in each school
        for team, channel in (("T1", "C1"), ("T2", "C2")):
            enqueue(
                session,
                key=f"news:{channel}",
                reply=Reply.message("Inset day moved to Friday"),
                due_at=clock.now(),
                now=clock.now(),
                platform="slack",
                tenant=team,
                channel_id=channel,
            )
    first_removal = clock.now()
    assert (await installed.post(event_body({"type": "app_uninstalled"}, team_id="T1")))[0] == 200
    await installed.removed("T1")
    clock.advance(timedelta(minutes=5))
    second_removal = clock.now()
    uninstall_two = event_body({"type": "app_uninstalled"}, team_id="T2")
    assert (await installed.post(uninstall_two))[0] == 200
    await installed.removed("T2")
    clock.advance(timedelta(minutes=5))
    # Slack delivers the same event again, and then another uninstall event for T2.
    retry = sign(SECRET, uninstall_two, retry_num=1)
    async with installed.browser.post(
        f"{installed.base}/slack/events", data=uninstall_two.encode(), headers=retry
    ) as response:
        assert response.status == 200
    again = event_body({"type": "tokens_revoked", "tokens": {"bot": ["UBOTT2"]}}, team_id="T2")
    assert (await installed.post(again))[0] == 200
    await removal_logged(caplog, "T2", 2)
    erased = [r for r in caplog.records if "team T2: tokens erased" in r.getMessage()]
    assert len(erased) == 1  # the repeat says it found nothing to remove

    one, two = installed.row("T1"), installed.row("T2")
    assert one is not None and two is not None
    assert (utc(one.removed_at), one.removed_reason) == (first_removal, "app_uninstalled")
    assert (utc(two.removed_at), two.removed_reason) == (second_removal, "app_uninstalled")
    with Session(app.engine) as session:
        members = {a.user_id: a.member_id for a in session.exec(select(Account))}
        paused = {s.member_id: s.paused_reason for s in session.exec(select(Schedule))}
        held = {r.channel_id: (r.state, r.last_error) for r in session.exec(select(OutboxMessage))}
        removals = [
            e.detail for e in session.exec(select(AuditEntry)) if e.action == "installation.removed"
        ]
    assert paused == {
        members["U1"]: f"{PAUSE_REASON} (slack /T1)",
        members["U2"]: f"{PAUSE_REASON} (slack /T2)",
    }
    assert held == {
        "C1": (OutboxState.SKIPPED, f"{PAUSE_REASON} (slack /T1)"),
        "C2": (OutboxState.SKIPPED, f"{PAUSE_REASON} (slack /T2)"),
    }
    assert [(d["team_id"], d["schedules_paused"], d["messages_withheld"]) for d in removals] == [
        ("T1", 1, 1),
        ("T2", 1, 1),
    ]

    # T1 installs again: its own prompt and its own news come back, T2 stays as it was.
    assert (await installed.install("T1"))[0] == 200
    with Session(app.engine) as session:
        paused = {s.member_id: s.paused_reason for s in session.exec(select(Schedule))}
    assert paused == {members["U1"]: None, members["U2"]: f"{PAUSE_REASON} (slack /T2)"}
    two_now = installed.row("T2")
    assert two_now is not None and two_now.removed_at is not None
    assert two_now.bot_token_sealed is None
    await installed.deliver()
    clock.advance(timedelta(hours=23))
    await installed.deliver()
    fake = installed.fake
    posts = fake.calls_to("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["C1", "DU1"]
    assert token_used(posts) == {fake.tokens_of("T1")[-1]}
    with Session(app.engine) as session:
        news = {r.channel_id: r.state for r in session.exec(select(OutboxMessage)) if r.channel_id}
    assert news == {"C1": OutboxState.SENT, "C2": OutboxState.SKIPPED}


async def test_a_teacher_in_both_workspaces_pauses_when_both_are_gone_and_resumes_with_either(
    installed: Installed, clock: FixedClock
) -> None:
    for team in ("T1", "T2"):
        assert (await installed.install(team))[0] == 200
    code = link_code(await installed.slash("link", "U1", "T1"))
    await installed.slash(f"link {code}", "U2", "T2")
    assert "Linked" in json.dumps(await installed.slash("link confirm", "U2", "T2"))
    answer = await installed.slash("reflect schedule daily 09:00", "U2", "T2")
    assert ":warning:" not in json.dumps(answer), answer
    for team in ("T1", "T2"):
        await installed.post(event_body({"type": "app_uninstalled"}, team_id=team))
        await installed.removed(team)
    with Session(installed.app.engine) as session:
        (reason,) = {s.paused_reason for s in session.exec(select(Schedule))}
    assert reason is not None and reason.startswith(PAUSE_REASON)  # reachable nowhere now

    # Either school installing again reaches her: her prompts resume.
    assert (await installed.install("T1"))[0] == 200
    with Session(installed.app.engine) as session:
        assert {s.paused_reason for s in session.exec(select(Schedule))} == {None}
    clock.advance(timedelta(hours=23, minutes=30))
    await installed.deliver()
    posts = installed.fake.calls_to("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["DU1"]


async def test_scheduled_sends_into_a_workspace_taken_off_the_allow_list_are_held_not_lost(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    for team in ("T1", "T2"):
        fake_slack.add_workspace(team)
    before = oauth_app(sqlite_url, fake_slack, clock, allowed_teams=["T1", "T2"])
    platform = create_platform(before)
    await platform.start()
    fake_slack.oauth_redirect_url = f"http://127.0.0.1:{platform.port}/slack/oauth_redirect"
    async with aiohttp.ClientSession() as browser:
        await two_schools(Installed(before, platform, fake_slack, browser))
    await platform.stop()
    before.engine.dispose()

    # The trust lets T2 go. A worker built with the new list refuses T2 at once, even before
    # it has applied the list to the database: retried later, not failed.
    caplog.set_level(logging.INFO, logger="staffroom.slack")
    app = oauth_app(sqlite_url, fake_slack, clock, allowed_teams=["T1"])
    worker = create_platform(app, receive=False)
    with pytest.raises(TransientFailure, match="allowed_teams"):
        await worker.messenger.send(Recipient("slack", "T2", channel_id="C2"), Reply.message("x"))
    refused = [r.getMessage() for r in caplog.records if "T2" in r.getMessage()]
    assert len(refused) == 1 and "not on allowed_teams" in refused[0]
    assert not any(t in refused[0] for t in fake_slack.tokens_of("T2"))
    assert fake_slack.calls_to("chat.postMessage") == []

    await worker.start()  # as `staffroom worker` does: the list is applied, T2 suspended
    clock.advance(timedelta(hours=23, minutes=30))
    with app.session() as session:
        plan_due(session, clock.now(), app.settings.delivery, app.producers)
        enqueue(  # news for T2's bound channel, due now
            session,
            key="news:C2",
            reply=Reply.message("Inset day moved to Friday"),
            due_at=clock.now(),
            now=clock.now(),
            platform="slack",
            tenant="T2",
            channel_id="C2",
        )
    await deliver_due(
        app.engine, {"slack": worker.messenger}, clock.now(), app.settings.delivery, "w"
    )
    fake = fake_slack
    assert [(p.args["channel"], p.token) for p in fake.calls_to("chat.postMessage")] == [
        ("DU1", fake.tokens_of("T1")[0])
    ]
    with Session(app.engine) as session:
        news = session.exec(select(OutboxMessage).where(OutboxMessage.channel_id == "C2")).one()
        paused = {s.paused_reason for s in session.exec(select(Schedule))}
        audit = [e.action for e in session.exec(select(AuditEntry))]
        row = session.exec(select(Installation).where(Installation.team_key == "T2")).one()
    assert news.state == OutboxState.SKIPPED and news.attempts == 0
    assert paused == {None, f"{PAUSE_REASON} (slack /T2)"}
    assert "delivery.failed" not in audit and "installation.suspended" in audit
    assert row.bot_token_sealed is not None  # kept: the list may be put right again
    app.engine.dispose()

    # Back on the list: T2's prompts resume and what was held goes, with T2's own token.
    clock.advance(timedelta(minutes=10))
    again = oauth_app(sqlite_url, fake_slack, clock, allowed_teams=["T1", "T2"])
    worker = create_platform(again, receive=False)
    await worker.start()
    await deliver_due(
        again.engine, {"slack": worker.messenger}, clock.now(), again.settings.delivery, "w"
    )
    posts = fake.calls_to("chat.postMessage")
    assert [(p.args["channel"], p.token) for p in posts][1:] == [("C2", fake.tokens_of("T2")[0])]
    with Session(again.engine) as session:
        assert {s.paused_reason for s in session.exec(select(Schedule))} == {None}
    again.engine.dispose()


def grid_event(event: dict[str, Any], team_id: str | None, enterprise_id: str) -> str:
    """An event from a Grid organisation: from one of its workspaces (authorised by that
    workspace's own install), or with no team for the organisation's org-wide install."""
    payload = event_payload(event, team_id=team_id or enterprise_id)
    payload["enterprise_id"] = enterprise_id
    payload["authorizations"][0].update(
        enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=team_id is None
    )
    return json.dumps(payload)


async def test_a_removal_event_for_a_workspace_that_never_installed_removes_nothing(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="staffroom.slack")
    fake_slack.add_workspace("E1", enterprise_id="E1", org_wide=True)
    fake_slack.add_workspace("T1")
    app = oauth_app(sqlite_url, fake_slack, clock)
    platform = create_platform(app)
    await platform.start()
    fake_slack.oauth_redirect_url = f"http://127.0.0.1:{platform.port}/slack/oauth_redirect"
    async with aiohttp.ClientSession() as browser:
        h = Installed(app, platform, fake_slack, browser)
        for team in ("E1", "T1"):
            assert (await h.install(team))[0] == 200
        # A stranger workspace, and a workspace of the organisation with no install of its
        # own: neither takes Staffroom away from anyone.
        await h.post(event_body({"type": "app_uninstalled"}, team_id="T9"))
        await removal_logged(caplog, "T9", 1)
        await h.post(grid_event({"type": "app_uninstalled"}, "T5", "E1"))
        await removal_logged(caplog, "T5", 1)
        with Session(app.engine) as session:
            rows = session.exec(select(Installation)).all()
            audit = [e.action for e in session.exec(select(AuditEntry))]
        assert sorted((r.team_key, r.removed_at) for r in rows) == [("", None), ("T1", None)]
        assert all(r.bot_token_sealed for r in rows) and "installation.removed" not in audit
        assert any("nothing installed there" in r.getMessage() for r in caplog.records)
        # The organisation itself removing Staffroom does remove its install.
        await h.post(grid_event({"type": "app_uninstalled"}, None, "E1"))
        async with asyncio.timeout(5):
            while True:
                org = h.row("")
                if org is not None and org.removed_at is not None:
                    break
                await asyncio.sleep(0.02)
        assert org.bot_token_sealed is None
        kept = h.row("T1")
        assert kept is not None and kept.removed_at is None
    await platform.stop()
    app.engine.dispose()


async def test_an_install_that_names_no_workspace_is_refused_and_its_token_revoked(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_workspace("EX", org_wide=True)  # org-wide, but Slack names no organisation
    app = oauth_app(sqlite_url, fake_slack, clock)
    platform = create_platform(app)
    await platform.start()
    fake_slack.oauth_redirect_url = f"http://127.0.0.1:{platform.port}/slack/oauth_redirect"
    async with aiohttp.ClientSession() as browser:
        status, page = await Installed(app, platform, fake_slack, browser).install("EX")
    await platform.stop()
    assert status != 200 and "Staffroom was not installed" in page
    with Session(app.engine) as session:
        assert session.exec(select(Installation)).all() == []
    assert fake_slack.revoked == set(fake_slack.tokens_of("EX"))
    app.engine.dispose()


async def test_a_written_in_failure_reason_reaches_no_log_line(
    installed: Installed, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="staffroom.slack")
    _, cookie = await installed.install_page("T1")
    forged = "access_denied\nstaffroom.slack token xoxb-made-up"
    query = urlencode({"error": forged, "state": "s"})
    _, page = await installed.callback(f"{installed.base}/slack/oauth_redirect?{query}", cookie)
    assert "not installed" in page and "xoxb" not in page
    lines = [r.getMessage() for r in caplog.records]
    assert any("did not complete" in line for line in lines)
    assert not any("xoxb-made-up" in line or "\n" in line for line in lines)


def test_an_installation_shows_no_token_when_printed() -> None:
    data = InstallationData(
        platform="slack",
        enterprise_id=None,
        team_id="T1",
        bot_token="xoxb-secret-token",
        bot_refresh_token="xoxe-1-secret-refresh",
    )
    cache = AuthorizeCache(2)
    cache["xoxb-secret-token"] = AuthorizeResult(enterprise_id=None, team_id="T1")
    shown = repr(data) + str(data) + repr(cache) + str(cache)
    assert "T1" in shown and "secret" not in shown
