"""Every table, loaded in one place so the metadata (and Alembic) sees the whole schema."""

from __future__ import annotations

from sqlmodel import SQLModel

from core.features import TABLES

metadata = SQLModel.metadata
"""The schema of every feature's ``tables`` (importing :data:`TABLES` loads them)."""

__all__ = ["TABLES", "metadata"]
