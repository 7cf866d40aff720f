"""Operator commands that go wrong say what to do, never print a raw SQL error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bots.cli import main


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"STAFFROOM_DATABASE__URL": f"sqlite:///{tmp_path}/empty.db"}


def test_outbox_on_an_empty_database_says_to_upgrade(env: dict[str, str]) -> None:
    done = CliRunner().invoke(main, ["outbox"], env=env)
    assert done.exit_code != 0 and "staffroom db upgrade" in done.output
    assert "SELECT" not in done.output


def test_run_names_an_unknown_platform(env: dict[str, str]) -> None:
    done = CliRunner().invoke(main, ["run", "--only", "nosuch"], env=env)
    assert done.exit_code != 0 and "not a platform Staffroom runs on" in done.output


def test_check_refuses_an_unknown_standards_framework(env: dict[str, str]) -> None:
    env = {**env, "STAFFROOM_CPD__STANDARDS_FRAMEWORKS": '["nosuch"]'}
    done = CliRunner().invoke(main, ["check"], env=env)
    assert done.exit_code != 0 and "unknown standards framework 'nosuch'" in done.output
