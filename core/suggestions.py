"""Suggestions while a parameter is being typed (Discord's autocomplete), platform-free.

A feature contributes :class:`SuggestionSource` values: which parameters each serves and what to
offer for the text typed so far (community slugs, resource tags, the member's own ids). The app
asks its sources in feature order; the first that applies serves the parameter. Sources read the
database only, and never create accounts. Built in: long choice lists (more than a platform can
show as static choices).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

if TYPE_CHECKING:
    from core.commands import Command, Param
    from core.config import Settings
    from core.feature import Feature

STATIC_CHOICES = 25
"""Choice lists longer than this are offered as suggestions rather than fixed choices."""

Suggestion = tuple[str, str | int]
"""What the member sees, and the value the parameter gets."""


@dataclass(frozen=True, slots=True)
class Typed:
    """One request: who asks (member id, None before first contact) and the text so far."""

    settings: Settings
    member_id: int | None
    command: Command
    param: Param
    text: str


@dataclass(frozen=True, slots=True)
class SuggestionSource:
    """Offers values for the parameters it ``applies`` to."""

    name: str
    applies: Callable[[Command, Param], bool]
    suggest: Callable[[Session, Typed], list[Suggestion]]


IdSource = Callable[[Session, int, str], list[Suggestion]]
"""A member's own ids for one parameter: (session, member id, typed text) -> suggestions."""


def id_source(name: str, params: Iterable[tuple[str, str]], rows: IdSource) -> SuggestionSource:
    """A source offering the member's own ids for the given (command, parameter) pairs."""
    served = frozenset(params)

    def suggest(session: Session, typed: Typed) -> list[Suggestion]:
        if typed.member_id is None:
            return []
        return rows(session, typed.member_id, typed.text)

    return SuggestionSource(name, lambda c, p: (c.name, p.name) in served, suggest)


def matches(typed: str, *candidates: str) -> bool:
    """Nothing typed yet, or the typed text appears in one of the candidates."""
    word = typed.strip().lower()
    return not word or any(word in c.lower() for c in candidates)


def id_matches(typed: str, row_id: Any, *texts: str) -> bool:
    """The typed text starts the id (``#12`` or ``12``) or appears in one of the texts."""
    word = typed.strip().lstrip("#")
    return not word or str(row_id).startswith(word) or matches(word, *texts)


def _long_choices(session: Session, typed: Typed) -> list[Suggestion]:
    return [(c, c) for c in typed.param.choices if matches(typed.text, c)]


LONG_CHOICES = SuggestionSource(
    "choices", lambda c, p: len(p.choices) > STATIC_CHOICES, _long_choices
)


def sources_of(features: Iterable[Feature]) -> tuple[SuggestionSource, ...]:
    """The features' sources in feature order, then the built-in ones."""
    return (*(source for feature in features for source in feature.suggestions), LONG_CHOICES)


def source_for(
    sources: Sequence[SuggestionSource], command: Command, param: Param
) -> SuggestionSource | None:
    """The source serving this parameter, or None when nothing is offered for it."""
    return next((s for s in sources if s.applies(command, param)), None)
