"""Command descriptions in every language Discord and Staffroom share, from the catalogues.

discord.py asks the tree's :class:`~discord.app_commands.Translator` for each string of each
command, once per Discord locale, as the tree is synced; the answers become the payload's
``description_localizations`` and ``name_localizations``. This one reads Staffroom's own gettext
catalogues (:mod:`core.i18n`), so a school that adds a language to them gets it on Discord too.

What is localised: command, group and option descriptions, and the names shown for an option's
choices (their values stay the English words the core reads). What is not: command, group and
option names. Members type them as they are shown in help, in the docs and by colleagues on
other platforms, so they are the same words in every language. A Discord locale Staffroom has no
catalogue for (and Welsh, which Discord does not offer) gets the default, the description in the
install's language; so does a locale whose text would be that default anyway.

Each translatable string is a ``locale_str`` whose message is the default text sent to Discord
and whose ``msgid`` extra is the catalogue's source text (``tree.describe`` makes them).
"""

from __future__ import annotations

from discord import Locale, app_commands
from discord.app_commands import TranslationContextLocation, TranslationContextTypes, locale_str

from adapters.text import shorten
from core.i18n import _, language, match_language

TEXT_LIMIT = 100
"""Discord's limit on a description and on a choice's name alike."""

TRANSLATED = frozenset(
    {
        TranslationContextLocation.command_description,
        TranslationContextLocation.group_description,
        TranslationContextLocation.parameter_description,
        TranslationContextLocation.choice_name,
    }
)
"""Where a translation is given; names are left out on purpose (see the module's docstring)."""


def fit(text: str) -> str:
    """Text on one line within Discord's limit (catalogue entries may wrap)."""
    return shorten(" ".join(text.split()), TEXT_LIMIT)


class CatalogueTranslator(app_commands.Translator):
    """A discord.py translator answering from Staffroom's gettext catalogues."""

    async def translate(
        self, string: locale_str, locale: Locale, context: TranslationContextTypes
    ) -> str | None:
        """The string in ``locale``'s catalogue language, or None to keep the default."""
        msgid = string.extras.get("msgid")
        if context.location not in TRANSLATED or not isinstance(msgid, str) or not msgid:
            return None
        spoken = match_language(locale.value)
        if spoken is None:
            return None
        with language(spoken):
            shown = fit(_(msgid))
        return shown if shown and shown != string.message else None
