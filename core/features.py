"""Loads every feature, so its commands, privacy participant and schedule kinds are registered."""

from __future__ import annotations

import importlib
from functools import cache

FEATURES = (
    "core.help",
    "core.identity.commands",
    "core.privacy.commands",
)


@cache
def load_features() -> None:
    """Import each feature module once; registration happens at import."""
    from core.identity.service import IDENTITY_DATA
    from core.privacy.registry import PRIVACY

    if IDENTITY_DATA not in PRIVACY.participants:
        PRIVACY.register(IDENTITY_DATA)
    for module in FEATURES:
        importlib.import_module(module)
