"""``help``: generated from the command registry, so it is never out of date."""

from __future__ import annotations

from typing import Annotated

from core.commands import N_, Arg, CommandRegistry, command
from core.context import Context
from core.feature import Feature
from core.i18n import _
from core.reply import Reply, SpanLike, bold, code


def help_overview(registry: CommandRegistry) -> Reply:
    reply = Reply().heading(_("Staffroom: professional learning where you already chat"))
    lines: list[list[SpanLike]] = []
    for group in registry.groups():
        about = registry.group_help.get(group, "")
        lines.append([bold(group), " — " + _(about) if about else ""])
    reply.items(lines)
    reply.note(
        _(
            "Send help GROUP for its commands, e.g. help cpd. Put phrases in quotes, "
            "settings as key=value, tags as #tag."
        )
    )
    return reply


def help_group(registry: CommandRegistry, group: str) -> Reply:
    reply = Reply().heading(_("{group} commands", group=group))
    about = registry.group_help.get(group)
    if about:
        reply.text(_(about))
    reply.items([[code(c.usage()), " — " + _(c.help)] for c in registry.in_group(group)])
    return reply


def help_command(registry: CommandRegistry, path: tuple[str, ...]) -> Reply:
    command = registry.commands[path]
    reply = Reply().heading(command.name).text(_(command.help))
    reply.fields([(_("Usage"), command.usage())])
    reply.items(
        [
            [
                code(p.name),
                " — " + (_(p.help) or p.kind.value) + (" " + _("(required)") if p.required else ""),
            ]
            for p in command.params
        ]
    )
    if command.examples:
        reply.note(_("Examples: ") + " · ".join(command.examples))
    return reply


@command(
    "help",
    help=N_("List what Staffroom can do; help GROUP or help GROUP COMMAND for details."),
    examples=["help", "help cpd", "help cpd log"],
)
def help_(
    ctx: Context,
    *,
    topic: Annotated[
        list[str] | None, Arg(N_("a group or command, like cpd or cpd log"), max_length=40)
    ] = None,
) -> Reply:
    registry = ctx.registry
    if not topic:
        return help_overview(registry)
    found = registry.resolve(topic)
    if found is not None and not found[1] and found[0].path != ("help",):
        return help_command(registry, found[0].path)
    group = topic[0].lower()
    if group in registry.groups():
        return help_group(registry, group)
    suggestion = registry.suggest(topic)
    hint = _(" Did you mean {suggestion}?", suggestion=suggestion) if suggestion else ""
    return Reply.error(_('There is no help topic "{topic}".', topic=" ".join(topic)[:40]) + hint)


FEATURE = Feature(
    name="help",
    groups={"help": N_("What Staffroom can do, and how to use each command.")},
    commands=(help_,),
)
