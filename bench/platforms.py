"""A real ``staffroom run`` process on the three fake platforms, and members who talk to it.

Used by bench/memory.py and bench/load.py. The fakes (tests/fakes/) run in the benchmark's own
event loop; Staffroom runs as a subprocess configured only by ``STAFFROOM_*`` environment
variables, exactly as an operator would run it: Slack in HTTP mode (signed slash commands to its
endpoint, answers to a ``response_url`` on the fake), Telegram by long polling, Discord over the
gateway (slash-command interactions, answered by interaction callback or follow-up), with the
commands synced first by ``staffroom discord sync``.

Reply latency is the time from injecting the event (posting the slash command, queueing the
Telegram update, sending the interaction on the gateway) to the fake receiving the answer. Each
member has at most one command in flight, so an answer is matched to its member.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import rss_mb
from tests.fakes.fake_discord import FakeDiscord, FakeGuild, RecordedRequest
from tests.fakes.fake_slack import FakeSlack, sign, slash_command_body
from tests.fakes.fake_telegram import FakeTelegram

SECRET = "bench-signing-secret"
TELEGRAM_TOKEN = "777:BENCH"
DISCORD_TOKEN = "bench-discord-token"
APP_ID = 920000000000000001
BOT_ID = 920000000000000002
GUILD_ID = 920000000000000010
CHANNEL_ID = 920000000000000011
REPLY_TIMEOUT = 30.0
"""An answer later than this counts as lost (an error)."""
# What each platform shows at the start of an error reply (see adapters/*/render.py).
ERROR_MARKS = (":warning:", "\u26a0")
DISCORD_ERROR_COLOUR = 0xED4245
Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Command:
    """One command as typed (Slack, Telegram) and as a Discord slash command with options."""

    kind: str
    words: str
    path: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What came of one command: its latency, or why it failed."""

    platform: str
    kind: str
    seconds: float
    error: str = ""


def mixed_command(rng: random.Random, n: int) -> Command:
    """What teachers send most, in plausible proportions (writes about a quarter)."""
    from bench.search import queries

    roll = rng.random()
    if roll < 0.25:
        title = f"Workshop {n}: {rng.choice(['retrieval practice', 'oracy', 'feedback'])}"
        return Command(
            "cpd log",
            f'cpd log 1.5 "{title}" category=course',
            ("cpd", "log"),
            {"hours": "1.5", "title": title, "category": "course"},
        )
    if roll < 0.50:
        query = queries(rng, 1)[0]
        return Command(
            "resource search", f"resource search {query}", ("resource", "search"), {"query": query}
        )
    simple = [
        ("help", ("help",)),
        ("profile show", ("profile", "show")),
        ("cpd summary", ("cpd", "summary")),
        ("community list", ("community", "list")),
        ("journal list", ("journal", "list")),
    ]
    kind, path = simple[int((roll - 0.50) / 0.10)]
    return Command(kind, kind, path)


class Inbox:
    """Answers as the fakes receive them, matched to the member waiting for one."""

    def __init__(self) -> None:
        self.waiting: dict[Key, asyncio.Future[tuple[float, str]]] = {}
        self.unmatched = 0

    def expect(self, key: Key) -> asyncio.Future[tuple[float, str]]:
        future: asyncio.Future[tuple[float, str]] = asyncio.get_running_loop().create_future()
        self.waiting[key] = future
        return future

    def arrived(self, key: Key, body: Any) -> None:
        """Stamp an answer on arrival; extra messages (a second part, a welcome) are counted."""
        stamp = time.perf_counter()
        future = self.waiting.pop(key, None)
        if future is None or future.done():
            self.unmatched += 1
            return
        future.set_result((stamp, json.dumps(body, ensure_ascii=False, default=str)))


class TimedSlack(FakeSlack):
    """The fake Slack, stamping each response_url POST (named after the member) on arrival."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self.inbox = inbox

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        self.inbox.arrived(("slack", request.match_info["name"]), body)
        self.responses.clear()  # 10,000 answers need not be kept: the inbox has them
        return await super()._handle_response_url(request)


class TimedTelegram(FakeTelegram):
    """The fake Telegram, stamping each sendMessage by private chat (= member)."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__(token=TELEGRAM_TOKEN, bot_username="staffroom_bench_bot")
        self.inbox = inbox

    async def _send_message(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        result = await super()._send_message(params, files)
        self.inbox.arrived(("telegram", str(params.get("chat_id"))), params)
        if len(self.calls) > 1000:  # keep the fake small over a long run
            del self.calls[:500]
            self._claimed.clear()
        return result


class TimedDiscord(FakeDiscord):
    """The fake Discord, stamping the first message answering each member's interaction."""

    def __init__(self, inbox: Inbox, members: list[int]) -> None:
        guild = FakeGuild(id=GUILD_ID, channels={CHANNEL_ID: "staffroom"}, member_ids=members)
        super().__init__(app_id=APP_ID, bot_user_id=BOT_ID, guilds=[guild], token=DISCORD_TOKEN)
        self.inbox = inbox

    async def _interaction_callback(self, req: RecordedRequest, m: Any) -> web.Response:
        response = await super()._interaction_callback(req, m)
        interaction = self.interactions[int(m[1])]
        if int((req.json or {}).get("type", 0)) == 4:  # a message, not a deferral
            self.inbox.arrived(("discord", str(interaction.user_id)), req.json)
        return response

    async def _post_followup(self, req: RecordedRequest, m: Any) -> web.Response:
        response = await super()._post_followup(req, m)
        interaction = self._webhook_interaction(m)
        self.inbox.arrived(("discord", str(interaction.user_id)), req.json)
        return response


def is_error(body: str) -> bool:
    return any(mark in body for mark in ERROR_MARKS) or f'"color": {DISCORD_ERROR_COLOUR}' in body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Member:
    """A simulated teacher on one platform."""

    platform: str
    user_id: str
    deployment: Deployment

    async def send(self, command: Command) -> Outcome:
        """Inject the command as the platform would and wait for the answer."""
        d = self.deployment
        key = (self.platform, self.user_id)
        answer = d.inbox.expect(key)
        started = time.perf_counter()
        try:
            if self.platform == "slack":
                await d.post_slash(self.user_id, command.words)
            elif self.platform == "telegram":
                d.telegram.push_text(int(self.user_id), "/" + command.words, first_name="Teacher")
            else:
                await d.discord.interaction_command(
                    int(self.user_id), list(command.path), command.options, guild_id=GUILD_ID
                )
            arrived, body = await asyncio.wait_for(answer, REPLY_TIMEOUT)
        except Exception as exc:  # a refused request or a lost answer: counted, not fatal
            d.inbox.waiting.pop(key, None)
            return Outcome(self.platform, command.kind, 0.0, f"{type(exc).__name__}: {exc}")
        seconds = arrived - started
        if is_error(body):
            return Outcome(self.platform, command.kind, seconds, f"error reply: {body[:200]}")
        return Outcome(self.platform, command.kind, seconds)


@dataclass
class Deployment:
    """The fakes, the Staffroom subprocess and the HTTP client that plays Slack."""

    folder: Path
    inbox: Inbox
    slack: TimedSlack
    telegram: TimedTelegram
    discord: TimedDiscord
    http: aiohttp.ClientSession
    port: int
    process: asyncio.subprocess.Process | None = None
    members: list[Member] = field(default_factory=list)
    triggers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def slack_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def post_slash(self, user_id: str, words: str) -> None:
        body = slash_command_body(
            text=words,
            user_id=user_id,
            team_id="T1",
            channel_id=f"D{user_id}",
            response_url=self.slack.response_url(user_id),
            # Slack gives every request its own trigger id; identical bodies signed in the same
            # second would be refused as replays (409), rightly.
            trigger_id=f"{next(self.triggers)}.{user_id}.bench",
        )
        async with self.http.post(
            self.slack_url, data=body.encode(), headers=sign(SECRET, body)
        ) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"Slack endpoint answered HTTP {response.status}")

    def rss_mb(self) -> float:
        assert self.process is not None
        return rss_mb(self.process.pid)

    def environment(self, commands_per_minute: int) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if "proxy" not in k.lower()
        }  # slack_sdk and aiohttp would send even 127.0.0.1 through a proxy
        env.update(
            {
                "STAFFROOM_DATABASE__URL": f"sqlite:///{self.folder}/staffroom.db",
                "STAFFROOM_SERVER__HOST": "127.0.0.1",
                "STAFFROOM_SERVER__PORT": str(self.port),
                "STAFFROOM_LIMITS__COMMANDS_PER_MINUTE": str(commands_per_minute),
                "STAFFROOM_SLACK__MODE": "http",
                "STAFFROOM_SLACK__API_BASE_URL": self.slack.api_base_url,
                "STAFFROOM_SLACK__BOT_TOKEN": "xoxb-bench",
                "STAFFROOM_SLACK__SIGNING_SECRET": SECRET,
                "STAFFROOM_TELEGRAM__TOKEN": TELEGRAM_TOKEN,
                "STAFFROOM_TELEGRAM__API_BASE_URL": self.telegram.api_base_url,
                "STAFFROOM_TELEGRAM__FILE_BASE_URL": self.telegram.file_base_url,
                "STAFFROOM_DISCORD__TOKEN": DISCORD_TOKEN,
                "STAFFROOM_DISCORD__API_BASE_URL": self.discord.api_base_url,
                "STAFFROOM_DISCORD__GATEWAY_URL": self.discord.gateway_url,
            }
        )
        return env


def staffroom_cli() -> list[str]:
    return [str(Path(sys.executable).with_name("staffroom"))]


async def _prepare_database(folder: Path, env: dict[str, str], resources: int) -> None:
    """Schema, then realistic resources to search (bench/search.py's generator)."""
    from bench.search import build
    from core.db import make_engine, upgrade

    def work() -> None:
        engine = make_engine(env["STAFFROOM_DATABASE__URL"])
        upgrade(engine)
        build(engine, resources, random.Random(11))
        engine.dispose()

    await asyncio.to_thread(work)


async def _run_cli(args: list[str], env: dict[str, str], cwd: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        *staffroom_cli(), *args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"staffroom {' '.join(args)} failed:\n{output.decode()}")


async def _wait_ready(d: Deployment, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    assert d.process is not None
    while time.monotonic() < deadline:
        if d.process.returncode is not None:
            raise RuntimeError(f"staffroom run exited with {d.process.returncode}")
        try:
            async with d.http.get(f"http://127.0.0.1:{d.port}/healthz") as response:
                # deleteWebhook comes just before polling starts; a long poll is recorded only
                # when it returns, and updates queued before it are served by it anyway.
                if response.status == 200 and d.telegram.calls_to("deleteWebhook"):
                    await d.discord.wait_until_ready(timeout=max(0.1, deadline - time.monotonic()))
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)  # polling a starting process: nothing to await instead
    raise TimeoutError(f"staffroom run was not ready within {seconds:.0f} s")


@asynccontextmanager
async def deployment(
    per_platform: int, *, commands_per_minute: int = 30, resources: int = 5_000
) -> AsyncIterator[Deployment]:
    """Fakes up, database seeded, ``staffroom run`` started and connected to all three;
    ``per_platform`` members on each. Stopped with SIGTERM (a graceful stop) at the end."""
    discord_ids = [930000000000001000 + i for i in range(per_platform)]
    inbox = Inbox()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        slack, telegram = TimedSlack(inbox), TimedTelegram(inbox)
        discord = TimedDiscord(inbox, discord_ids)
        connector = aiohttp.TCPConnector(limit=200)
        async with (
            slack,
            telegram,
            discord,
            aiohttp.ClientSession(connector=connector, trust_env=False) as http,
        ):
            for user_id in discord_ids:
                discord.add_user(user_id, f"teacher{user_id % 10000}", global_name="Teacher")
            d = Deployment(folder, inbox, slack, telegram, discord, http, free_port())
            env = d.environment(commands_per_minute)
            await _prepare_database(folder, env, resources)
            await _run_cli(["discord", "sync"], env, folder)
            log = (folder / "staffroom.log").open("wb")
            d.process = await asyncio.create_subprocess_exec(
                *staffroom_cli(), "run", env=env, cwd=folder, stdout=log, stderr=log
            )
            try:
                await _wait_ready(d, 60)
                for i in range(per_platform):
                    d.members.append(Member("slack", f"U{i:05d}", d))
                    d.members.append(Member("telegram", str(5_000_000 + i), d))
                    d.members.append(Member("discord", str(discord_ids[i]), d))
                yield d
            finally:
                if d.process.returncode is None:
                    d.process.send_signal(signal.SIGINT)
                try:
                    await asyncio.wait_for(d.process.wait(), 30)
                except TimeoutError:
                    d.process.kill()
                    await d.process.wait()
                log.close()
                if d.process.returncode not in (0, -signal.SIGINT):
                    tail = (folder / "staffroom.log").read_text(errors="replace")[-3000:]
                    print(f"staffroom run exited with {d.process.returncode}:\n{tail}")
