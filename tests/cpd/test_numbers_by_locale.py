"""Hours, shares and sums read the way the member writes numbers: ``1.5`` in English, ``1,5`` in
Spanish and French, while the command lines buttons run keep the machine's ``1.5``."""

from __future__ import annotations

import pytest

from core.app import Staffroom
from tests.talk import say, text_of


def cpd(app: Staffroom, line: str) -> str:
    reply = say(app, line)
    assert reply.tone != "error", text_of(reply)
    return text_of(reply)


@pytest.mark.parametrize(
    ("code", "hours", "share"),
    [("en", "1.5 h", "(4%)"), ("es", "1,5 h", "(4\xa0%)"), ("fr", "1,5 h", "(4\xa0%)")],
)
def test_hours_and_the_share_of_the_target_read_in_the_members_language(
    app: Staffroom, code: str, hours: str, share: str
) -> None:
    cpd(app, f"settings language {code}")
    cpd(app, 'cpd log 1.5 "Rosenshine\'s Principles" category=reading')
    assert hours in cpd(app, "cpd list")
    summary = cpd(app, "cpd summary")
    assert hours.split()[0] in summary
    assert share in summary, summary


def test_buttons_keep_the_machine_number_whatever_the_language(app: Staffroom) -> None:
    cpd(app, "settings language es")
    logged = say(app, 'cpd log 1.5 "Rosenshine" category=reading')
    commands = [a.command for a in logged.actions]
    assert all("1,5" not in c for c in commands), commands
