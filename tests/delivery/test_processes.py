"""No duplicate, no loss: real deliverer processes on one PostgreSQL outbox, killed mid-batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from core.db import make_engine
from core.delivery.models import OutboxMessage
from core.reply import Reply

ROWS = 5000
ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.fault, pytest.mark.timeout(90)]


def fill_outbox(url: str) -> None:
    engine = make_engine(url)
    now = datetime.now(UTC) - timedelta(seconds=1)
    payload = Reply.message("Your weekly reflection prompt").model_dump(mode="json")
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM outbox"))
        connection.execute(
            insert(table),
            [
                {
                    "key": f"proc:{n}",
                    "platform": "recorder",
                    "tenant": "T",
                    "channel_id": str(n),
                    "kind": "message",
                    "payload": payload,
                    "state": "pending",
                    "due_at": now,
                    "next_attempt_at": now,
                    "attempts": 0,
                    "deferrals": 0,
                    "created_at": now,
                }
                for n in range(ROWS)
            ],
        )
    engine.dispose()


def states(url: str) -> Counter[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = Counter(
            {
                s: n
                for s, n in connection.execute(
                    text("SELECT state, count(*) FROM outbox GROUP BY state")
                )
            }
        )
    engine.dispose()
    return found


def sent_ids(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = {
            r[0]
            for r in connection.execute(text("SELECT channel_id FROM outbox WHERE state = 'sent'"))
        }
    engine.dispose()
    return found


def start(
    url: str, worker: str, log: Path, offset: float = 0, latency: float = 0
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.delivery.deliverer_process",
            url,
            worker,
            str(log),
            str(offset),
            str(latency),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def logged(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def test_two_processes_send_each_row_exactly_once(postgres_database: str, tmp_path: Path) -> None:
    fill_outbox(postgres_database)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    workers = [start(postgres_database, f"w{n}", log, latency=0.001) for n, log in enumerate(logs)]
    for worker in workers:
        assert worker.wait(timeout=60) == 0
    a, b = logged(logs[0]), logged(logs[1])
    counts = Counter(a + b)
    print(f"\nworker a sent {len(a)}, worker b sent {len(b)}, distinct {len(counts)}")
    assert a and b, "both workers took part"
    assert len(counts) == ROWS and set(counts.values()) == {1}
    assert states(postgres_database) == Counter({"sent": ROWS})


def test_killed_deliverer_loses_nothing_and_repeats_only_in_flight(
    postgres_database: str, tmp_path: Path
) -> None:
    fill_outbox(postgres_database)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start(postgres_database, "doomed", first_log, latency=0.004)
    deadline = time.monotonic() + 30
    while len(logged(first_log)) < ROWS // 4:  # wait for the external process to get going
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    before = logged(first_log)
    marked = sent_ids(postgres_database)
    in_flight = set(before) - marked
    print(
        f"\nkilled after {len(before)} sends; {len(marked)} marked sent; in flight {len(in_flight)}"
    )
    assert len(before) < ROWS, "killed mid-batch"
    # Restarted "after" the dead worker's 30 s lease: it takes back the rows it held.
    second = start(postgres_database, "restarted", second_log, offset=31)
    assert second.wait(timeout=60) == 0
    after = logged(second_log)
    duplicates = set(before) & set(after)
    print(f"restart sent {len(after)}; sent twice {len(duplicates)} (all in flight at the kill)")
    assert set(before) | set(after) == {str(n) for n in range(ROWS)}
    assert len(before) == len(set(before)) and len(after) == len(set(after))
    assert duplicates <= in_flight
    assert states(postgres_database) == Counter({"sent": ROWS})
