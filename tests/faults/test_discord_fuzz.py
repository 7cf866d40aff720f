"""Malformed, oversized and random interactions and DMs into the Discord adapter, through the real
discord.py client connected to the fake Discord: every interaction is answered (a callback, then a
follow-up if it was deferred), every DM gets its reply, nothing is logged as a crash, and nothing is
stored by halves.

Discord itself checks slash-command options against the synced schema, so most malformed payloads
here are what a bot meets when its commands were synced by an older release (options renamed,
retyped or removed, subcommands gone) or when a stale message's button or form is used.

As in ``test_inbound_fuzz``, Hypothesis runs in a worker thread while discord.py and the fake keep
running on the test's loop; each example is awaited to the end before the next one starts.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from adapters.discord import DiscordPlatform, create_platform, sync_commands
from adapters.discord.modal import FORM_PREFIX
from adapters.discord.render import CUSTOM_ID_PREFIX
from adapters.discord.tree import MAX_CHOICES as STATIC_CHOICES
from adapters.discord.tree import discord_path
from core.actions.service import shorten
from core.app import (
    Staffroom,
    build_registry,
)
from core.clock import FixedClock
from core.commands import Command, Param
from core.features import FEATURES
from core.params import Kind
from core.suggestions import source_for, sources_of
from tests.adapters.discord.conftest import (
    ANA,
    APP_ID,
    BEN,
    BOT_ID,
    CARA,
    CHANNEL_ID,
    GUILD_ID,
    TOKEN,
    callback_path,
    text_of,
)
from tests.conftest import make_settings
from tests.fakes.fake_discord import FakeDiscord, FakeGuild, RecordedRequest
from tests.faults.support import assert_no_crash_logged, assert_whole_records
from tests.faults.test_inbound_fuzz import JSON_VALUE, TEXT, drive, on_loop
from tests.talk import say

REGISTRY = build_registry(FEATURES)
SOURCES = sources_of(FEATURES)

pytestmark = [pytest.mark.fault, pytest.mark.timeout(120)]

COMMANDS = sorted(REGISTRY.commands.values(), key=lambda c: c.name)
NAMES = [c.name for c in COMMANDS]
FUZZ = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    # No shrinking: each try of an unanswered interaction waits out ANSWER_WAIT, so shrinking one
    # would outlast the test's timeout; the failure message carries the payload instead.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ANSWER_WAIT = 5.0
"""Seconds to wait for an answer at the fake: far above any real answer, only a hang reaches it."""
CRASH = "Something went wrong on our side"
CALLBACK_DEFERRED = (5, 6)
CALLBACK_AUTOCOMPLETE = 8
CALLBACK_MODAL = 9
INTERACTION_KINDS = {2: "slash", 3: "button", 4: "autocomplete", 5: "form"}
ERROR_MARK = "⚠️"
HANDLER_TASKS = ("discord.py: on_", "discord-ui-", "CommandTree-invoker")
"""Names discord.py gives the tasks that run our handlers."""
FORM_COMMANDS = [c.name for c in COMMANDS if c.form and c.params]
BUTTON_COMMANDS = [
    "help",
    "community join maths-secondary",
    "community info maths-secondary",
    "community leave maths-secondary",
    *FORM_COMMANDS,
    'cpd log 1 "Button CPD"',
    "cpd teleport",
    'community create "',
    "",
]
"""Commands stored behind real button keys: runnable ones, forms, stale and broken ones."""


def autocompleted(command: Command, param: Param) -> bool:
    """Whether the tree gives this option autocomplete (mirrors ``tree._configure``)."""
    static = bool(param.choices) and len(param.choices) <= STATIC_CHOICES
    return not static and source_for(SOURCES, command, param) is not None


PATHS = [list(discord_path(c, REGISTRY)) for c in COMMANDS]
PARAMS = {" ".join(discord_path(c, REGISTRY)): c.params for c in COMMANDS}
AUTOCOMPLETE = [
    (list(discord_path(c, REGISTRY)), p.name)
    for c in COMMANDS
    for p in c.params
    if autocompleted(c, p)
]
STALE_AUTOCOMPLETE = [
    (list(discord_path(c, REGISTRY)), p.name)
    for c in COMMANDS
    for p in c.params
    if not autocompleted(c, p)
]
"""Options a tree synced by another release might still offer autocomplete for."""

# Values of every JSON type, huge strings among them (Discord's own limit is 6000 per command).
HUGE = st.integers(2001, 12_000).map(lambda n: ("ab " * n)[:n])
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
    HUGE,
)
MEANINGFUL = st.sampled_from(
    [
        *["1.5", "90m", "-3", "maths-secondary", "2026-09-14", "yesterday", "09:00"],
        *["Europe/London", "#assessment", "https://example.test/x", "@everyone", "yes"],
        "<@&910000000000000555>",
    ]
)
"""Values that get past conversion, so commands run further than their first check."""
VALUE = st.one_of(SCALAR, MEANINGFUL, JSON_VALUE)
PLAUSIBLE_BY_KIND: dict[Kind, st.SearchStrategy[Any]] = {
    Kind.INT: st.integers(-2, 40),
    Kind.ID: st.integers(-2, 40),
    Kind.NUMBER: st.floats(-1, 40),
    Kind.BOOL: st.booleans(),
    Kind.HOURS: st.sampled_from(["1.5", "90m", "0", "-1", "1000"]),
    Kind.DURATION: st.sampled_from(["1.5", "90m", "0", "2h"]),
    Kind.DATE: st.sampled_from(["2026-09-14", "yesterday", "tomorrow", "2026-02-30"]),
    Kind.DATETIME: st.sampled_from(["2026-12-01 16:00", "tomorrow 09:00", "never"]),
    Kind.TIME: st.sampled_from(["09:00", "25:61", "7pm"]),
    Kind.TIMEZONE: st.sampled_from(["Europe/London", "Mars/Olympus"]),
    Kind.URL: st.sampled_from(["https://example.test/x", "javascript:alert(1)", "x"]),
    Kind.COMMUNITY: st.sampled_from(["maths-secondary", "@maths-secondary", "nowhere"]),
    Kind.TAGS: st.sampled_from(["#assessment", "#a #b", "#"]),
    Kind.MEMBER: st.sampled_from([f"<@{ANA}>", "@ben.t", "nobody"]),
}


def plausible(param: Param) -> st.SearchStrategy[Any]:
    """A value Discord could really send for this option (as synced by this release), or now
    and then anything at all."""
    if param.choices:
        typical: st.SearchStrategy[Any] = st.sampled_from(param.choices)
    else:
        typical = PLAUSIBLE_BY_KIND.get(param.kind, st.one_of(MEANINGFUL, st.text(max_size=60)))
    return st.one_of(typical, typical, VALUE)


OPTION_NAME = st.one_of(
    st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=12),
    st.text(min_size=1, max_size=20),
)
MENTIONS = st.sampled_from(
    ["@everyone", "@here", "<@&910000000000000555>", f"<@{ANA}>", f"<@{BOT_ID}>", "<#1>"]
)
DM_TEXT = st.one_of(
    TEXT,
    HUGE.map(lambda t: t[:4000]),
    st.lists(st.one_of(MENTIONS, TEXT), max_size=5).map(" ".join),
    st.tuples(st.sampled_from(NAMES), MENTIONS).map(" ".join),
)


@dataclass
class Fuzzed:
    """The running bot, its fake Discord and its Staffroom, with the test loop to run on."""

    dc: FakeDiscord
    app: Staffroom
    platform: DiscordPlatform
    loop: asyncio.AbstractEventLoop
    keys: list[str]


@pytest.fixture
async def fuzzed(sqlite_url: str, clock: FixedClock) -> AsyncIterator[Fuzzed]:
    guild = FakeGuild(id=GUILD_ID, channels={CHANNEL_ID: "staffroom"}, member_ids=[ANA, BEN, CARA])
    async with FakeDiscord(app_id=APP_ID, bot_user_id=BOT_ID, guilds=[guild], token=TOKEN) as dc:
        for user, name in ((ANA, "ana.k"), (BEN, "ben.t"), (CARA, "cara.m")):
            dc.add_user(user, name, global_name=name.split(".")[0].title())
        app = Staffroom(
            make_settings(
                sqlite_url,
                limits={"commands_per_minute": 10_000},
                discord={
                    "token": TOKEN,
                    "api_base_url": dc.api_base_url,
                    "gateway_url": dc.gateway_url,
                },
            ),
            clock=clock,
        )
        # Something for commands, buttons and suggestions to act on.
        say(
            app,
            'community create "Maths secondary"',
            user=str(ANA),
            platform="discord",
            tenant=str(APP_ID),
        )
        say(
            app,
            'cpd log 1.5 "Workshop" category=course',
            user=str(BEN),
            platform="discord",
            tenant=str(APP_ID),
        )
        with app.session() as session:
            keys = [shorten(session, command, clock.now()) for command in BUTTON_COMMANDS]
        await sync_commands(app.settings)
        platform = create_platform(app, guild_ready_timeout=0.05, ready_wait=5)
        await platform.start()
        try:
            yield Fuzzed(dc, app, platform, asyncio.get_running_loop(), keys)
        finally:
            await platform.stop()
            app.engine.dispose()


async def answered(dc: FakeDiscord, interaction_id: int) -> RecordedRequest:
    """The interaction's callback, accepted by the fake; after a deferral, also its follow-up."""
    payload = dc.interactions[interaction_id].payload["data"]
    try:
        callback = await dc.wait_for_request("POST", callback_path(interaction_id), ANSWER_WAIT)
        assert callback.status == 200, callback.json
        if callback.json["type"] not in CALLBACK_DEFERRED:
            return callback
        token = re.escape(dc.interactions[interaction_id].token)
        hook = rf"/webhooks/{APP_ID}/{token}(/messages/@original)?"
        followup = await dc.wait_for_request("POST", hook, ANSWER_WAIT)
    except TimeoutError:
        # An assertion (not the fake's TimeoutError) so the report shows what went unanswered.
        raise AssertionError(f"never answered: {str(payload)[:500]}") from None
    assert followup.status in (200, 204), followup.json
    return followup


def shown(request: RecordedRequest) -> str:
    """The text an answer (a callback's data, or a follow-up) shows."""
    body = request.json if isinstance(request.json, dict) else {}
    data = body.get("data", body) if "type" in body else body
    return text_of(data or {})


def outcome(answer: RecordedRequest, text: str) -> str:
    """How an interaction was answered: choices, a form, an error or a reply."""
    kind = answer.json.get("type") if isinstance(answer.json, dict) else None
    if kind == CALLBACK_AUTOCOMPLETE:
        return "choices" if answer.json["data"]["choices"] else "no choices"
    if kind == CALLBACK_MODAL:
        return "form"
    return "error" if ERROR_MARK in text else "reply"


async def settled() -> None:
    """Wait for discord.py's handler tasks still running (a reply's later messages, say), so
    every log line and row they produce is in before the checks."""
    running = [
        task
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task() and task.get_name().startswith(HANDLER_TASKS)
    ]
    if running:
        await asyncio.wait_for(asyncio.gather(*running, return_exceptions=True), ANSWER_WAIT)


async def test_discord_survives_random_and_stale_interactions_and_dms(
    fuzzed: Fuzzed, caplog: pytest.LogCaptureFixture
) -> None:
    dc, loop, client = fuzzed.dc, fuzzed.loop, fuzzed.platform.client
    users = st.sampled_from([ANA, BEN, CARA, 910000000000000999])
    where = st.sampled_from([GUILD_ID, None])
    seen: Counter[str] = Counter()
    """What came back, by interaction type and answer: printed, so a run shows its reach."""

    async def interact(start: Awaitable[int]) -> RecordedRequest:
        interaction_id = await start
        answer = await answered(dc, interaction_id)
        text = shown(answer)
        assert CRASH not in text, text
        kind = INTERACTION_KINDS[dc.interactions[interaction_id].type]
        seen[f"{kind}: {outcome(answer, text)}"] += 1
        return answer

    # Slash commands: real paths with random, missing and mistyped options; unknown subcommands
    # and unknown top-level commands (a tree synced by another release).
    path = st.one_of(
        st.sampled_from(PATHS),
        st.sampled_from(PATHS),
        st.sampled_from(PATHS).flatmap(
            lambda p: OPTION_NAME.map(lambda name: [*p[:-1], name] if len(p) > 1 else [p[0], name])
        ),
        OPTION_NAME.map(lambda name: [name]),
    )

    @FUZZ
    @given(data=st.data(), path=path, user=users, guild=where)
    def random_slash_commands(
        data: st.DataObject, path: list[str], user: int, guild: int | None
    ) -> None:
        params = PARAMS.get(" ".join(path), ())
        optional = {p.name: plausible(p) for p in params}
        required = {p.name: optional.pop(p.name) for p in params if p.required}
        # Mostly every required option (as Discord enforces), sometimes not (a stale sync).
        wanted = st.one_of(
            st.fixed_dictionaries(required, optional=optional),
            st.fixed_dictionaries(required, optional=optional),
            st.fixed_dictionaries({}, optional={**required, **optional}),
        )
        options = data.draw(wanted, label="options")
        options |= data.draw(st.dictionaries(OPTION_NAME, VALUE, max_size=2), label="extra")
        options = {k: v for k, v in options.items() if v is not None}
        start = dc.interaction_command(user, path, options, guild_id=guild)
        on_loop(loop, interact(start))

    # Autocomplete: every option that has it, typed as anything, among random other options; and
    # options that have none (or do not exist) in this release, as a stale sync would offer them.
    @FUZZ
    @given(
        target=st.one_of(
            st.sampled_from(AUTOCOMPLETE),
            st.sampled_from(AUTOCOMPLETE),
            st.sampled_from(STALE_AUTOCOMPLETE),
            st.sampled_from(PATHS).flatmap(lambda p: OPTION_NAME.map(lambda n: (p, n))),
        ),
        typed=st.one_of(st.sampled_from(["", "m", "math", "#", "1", "read"]), TEXT, HUGE),
        others=st.dictionaries(OPTION_NAME, SCALAR.filter(lambda v: v is not None), max_size=2),
        user=users,
        guild=where,
    )
    def random_autocomplete(
        target: tuple[list[str], str],
        typed: str,
        others: dict[str, Any],
        user: int,
        guild: int | None,
    ) -> None:
        path, focused = target
        others.pop(focused, None)
        start = dc.interaction_autocomplete(user, path, focused, typed, others, guild_id=guild)
        answer = on_loop(loop, interact(start))
        assert answer.json["type"] == 8
        choices = answer.json["data"]["choices"]
        assert len(choices) <= 25
        for choice in choices:
            assert 1 <= len(choice["name"]) <= 100
            assert not isinstance(choice["value"], str) or len(choice["value"]) <= 100

    # Form submissions: real and unknown command names, real and unknown fields, any values.
    @FUZZ
    @given(
        data=st.data(),
        name=st.one_of(
            st.sampled_from(FORM_COMMANDS), st.sampled_from(NAMES), st.text(max_size=30)
        ),
        user=users,
        guild=where,
    )
    def random_form_submissions(
        data: st.DataObject, name: str, user: int, guild: int | None
    ) -> None:
        command = REGISTRY.commands.get(tuple(name.split()))
        known = [p.name for p in command.params] if command else []
        fields = st.one_of(st.sampled_from(known), OPTION_NAME) if known else OPTION_NAME
        values = st.one_of(TEXT, HUGE.map(lambda t: t[:4000]), st.just(""), st.just("   "))
        submitted = data.draw(st.dictionaries(fields, values, max_size=6), label="fields")
        start = dc.interaction_modal_submit(user, FORM_PREFIX + name, submitted, guild_id=guild)
        on_loop(loop, interact(start))

    # Button presses: real keys (runnable, forms, stale commands) and random ones.
    key = st.one_of(
        st.sampled_from(fuzzed.keys),
        st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=32),
        st.text(max_size=97),
    )

    async def press(user: int, custom_id: str, guild: int | None) -> RecordedRequest:
        """Press a button on a message that carries it, as Discord always sends it with a press
        (discord.py routes a press only to a button the message really has)."""
        view: discord.ui.View = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label="Press", custom_id=custom_id))
        view.stop()  # as render does: presses are routed by the dynamic item, not this view
        channel = CHANNEL_ID if guild else dc.dm_channel_id(user)
        sent = await client.get_partial_messageable(channel).send("Buttons", view=view)
        return await interact(dc.interaction_component(user, custom_id, message_id=sent.id))

    @FUZZ
    @given(key=key, user=users, guild=where)
    def random_button_presses(key: str, user: int, guild: int | None) -> None:
        on_loop(loop, press(user, CUSTOM_ID_PREFIX + key, guild))

    # DMs: anything a person can type, pings included. Each example is a new person, so the reply
    # awaited is certainly this message's (a reply is one message or more in that DM channel).
    people = itertools.count(920000000000000001)

    async def dm(user: int, content: str) -> None:
        channel = dc.dm_channel_id(user)
        await dc.message_create(user, content=content)
        if not content.strip():
            seen["dm: blank, ignored"] += 1
            return
        try:
            reply = await dc.wait_for_request("POST", rf"/channels/{channel}/messages", ANSWER_WAIT)
        except TimeoutError:
            raise AssertionError(f"no reply to the DM {content[:200]!r}") from None
        assert reply.status == 200, reply.json
        text = text_of(reply.json)
        assert CRASH not in text, text
        seen[f"dm: {'error' if ERROR_MARK in text else 'reply'}"] += 1

    @FUZZ
    @given(content=DM_TEXT)
    def random_direct_messages(content: str) -> None:
        on_loop(loop, dm(next(people), content))

    await drive(random_slash_commands)
    await drive(random_autocomplete)
    await drive(random_form_submissions)
    await drive(random_button_presses)
    await drive(random_direct_messages)
    await settled()

    # Nothing the bot sent may ping anyone, whatever the member typed.
    for message in dc.messages():
        assert message.allowed_mentions is not None, message
        assert message.allowed_mentions.get("parse") == [], message.allowed_mentions
    print("\ndiscord fuzz:", dict(sorted(seen.items())))
    assert_no_crash_logged(caplog)
    assert_whole_records(fuzzed.app.engine)
