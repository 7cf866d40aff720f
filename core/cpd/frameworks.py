"""Standards frameworks an activity can be mapped to, shipped as JSON data files in this package.

A framework file is ``framework_<id with underscores>.json`` holding an id, a name, a source and a
list of standards (code and official short title). Codes are matched case-insensitively and must be
unique across the frameworks an organisation enables, so ``standards=TS1,ASSESS`` is unambiguous.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from core.i18n import _
from core.params import BadValue


@dataclass(frozen=True, slots=True)
class Standard:
    """One standard: its code (``TS4``), official short title and framework name."""

    code: str
    title: str
    framework: str


@dataclass(frozen=True, slots=True)
class Framework:
    """A set of standards, such as England's Teachers' Standards."""

    id: str
    name: str
    source: str
    standards: tuple[Standard, ...]


@cache
def load_framework(framework_id: str) -> Framework:
    """The framework shipped as ``framework_<id>.json``; ValueError names the ones that exist."""
    filename = f"framework_{framework_id.replace('-', '_')}.json"
    package = resources.files("core.cpd")
    if not package.joinpath(filename).is_file():
        shipped = sorted(
            f.name[len("framework_") : -len(".json")].replace("_", "-")
            for f in package.iterdir()
            if f.name.startswith("framework_") and f.name.endswith(".json")
        )
        raise ValueError(
            f"unknown standards framework {framework_id!r}; shipped: {', '.join(shipped)}"
        )
    data = json.loads(package.joinpath(filename).read_text(encoding="utf-8"))
    standards = tuple(
        Standard(code=s["code"], title=s["title"], framework=data["name"])
        for s in data["standards"]
    )
    return Framework(id=data["id"], name=data["name"], source=data["source"], standards=standards)


def catalogue(framework_ids: list[str]) -> dict[str, Standard]:
    """Every enabled standard by upper-case code, in framework order."""
    found: dict[str, Standard] = {}
    for framework_id in framework_ids:
        for standard in load_framework(framework_id).standards:
            found.setdefault(standard.code.upper(), standard)
    return found


def parse_standards(text: str, framework_ids: list[str]) -> list[str]:
    """Codes from ``TS1,TS4`` or ``ts1 ts4``, checked against the enabled frameworks."""
    known = catalogue(framework_ids)
    codes: list[str] = []
    for word in text.replace(",", " ").replace(";", " ").split():
        standard = known.get(word.strip().upper())
        if standard is None:
            raise BadValue(
                _(
                    "{code} is not a standard I know. Use codes like {examples}; "
                    "send cpd standards to see them all.",
                    code=word[:20],
                    examples=", ".join(list(known)[:3]),
                ),
                "standards",
            )
        if standard.code not in codes:
            codes.append(standard.code)
    return codes
