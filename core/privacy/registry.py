"""The privacy contract: every service that stores member data can export, delete and merge it.

Each feature whose tables hold member data names one :class:`MemberData` participant in its
``Feature(data=...)``; the app builds its :class:`PrivacyRegistry` from them, in feature order. ``privacy export`` gathers every
participant's export into one JSON file; ``privacy delete`` asks every participant to delete, then
removes the member; linking two accounts asks every participant to merge one member into the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlmodel import Session


class MemberData(Protocol):
    """A feature's part in export, deletion and merging of one member's data."""

    name: str

    def export(self, session: Session, member_id: int) -> Any:
        """Everything this feature holds about the member, as JSON-compatible data."""
        ...

    def delete(self, session: Session, member_id: int) -> None:
        """Remove everything this feature holds about the member."""
        ...

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        """Move the data of ``source_id`` to ``target_id`` (two accounts of one person)."""
        ...


@dataclass(slots=True)
class PrivacyRegistry:
    participants: list[MemberData] = field(default_factory=list)

    def register(self, participant: MemberData) -> MemberData:
        if any(p.name == participant.name for p in self.participants):
            raise ValueError(f"privacy participant {participant.name!r} registered twice")
        self.participants.append(participant)
        return participant

    def export(self, session: Session, member_id: int) -> dict[str, Any]:
        return {p.name: p.export(session, member_id) for p in self.participants}

    def delete(self, session: Session, member_id: int) -> None:
        # Features first (newest first, so later features clean up before what they build on).
        for participant in reversed(self.participants):
            participant.delete(session, member_id)
            session.flush()

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        # Newest first as well, so the profile (registered first) removes the old member last.
        for participant in reversed(self.participants):
            participant.merge(session, source_id, target_id)
            session.flush()
