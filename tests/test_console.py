"""The console, driven the way a script or a new user drives it: the real `staffroom` process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from core.app import Staffroom
from core.communities.models import ChannelBinding


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


def test_a_long_piped_script_is_not_rate_limited(tmp_path: Path) -> None:
    """The console is one trusted person at a terminal: 40 lines are theirs, not a flood."""
    done = staffroom(["console", "--as", "Ana"], "profile show\n" * 40, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Ana\n───") == 40
    assert "a lot of commands" not in done.stdout


async def test_a_community_bound_to_a_local_channel_prints_its_posts(sqlite_app: Staffroom) -> None:
    """Announcements and shared reflections reach a console channel and print there; the
    person at the terminal can speak as a colleague and back."""
    from adapters.console import run_console

    out = io.StringIO()
    script = [
        'community create "Maths dept" "Our department"',
        "/in staffroom",
        "community bind maths-dept",
        'community announce maths-dept "Books in by Friday" confirm',
        "/dm",
        "journal add Cold calling worked better than hands up.",
        "/journal share 1 maths-dept",
        "1",
        "/as Ben",
        "/cpd list",
        "/as Ana",
    ]
    await run_console(sqlite_app, "Ana", stdin=io.StringIO("\n".join(script) + "\n"), out=out)
    shown = out.getvalue()
    assert "You are in #staffroom" in shown
    assert "This channel now belongs to Maths dept" in shown
    announced = shown[shown.index("» community announce") : shown.index("» /dm")]
    assert "📬 to #staffroom:" in announced and "Books in by Friday" in announced
    shared = shown.index("» 1")
    assert "Cold calling worked better than hands up." in shown[shared:]
    assert shown[shared:].index("📬 to #staffroom:") < shown[shared:].index("» /as Ben")
    assert "You are Ben now." in shown and "You are Ana now." in shown
    assert "CPD" in shown[shown.index("» /cpd list") :]
    with sqlite_app.session() as session:
        channels = session.exec(select(ChannelBinding.channel_id)).all()
    assert channels == ["#staffroom"]
