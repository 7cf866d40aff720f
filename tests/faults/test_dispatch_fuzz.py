"""Random text and random structured arguments for every registered command, straight into the
dispatcher: always a reply (a friendly refusal at worst), never a crash, never a half-record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.app import (
    Staffroom,
    build_registry,
)
from core.clock import FixedClock
from core.features import FEATURES
from core.reply import Reply
from tests.conftest import make_settings
from tests.faults.support import assert_no_crash_logged, assert_whole_records
from tests.talk import run, say, tell

REGISTRY = build_registry(FEATURES)

pytestmark = [pytest.mark.fault, pytest.mark.timeout(120)]

COMMANDS = sorted(REGISTRY.commands.values(), key=lambda c: c.name)
NAMES = [c.name for c in COMMANDS]
USERS = ["ana", "ben", "boss"]
"""``boss`` is a Staffroom admin, so admin commands are exercised past their access check."""
CRASH = "Something went wrong on our side"
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Words that mean something to the grammar, mixed with anything at all.
WORD = st.one_of(
    st.sampled_from(
        ['"', "'", "=", "#", "key=", "=value", "#tag", "--", "\\", "@everyone", "<!channel>"]
    ),
    st.sampled_from(["1.5", "-3", "0", "1e308", "nan", "yesterday", "2026-02-30", "99:99"]),
    st.sampled_from(["maths-secondary", "TS1,TS4", "https://x.test/a", "Europe/London", "ana"]),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
)
LINE = st.lists(WORD, max_size=8).map(" ".join)
VALUE: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=40),
        WORD,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture
def fuzz_app(sqlite_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    """A Staffroom with room for many commands a minute and one admin."""
    app = Staffroom(
        make_settings(
            sqlite_url,
            limits={"commands_per_minute": 10_000},
            staffroom={"admins": ["console:local:boss"]},
        ),
        clock=clock,
    )
    # Something to act on: a community, a resource, a CPD activity.
    say(app, 'community create "Maths secondary"', user="ana")
    say(app, 'resource share "Exit tickets" https://example.test/exit #assessment', user="ana")
    say(app, 'cpd log 1.5 "Workshop" category=course', user="ben")
    yield app
    app.engine.dispose()


def check(reply: Reply) -> None:
    assert isinstance(reply, Reply)
    assert CRASH not in reply.plain_text(), reply.plain_text()


@FUZZ
@given(name=st.sampled_from(NAMES), rest=LINE, user=st.sampled_from(USERS))
def test_random_text_after_every_command(
    fuzz_app: Staffroom, caplog: pytest.LogCaptureFixture, name: str, rest: str, user: str
) -> None:
    check(say(fuzz_app, f"{name} {rest}", user=user))
    assert_no_crash_logged(caplog)
    assert_whole_records(fuzz_app.engine)


@FUZZ
@given(data=st.data(), name=st.sampled_from(NAMES), user=st.sampled_from(USERS))
def test_random_structured_arguments_for_every_command(
    fuzz_app: Staffroom, caplog: pytest.LogCaptureFixture, data: st.DataObject, name: str, user: str
) -> None:
    command = REGISTRY.commands[tuple(name.split())]
    known = [p.name for p in command.params]
    keys = st.one_of(st.sampled_from(known), st.text(max_size=8)) if known else st.text(max_size=8)
    args = data.draw(st.dictionaries(keys, VALUE, max_size=6), label="args")
    check(run(fuzz_app, name, args, user=user))
    assert_no_crash_logged(caplog)
    assert_whole_records(fuzz_app.engine)


@FUZZ
@given(text=st.one_of(LINE, st.text(max_size=5000)), user=st.sampled_from(USERS))
def test_random_free_text_and_command_lines(
    fuzz_app: Staffroom, caplog: pytest.LogCaptureFixture, text: str, user: str
) -> None:
    check(tell(fuzz_app, text, user=user))
    check(say(fuzz_app, text, user=user))
    assert_no_crash_logged(caplog)
    assert_whole_records(fuzz_app.engine)
