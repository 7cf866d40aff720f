"""One translation function for every user-facing string.

Strings are marked with ``_("...")`` and looked up in gettext catalogues under ``core/locale``.
English is the source language, so a missing catalogue falls back to the text as written; adding a
language means adding ``locale/<lang>/LC_MESSAGES/staffroom.po`` (compiled to ``.mo``), not code.
"""

from __future__ import annotations

import gettext
from contextvars import ContextVar
from functools import cache
from pathlib import Path

DOMAIN = "staffroom"
LOCALE_DIR = Path(__file__).parent / "locale"

_current_language: ContextVar[str] = ContextVar("staffroom_language", default="en")


@cache
def _translations(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def set_language(language: str) -> None:
    """Choose the catalogue used by ``_`` in the current context (one command, one task)."""
    _current_language.set(language)


def _(message: str, /, **values: object) -> str:
    """Translate ``message`` and fill its ``{named}`` placeholders from ``values``."""
    text = _translations(_current_language.get()).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    """Translate a message whose form depends on the count ``n`` (available as ``{n}``)."""
    text = _translations(_current_language.get()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def available_languages() -> list[str]:
    """Languages with a compiled catalogue (English is always available: it is the source)."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return sorted(found | {"en"})
