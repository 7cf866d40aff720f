"""The console, driven the way a script or a new user drives it: the real `staffroom` process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path


def staffroom(args: list[str], stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STAFFROOM_")}
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=cwd,
        env={**env, "PYTHONPATH": str(Path(__file__).parents[1])},
        timeout=120,
    )


def test_piped_commands_print_each_reply_and_exit_zero(tmp_path: Path) -> None:
    done = staffroom(
        ["console", "--as", "Ana"],
        "help\nprofile show\nfrobnicate now\nprofile set role=teacher subjects=maths "
        "timezone=Europe/London\nprofile show\nlink\n",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Staffroom: professional learning" in out
    assert out.count("Ana\n───") == 2
    assert 'I don\'t know the command "frobnicate now"' in out
    assert "Profile updated" in out and "Europe/London" in out
    assert "On your other platform, send link " in out
    assert (tmp_path / "staffroom.db").exists()


def test_buttons_are_numbered_choices(tmp_path: Path) -> None:
    done = staffroom(["console", "--as", "Bo"], "privacy delete\n1\nprofile show\n", tmp_path)
    assert "[1] Delete everything" in done.stdout
    assert "has been deleted" in done.stdout
    assert done.returncode == 0


def test_run_without_tokens_starts_the_console(tmp_path: Path) -> None:
    done = staffroom(["run"], "help\n", tmp_path)
    assert done.returncode == 0
    assert "No platform credentials" in done.stderr
    assert "Staffroom: professional learning" in done.stdout


def test_check_reports_bad_config(tmp_path: Path) -> None:
    (tmp_path / "staffroom.toml").write_text("[delivery]\ngrace_minutes = -1\n")
    done = staffroom(["check"], "", tmp_path)
    assert done.returncode != 0 and "delivery.grace_minutes" in done.stderr


async def test_the_console_shows_only_its_own_persons_messages() -> None:
    from adapters.console import ConsoleMessenger
    from core.delivery.ports import Recipient
    from core.reply import Reply

    lines: list[str] = []
    messenger = ConsoleMessenger(io.StringIO(), lines.append, for_user="Ana")
    await messenger.send(Recipient("console", "local", user_id="ana"), Reply.message("For Ana"))
    await messenger.send(Recipient("console", "local", user_id="bob"), Reply.message("Bob's"))
    await messenger.send(Recipient("console", "local", channel_id="c1"), Reply.message("Post"))
    shown = "".join(lines)
    assert "For Ana" in shown and "Post" in shown
    assert "Bob's" not in shown and "a message for bob" in shown
