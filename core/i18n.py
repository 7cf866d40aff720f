"""One translation function for every user-facing string.

Strings are marked with ``_("...")`` and looked up in gettext catalogues under ``core/locale``.
English is the source language, so a missing catalogue falls back to the text as written; adding a
language means adding ``locale/<lang>/LC_MESSAGES/staffroom.po`` (compiled to ``.mo``), not code.
"""

from __future__ import annotations

import gettext
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
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


def current_language() -> str:
    """The language replies are being built in (the member's, or a recipient's)."""
    return _current_language.get()


MOMENT_PATTERN = "EEE dd MMM yyyy, HH:mm"
"""How a moment reads (``Tue 01 Dec 2026, 16:00`` in English), with the day and month names of the
reader's language (Babel's CLDR data: ``mar 01 dic 2026`` in Spanish)."""


def format_moment(local: datetime, pattern: str = MOMENT_PATTERN) -> str:
    """A moment already on the reader's clock, in the words of the current language."""
    from babel.dates import format_datetime  # imported lazily: only replies with dates need it

    return str(format_datetime(local, pattern, locale=_locale()))


def format_day(day: date, pattern: str = "long") -> str:
    """A day in words (``3 November 2026``, ``3 de noviembre de 2026``): where digits could be
    read two ways, the words cannot. ``pattern`` is a CLDR pattern or width."""
    from babel.dates import format_date

    return str(format_date(day, pattern, locale=_locale()))


def format_number(value: float, digits: int = 2) -> str:
    """A number as the reader writes it: ``1.5`` and ``1,234`` in English, ``1,5`` and ``1234``
    in Spanish, ``1,5`` and ``1 234`` in French. At most ``digits`` decimals, none trailing
    (``2`` not ``2.0``). For what people read, never for a command line a button runs."""
    from babel.numbers import format_decimal

    return str(format_decimal(round(value, digits), locale=_locale()))


def format_amount(value: float) -> str:
    """A sum of money as the reader writes it, always with two decimals (``1,250.00``,
    ``1.250,00``, ``1 250,00``). The currency is not known here, so none is shown."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, format="#,##0.00", locale=_locale()))


def format_percent(ratio: float) -> str:
    """A share of a whole (``0.75``) as the reader writes percentages: ``75%``, ``75 %``."""
    from babel.numbers import format_percent as babel_percent

    return str(babel_percent(ratio, locale=_locale()))


def _locale() -> str:
    code = _current_language.get()
    return "en_GB" if code == "en" else code


def available_languages() -> list[str]:
    """Languages with a compiled catalogue (English is always available: it is the source)."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return sorted(found | {"en"})


@contextmanager
def language(code: str | None) -> Iterator[None]:
    """Translate with ``code`` inside the block (a message built for someone else: its
    recipient's language), then go back to the language before."""
    token = _current_language.set(code or _current_language.get())
    try:
        yield
    finally:
        _current_language.reset(token)


LANGUAGE_NAMES = {
    "en": ("English", "english", "anglais", "inglés", "saesneg"),
    "es": ("Español", "spanish", "espagnol", "castellano", "sbaeneg"),
    "fr": ("Français", "french", "francés", "ffrangeg"),
    "cy": ("Cymraeg", "welsh", "gallois", "galés"),
}
"""Each shipped language: its own name first, then what people may call it."""


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def match_language(given: str | None) -> str | None:
    """The catalogue for a language name or code (``Español``, ``es``, ``es-ES``, ``es_419``,
    ``french``), or None when Staffroom has no catalogue for it."""
    if not given:
        return None
    word = _plain(given).replace("_", "-")
    known = available_languages()
    base = word.split("-")[0]
    if base in known:
        return base
    for code, names in LANGUAGE_NAMES.items():
        if code in known and word in {_plain(n) for n in names}:
            return code
    return None


def language_name(code: str) -> str:
    """A language's name in itself (``Español``), or its code when unknown."""
    names = LANGUAGE_NAMES.get(code)
    return names[0] if names else code
