"""The synced command tree in the catalogues' languages: every description of every command,
group and option carries the Spanish and French of the catalogues, English stays the default,
and names stay the words members type."""

from __future__ import annotations

from typing import Any

from adapters.discord import sync_commands
from adapters.discord.translator import fit
from adapters.discord.tree import discord_path
from core.app import build_registry
from core.features import FEATURES
from core.i18n import _, language
from tests.adapters.discord.conftest import GUILD_ID, Bot

REGISTRY = build_registry(FEATURES)
DISCORD_LOCALES = {"es": ("es-ES", "es-419"), "fr": ("fr",)}
"""The Discord locales each shipped catalogue serves (Discord offers no Welsh)."""


def _in(code: str, msgid: str) -> str:
    with language(code):
        return fit(_(msgid))


def expected_localisations(msgid: str) -> dict[str, str]:
    """What the catalogues say for ``msgid`` in each Discord locale, where it differs from English."""
    default = _in("en", msgid)
    return {
        locale: _in(code, msgid)
        for code, locales in DISCORD_LOCALES.items()
        for locale in locales
        if _in(code, msgid) != default
    }


def _options(node: dict[str, Any]) -> list[dict[str, Any]]:
    return list(node.get("options") or [])


def _find(commands: list[dict[str, Any]], path: tuple[str, ...]) -> dict[str, Any]:
    node = next(c for c in commands if c["name"] == path[0])
    for part in path[1:]:
        node = next(o for o in _options(node) if o["name"] == part)
    return node


def _walk(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        out.append(node)
        out += _walk(_options(node))
    return out


def assert_localised(stored: list[dict[str, Any]]) -> None:
    for command in REGISTRY.commands.values():
        node = _find(stored, discord_path(command, REGISTRY))
        assert node["description"] == _in("en", command.help), command.name
        localised = node.get("description_localizations") or {}
        assert localised == expected_localisations(command.help), command.name
        options = {o["name"]: o for o in _options(node)}
        for param in command.params:
            option = options[param.name]
            assert option["description"] == _in("en", param.help), (command.name, param.name)
            wanted = expected_localisations(param.help)
            assert (option.get("description_localizations") or {}) == wanted, param.name
    for group, help_text in REGISTRY.group_help.items():
        node = _find(stored, (group,))
        if not any(o["type"] in (1, 2) for o in _options(node)):
            continue  # a one-command group is that command on Discord (checked above)
        assert node["description"] == _in("en", help_text), group
        assert node["description_localizations"] == expected_localisations(help_text), group


async def test_a_global_sync_carries_the_catalogues_descriptions_with_english_the_default(
    bot: Bot,
) -> None:
    await sync_commands(bot.app.settings)
    stored = bot.dc.commands()

    assert_localised(stored)
    timezone = _find(stored, ("settings", "timezone"))
    english = "Set your timezone, so prompts and reminders arrive at your local time."
    assert timezone["description"] == english
    assert set(timezone["description_localizations"]) == {"es-ES", "es-419", "fr"}
    assert timezone["description_localizations"]["es-ES"] == _in("es", english) != english
    assert timezone["description_localizations"]["fr"] == _in("fr", english) != english
    everything = _walk(stored)
    # Names stay the words members type, in every language.
    assert not [n["name"] for n in everything if n.get("name_localizations")]
    # English is the default, not a localisation; Welsh has no Discord locale.
    locales = {key for n in everything for key in n.get("description_localizations") or {}}
    assert locales == {"es-ES", "es-419", "fr"}


async def test_choice_names_are_localised_and_their_values_stay_english(bot: Bot) -> None:
    await sync_commands(bot.app.settings)

    answer = {o["name"]: o for o in _options(_find(bot.dc.commands(), ("event", "rsvp")))}
    maybe = next(c for c in answer["answer"]["choices"] if c["value"] == "maybe")

    assert maybe["name"] == "maybe"
    assert maybe["name_localizations"] == expected_localisations("maybe")
    assert maybe["name_localizations"]["es-ES"] == _in("es", "maybe") != "maybe"


async def test_a_guild_sync_is_localised_too(bot: Bot) -> None:
    await sync_commands(bot.app.settings, GUILD_ID)

    assert bot.dc.commands() == []
    assert_localised(bot.dc.commands(GUILD_ID))


async def test_an_install_in_spanish_has_spanish_defaults_and_english_for_english_locales(
    bot: Bot,
) -> None:
    settings = bot.app.settings
    spanish = settings.model_copy(
        update={"staffroom": settings.staffroom.model_copy(update={"language": "es"})}
    )
    await sync_commands(spanish)

    english = "Set your timezone, so prompts and reminders arrive at your local time."
    timezone = _find(bot.dc.commands(), ("settings", "timezone"))
    assert timezone["description"] == _in("es", english)
    assert timezone["description_localizations"] == {
        "en-US": english,
        "en-GB": english,
        "fr": _in("fr", english),
    }
