"""Every table, loaded in one place so the metadata (and Alembic) sees the whole schema."""

from __future__ import annotations

from sqlmodel import SQLModel

from core.features import load_models

load_models()
metadata = SQLModel.metadata

__all__ = ["metadata"]
