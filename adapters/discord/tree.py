"""The application-command tree, generated from the command registry.

Shape: one top-level command per registry group (``/cpd``, ``/community``, ...), with the group's
commands as subcommands and three-word paths as subcommand groups (``/cpd goal add``). A group
that is a single one-word command (``help``, ``link``) is a top-level command of its own. When a
group has both a bare command and subcommands (``reflect`` and ``reflect schedule``), Discord
cannot run the bare group, so the bare command becomes the subcommand ``now`` (``/reflect now``;
``run`` if a command called ``now`` exists).

How the commands are built: each is a :class:`RegistryCommand`, a real ``app_commands.Command``
whose options are discord.py's own ``CommandParameter`` values built from the registry command's
``Param`` list (type, description, choices, bounds, autocomplete), so option parsing, validation of
the payload, autocomplete dispatch and syncing all stay discord.py's own. Its callback hands the
options, keyed by parameter name, to the inbound handler, which builds
``Invocation(command=path, args=...)``. Descriptions are translated into the configured language
as the tree is built, and each keeps its catalogue source, so that the sync's
:class:`~adapters.discord.translator.CatalogueTranslator` adds them in every other language
Discord and the catalogues share (names stay as they are: members type them).

Option types: INT and ID are integers, NUMBER a number, BOOL a boolean, FILE an attachment (handed
to the core as the invocation's attachments, not as an argument), a parameter with up to 25
choices a string with those choices; everything else is a string the core converts (HOURS stays
text so "90m" works; a ``many`` parameter is one string the core splits; TAGS is one string of
``#tags``). Commands declared ``form=True`` have no required options on Discord, so that the bare
command can open the form; the core still checks what is required.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol

import discord
from discord import AppCommandOptionType, app_commands
from discord.app_commands import locale_str
from discord.app_commands.transformers import CommandParameter
from discord.utils import MISSING

from adapters.discord.translator import fit
from core.commands import Command, CommandRegistry, Param
from core.i18n import _
from core.params import Kind
from core.suggestions import SuggestionSource, source_for

log = logging.getLogger("staffroom.discord")

MAX_CHOICES = 25
MAX_CHILDREN = 25
BARE_NAMES = ("now", "run")


class CommandRunner(Protocol):
    """What the generated callbacks call: the inbound handler (or a test double of Discord)."""

    async def run_command(
        self, interaction: discord.Interaction[Any], command: Command, options: dict[str, Any]
    ) -> None: ...

    async def autocomplete(
        self, interaction: discord.Interaction[Any], command: Command, param: Param, current: str
    ) -> list[app_commands.Choice[Any]]: ...

    async def command_failed(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None: ...


def describe(text: str, fallback: str) -> locale_str:
    """A description within Discord's 1-100 characters, in the current language, carrying its
    catalogue source (``msgid``) for the translator; ``fallback`` when there is no help text."""
    shown = fit(_(text)) if text else ""
    return locale_str(shown or fit(fallback), msgid=text)


_OPTION_TYPES: dict[Kind, AppCommandOptionType] = {
    Kind.INT: AppCommandOptionType.integer,
    Kind.ID: AppCommandOptionType.integer,
    Kind.NUMBER: AppCommandOptionType.number,
    Kind.BOOL: AppCommandOptionType.boolean,
    Kind.FILE: AppCommandOptionType.attachment,
}
"""Kinds Discord checks itself (a file is an attachment: the member picks it, Discord uploads
it); every other kind is a string the core converts."""


def option_type(param: Param) -> AppCommandOptionType:
    """The Discord option type a parameter is offered as (a parameter with choices is a string)."""
    if param.choices:
        return AppCommandOptionType.string
    return _OPTION_TYPES.get(param.kind, AppCommandOptionType.string)


def build_option(
    param: Param, command: Command, runner: CommandRunner, sources: Sequence[SuggestionSource]
) -> CommandParameter:
    """The application-command option for one of a registry command's parameters."""
    # Forms are opened by the bare command, so on Discord nothing of theirs is required.
    required = param.required and not command.form
    option = CommandParameter(
        name=param.name,
        description=describe(param.help, param.name),
        required=required,
        default=MISSING if required else None,
        type=option_type(param),
    )
    if param.choices and len(param.choices) <= MAX_CHOICES:
        option.choices = [
            app_commands.Choice(name=locale_str(c[:100], msgid=c), value=c) for c in param.choices
        ]
    elif source_for(sources, command, param) is not None:
        option.autocomplete = _autocomplete_for(runner, command, param)
    if param.kind in (Kind.INT, Kind.NUMBER) and not param.choices:
        option.min_value = param.min_value
        option.max_value = param.max_value
    return option


async def _declared_later(interaction: discord.Interaction[Any]) -> None:
    """The callback discord.py reads a signature from; replaced as soon as it has."""


class RegistryCommand(app_commands.Command[Any, ..., None]):
    """An application command whose options are a registry command's parameters.

    discord.py reads a command's options from its callback's signature, once, as the command is
    made; there is no public way to hand it options instead (Rapptz/discord.py#9463). The
    registry already declares them, so the command is made with a callback that takes none, and
    its options are then set as discord.py's own ``CommandParameter`` values, built from the
    ``Param`` list, with the callback that receives them by name. Everything after (payload
    checks, autocomplete dispatch, syncing) is discord.py's own.
    """

    def __init__(
        self,
        name: str,
        command: Command,
        runner: CommandRunner,
        sources: Sequence[SuggestionSource] = (),
    ) -> None:
        super().__init__(
            name=name, description=describe(command.help, command.name), callback=_declared_later
        )
        self.registry_command = command
        # Required options first, as Discord requires and as discord.py orders a signature's.
        options = sorted(
            (build_option(p, command, runner, sources) for p in command.params),
            key=lambda option: option.required,
            reverse=True,
        )
        self._params = {option.name: option for option in options}

        async def run(interaction: discord.Interaction[Any], **given: Any) -> None:
            chosen = {name: value for name, value in given.items() if value is not None}
            await runner.run_command(interaction, command, chosen)

        self._callback = run


def _autocomplete_for(
    runner: CommandRunner, command: Command, param: Param
) -> Callable[..., Coroutine[Any, Any, list[app_commands.Choice[Any]]]]:
    async def complete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[Any]]:
        return await runner.autocomplete(interaction, command, param, str(current or ""))

    return complete


def discord_path(command: Command, registry: CommandRegistry) -> tuple[str, ...]:
    """Where a registry command sits in the Discord tree (``("reflect", "now")`` for ``reflect``)."""
    path = command.path
    siblings = [c.path for c in registry.commands.values() if c.path[: len(path)] == path]
    if len(siblings) == 1:
        return path
    taken = {p[len(path)] for p in siblings if len(p) > len(path)}
    bare = next((n for n in BARE_NAMES if n not in taken), BARE_NAMES[-1])
    return (*path, bare)


def build_tree_commands(
    registry: CommandRegistry, runner: CommandRunner, sources: Sequence[SuggestionSource] = ()
) -> list[app_commands.Command[Any, ..., None] | app_commands.Group]:
    """Every top-level application command for the registry, in group order."""
    top: dict[str, app_commands.Command[Any, ..., None] | app_commands.Group] = {}
    for group_name in registry.groups():
        help_text = registry.group_help.get(group_name, "")
        for command in registry.in_group(group_name):
            path = discord_path(command, registry)
            if len(path) == 1:
                top[group_name] = RegistryCommand(group_name, command, runner, sources)
                continue
            group = top.get(group_name)
            if not isinstance(group, app_commands.Group):
                group = app_commands.Group(
                    name=group_name, description=describe(help_text, group_name)
                )
                top[group_name] = group
            parent = group
            if len(path) == 3:
                found = group.get_command(path[1])
                if not isinstance(found, app_commands.Group):
                    found = app_commands.Group(
                        name=path[1], description=describe("", f"{group_name} {path[1]}")
                    )
                    group.add_command(found)
                parent = found
            if len(parent.commands) >= MAX_CHILDREN:
                log.warning(
                    "discord: /%s has 25 subcommands; %s left out", parent.name, command.name
                )
                continue
            parent.add_command(RegistryCommand(path[-1], command, runner, sources))
    return list(top.values())


class UnreadableOptions(app_commands.AppCommandError):
    """An option value that does not fit its wire type (a number option holding words, a file
    option holding no attachment id), which discord.py would fail on before any handler runs."""


_SNOWFLAKE_TYPES = frozenset({6, 7, 8, 9, 11})
"""User, channel, role, mentionable and attachment options: discord.py reads their ids."""


def options_readable(options: Any) -> bool:
    """Whether discord.py can read every option value of a payload as its type says."""
    for option in options if isinstance(options, list) else []:
        if not isinstance(option, dict):
            return False
        kind, value = option.get("type"), option.get("value")
        try:
            if kind in (1, 2) and not options_readable(option.get("options")):
                return False
            if kind == 10 and value not in (None, "") and not option.get("focused"):
                float(value)
            if kind in _SNOWFLAKE_TYPES:
                if value is None:
                    return False
                int(value)
        except (TypeError, ValueError, OverflowError):
            return False
    return True


class StaffroomTree(app_commands.CommandTree[Any]):
    """The command tree, answering what discord.py would otherwise log and leave unanswered.

    Discord checks options against the commands as last synced. When they were synced by another
    release (a command, subcommand or option since renamed, retyped or removed), discord.py
    cannot run the interaction: a command goes to ``on_error``, an autocomplete request to a log
    line. Both still get an answer here, so the member never sees "The application did not
    respond". So does a payload whose option values do not fit their types, on which discord.py
    would fail before ``on_error``.
    """

    def __init__(self, client: discord.Client, runner: CommandRunner) -> None:
        super().__init__(client)
        self.runner = runner

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /
    ) -> None:
        """Hand a command discord.py could not run to the runner, which answers it."""
        await self.runner.command_failed(interaction, error)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Answer autocomplete for an option this release does not complete with no choices,
        and a command whose option values cannot be read from its payload."""
        data: dict[str, Any] = dict(interaction.data or {})
        kind = interaction.type
        if kind is discord.InteractionType.application_command and not options_readable(
            data.get("options")
        ):
            await self.runner.command_failed(interaction, UnreadableOptions())
            return False
        if kind is not discord.InteractionType.autocomplete:
            return True
        if self._completes(data) and options_readable(data.get("options")):
            return True
        log.warning(
            "discord: autocomplete asked for an option /%s does not complete in this release "
            "(commands synced by another release?); run `staffroom discord sync`",
            data.get("name"),
        )
        await interaction.response.autocomplete([])
        return False

    def _completes(self, data: dict[str, Any]) -> bool:
        """Whether the focused option of this autocomplete payload has autocomplete here."""
        found = self.get_command(str(data.get("name") or ""))
        options: list[Any] = list(data.get("options") or [])
        while isinstance(found, app_commands.Group):
            sub = next(
                (o for o in options if isinstance(o, dict) and o.get("type") in (1, 2)), None
            )
            if sub is None:
                return False
            found = found.get_command(str(sub.get("name") or ""))
            options = list(sub.get("options") or [])
        if not isinstance(found, app_commands.Command):
            return False
        focused = next(
            (o.get("name") for o in options if isinstance(o, dict) and o.get("focused")), None
        )
        return any(p.display_name == focused and p.autocomplete for p in found.parameters)


def build_tree(
    client: discord.Client,
    registry: CommandRegistry,
    runner: CommandRunner,
    sources: Sequence[SuggestionSource] = (),
) -> app_commands.CommandTree[Any]:
    """A command tree for ``client`` holding the registry's commands (not synced); options a
    suggestion source serves get autocomplete."""
    tree = StaffroomTree(client, runner)
    for item in build_tree_commands(registry, runner, sources):
        tree.add_command(item)
    return tree
