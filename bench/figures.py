"""The figures a benchmark reports, and how ``bench/run`` collects them.

Every benchmark keeps printing its own human-readable output. When the environment variable
``STAFFROOM_BENCH_JSON`` names a file, it also writes its figures there as a JSON list, one object
per figure, which ``bench/run`` reads to build the one table. A figure is a measured value, the
baseline it is compared with (measured in the same run: these machines are noisy), their ratio,
and the goal with whether it was met.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

JSON_ENV = "STAFFROOM_BENCH_JSON"


@dataclass(frozen=True, slots=True)
class Figure:
    """One row of the results table.

    ``ratio`` is whatever comparison the goal is about (a speed-up, a fraction of the raw rate,
    a growth); ``met`` is None when a figure has no goal and is shown for context.
    """

    name: str
    value: str
    baseline: str = ""
    ratio: str = ""
    goal: str = ""
    met: bool | None = None


def at_most(value: float, limit: float) -> bool:
    return value <= limit


def at_least(value: float, floor: float) -> bool:
    return value >= floor


def emit(figures: list[Figure]) -> None:
    """Write ``figures`` to the file named by ``STAFFROOM_BENCH_JSON``, if it is set."""
    target = os.environ.get(JSON_ENV)
    if not target:
        return
    Path(target).write_text(json.dumps([asdict(f) for f in figures], indent=1), encoding="utf-8")


def load(path: Path) -> list[Figure]:
    """The figures a benchmark wrote (an empty list if it wrote none)."""
    if not path.exists():
        return []
    return [Figure(**row) for row in json.loads(path.read_text(encoding="utf-8"))]


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MB (VmRSS from /proc; this machine is Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/{pid}/status has no VmRSS line")
