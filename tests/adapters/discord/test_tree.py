"""One declaration, three readers: help, the text parser and the Discord tree all show every
command's parameters as its handler's signature declares them."""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from discord import AppCommandOptionType, app_commands

from adapters.discord.tree import RegistryCommand, build_tree_commands, discord_path
from core.app import build_registry
from core.commands import Arg, Command, CommandRegistry, Param
from core.features import FEATURES
from core.help import help_command
from core.params import BadValue, ConvertContext, Kind
from core.parsing import ParsedArgs
from core.suggestions import sources_of

REGISTRY = build_registry(FEATURES)


@dataclass(frozen=True)
class Declared:
    """One parameter as the handler's signature states it, read without ``params_of``."""

    name: str
    required: bool
    default: Any
    choices: tuple[str, ...]
    option_type: AppCommandOptionType
    """What Discord should check: numbers and yes/no itself, anything the core reads as text."""


def _declared(command: Command) -> list[Declared]:
    hints = typing.get_type_hints(command.handler, include_extras=True)
    out: list[Declared] = []
    for parameter in list(inspect.signature(command.handler).parameters.values())[1:]:
        base, *extras = typing.get_args(hints[parameter.name])
        arg = next(e for e in extras if isinstance(e, Arg))
        inner = [a for a in typing.get_args(base) if a is not type(None)] or [base]
        python_type = inner[0]
        option_type = AppCommandOptionType.string
        if not arg.choices and arg.kind is not Kind.HOURS:  # hours stay text: "90m" works
            option_type = {
                bool: AppCommandOptionType.boolean,
                int: AppCommandOptionType.integer,
                float: AppCommandOptionType.number,
            }.get(python_type, AppCommandOptionType.string)
        if arg.kind is Kind.FILE:
            option_type = AppCommandOptionType.attachment
        required = parameter.default is inspect.Parameter.empty
        out.append(
            Declared(
                name=parameter.name,
                required=required,
                default=None if required else parameter.default,
                choices=arg.choices,
                option_type=option_type,
            )
        )
    return out


class _Unused:
    """A runner for a tree that is only inspected."""

    async def run_command(
        self, interaction: discord.Interaction[Any], command: Command, options: dict[str, Any]
    ) -> None:
        raise AssertionError("not run")

    async def autocomplete(
        self, interaction: discord.Interaction[Any], command: Command, param: Param, current: str
    ) -> list[app_commands.Choice[Any]]:
        raise AssertionError("not run")

    async def command_failed(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        raise AssertionError("not run")


def _tree(registry: CommandRegistry) -> dict[tuple[str, ...], RegistryCommand]:
    """Every leaf of the Discord tree, by its path."""
    leaves: dict[tuple[str, ...], RegistryCommand] = {}
    pending: list[app_commands.Command[Any, ..., None] | app_commands.Group] = list(
        build_tree_commands(registry, _Unused(), sources_of(FEATURES))
    )
    while pending:
        node = pending.pop()
        if isinstance(node, app_commands.Group):
            pending.extend(node.commands)
        else:
            assert isinstance(node, RegistryCommand)
            leaves[tuple(node.qualified_name.split())] = node
    return leaves


TREE = _tree(REGISTRY)
COMMANDS = sorted(REGISTRY.commands.values(), key=lambda c: c.name)


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_help_the_parser_and_the_discord_tree_agree_with_the_signature(command: Command) -> None:
    declared = _declared(command)

    # The parser binds by the registry's parameters: the same names, order, defaults, choices.
    assert [(p.name, p.required, p.default, p.choices) for p in command.params] == [
        (d.name, d.required, d.default, d.choices) for d in declared
    ]
    given_nothing = ConvertContext(now=datetime(2026, 1, 5, tzinfo=UTC), timezone="UTC")
    first_required = next((d.name for d in declared if d.required), None)
    if first_required is None:
        assert command.bind(ParsedArgs(), given_nothing) == {d.name: d.default for d in declared}
    else:
        with pytest.raises(BadValue) as refused:
            command.bind(ParsedArgs(), given_nothing)
        assert refused.value.param == first_required

    # Help names every parameter, marking exactly the required ones.
    shown = help_command(REGISTRY, command.path).plain_text().splitlines()
    for d in declared:
        [line] = [s for s in shown if s.startswith(f"• {d.name} — ")]
        assert line.endswith("(required)") == d.required, line

    # Discord offers every parameter under its own name, typed, with its choices; a form's
    # bare command opens the form, so nothing of a form is required there.
    app_command = TREE[discord_path(command, REGISTRY)]
    assert app_command.registry_command is command
    options = {p.name: p for p in app_command.parameters}
    assert sorted(options) == sorted(d.name for d in declared)
    for d in declared:
        option = options[d.name]
        assert option.display_name == d.name
        assert option.required == (d.required and not command.form), d.name
        assert option.type is d.option_type, d.name
        assert [c.value for c in option.choices] == list(d.choices), d.name


def test_every_discord_command_is_a_registry_command() -> None:
    assert {app.registry_command.path for app in TREE.values()} == set(REGISTRY.commands)
