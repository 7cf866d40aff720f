"""Prometheus metrics for commands and deliveries (exposed by the bot's /metrics endpoint)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

COMMANDS = Counter(
    "staffroom_commands_total", "Commands handled, by command and outcome", ["command", "outcome"]
)
COMMAND_SECONDS = Histogram(
    "staffroom_command_seconds",
    "Time to handle a command",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
DELIVERIES = Counter(
    "staffroom_deliveries_total",
    "Outbox deliveries, by platform and result",
    ["platform", "result"],
)
OUTBOX_DEPTH = Gauge("staffroom_outbox_pending", "Outbox rows waiting to be sent")


def record_command(command: str, outcome: str, seconds: float) -> None:
    COMMANDS.labels(command=command, outcome=outcome).inc()
    COMMAND_SECONDS.observe(seconds)
