"""In-process notifications between features that should not import each other.

A feature that must react when another changes something subscribes here, e.g. the delivery engine
moves a member's future occurrences when ``timezone_changed`` fires.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlmodel import Session

T = TypeVar("T")


@dataclass(slots=True)
class Signal(Generic[T]):
    """A named list of receivers, each called inside the sender's transaction."""

    name: str
    receivers: list[Callable[[Session, T], None]] = field(default_factory=list)

    def connect(self, receiver: Callable[[Session, T], None]) -> Callable[[Session, T], None]:
        if receiver not in self.receivers:
            self.receivers.append(receiver)
        return receiver

    def send(self, session: Session, value: T) -> None:
        for receiver in self.receivers:
            receiver(session, value)


timezone_changed: Signal[int] = Signal("timezone_changed")
"""A member's timezone changed; the value is the member id."""
