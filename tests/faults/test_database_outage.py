"""PostgreSQL going away under load and coming back: Staffroom answers "try again" meanwhile,
changes nothing by halves, and works again afterwards without a restart.

The database is reached through :class:`TcpProxy`; cutting it closes every connection and refuses
new ones, which is what a PostgreSQL restart looks like to a client. The shared server itself is
never touched.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.communities.models import Community, CommunityMember
from core.cpd.models import CpdActivity
from core.db import make_engine
from core.identity.models import Account, Member
from core.models import metadata
from tests.conftest import make_settings
from tests.faults.support import assert_no_crash_logged
from tests.faults.tcp_proxy import TcpProxy
from tests.talk import say

pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.timeout(90)]

WORKERS = 6
PER_PHASE = 5
"""Commands each worker completes in a phase before the test moves on to the next one."""
TRY_AGAIN = "Please try again in a minute"
MAYBE_SAVED = "may have been saved"
"""What a command cut during its COMMIT hears instead: its change may have landed."""


@dataclass
class Outcome:
    """One command and what came back, with the outage phase it started and ended in."""

    user: str
    kind: str
    name: str
    started: int
    ended: int
    reply: str
    ok: bool


@dataclass
class Load:
    """Members sending commands in threads, each command recorded with its phase."""

    app: Staffroom
    phase: int = 0
    """0: up, 1: cutting, 2: down, 3: restoring, 4: up again."""
    outcomes: list[Outcome] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def member(self, index: int) -> None:
        user = f"teacher{index}"
        n = 0
        while not self.stop.is_set():
            n += 1
            kind = "community" if n % 2 else "cpd"
            name = f"Fault {index}-{n}"
            line = (
                f'community create "{name}" description="made under load"'
                if kind == "community"
                else f'cpd log 1.5 "{name}" category=course'
            )
            started = self.phase
            reply = say(self.app, line, user=user)
            outcome = Outcome(
                user, kind, name, started, self.phase, reply.plain_text(), reply.tone != "error"
            )
            with self.lock:
                self.outcomes.append(outcome)

    def count(self, predicate: object) -> Counter[str]:
        assert callable(predicate)
        with self.lock:
            return Counter(o.user for o in self.outcomes if predicate(o))

    def wait(self, predicate: object, what: str, seconds: float = 30) -> None:
        """Until every worker has PER_PHASE outcomes matching ``predicate`` (polled)."""
        deadline = time.monotonic() + seconds
        while True:
            counts = self.count(predicate)
            if len(counts) == WORKERS and min(counts.values()) >= PER_PHASE:
                return
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {counts}"
            time.sleep(0.01)


@pytest.fixture
def proxied(postgres_database: str) -> Iterator[tuple[str, TcpProxy]]:
    """The run's PostgreSQL database, emptied, and a URL that reaches it through a proxy."""
    engine = make_engine(postgres_database)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    url = make_url(postgres_database)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port)
        yield through.render_as_string(hide_password=False), proxy


def test_commands_during_a_restart_say_try_again_and_are_never_half_applied(
    proxied: tuple[str, TcpProxy],
    postgres_database: str,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, proxy = proxied
    app = Staffroom(make_settings(url, limits={"commands_per_minute": 10_000}), clock=clock)
    load = Load(app)
    threads = [threading.Thread(target=load.member, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    try:
        load.wait(lambda o: o.ended == 0 and o.ok, "commands before the outage")
        load.phase = 1
        proxy.cut()
        load.phase = 2
        load.wait(lambda o: o.started == 2 and o.ended == 2, "commands during the outage")
        load.phase = 3
        proxy.restore()
        load.phase = 4
        load.wait(lambda o: o.started == 4 and o.ok, "commands after the outage")
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(30)
        app.engine.dispose()

    outcomes = load.outcomes
    by_phase = Counter((o.started, o.ended, o.ok) for o in outcomes)
    print(f"\n{len(outcomes)} commands (started, ended, ok): {dict(sorted(by_phase.items()))}")
    failed = [o for o in outcomes if not o.ok]
    assert all(TRY_AGAIN in o.reply or MAYBE_SAVED in o.reply for o in failed), {
        o.reply for o in failed
    }
    down = [o for o in outcomes if o.started == 2 and o.ended == 2]
    assert down and not any(o.ok for o in down), "nothing succeeds while the database is down"
    after = [o for o in outcomes if o.started == 4]
    assert after and all(o.ok for o in after), {o.reply for o in after if not o.ok}

    assert_whole(postgres_database, outcomes)
    assert_no_crash_logged(caplog)


def assert_whole(url: str, outcomes: list[Outcome]) -> None:
    """Every command either happened completely or not at all, and "try again" meant not at all
    (except for a command cut in the middle of its commit, which may have landed)."""
    engine = make_engine(url)
    with Session(engine) as session:
        communities = {c.name: c for c in session.exec(select(Community))}
        activities = {a.title for a in session.exec(select(CpdActivity))}
        owners = {
            m.community_id
            for m in session.exec(select(CommunityMember).where(CommunityMember.role == "owner"))
        }
        members_without_account = session.exec(
            select(func.count())
            .select_from(Member)
            .where(~col(Member.id).in_(select(Account.member_id)))
        ).one()
    engine.dispose()
    assert members_without_account == 0
    assert all(c.id in owners for c in communities.values()), "a community without its owner"
    for outcome in outcomes:
        stored = outcome.name in (communities if outcome.kind == "community" else activities)
        if outcome.ok:
            assert stored, f"{outcome.name} was confirmed but not kept"
        elif outcome.started == outcome.ended == 2:
            # Wholly inside the outage: the database was unreachable from start to end. (A
            # command cut during its commit may have landed; it is whole either way.)
            assert not stored, f"{outcome.name} was kept after 'nothing was changed'"
