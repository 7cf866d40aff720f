"""``/healthz`` and ``/metrics`` of a running HTTP-mode Staffroom, fetched like a load balancer and
Prometheus would."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from core.db import make_engine
from core.delivery import enqueue
from core.reply import Reply
from tests.integration.conftest import SLACK_CHANNEL, Everywhere

pytestmark = pytest.mark.timeout(60)

DEAD_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/nothing_listens_here"


async def get(e: Everywhere, path: str) -> tuple[int, str]:
    async with e.http.get(f"http://127.0.0.1:{e.port}{path}") as response:
        return response.status, await response.text()


async def healthz(e: Everywhere) -> tuple[int, dict[str, Any]]:
    async with e.http.get(f"http://127.0.0.1:{e.port}/healthz") as response:
        return response.status, await response.json()


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one Prometheus sample (0 when the series is absent)."""
    for line in metrics.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, _space, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', series))
        if series.split("{")[0] == name and all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


async def test_healthz_reports_the_database_and_every_platform(everywhere: Everywhere) -> None:
    status, body = await healthz(everywhere)
    assert status == 200, body
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "slack": "ok", "telegram": "ok", "discord": "ok"},
    }


async def test_healthz_is_503_while_the_database_is_unreachable(everywhere: Everywhere) -> None:
    app = everywhere.app
    working = app.engine
    app.engine = make_engine(DEAD_DATABASE)
    try:
        status, body = await healthz(everywhere)
    finally:
        app.engine.dispose()
        app.engine = working
    assert status == 503
    assert body["status"] == "failing"
    assert body["checks"]["database"] == "failing"
    assert body["checks"]["slack"] == "ok"
    status, body = await healthz(everywhere)
    assert (status, body["status"]) == (200, "ok")


async def test_metrics_count_commands_latency_outbox_and_deliveries(
    everywhere: Everywhere,
) -> None:
    e = everywhere
    _status, before = await get(e, "/metrics")
    await e.on_slack("profile set role=teacher")
    await e.on_slack('cpd log 1 "Reading group"')
    refused = await e.on_slack_raw("cpd log lots")
    assert ":warning:" in refused
    await e.on_slack('community create "Science" "Science teachers"')
    await e.on_slack("community bind science", channel=SLACK_CHANNEL)
    await e.on_slack('community announce science "Lab safety refresher on Monday" confirm')
    await e.runner.delivery.deliver()
    # One message for next week stays in the outbox: the depth is read when scraped.
    now = e.app.clock.now()
    with e.app.session() as session:
        enqueue(
            session,
            key="integration:later",
            reply=Reply.message("Next week"),
            due_at=now + timedelta(days=7),
            now=now,
            platform="slack",
            tenant="T1",
            channel_id=SLACK_CHANNEL,
        )

    status, after = await get(e, "/metrics")
    assert status == 200

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("staffroom_commands_total", command="cpd log", outcome="ok") == 1
    assert grew("staffroom_commands_total", command="cpd log", outcome="error") == 1
    assert grew("staffroom_commands_total", command="community announce", outcome="ok") == 1
    assert grew("staffroom_command_seconds_count") >= 6
    assert grew("staffroom_command_seconds_bucket", le="+Inf") >= 6
    assert grew("staffroom_deliveries_total", platform="slack", result="sent") == 1
    assert sample(after, "staffroom_outbox_pending") == 1
    assert "# TYPE staffroom_command_seconds histogram" in after
