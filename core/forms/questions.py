"""What a form asks for one parameter, and the buttons that answer it.

A form asks a command's required parameters first, then the optional ones, each in the order
the command declares them. A parameter with choices (or a yes/no one) gets a button per choice;
an optional one gets Skip and Finish. Buttons carry only ``form:`` actions naming a parameter and,
for a choice, one of the values the command itself declares: never anything a member typed.
A ``form:open`` button opens a command's form with some of its values already given (the
request a Decline button is about), so only the rest is asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.commands import Command, Param
from core.i18n import _
from core.params import Kind
from core.reply import Reply, bold

ACTION_PREFIX = "form:"
"""Button commands a form answers itself; no command group can be spelled with a colon."""
FINISH_ACTION = f"{ACTION_PREFIX}finish"
SKIP_WORDS = frozenset({"-", "–", "—"})
"""Typed instead of an answer, leaves an optional field out (phones turn - into dashes)."""
_BOOL_CHOICES = ("yes", "no")


@dataclass(frozen=True, slots=True)
class FormAction:
    """A pressed form button, read back from its command."""

    kind: Literal["answer", "skip", "finish", "open"]
    field: str = ""
    value: str = ""
    """For an answer, the choice; for ``open``, the command text that opens the form."""


def fields_of(command: Command) -> list[Param]:
    """The parameters a form asks for, in the order it asks them: required ones first. Files are
    never asked for: they come with the message that runs the command, not as an answer."""
    typed = [p for p in command.params if p.kind is not Kind.FILE]
    return [p for p in typed if p.required] + [p for p in typed if not p.required]


def label(param: Param) -> str:
    """How a parameter is named in its question (as on Slack's and Discord's forms)."""
    return param.name.replace("_", " ").capitalize()


def choices_of(param: Param) -> tuple[str, ...]:
    """The answers offered as buttons: the declared choices, or yes and no."""
    return param.choices or (_BOOL_CHOICES if param.kind is Kind.BOOL else ())


def hint(param: Param) -> str:
    """A short example of a good answer (a reply box's placeholder), or the parameter's help."""
    examples = {
        Kind.HOURS: _("like 1.5 or 90m"),
        Kind.DURATION: _("like 1.5 or 90m"),
        Kind.DATE: _("like 2026-09-14 or yesterday"),
        Kind.DATETIME: _("like 2026-12-01 16:00"),
        Kind.TIME: _("like 09:00"),
        Kind.TIMEZONE: _("like Europe/London"),
        Kind.TAGS: _("like #assessment #feedback"),
        Kind.URL: _("https://…"),
        Kind.COMMUNITY: _("like maths-secondary"),
        Kind.BOOL: _("yes or no"),
    }
    return examples.get(param.kind) or (_(param.help) if param.help else "")


def answer_action(param: Param, choice: str) -> str:
    return f"{ACTION_PREFIX}answer {param.name} {choice}"


def skip_action(param: Param) -> str:
    return f"{ACTION_PREFIX}skip {param.name}"


def open_action(text: str) -> str:
    """A button command opening the form of the command ``text`` names, with the values ``text``
    already gives (``cpd request decline 3``: the reason is asked). Core-made text only: the
    values are ids and choices, never what a member typed."""
    return f"{ACTION_PREFIX}open {text}"


def read_action(command: str) -> FormAction | None:
    """The form action a button's command stands for, or None if it is not one."""
    if not command.startswith(ACTION_PREFIX):
        return None
    kind, _sep, rest = command[len(ACTION_PREFIX) :].partition(" ")
    if kind == "open":
        return FormAction("open", value=rest.strip()) if rest.strip() else None
    field, _sep, value = rest.partition(" ")
    if kind == "answer" and field and value:
        return FormAction("answer", field, value)
    if kind == "skip" and field:
        return FormAction("skip", field)
    if kind == "finish":
        return FormAction("finish")
    return None


def question(command: Command, param: Param, *, error: str | None = None) -> Reply:
    """The message asking for ``param``, after ``error`` (why the last answer was refused)."""
    fields = fields_of(command)
    reply = Reply(tone="error" if error else "info")
    if error:
        reply.text(error)
    reply.heading(
        _(
            "{command}: question {n} of {total}",
            command=command.name,
            n=fields.index(param) + 1,
            total=len(fields),
        )
    )
    about = _(param.help) if param.help else ""
    reply.text(bold(label(param)), f": {about}" if about else "")
    for choice in choices_of(param):
        shown = (
            {"yes": _("Yes"), "no": _("No")}.get(choice, choice)
            if param.kind is Kind.BOOL
            else choice
        )
        reply.action(shown, answer_action(param, choice))
    if param.required:
        return reply.note(_("Send your answer, or /cancel to stop."))
    reply.action(_("Skip"), skip_action(param))
    reply.action(_("Finish"), FINISH_ACTION, "primary")
    return reply.note(
        _(
            "Send your answer, or press Skip (or send -) to leave it out. Finish runs {command} "
            "with what you gave; /cancel stops.",
            command=command.name,
        )
    )
