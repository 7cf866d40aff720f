"""User-facing text goes through gettext: the catalogue is current, and a new language needs
only a catalogue, no code."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import core.i18n
from core.app import Staffroom
from tests.talk import say, text_of

ROOT = Path(__file__).parents[2]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def test_every_message_in_the_code_is_in_the_template() -> None:
    with open(ROOT / "core/locale/staffroom.pot", "rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    in_code = set()
    for folder in ("core", "adapters", "bots"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            in_code.add(message if isinstance(message, str) else message[0])
    missing = sorted(in_code - template)
    assert not missing, f"run `make messages`: {len(missing)} new strings, e.g. {missing[:3]}"


def test_a_new_language_needs_only_a_catalogue(
    sqlite_app: Staffroom, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open(ROOT / "core/locale/staffroom.pot", "rb") as handle:
        catalogue = read_po(handle, locale="fr")
    catalogue.get("Staffroom will answer you in ").string = "Staffroom vous répondra en "
    catalogue.get("Profile updated").string = "Profil mis à jour"
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "staffroom.mo", "wb") as handle:
        write_mo(handle, catalogue)
    monkeypatch.setattr(core.i18n, "LOCALE_DIR", tmp_path)
    core.i18n._translations.cache_clear()
    try:
        refused = say(sqlite_app, "settings language de")
        assert refused.tone == "error" and "English (en), Français (fr)" in text_of(refused)
        assert "vous répondra" in text_of(say(sqlite_app, "settings language fr"))
        assert "Profil mis à jour" in text_of(say(sqlite_app, "profile set role=teacher"))
        assert "Profile updated" in text_of(say(sqlite_app, "profile set role=teacher", user="bo"))
    finally:
        core.i18n._translations.cache_clear()


def test_languages_are_matched_by_name_and_code() -> None:
    from core.i18n import match_language

    core.i18n._translations.cache_clear()
    assert match_language("en-GB") == "en" and match_language("English") == "en"
    assert match_language("klingon") is None and match_language(None) is None
    if "es" in core.i18n.available_languages():
        for given in ("Español", "espanol", "es", "es-ES", "es_419", "Spanish"):
            assert match_language(given) == "es", given


def test_numbers_are_written_the_readers_way() -> None:
    """One helper for every number a reply shows: decimals and grouping by the language."""
    from core.i18n import format_number, format_percent, language

    with language("en"):
        assert (format_number(1.5), format_number(2.0), format_number(1234.567)) == (
            "1.5",
            "2",
            "1,234.57",
        )
        assert format_percent(0.75) == "75%"
    with language("es"):
        assert (format_number(1.5), format_number(0.26, digits=1)) == ("1,5", "0,3")
        assert format_number(12345.5) == "12.345,5"
        assert format_percent(0.75) == "75\xa0%"
    with language("fr"):
        assert format_number(1.5) == "1,5" and format_number(1234.5) == "1\u202f234,5"
