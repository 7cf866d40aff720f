"""What a feature is: one value listing everything it contributes to a Staffroom.

Each feature package ends its ``__init__.py`` with ``FEATURE = Feature(...)``, and
``core/features.py`` lists them in order. Nothing registers itself on import: an app
(:class:`core.app.Staffroom`) is built from a tuple of features, and builds its own command
registry, privacy set, schedule kinds, digest sections and suggestion sources from them, so two
apps (or a test with an extra feature) never share state.

The order of the features is the order of ``privacy export``; deletion and merging run in
reverse, so a feature cleans up before the features it builds on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlmodel import SQLModel

    from core.commands import Command, MessageHandler
    from core.delivery.kinds import DigestSection, Producer
    from core.privacy.registry import MemberData
    from core.suggestions import SuggestionSource

TimezoneHook = Callable[[Session, int], None]
"""Called inside the transaction that changed a member's timezone, with the member id."""

AcquaintanceHook = Callable[[Session, int, int], bool]
"""True when two members share something in this feature (a workspace, a community), so each
may see the other's profile. Strangers see nothing of each other."""


@dataclass(frozen=True, slots=True)
class Feature:
    """Everything one feature contributes. Every field but ``name`` is optional."""

    name: str
    groups: Mapping[str, str] = field(default_factory=dict)
    """Command groups it owns, with their help (marked with ``N_``)."""
    commands: tuple[Command, ...] = ()
    on_message: tuple[MessageHandler, ...] = ()
    """Offered free text sent to the bot that is not a command, in feature order."""
    data: MemberData | None = None
    """Its part in privacy export, delete and merge; required when its tables hold member data."""
    kinds: Mapping[str, Producer] = field(default_factory=dict)
    """Schedule kinds it produces messages for."""
    digest_sections: tuple[DigestSection, ...] = ()
    suggestions: tuple[SuggestionSource, ...] = ()
    """Values to offer while a parameter is typed (Discord autocomplete)."""
    on_timezone_change: tuple[TimezoneHook, ...] = ()
    acquainted: tuple[AcquaintanceHook, ...] = ()
    tables: tuple[type[SQLModel], ...] = ()


def tables_of(features: Iterable[Feature]) -> list[type[SQLModel]]:
    """Every table the features declare, in feature order."""
    return [table for feature in features for table in feature.tables]
