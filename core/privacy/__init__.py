"""The privacy feature: a member's export and deletion of everything Staffroom holds."""

from __future__ import annotations

from core.commands import N_
from core.feature import Feature
from core.privacy import commands

FEATURE = Feature(
    name="privacy",
    groups={"privacy": N_("Export everything Staffroom holds about you, or delete it.")},
    commands=(commands.privacy_export, commands.privacy_delete),
)
