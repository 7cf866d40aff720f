"""NumPy, SciPy and networkx load only when a matching round or a coffee rotation runs: a
waiting Staffroom does not carry their 60-odd MB."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "scipy", "networkx")


def _run(script: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_loading_every_feature_imports_no_numeric_library() -> None:
    out = _run(
        f"""
        import sys
        from core.features import FEATURES
        import core.mentoring.commands, core.mentoring.coffee_commands
        import core.mentoring.matching, core.mentoring.pairs, core.mentoring.coffee
        import bots.cli
        print(sorted(m for m in {HEAVY!r} if m in sys.modules))
        """
    )
    assert out == "[]"


def test_matching_and_grouping_still_load_them_when_they_run() -> None:
    out = _run(
        f"""
        import sys
        from datetime import UTC, datetime
        from core.mentoring.assignment import assign
        from core.mentoring.coffee_groups import coffee_groups
        from core.mentoring.fit import MenteeProfile, MentorProfile, fit_matrix
        from core.mentoring.settings import MatchWeights
        fit = fit_matrix(
            [MenteeProfile(1, "Ana", goals=("behaviour management",))],
            [MentorProfile(2, "Bo", topics=("behaviour",))],
            MatchWeights(),
            datetime(2026, 11, 23, tzinfo=UTC),
        )
        print(assign(fit, [1]), coffee_groups([1, 2, 3, 4, 5]))
        print(sorted(m for m in {HEAVY!r} if m in sys.modules))
        """
    )
    pairs, loaded = out.splitlines()
    assert pairs.startswith("[(0, 0)] [[")
    assert loaded == str(sorted(HEAVY))
