"""Configuration of the delivery engine (section ``[delivery]``)."""

from __future__ import annotations

from pydantic import Field

from core.config_section import Section


class DeliverySettings(Section):
    grace_minutes: int = Field(default=120, ge=1, le=7 * 24 * 60)
    """After downtime, occurrences older than this are skipped; the latest within it is sent once."""
    plan_interval_seconds: float = Field(default=30.0, gt=0, le=3600)
    deliver_interval_seconds: float = Field(default=1.0, gt=0, le=600)
    lease_seconds: int = Field(default=120, ge=5, le=3600)
    batch_size: int = Field(default=200, ge=1, le=10000)
    max_attempts: int = Field(default=8, ge=1, le=50)
    backoff_base_seconds: float = Field(default=2.0, gt=0, le=600)
    backoff_max_seconds: float = Field(default=900.0, gt=0, le=86400)
    telegram_per_second: float = Field(default=30.0, gt=0)
    telegram_per_chat_per_second: float = Field(default=1.0, gt=0)
    slack_per_channel_per_second: float = Field(default=1.0, gt=0)
    discord_per_second: float = Field(default=40.0, gt=0)
