"""The Messenger port each adapter implements, and the failures it reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.reply import Reply


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a message goes on one platform: a person's DM or a channel."""

    platform: str
    tenant: str
    user_id: str | None = None
    channel_id: str | None = None
    delivery: str | None = None
    """A stable id of this delivery (the outbox row): sending it again after a crash gives the
    same id, so a platform that de-duplicates (Discord's ``enforce_nonce``) collapses the repeat."""

    @property
    def is_direct(self) -> bool:
        return self.user_id is not None


class DeliveryError(Exception):
    """Base of the failures a Messenger reports."""


class RetryAfter(DeliveryError):
    """The platform asked us to slow down (429): try again after ``seconds``."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(detail or f"rate limited; retry after {seconds}s")
        self.seconds = seconds


class TransientFailure(DeliveryError):
    """A 5xx, a timeout, a dropped connection: worth retrying with backoff."""


class PermanentFailure(DeliveryError):
    """Retrying cannot help: the bot was blocked, the user or channel is gone."""


class Messenger(Protocol):
    """Sends a Reply to a recipient on one platform and returns the platform's message id."""

    platform: str

    async def send(self, recipient: Recipient, reply: Reply) -> str: ...
