"""Every shipped catalogue is complete and keeps each message's placeholders and spacing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core.i18n import LOCALE_DIR, available_languages

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TEMPLATE = LOCALE_DIR / "staffroom.pot"


def _catalogues() -> list[Path]:
    return sorted(
        p
        for p in LOCALE_DIR.glob("*/LC_MESSAGES/staffroom.po")
        if p.parent.parent.name != "en" and (p.with_suffix(".mo")).exists()
    )


def _ids(path: Path) -> set[str]:
    with path.open("rb") as file:
        return {str(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(file) if m.id}


def test_the_shipped_languages_are_available() -> None:
    assert {"en", "es"} <= set(available_languages())


@pytest.mark.parametrize("path", _catalogues(), ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated_with_its_placeholders(path: Path) -> None:
    assert _ids(path) == _ids(TEMPLATE), "run `make messages` and translate the new strings"
    with path.open("rb") as file:
        catalogue = read_po(file)
    problems: list[str] = []
    for message in catalogue:
        if not message.id:
            continue
        sources = [message.id] if isinstance(message.id, str) else list(message.id)
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        for index, form in enumerate(forms):
            source = sources[min(index, len(sources) - 1)]
            if not form:
                problems.append(f"untranslated: {source!r}")
                continue
            found = set(PLACEHOLDER.findall(form))
            allowed = set(PLACEHOLDER.findall(" ".join(sources)))
            wanted = set(PLACEHOLDER.findall(source))
            if index == 0 and len(sources) > 1:
                wanted -= {"{n}"}  # "one activity" may say the number in words
            if found - allowed:
                problems.append(f"unknown placeholder in {form!r}")
            elif wanted - found:
                problems.append(f"placeholder lost: {source!r} -> {form!r}")
            if (
                form[:1].isspace() != source[:1].isspace()
                or form[-1:].isspace() != source[-1:].isspace()
            ):
                problems.append(f"spacing differs: {source!r} -> {form!r}")
    assert problems == []
