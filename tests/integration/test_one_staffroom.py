"""One process, one Staffroom, three platforms: Slack (HTTP mode), Telegram (polling) and Discord
(gateway) run together with the delivery service through ``bots.runner.Runner``, each against its
fake, on SQLite and on PostgreSQL. One person, one community, one CPD record, one journal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import FixedClock
from tests.integration.conftest import (
    DISCORD_CHANNEL,
    SLACK_CHANNEL,
    TG_ANA,
    TG_GROUP,
    Everywhere,
    json_of,
    link_code,
)

pytestmark = pytest.mark.timeout(60)

ANNOUNCEMENT = "Teachmeet Thursday @everyone <!channel> <b>x</b> & cake"


async def test_one_member_one_community_one_record_on_three_platforms(
    everywhere: Everywhere, clock: FixedClock
) -> None:
    e = everywhere
    assert e.runner.delivery is not None, "the scheduler runs in the same process"

    # Ana links her Telegram and Discord accounts to her Slack one.
    code = link_code(await e.on_slack("link"))
    assert "Link this account?" in await e.on_telegram(f"/link {code}")
    assert "Linked" in await e.on_telegram("/link confirm")
    code = link_code(await e.on_slack("link"))
    assert "Link this account?" in await e.on_discord(["link", "now"], {"code": code})
    assert "Linked" in await e.on_discord(["link", "confirm"], {})

    # Her community gets a channel on each platform; she moderates it from each.
    await e.on_slack('community create "Maths" "Maths teachers across our trust"')
    await e.on_slack("community bind maths", channel=SLACK_CHANNEL)
    assert "now belongs to" in await e.on_telegram("/community bind maths", chat=TG_GROUP)
    assert "now belongs to" in await e.on_discord(["community", "bind"], {"community": "maths"})
    queued = await e.on_slack(f'community announce maths "{ANNOUNCEMENT}" confirm')
    assert "3 channels" in queued

    await e.runner.delivery.deliver()
    slack_posts = [
        c for c in e.slack.calls_to("chat.postMessage") if c.args["channel"] == SLACK_CHANNEL
    ]
    assert len(slack_posts) == 1
    on_slack = json_of(slack_posts[0].args)
    assert "&lt;!channel&gt;" in on_slack and "&lt;b&gt;x&lt;/b&gt; &amp; cake" in on_slack
    assert "<!channel>" not in on_slack and "<!everyone>" not in on_slack
    group_posts = e.telegram.sent_messages(chat_id=TG_GROUP)
    announced = [m for m in group_posts if "Teachmeet" in m["text"]]
    assert len(announced) == 1
    tg_call = next(
        c
        for c in e.telegram.calls_to("sendMessage")
        if c.params["chat_id"] == TG_GROUP and "Teachmeet" in c.params["text"]
    )
    assert tg_call.params["parse_mode"] == "HTML"
    assert "&lt;b&gt;x&lt;/b&gt; &amp; cake" in tg_call.params["text"]
    assert "<b>x</b>" not in tg_call.params["text"]
    dc_posts = [
        m
        for m in e.discord.messages(DISCORD_CHANNEL)
        if "Teachmeet" in json_of(m.embeds) + m.content
    ]
    assert len(dc_posts) == 1
    shown = dc_posts[0].content + json_of(dc_posts[0].embeds)
    assert "@everyone" not in shown, shown
    assert dc_posts[0].allowed_mentions is not None
    assert not dc_posts[0].allowed_mentions.get("parse"), dc_posts[0].allowed_mentions

    # One CPD record: logged on Slack, summarised on Telegram.
    await e.on_slack('cpd log 1.5 "Formative assessment workshop" category=course')
    summary = await e.on_telegram("/cpd summary")
    assert "1.5" in summary and "course" in summary.lower(), summary

    # Scheduled prompts go where she chose; her answer by Telegram DM lands in the one journal.
    await e.on_slack("settings deliver-to telegram")
    await e.on_slack("reflect schedule daily 10:30")
    slack_dms_before = len(e.slack.calls_to("chat.postMessage"))
    clock.advance(timedelta(minutes=31))
    await e.runner.delivery.plan_once()
    await e.runner.delivery.deliver()
    prompt = await e.telegram.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == TG_ANA, timeout=10
    )
    assert len(e.slack.calls_to("chat.postMessage")) == slack_dms_before, "not on Slack too"
    answer = "Wait time after questions doubled the hands up in 9B"
    await e.on_telegram(answer, reply_to_message_id=prompt.result["message_id"])
    journal = await e.on_slack("journal list")
    assert "Wait time after questions" in journal, journal
    assert "1 entry in all" in journal
