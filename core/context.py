"""What a command handler works with: the session, the person, the request and the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.identity.models import Account, AuditEntry, Member
from core.invocation import Invocation

if TYPE_CHECKING:
    from core.app import Staffroom
    from core.config import Settings


@dataclass(slots=True)
class Context:
    """Everything a handler needs; one per command, inside one database transaction."""

    app: Staffroom
    session: Session
    member: Member
    account: Account
    invocation: Invocation
    now: datetime

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def member_id(self) -> int:
        assert self.member.id is not None
        return self.member.id

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.member.timezone)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.zone)

    @property
    def is_admin(self) -> bool:
        key = ":".join(self.invocation.account_key)
        return key in self.app.settings.staffroom.admins

    def audit(self, action: str, **detail: object) -> None:
        """Record something an operator or the member may need explained later."""
        self.session.add(
            AuditEntry(at=self.now, member_id=self.member.id, action=action, detail=dict(detail))
        )
