"""Every table, imported in one place so the metadata (and Alembic) sees the whole schema."""

from __future__ import annotations

from sqlmodel import SQLModel

from core.delivery.models import OutboxMessage, Schedule
from core.identity.models import Account, AuditEntry, LinkAttempt, LinkCode, Member

metadata = SQLModel.metadata

__all__ = [
    "Account",
    "AuditEntry",
    "LinkAttempt",
    "LinkCode",
    "Member",
    "OutboxMessage",
    "Schedule",
    "metadata",
]
