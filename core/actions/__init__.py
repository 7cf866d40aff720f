"""Button payloads too long for a platform, kept server-side under short keys.

A key holds a command's text, never who may run it; it is not member data (a button runs as
whoever presses it), so the feature has no privacy participant.
"""

from __future__ import annotations

from core.actions.models import ActionKey
from core.feature import Feature

FEATURE = Feature(name="actions", tables=(ActionKey,))
