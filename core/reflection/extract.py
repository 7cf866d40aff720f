"""Babel extractor for the reflection prompt library, so its questions are translated like every
other string (``babel.cfg`` names it for ``core/reflection/prompts/*.toml``).

Each model's name and summary, each stage's title and every prompt becomes a msgid, exactly as
:mod:`core.reflection.library` looks it up (whitespace folded, as the library folds it).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import IO, Any


def extract_prompts(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield ``(lineno, funcname, message, comments)`` for every translatable text in one file.

    TOML keeps no line numbers, so each message gets the line where its text first appears.
    """
    source = fileobj.read().decode("utf-8")
    raw = tomllib.loads(source)
    lines = source.splitlines()

    def line_of(text: str) -> int:
        probe = text[:40]
        return next((n for n, line in enumerate(lines, 1) if probe in line), 1)

    texts = [raw["name"], raw["summary"]]
    for stage in raw["stages"]:
        texts.append(stage["title"])
        texts.extend(stage["prompts"])
    for text in texts:
        yield line_of(text), "_", " ".join(text.split()), []
