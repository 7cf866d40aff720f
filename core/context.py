"""What a command handler works with: the session, the person, the request, and the parts of the
app a handler may need (its settings, its command registry, its privacy set, its timezone hooks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session

from core.invocation import Invocation

if TYPE_CHECKING:
    from core.commands import CommandRegistry
    from core.config import Settings
    from core.feature import AcquaintanceHook, TimezoneHook
    from core.identity.models import Account, Member
    from core.privacy.registry import PrivacyRegistry


@dataclass(slots=True)
class Context:
    """Everything a handler needs; one per command, inside one database transaction."""

    session: Session
    member: Member
    account: Account
    invocation: Invocation
    now: datetime
    settings: Settings
    registry: CommandRegistry
    privacy: PrivacyRegistry
    timezone_hooks: Sequence[TimezoneHook] = ()
    acquaintance_hooks: Sequence[AcquaintanceHook] = ()

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
        return key in self.settings.staffroom.admins

    def may_see(self, member_id: int) -> bool:
        """Whether this member may see another's profile: themselves, or someone they share a
        workspace or a community with."""
        if member_id == self.member_id:
            return True
        return any(
            hook(self.session, self.member_id, member_id) for hook in self.acquaintance_hooks
        )

    def timezone_changed(self) -> None:
        """Tell every feature that follows the member's clock (inside this transaction)."""
        for hook in self.timezone_hooks:
            hook(self.session, self.member_id)

    def audit(self, action: str, **detail: object) -> None:
        """Record something an operator or the member may need explained later."""
        from core.identity.models import AuditEntry  # the identity feature imports this module

        self.session.add(
            AuditEntry(at=self.now, member_id=self.member.id, action=action, detail=dict(detail))
        )
