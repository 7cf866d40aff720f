"""Modals for commands declared with ``form=True``, built from their parameters.

A modal holds at most five text inputs: required parameters come first, then the others in the
order declared. Each input's custom id is the parameter's name, and the modal's custom id is
``srform:<command>``, so a submission is understood from its payload alone, even after a restart
(submissions are handled in ``on_interaction``, not by a modal object kept in memory). Who submits
is always the interaction's user.

A form opened by a button with some values already given (a Decline's request id) asks only the
rest, and its custom id is ``srform:key:<action key>``: the values are read back from the
button's command, kept server-side, never from the payload.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import discord

from adapters.text import shorten
from core.commands import Command, Param
from core.i18n import _
from core.params import Kind

FORM_PREFIX = "srform:"
KEY_PREFIX = f"{FORM_PREFIX}key:"
"""A form opened by a button: no command group can be spelled with a colon."""
MAX_INPUTS = 5
TITLE_LIMIT = 45
LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100
INPUT_LIMIT = 4000


def form_params(command: Command, given: Collection[str] = ()) -> list[Param]:
    """The parameters the modal asks for (those not ``given``): required ones first, at most
    five (a modal takes no files)."""
    typed = [p for p in command.params if p.kind is not Kind.FILE and p.name not in given]
    required = [p for p in typed if p.required]
    optional = [p for p in typed if not p.required]
    return (required + optional)[:MAX_INPUTS]


def field_label(param: Param) -> str:
    """How a parameter is named on the form (and in errors about it)."""
    return shorten(param.name.replace("_", " ").capitalize(), LABEL_LIMIT)


def _placeholder(param: Param) -> str:
    hint = {
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
    }.get(param.kind)
    if param.choices:
        hint = ", ".join(param.choices)
    return shorten(hint or (_(param.help) if param.help else ""), PLACEHOLDER_LIMIT)


def build_modal(
    command: Command, *, key: str | None = None, given: Collection[str] = ()
) -> discord.ui.Modal:
    """The modal for ``command``; its submission is read by :func:`read_submission`. Opened by
    the button with action ``key``, it leaves out the fields that button's command ``given``."""
    custom_id = KEY_PREFIX + key if key is not None else FORM_PREFIX + command.name
    modal = discord.ui.Modal(
        title=shorten(command.name.capitalize(), TITLE_LIMIT),
        custom_id=shorten(custom_id, 100),
        timeout=None,
    )
    for param in form_params(command, given):
        long = param.kind is Kind.LONG_TEXT
        modal.add_item(
            discord.ui.TextInput(
                label=field_label(param),
                custom_id=param.name,
                style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
                placeholder=_placeholder(param) or None,
                required=param.required,
                max_length=min(param.max_length, INPUT_LIMIT),
            )
        )
    return modal


def form_command(custom_id: str) -> str | None:
    """The command name a modal was opened for, or None if it is not a Staffroom form (or was
    opened by a button: :func:`form_key`)."""
    if not custom_id.startswith(FORM_PREFIX) or custom_id.startswith(KEY_PREFIX):
        return None
    return custom_id[len(FORM_PREFIX) :] or None


def form_key(custom_id: str) -> str | None:
    """The action key of the button a modal was opened by, or None."""
    if not custom_id.startswith(KEY_PREFIX):
        return None
    return custom_id[len(KEY_PREFIX) :] or None


def read_submission(command: Command, data: dict[str, Any]) -> dict[str, str]:
    """The submitted values by parameter name; empty inputs and unknown ids are left out."""
    names = {p.name for p in command.params}
    values: dict[str, str] = {}
    for row in data.get("components") or []:
        for component in row.get("components") or []:
            custom_id = str(component.get("custom_id") or "")
            value = component.get("value")
            if custom_id in names and isinstance(value, str) and value.strip():
                values[custom_id] = value
    return values
