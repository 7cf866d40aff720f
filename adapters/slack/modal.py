"""Modals for commands declared with ``form=True``, built from their parameters.

Each parameter becomes one input block whose ``block_id`` is the parameter's name, so an error the
core reports for a parameter (``Reply.error_field``) shows inline on that field. The command and
the channel it was typed in travel in ``private_metadata``; who submits is always taken from the
submission itself, never from the metadata. A form opened by a button with some values already
given (a Decline's request id) leaves those fields out and carries their values in the metadata
too: ids a core-made button named, which the core checks against the submitter when it runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.text import shorten
from core.commands import Command, Param
from core.i18n import _
from core.params import Kind

CALLBACK_ID = "staffroom_form"
INPUT_ACTION = "value"
TITLE_LIMIT = 24
LABEL_LIMIT = 2000
HINT_LIMIT = 2000
OPTION_LIMIT = 100
_BOOL_CHOICES = ("yes", "no")


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(text, limit) or " ", "emoji": True}


def _options(choices: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"text": _plain(choice, 75), "value": choice} for choice in choices[:OPTION_LIMIT]]


def _element(param: Param) -> dict[str, Any]:
    choices = param.choices or (_BOOL_CHOICES if param.kind is Kind.BOOL else ())
    if choices:
        return {"type": "static_select", "action_id": INPUT_ACTION, "options": _options(choices)}
    match param.kind:
        case Kind.DATE:
            return {"type": "datepicker", "action_id": INPUT_ACTION}
        case Kind.TIME:
            return {"type": "timepicker", "action_id": INPUT_ACTION}
        case Kind.URL:
            return {"type": "url_text_input", "action_id": INPUT_ACTION}
        case Kind.MEMBER:
            return {"type": "users_select", "action_id": INPUT_ACTION}
        case _:
            element: dict[str, Any] = {
                "type": "plain_text_input",
                "action_id": INPUT_ACTION,
                "multiline": param.kind is Kind.LONG_TEXT,
                "max_length": min(param.max_length, 3000),
            }
            placeholder = _placeholder(param)
            if placeholder:
                element["placeholder"] = _plain(placeholder, 150)
            return element


def _placeholder(param: Param) -> str:
    return {
        Kind.HOURS: _("like 1.5 or 90m"),
        Kind.DURATION: _("like 1.5 or 90m"),
        Kind.TIMEZONE: _("like Europe/London"),
        Kind.TAGS: _("like #assessment #feedback"),
        Kind.DATETIME: _("like 2026-12-01 16:00"),
        Kind.COMMUNITY: _("like maths-secondary"),
    }.get(param.kind, "")


def build_modal(
    command: Command, *, channel_id: str | None, given: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The modal view for ``command``: one input per parameter not ``given``, required ones
    marked."""
    given = dict(given or {})
    blocks: list[dict[str, Any]] = []
    for param in _shown(command, given):
        block: dict[str, Any] = {
            "type": "input",
            "block_id": param.name,
            "label": _plain(param.name.replace("_", " ").capitalize(), LABEL_LIMIT),
            "element": _element(param),
            "optional": not param.required,
        }
        if param.help:
            block["hint"] = _plain(_(param.help), HINT_LIMIT)
        blocks.append(block)
    data: dict[str, Any] = {"command": command.name, "channel": channel_id}
    if given:
        data["given"] = given
    metadata = json.dumps(data)
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(command.name.capitalize(), TITLE_LIMIT),
        "submit": _plain(_("Save"), 24),
        "close": _plain(_("Cancel"), 24),
        "private_metadata": metadata,
        "blocks": blocks[:100],
    }


def read_metadata(view: dict[str, Any]) -> tuple[str, str | None]:
    """The command name and channel a submitted modal was opened for."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        data = {}
    command = data.get("command") if isinstance(data, dict) else None
    channel = data.get("channel") if isinstance(data, dict) else None
    return (str(command) if command else "", str(channel) if channel else None)


def read_given(command: Command, view: dict[str, Any]) -> dict[str, str]:
    """The values a modal was opened with (left out of its fields), by parameter name; names
    the command does not take are dropped."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        data = {}
    given = data.get("given") if isinstance(data, dict) else None
    if not isinstance(given, dict):
        return {}
    names = {p.name for p in command.params}
    return {k: v for k, v in given.items() if k in names and isinstance(v, str)}


def _shown(command: Command, given: Mapping[str, str]) -> list[Param]:
    # Files come with a message in the DM, never typed into a modal.
    return [p for p in command.params if p.kind is not Kind.FILE and p.name not in given]


def _value(element: dict[str, Any]) -> str | None:
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons"):
        option = element.get("selected_option") or {}
        return option.get("value")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    if kind == "users_select":
        user = element.get("selected_user")
        # The core reads a Slack mention as the member with that permanent user id.
        return f"<@{user}>" if user else None
    value = element.get("value")
    return value if isinstance(value, str) else None


def read_values(command: Command, view: dict[str, Any]) -> dict[str, str]:
    """The submitted values by parameter name; empty fields are left out."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return {}  # not the shape Slack sends: no values rather than a crash
    names = {p.name for p in command.params}
    found: dict[str, str] = {}
    for block_id, actions in values.items():
        if block_id not in names or not isinstance(actions, dict):
            continue
        element = actions.get(INPUT_ACTION)
        if not isinstance(element, dict):
            continue
        value = _value(element)
        if value is not None and value.strip():
            found[block_id] = value
    return found


def first_block(command: Command, given: Mapping[str, str] | None = None) -> str | None:
    """Where an error that names no field shown is shown: the first field of the form."""
    shown = _shown(command, given or {})
    return shown[0].name if shown else None
