"""The first-run demo: sample data made through the ordinary commands, once; and the README's demo
transcript, re-run through the real ``staffroom console --demo`` and found in what it prints."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bots.demo import seed_demo
from core.app import Staffroom
from tests.talk import say, text_of
from tests.test_console import staffroom

README = Path(__file__).parents[1] / "README.md"
PROMPT = "staffroom> "
DELIVERED = "📬"


def test_demo_seeds_once_and_is_usable(sqlite_app: Staffroom) -> None:
    assert seed_demo(sqlite_app) is True
    assert seed_demo(sqlite_app) is False
    assert "Maths secondary (maths-secondary) — 3 members" in text_of(
        say(sqlite_app, "community list")
    )
    assert "Welcome" in text_of(say(sqlite_app, "community join maths-secondary"))
    assert "Exit tickets teachmeet" in text_of(say(sqlite_app, "event list"))
    found = text_of(say(sqlite_app, "resource search mastery"))
    assert "NCETM" in found and "2 votes" in found


@dataclass
class Step:
    """One line typed in the README's transcript and the lines it shows after it: those of the
    reply, and those of what was delivered meanwhile (after a 📬 line)."""

    line: str
    reply: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)


def _transcript() -> tuple[list[str], list[Step]]:
    """The command line and the steps of the transcript under "Trying it"."""
    section = README.read_text().split("## Trying it\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```\n", 2)[1]
    lines = block.splitlines()
    command = lines[0].removeprefix("$ ").split()
    assert command[0].endswith("staffroom"), command
    steps: list[Step] = []
    for line in lines[1:]:
        if line.startswith(PROMPT):
            steps.append(Step(line.removeprefix(PROMPT)))
        elif line.startswith(DELIVERED) or (steps and steps[-1].delivered):
            steps[-1].delivered.append(line)
        else:
            steps[-1].reply.append(line)
    return command[1:], steps


_DATES = (
    (re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{2} [A-Z][a-z]{2} \d{4}\b"), "<day>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "<date>"),
)


def _plain(text: str) -> str:
    """Dates made alike: the demo's event is next week and the CPD was yesterday, whenever the
    transcript runs."""
    for pattern, placeholder in _DATES:
        text = pattern.sub(placeholder, text)
    return text


def _replies(stdout: str) -> dict[int, str]:
    """What the console printed after each piped line (it echoes each as ``» line``)."""
    parts = re.split(r"^» .*$", stdout, flags=re.MULTILINE)
    return dict(enumerate(parts[1:]))


def test_the_readme_demo_transcript_runs_as_shown(tmp_path: Path) -> None:
    args, steps = _transcript()
    assert "--demo" in args
    done = staffroom(args, "".join(f"{s.line}\n" for s in steps), tmp_path)
    assert done.returncode == 0, done.stderr
    replies = _replies(done.stdout)
    assert len(replies) == len(steps), done.stdout
    everything = _plain(done.stdout)
    for n, step in enumerate(steps):
        printed = _plain(replies[n])
        for expected in step.reply:
            assert _plain(expected.strip()) in printed, (step.line, expected, replies[n])
        for expected in step.delivered:
            # Delivered by whichever pass got there first: right after the command, or the
            # delivery service's next tick; either way printed before the console ends.
            assert _plain(expected.strip()) in everything, (step.line, expected)

    shown = "\n".join(line for step in steps for line in step.reply + step.delivered)
    assert "Sam Patel could be your mentor." in shown, "the transcript shows the mentoring match"
    assert "This channel now belongs to Maths secondary" in shown
    assert f"{DELIVERED} to #staffroom:" in shown, "and a post arriving in the bound channel"
