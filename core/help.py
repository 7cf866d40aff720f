"""``help``: generated from the command registry, so it is never out of date."""

from __future__ import annotations

from typing import Annotated

from core.commands import N_, Arg, Command, CommandRegistry, command
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


def help_group(registry: CommandRegistry, group: str, sub: str | None = None) -> Reply:
    """A group's commands; with ``sub``, only those under ``group sub`` (``observe study``)."""
    if sub is not None:
        commands = in_subgroup(registry, group, sub)
        reply = Reply().heading(_("{group} commands", group=f"{group} {sub}"))
        reply.items([[code(c.usage()), " — " + _(c.help)] for c in commands])
        return reply.note(_("Send help {group} for all of them.", group=group))
    reply = Reply().heading(_("{group} commands", group=group))
    about = registry.group_help.get(group)
    if about:
        reply.text(_(about))
    reply.items([[code(c.usage()), " — " + _(c.help)] for c in registry.in_group(group)])
    return reply


def in_subgroup(registry: CommandRegistry, group: str, sub: str) -> list[Command]:
    """The commands three words long under ``group sub`` (``cpd goal add``, ``observe study
    join``): a bare ``cpd goal`` or ``help cpd goal`` lists them."""
    word = sub.lower()
    return [c for c in registry.in_group(group) if len(c.path) > 2 and c.path[1] == word]


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
    group = topic[0].lower()
    if len(topic) == 1 and len(registry.in_group(group)) > 1:
        # "help reflect": the whole group, not just its bare command.
        return help_group(registry, group)
    found = registry.resolve(topic)
    if found is not None and not found[1] and found[0].path != ("help",):
        return help_command(registry, found[0].path)
    if group in registry.groups():
        if len(topic) == 2 and in_subgroup(registry, group, topic[1]):
            return help_group(registry, group, topic[1].lower())
        if len(topic) > 1:
            wrong = topic[1][:40]
            close = registry.suggest_in_group(group, wrong)
            hint = _(" Did you mean {suggestion}?", suggestion=close) if close else ""
            return help_group(registry, group).note(
                _("{group} has no command {wrong}.", group=group, wrong=wrong) + hint
            )
        return help_group(registry, group)
    suggestion = registry.suggest(topic)
    hint = _(" Did you mean {suggestion}?", suggestion=suggestion) if suggestion else ""
    return Reply.error(_('There is no help topic "{topic}".', topic=" ".join(topic)[:40]) + hint)


GREETINGS = frozenset(
    {"hi", "hello", "hey", "hiya", "howdy", "morning", "good morning", "good afternoon", "yo"}
)
THANKS = frozenset({"thanks", "thank you", "thankyou", "ta", "cheers", "thx", "ty", "many thanks"})


def greeting(words: list[str]) -> Reply | None:
    """A friendly answer to "hi" or "thanks" (said as a command), else None."""
    said = " ".join(w.strip("!.,?:)( ").lower() for w in words[:3]).strip()
    if said in THANKS or said.removesuffix(" staffroom") in THANKS:
        return Reply.message(_("You're welcome! Send help whenever you need me."))
    if said in GREETINGS or said.removesuffix(" staffroom") in GREETINGS:
        return (
            Reply()
            .heading(_("Hello! I'm Staffroom."))
            .text(
                _(
                    "I keep your CPD record, send reflection prompts to a private journal, "
                    "find you a mentor or a coffee partner, and share resources with your "
                    "communities."
                )
            )
            .items(
                [
                    [code("profile set timezone=Europe/London"), _(" — so reminders come on time")],
                    [code('cpd log 1.5 "Behaviour workshop"'), _(" — log your first activity")],
                    [code("reflect"), _(" — a reflection question now")],
                    [code("community list"), _(" — find your people")],
                ]
            )
            .note(_("Send help to see everything."))
        )
    return None


FEATURE = Feature(
    name="help",
    groups={"help": N_("What Staffroom can do, and how to use each command.")},
    commands=(help_,),
)
