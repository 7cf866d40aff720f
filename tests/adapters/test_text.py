"""Fitting text into platform limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.text import shorten, split_lines


def test_shorten() -> None:
    assert shorten("abc", 3) == "abc"
    assert shorten("abcd", 3) == "ab…"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab &;\n", max_size=400), st.integers(min_value=8, max_value=50))
def test_pieces_fit_and_keep_every_character(text: str, limit: int) -> None:
    def keep_amp(line: str, cut: int) -> int:
        amp = line.rfind("&", max(0, cut - 5), cut)
        return amp if amp != -1 and ";" not in line[amp:cut] else cut

    pieces = split_lines(text, limit, safe_cut=keep_amp)
    assert all(len(p) <= limit for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )
