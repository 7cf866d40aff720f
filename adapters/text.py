"""Fitting text into a platform's limits: shortening with an ellipsis, and splitting long text
into pieces at line ends without breaking the platform's escapes."""

from __future__ import annotations

from collections.abc import Callable

SafeCut = Callable[[str, int], int]
"""Given a line and a proposed cut index, an index at or before it that splits no escape."""


def shorten(text: str, limit: int) -> str:
    """``text`` if it fits, else its start with an ellipsis, ``limit`` characters in all."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _anywhere(_line: str, cut: int) -> int:
    return cut


def split_lines(text: str, limit: int, *, safe_cut: SafeCut = _anywhere) -> list[str]:
    """Pieces of at most ``limit`` characters, split at line ends; a line longer than the limit
    is split at a space in its second half (or anywhere), moved back by ``safe_cut`` so that an
    escape is never cut in two. Empty text gives one empty piece."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            cut = safe_cut(line, cut) or cut  # an escape at the very start: cut through it
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces
