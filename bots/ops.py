"""The operations HTTP server: /healthz and /metrics, plus the routes platform adapters mount
(Slack's HTTP endpoint, Telegram's webhook) so one port serves a front-end process."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from core.app import Staffroom
from core.delivery import outbox_report

log = logging.getLogger("staffroom.ops")

HealthCheck = Callable[[], Awaitable[bool]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class OpsServer:
    """An aiohttp server on ``[server] host/port``. Add checks and routes before ``start()``."""

    def __init__(
        self,
        app: Staffroom,
        host: str,
        port: int,
        *,
        metrics_token: str | None = None,
        metrics_cache_seconds: float = 5.0,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.metrics_token = metrics_token
        self.metrics_cache_seconds = metrics_cache_seconds
        self._gauges_at: float | None = None
        self._gauges_lock = asyncio.Lock()
        self.outbox_queries = 0
        """How many times /metrics read the outbox (the cache keeps this low)."""
        self.checks: dict[str, HealthCheck] = {"database": self._database_ok}
        self.draining = False
        self.web_app = web.Application(client_max_size=1024 * 1024, middlewares=[self._drain])
        self.web_app.router.add_get("/healthz", self._healthz)
        self.web_app.router.add_get("/metrics", self._metrics)
        self._runner: web.AppRunner | None = None
        self.bound_port: int | None = None

    def add_check(self, name: str, check: HealthCheck) -> None:
        self.checks[name] = check

    def drain(self) -> None:
        """Stop taking platform events: they get 503, which Slack and Telegram retry later (on
        another instance behind the load balancer), instead of a 200 for work never done."""
        self.draining = True

    @web.middleware
    async def _drain(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.draining and request.path not in ("/healthz", "/metrics"):
            return web.Response(status=503, text="shutting down", headers={"Retry-After": "5"})
        return await handler(request)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        addresses = self._runner.addresses  # the real port when configured as 0
        self.bound_port = int(addresses[0][1]) if addresses else self.port
        log.info("ops server listening", extra={"host": self.host, "port": self.bound_port})

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _database_ok(self) -> bool:
        def ping() -> bool:
            with self.app.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True

        return await asyncio.to_thread(ping)

    async def _healthz(self, _request: web.Request) -> web.Response:
        results: dict[str, str] = {}
        for name, check in self.checks.items():
            try:
                ok = await asyncio.wait_for(check(), timeout=5)
            except Exception as exc:  # a failing check is reported, never raised
                log.warning("health check failed", extra={"check": name, "error": repr(exc)})
                ok = False
            results[name] = "ok" if ok else "failing"
        healthy = all(v == "ok" for v in results.values())
        return web.json_response(
            {"status": "ok" if healthy else "failing", "checks": results},
            status=200 if healthy else 503,
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        if self.metrics_token is not None:
            given = request.headers.get("Authorization", "")
            expected = f"Bearer {self.metrics_token}"
            if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode()):
                return web.Response(status=401, text="metrics need the bearer token")
        await self._refresh_gauges()
        body = generate_latest()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _refresh_gauges(self) -> None:
        """Read the outbox depth at most once per ``metrics_cache_seconds``, however many
        scrapers ask at once (a front-end runs no housekeeping job to keep it fresh)."""
        async with self._gauges_lock:
            now = time.monotonic()
            if self._gauges_at is not None and now - self._gauges_at < self.metrics_cache_seconds:
                return
            try:
                self.outbox_queries += 1
                await asyncio.to_thread(outbox_report, self.app.engine, failures=0)
            except Exception as exc:  # the other metrics are still worth serving
                log.warning("outbox depth unavailable", extra={"error": repr(exc)})
            self._gauges_at = time.monotonic()
