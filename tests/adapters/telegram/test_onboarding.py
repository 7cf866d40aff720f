"""Commands as Telegram sees them, /start payloads, deep links and ``staffroom telegram-link``."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner

from adapters.telegram.inbound import SlashCommand, parse_command
from adapters.telegram.menu import bot_commands, command_groups, telegram_name
from adapters.telegram.onboarding import deep_link, start_command, telegram_link
from core.app import build_registry
from core.commands import N_, CommandRegistry, command
from core.feature import Feature
from core.reply import Reply
from tests.adapters.telegram.conftest import TOKEN
from tests.fakes.fake_telegram import FakeTelegram


def test_parse_command_keeps_the_rest_of_the_line_for_the_core_parser() -> None:
    assert parse_command('/cpd log 1.5 "Assessment workshop"', "staffroom_bot") == SlashCommand(
        "cpd", 'log 1.5 "Assessment workshop"', addressed=False
    )
    assert parse_command("/CPD@Staffroom_Bot summary", "staffroom_bot") == SlashCommand(
        "cpd", "summary", addressed=True
    )
    assert parse_command("/help@other_bot", "staffroom_bot") is None
    assert parse_command("help", "staffroom_bot") is None
    assert parse_command("/journal\nToday went well\nand so did I", "staffroom_bot") == (
        SlashCommand("journal", "Today went well\nand so did I", addressed=False)
    )


def _show(ctx: object) -> Reply:
    return Reply.message("shown")


def registry_with(*groups: str, extra: tuple[Feature, ...] = ()) -> CommandRegistry:
    """A registry of one test feature with a ``GROUP show`` command per group."""
    feature = Feature(
        name="test",
        groups={g: N_(f"All about {g}. " + "Long words. " * 40) for g in groups},
        commands=tuple(command(f"{g} show", help=N_("show"))(_show) for g in groups),
    )
    return build_registry([feature, *extra])


def test_menu_names_follow_telegrams_rules() -> None:
    registry = registry_with("help", "cpd", "coffee-roulette", "Événements", "start")

    assert telegram_name("coffee-roulette") == "coffee_roulette"
    assert telegram_name("Événements") is None
    assert command_groups(registry) == {
        "coffee_roulette": "coffee-roulette",
        "cpd": "cpd",
        "help": "help",
    }
    commands = bot_commands(registry)
    assert [c.command for c in commands] == ["help", "coffee_roulette", "cpd"]
    assert all(len(c.description) <= 256 for c in commands)
    assert commands[0].description.startswith("All about help.")


def test_start_payloads_map_to_commands() -> None:
    plain = registry_with("help")

    @command("community info", help=N_("about"))
    def info(ctx: object) -> Reply:
        return Reply.message("about")

    joining = Feature(name="joining", groups={"community": N_("communities")}, commands=(info,))
    communities = registry_with("help", extra=(joining,))

    assert start_command("link-K7P4XM2Q", plain) == "link K7P4XM2Q"
    # A join link shows the community with a Join button; it never joins by itself.
    assert start_command("join-maths-secondary", communities) == "community info maths-secondary"
    assert start_command("join-maths-secondary", plain) is None
    assert start_command("", plain) is None
    assert start_command("link-", plain) is None
    assert start_command("link-a b", plain) is None


def test_deep_links() -> None:
    assert deep_link("staffroom_bot") == "https://t.me/staffroom_bot"
    assert deep_link("staffroom_bot", "join-maths") == "https://t.me/staffroom_bot?start=join-maths"
    with pytest.raises(ValueError, match="cannot be a start payload"):
        deep_link("staffroom_bot", "join-maths & more")


async def test_telegram_link_prints_the_onboarding_link_from_get_me() -> None:
    async with FakeTelegram(token=TOKEN, bot_username="hillside_staffroom_bot") as tg:
        env = {
            "STAFFROOM_TELEGRAM__TOKEN": TOKEN,
            "STAFFROOM_TELEGRAM__API_BASE_URL": tg.api_base_url,
            "STAFFROOM_TELEGRAM__FILE_BASE_URL": tg.file_base_url,
        }
        runner = CliRunner()
        plain = await asyncio.to_thread(runner.invoke, telegram_link, [], env=env, obj={})
        joining = await asyncio.to_thread(
            runner.invoke, telegram_link, ["--join", "maths-secondary"], env=env, obj={}
        )

    assert plain.exit_code == 0, plain.output
    assert plain.output == "https://t.me/hillside_staffroom_bot\n"
    assert joining.output == "https://t.me/hillside_staffroom_bot?start=join-maths-secondary\n"
    assert [c.method for c in tg.calls] == ["getMe", "getMe"]  # one question per run


def test_telegram_link_without_a_token_says_how_to_set_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STAFFROOM_TELEGRAM__TOKEN", raising=False)
    result = CliRunner().invoke(telegram_link, [], obj={"config": None})

    assert result.exit_code == 1
    assert "STAFFROOM_TELEGRAM__TOKEN" in result.output
