"""A connection lost after COMMIT reached PostgreSQL: the member is told the change may have been
saved and where to look, never "nothing was changed", and sending the same command again does not
make a second copy.

The database is reached through :class:`TcpProxy`; its trap lets the server carry out one COMMIT
and throws the answer away with the connection. The trap is set off by the bytes of the command's
own INSERT and COMMIT, not by timing, so other members' commands running at the same moment
neither set it off nor make it miss.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.app import Staffroom
from core.clock import FixedClock
from core.db import make_engine
from core.models import metadata
from tests.conftest import make_settings
from tests.faults.support import assert_no_crash_logged
from tests.faults.tcp_proxy import TcpProxy
from tests.talk import say

pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.timeout(90)]


@dataclass(frozen=True)
class Write:
    """A common write, what sets the trap off, the table it adds to and where to check."""

    line: str
    marker: bytes
    table: str
    check: str
    setup: tuple[str, ...] = ()


WRITES = [
    Write(
        'community create "Science" "For science teachers"',
        b"INTO community ",
        "community",
        "community list",
    ),
    Write(
        'cpd log 1.5 "Hinge questions course" category=course',
        b"INTO cpd_activity",
        "cpd_activity",
        "cpd list",
    ),
    Write(
        "journal add Year 9 answered the hinge question better than I expected.",
        b"INTO journal_entry",
        "journal_entry",
        "journal list",
    ),
    Write(
        'event create maths "Exit tickets teachmeet" "2026-12-01 16:00" 1h',
        b"INTO event ",
        "event",
        "event list",
        setup=('community create "Maths"',),
    ),
    Write(
        'observe request Ben focus="hinge questions" date="2026-12-08 10:40"',
        b"INTO observation ",
        "observation",
        "observe list",
        setup=('community create "Maths"', "community join maths@ben"),
    ),
]


@pytest.fixture
def proxied(postgres_database: str) -> Iterator[tuple[str, TcpProxy]]:
    """The run's PostgreSQL database, emptied, and a URL reaching it through a proxy (without
    SSL, so the proxy can see the COMMIT go by)."""
    engine = make_engine(postgres_database)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    url = make_url(postgres_database)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).update_query_dict(
            {"sslmode": "disable"}
        )
        yield through.render_as_string(hide_password=False), proxy


def _rows(url: str, table: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = int(connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
    engine.dispose()
    return found


def _background(app: Staffroom, stop: threading.Event) -> Callable[[], None]:
    """Other members changing other things the whole time (none of them sets the trap off)."""

    def work() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            say(app, f'profile set bio="Busy {n}"', user=f"busy{n % 4}")

    return work


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.line.split()[0])
def test_a_lost_commit_answer_says_it_may_be_saved_and_the_retry_does_not_double(
    proxied: tuple[str, TcpProxy],
    postgres_database: str,
    clock: FixedClock,
    write: Write,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, proxy = proxied
    app = Staffroom(make_settings(url, limits={"commands_per_minute": 10_000}), clock=clock)
    say(app, "profile show", user="ben")
    for line in write.setup:
        command, _at, user = line.partition("@")
        assert say(app, command, user=user or "ana").tone != "error", line
    stop = threading.Event()
    others = [threading.Thread(target=_background(app, stop)) for _ in range(3)]
    for thread in others:
        thread.start()
    try:
        trap = proxy.lose_commit_reply(write.marker)
        lost = say(app, write.line).plain_text()
        assert trap.fired.is_set(), "the proxy never saw the command's COMMIT"
        again = say(app, write.line)
    finally:
        stop.set()
        for thread in others:
            thread.join(30)
        app.engine.dispose()

    assert "may have been saved" in lost and f"Check with {write.check}" in lost, lost
    assert "nothing was changed" not in lost.lower()
    assert again.tone != "error", again.plain_text()
    assert _rows(postgres_database, write.table) == 1, "the retry made a second copy"
    assert_no_crash_logged(caplog)
