"""The ops server: draining refuses platform events with 503 but keeps /healthz answering."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from bots.ops import OpsServer
from core.app import Staffroom


async def test_draining_refuses_events_and_keeps_health(sqlite_app: Staffroom) -> None:
    handled: list[str] = []

    async def webhook(request: web.Request) -> web.Response:
        handled.append(await request.text())
        return web.Response(text="ok")

    ops = OpsServer(sqlite_app, "127.0.0.1", 0)
    ops.web_app.router.add_post("/telegram", webhook)
    await ops.start()
    base = f"http://127.0.0.1:{ops.bound_port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base}/telegram", data="first") as response:
                assert response.status == 200
            ops.drain()
            async with http.post(f"{base}/telegram", data="second") as response:
                assert response.status == 503
                assert response.headers["Retry-After"] == "5"
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
                assert (await response.json())["checks"] == {"database": "ok"}
    finally:
        await ops.stop()
    assert handled == ["first"]


async def test_metrics_are_cached_and_can_ask_for_a_token(sqlite_app: Staffroom) -> None:
    ops = OpsServer(sqlite_app, "127.0.0.1", 0, metrics_token="scrape-me", metrics_cache_seconds=60)
    await ops.start()
    base = f"http://127.0.0.1:{ops.bound_port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/metrics") as response:
                assert response.status == 401
            async with http.get(
                f"{base}/metrics", headers={"Authorization": "Bearer wrong\u00e9"}
            ) as response:
                assert response.status == 401
            for _ in range(16):
                async with http.get(
                    f"{base}/metrics", headers={"Authorization": "Bearer scrape-me"}
                ) as response:
                    assert response.status == 200
                    assert "staffroom" in await response.text()
    finally:
        await ops.stop()
    assert ops.outbox_queries == 1  # sixteen scrapes, one outbox query


def test_the_ops_server_listens_locally_by_default() -> None:
    from core.config import Settings

    assert Settings().server.host == "127.0.0.1"
