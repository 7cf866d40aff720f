"""The one error every platform adapter raises when its settings are missing or contradictory."""

from __future__ import annotations

from core.config import ConfigError


class PlatformNotConfigured(ConfigError):
    """A platform cannot start with these settings; the message names the setting to set."""
