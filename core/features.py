"""Loads every feature, so its tables, commands, privacy participant and schedule kinds register.

A feature is a package under ``core/`` with any of: ``models.py`` (tables), ``commands.py``
(commands; registers the feature's privacy participant and schedule kinds at import). The order
below is the order of privacy export; deletion and merging run in reverse, so a feature cleans up
before the features it builds on.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache

FEATURES = (
    "identity",
    "privacy",
    "actions",
    "delivery",
    "communities",
    "events",
    "resources",
    "cpd",
    "reflection",
    "mentoring",
)


def _modules(kind: str) -> list[str]:
    names = [f"core.{feature}.{kind}" for feature in FEATURES]
    return [name for name in names if importlib.util.find_spec(name) is not None]


@cache
def load_models() -> None:
    """Import every feature's tables (for the metadata and Alembic)."""
    for module in _modules("models"):
        importlib.import_module(module)


@cache
def load_features() -> None:
    """Import every feature's commands once; registration happens at import."""
    from core.identity.service import IDENTITY_DATA
    from core.privacy.registry import PRIVACY

    load_models()
    if IDENTITY_DATA not in PRIVACY.participants:
        PRIVACY.register(IDENTITY_DATA)
    importlib.import_module("core.help")
    for module in _modules("commands"):
        importlib.import_module(module)
