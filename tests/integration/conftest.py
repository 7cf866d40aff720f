"""One Staffroom on every platform at once: the three fakes, settings pointing at them, and helpers
to talk to each platform the way its users do (signed Slack requests, Telegram updates, Discord
interactions)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlmodel import Session

from bots.runner import Runner
from core.app import Staffroom
from core.clock import FixedClock
from core.db import make_engine
from core.delivery import enqueue
from core.identity.models import Account, Member
from core.models import metadata
from core.reply import Reply
from tests.conftest import make_settings
from tests.fakes.fake_discord import FakeDiscord, FakeGuild
from tests.fakes.fake_slack import FakeSlack, sign, slash_command_body
from tests.fakes.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]

SLACK_SECRET = "integration-signing-secret"
SLACK_TOKEN = "xoxb-integration"
TELEGRAM_TOKEN = "555:INTEGRATION"
TELEGRAM_BOT_ID = "555"
DISCORD_TOKEN = "integration-discord-token"
DISCORD_APP = 920000000000000001
DISCORD_BOT = 920000000000000002
DISCORD_GUILD = 920000000000000010
DISCORD_CHANNEL = 920000000000000011
DISCORD_ANA = 920000000000000100
TG_ANA = 4242
TG_GROUP = -1001234
TG_FIRST_USER = 700000
SLACK_CHANNEL = "CMATHS"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TELEGRAM_TOKEN, bot_username="staffroom_bot") as fake:
        yield fake


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    guild = FakeGuild(
        id=DISCORD_GUILD, channels={DISCORD_CHANNEL: "maths"}, member_ids=[DISCORD_ANA]
    )
    async with FakeDiscord(
        app_id=DISCORD_APP, bot_user_id=DISCORD_BOT, guilds=[guild], token=DISCORD_TOKEN
    ) as fake:
        fake.add_user(DISCORD_ANA, "ana.k", global_name="Ana")
        yield fake


def slack_section(fake: FakeSlack) -> dict[str, object]:
    """Slack in HTTP mode against the fake Web API."""
    return {
        "mode": "http",
        "api_base_url": fake.api_base_url,
        "bot_token": SLACK_TOKEN,
        "signing_secret": SLACK_SECRET,
    }


async def slash(
    http: aiohttp.ClientSession,
    port: int,
    fake: FakeSlack,
    command: str,
    *,
    user: str = "U1",
    channel: str = "DU1",
) -> str:
    """Send a correctly signed slash command to a Staffroom HTTP endpoint on ``port``; return the
    text of the answer it posts to the response_url (blocks and fallback text, as JSON)."""
    seen = len(fake.responses)
    body = slash_command_body(
        text=command,
        user_id=user,
        channel_id=channel,
        response_url=fake.response_url(f"r{seen}"),
        trigger_id=f"t.{user}.{seen}",
    )
    url = f"http://127.0.0.1:{port}/slack/events"
    async with http.post(url, data=body.encode(), headers=sign(SLACK_SECRET, body)) as response:
        assert response.status == 200, await response.text()
    answers = await fake.wait_for_responses(seen + 1, timeout=15)
    return json.dumps(answers[seen].body, ensure_ascii=False)


def link_code(answer: str) -> str:
    """The one-time code in a ``link`` answer."""
    found = re.search(r"link ([A-Z2-9]{8})", answer)
    assert found is not None, answer
    return found.group(1)


def free_port() -> int:
    """A TCP port nobody listens on right now (for a child process's HTTP server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _truncate(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def process_database(postgres_database: str) -> Iterator[str]:
    """The run's PostgreSQL database, emptied, for tests whose Staffrooms are other processes."""
    _truncate(postgres_database)
    yield postgres_database


def process_env(database_url: str, slack: FakeSlack, **extra: str) -> dict[str, str]:
    """The environment of a ``staffroom`` child process: configuration by STAFFROOM_* variables
    only, the fake Slack for the Web API, nothing through a proxy."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("STAFFROOM_") and key.lower() not in PROXY_VARIABLES
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "STAFFROOM_DATABASE__URL": database_url,
            "STAFFROOM_SLACK__MODE": "http",
            "STAFFROOM_SLACK__API_BASE_URL": slack.api_base_url,
            "STAFFROOM_SLACK__BOT_TOKEN": SLACK_TOKEN,
            "STAFFROOM_SLACK__SIGNING_SECRET": SLACK_SECRET,
            "STAFFROOM_SERVER__HOST": "127.0.0.1",
            **extra,
        }
    )
    return env


PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy"}


@dataclass
class Deadline:
    """A bound for waiting on another process; ``left`` is what remains of it."""

    seconds: float

    def __post_init__(self) -> None:
        self.until = asyncio.get_running_loop().time() + self.seconds

    @property
    def left(self) -> float:
        return self.until - asyncio.get_running_loop().time()

    def check(self, what: str) -> None:
        if self.left <= 0:
            raise TimeoutError(f"{what} did not happen within {self.seconds} s")


def json_of(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass
class Everywhere:
    """The running Staffroom with its three fakes, and ways to talk to it on each platform."""

    app: Staffroom
    runner: Runner
    slack: FakeSlack
    telegram: FakeTelegram
    discord: FakeDiscord
    http: aiohttp.ClientSession

    @property
    def port(self) -> int:
        port = self.runner.http_bound_port
        assert port is not None
        return port

    async def on_slack(self, command: str, *, channel: str = "DU1") -> str:
        """Run a command as Ana on Slack; it must succeed."""
        answer = await self.on_slack_raw(command, channel=channel)
        assert ":warning:" not in answer, answer
        return answer

    async def on_slack_raw(self, command: str, *, channel: str = "DU1") -> str:
        """Run a command as Ana on Slack; return the answer, whatever it says."""
        return await slash(self.http, self.port, self.slack, command, channel=channel)

    async def on_telegram(self, text: str, *, chat: int = TG_ANA, **kw: Any) -> str:
        """Send ``text`` as Ana; return the bot's next message in ``chat``."""
        kind = "private" if chat == TG_ANA else "group"
        self.telegram.push_text(TG_ANA, text, chat_id=chat, chat_type=kind, **kw)
        call = await self.telegram.wait_for_call(
            "sendMessage", lambda c: c.params["chat_id"] == chat, timeout=10
        )
        answer = str(call.params["text"])
        assert not answer.startswith("⚠️"), answer
        return answer

    async def on_discord(self, name: list[str], options: dict[str, Any]) -> str:
        """Run a slash command as Ana in the guild channel; return the interaction's answer."""
        iid = await self.discord.interaction_command(
            DISCORD_ANA, name, options, guild_id=DISCORD_GUILD, channel_id=DISCORD_CHANNEL
        )
        request = await self.discord.wait_for_request(
            "POST", rf"/interactions/{iid}/[^/]+/callback", timeout=10
        )
        assert request.status == 200, request.json
        return json_of(request.json)


@pytest.fixture
async def everywhere(
    db_url: str,
    clock: FixedClock,
    fake_slack: FakeSlack,
    fake_telegram: FakeTelegram,
    fake_discord: FakeDiscord,
) -> AsyncIterator[Everywhere]:
    settings = make_settings(
        db_url,
        slack=slack_section(fake_slack),
        telegram={
            "token": TELEGRAM_TOKEN,
            "api_base_url": fake_telegram.api_base_url,
            "file_base_url": fake_telegram.file_base_url,
        },
        discord={
            "token": DISCORD_TOKEN,
            "api_base_url": fake_discord.api_base_url,
            "gateway_url": fake_discord.gateway_url,
        },
        server={"host": "127.0.0.1", "port": 0, "metrics_cache_seconds": 0},
    )
    app = Staffroom(settings, clock=clock)
    runner = Runner(app, settings.platforms(), http_port=0)
    assert sorted(runner.platforms) == ["discord", "slack", "telegram"]
    await runner.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Everywhere(app, runner, fake_slack, fake_telegram, fake_discord, http)
    finally:
        await runner.stop()


def due_prompts(
    url: str, count: int, *, platform: str = "slack", now: datetime | None = None
) -> None:
    """``count`` members, each with an account on ``platform`` and one reflection prompt due
    ``now`` (default: real time, as child processes run on the system clock). Each prompt's text
    is unique, so a fake can tell a duplicate from a second message."""
    now = now or datetime.now(UTC)
    tenant = "T1" if platform == "slack" else TELEGRAM_BOT_ID
    engine = make_engine(url)
    with Session(engine) as session:
        members = [Member(display_name=f"Teacher {n}", created_at=now) for n in range(count)]
        session.add_all(members)
        session.flush()
        for n, member in enumerate(members):
            assert member.id is not None
            session.add(
                Account(
                    member_id=member.id,
                    platform=platform,
                    tenant=tenant,
                    user_id=f"U{n:05d}" if platform == "slack" else str(TG_FIRST_USER + n),
                    dm_channel=f"D{n:05d}" if platform == "slack" else None,
                    created_at=now,
                    last_seen_at=now,
                )
            )
            enqueue(
                session,
                key=f"integration:prompt:{n}",
                reply=Reply.message(f"{PROMPT} #{n}: what went well today?"),
                due_at=now - timedelta(seconds=1),
                now=now,
                member_id=member.id,
                kind="reflection.prompt",
            )
        session.commit()
    engine.dispose()


PROMPT = "Reflection prompt"


def prompts_at(fake: FakeSlack) -> Counter[str]:
    """How many times the fake received each prompt (by its unique text)."""
    found: Counter[str] = Counter()
    for call in fake.calls_to("chat.postMessage"):
        text_sent = str(call.args.get("text") or "")
        if PROMPT in text_sent:
            found[text_sent] += 1
    return found


def outbox_states(url: str) -> dict[str, int]:
    """Outbox rows by state, and how many still carry a lease (``leased``)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        found = {
            str(state): int(n)
            for state, n in connection.execute(
                text("SELECT state, count(*) FROM outbox GROUP BY state")
            )
        }
        found["leased"] = int(
            connection.execute(
                text("SELECT count(*) FROM outbox WHERE lease_owner IS NOT NULL")
            ).scalar_one()
        )
    engine.dispose()
    return found


def staffroom_process(
    args: list[str], env: dict[str, str], cwd: Path, name: str
) -> subprocess.Popen[bytes]:
    """Start ``staffroom ARGS`` as its own OS process; its standard error goes to ``NAME.log``."""
    log = (cwd / f"{name}.log").open("wb")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "bots.cli", "--log-level", "INFO", *args],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()


def stop_process(process: subprocess.Popen[bytes], within: float = 15.0) -> int:
    """SIGTERM, then SIGKILL if it has not exited ``within`` seconds; return the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait(timeout=within)


async def wait_for(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll another process's progress until ``predicate`` holds, at most ``seconds``."""
    deadline = Deadline(seconds)
    while not predicate():
        deadline.check(what)
        await asyncio.sleep(0.05)


async def wait_until_healthy(
    http: aiohttp.ClientSession, port: int, process: subprocess.Popen[bytes], log: Path
) -> None:
    """Wait (at most 30 s) for a child process's /healthz to answer 200; fail at once if the
    process exits first, showing its log."""
    deadline = Deadline(30)
    while True:
        assert process.poll() is None, tail_of(log)
        try:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass  # not listening yet
        deadline.check(f"/healthz on port {port}")
        await asyncio.sleep(0.1)


def tail_of(log: Path) -> str:
    """The end of a child process's log, to show why it failed."""
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
