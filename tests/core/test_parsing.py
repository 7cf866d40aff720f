"""The text grammar: quotes, key=value, #tags; and no input string crashes the parser."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Annotated

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.app import build_registry
from core.commands import Arg, CommandRegistry, command
from core.errors import UserError
from core.features import FEATURES
from core.params import ConvertContext, Kind
from core.parsing import ParseError, split_args, tokenize
from core.reply import Reply

REGISTRY = build_registry(FEATURES)

CTX = ConvertContext(now=datetime(2026, 11, 23, 10, tzinfo=UTC), timezone="Europe/London")


def words(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


def test_quotes_keep_phrases_together() -> None:
    assert words('cpd log 1.5 "Formative assessment workshop" category=course') == [
        "cpd",
        "log",
        "1.5",
        "Formative assessment workshop",
        "category=course",
    ]


def test_typographic_quotes_from_phones_count() -> None:
    assert words("resource search “exit tickets”") == ["resource", "search", "exit tickets"]


def test_apostrophe_inside_a_word_is_a_letter() -> None:
    assert words("profile set bio=don't") == ["profile", "set", "bio=don't"]


def test_quoted_value_after_key() -> None:
    args = split_args(tokenize('category="online learning" #Assessment "#not-a-tag" "a=b"'))
    assert args.keyword == {"category": "online learning"}
    assert args.tags == ["assessment"]
    assert args.positional == ["#not-a-tag", "a=b"]


def test_hash_number_is_an_id_not_a_tag() -> None:
    args = split_args(tokenize("profile show #12 #maths"))
    assert args.positional == ["profile", "show", "#12"]
    assert args.tags == ["maths"]


def test_unclosed_quote_is_a_friendly_error() -> None:
    with pytest.raises(ParseError, match="closing"):
        tokenize('cpd log 1 "unfinished')


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_no_string_crashes_the_tokenizer(text: str) -> None:
    try:
        tokens = tokenize(text)
    except ParseError:
        return
    split_args(tokens)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20
        ).filter(lambda s: '"' not in s and not s.isspace()),
        max_size=6,
    )
)
def test_quoted_phrases_round_trip(phrases: list[str]) -> None:
    phrases = [p.strip() for p in phrases if p.strip() and not any(q in p for q in "\"'“”‘’«»")]
    text = " ".join(f'"{p}"' for p in phrases)
    assert words(text) == phrases


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_no_string_crashes_binding_against_any_command(text: str) -> None:
    for declared in REGISTRY.commands.values():
        with contextlib.suppress(UserError):
            declared.bind(split_args(tokenize(text)), CTX)


def test_binding_positional_keyword_and_tags() -> None:
    @command("resource share", help="")
    def share(
        ctx: object,
        *,
        url: Annotated[str, Arg(kind=Kind.URL)],
        title: Annotated[str, Arg()],
        tags: Annotated[list[str] | None, Arg(kind=Kind.TAGS)] = None,
        community: Annotated[str | None, Arg(kind=Kind.COMMUNITY, positional=False)] = None,
    ) -> Reply:
        return Reply.message("shared")

    registry = CommandRegistry()
    registry.add(share)
    command_, rest = registry.resolve(
        words('resource share https://x.org "Exit tickets" #a #b community=Maths')
    )  # type: ignore[misc]
    values = command_.bind(
        split_args(tokenize(" ".join(f'"{w}"' if " " in w else w for w in rest))), CTX
    )
    assert values == {
        "url": "https://x.org",
        "title": "Exit tickets",
        "tags": ["a", "b"],
        "community": "maths",
    }


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1.5", 1.5),
        ("90m", 1.5),
        ("1h30", 1.5),
        ("1h 30m", 1.5),
        ("2 hours", 2.0),
        ("45 min", 0.75),
    ],
)
def test_hours_forms(text: str, expected: float) -> None:
    from core.params import parse_hours

    assert parse_hours(text, "hours") == expected


@pytest.mark.parametrize("text", ["", "abc", "-1", "0", "1x", "nan"])
def test_bad_hours(text: str) -> None:
    from core.params import BadValue, parse_hours

    with pytest.raises(BadValue):
        parse_hours(text, "hours")


def test_natural_dates_use_the_member_timezone() -> None:
    from core.params import parse_date

    assert str(parse_date("yesterday", "date", CTX)) == "2026-11-22"
    assert str(parse_date("last friday", "date", CTX)) == "2026-11-20"
    assert str(parse_date("2026-09-14", "date", CTX)) == "2026-09-14"
