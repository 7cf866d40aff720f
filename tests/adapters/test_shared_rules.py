"""The rules every adapter shares, kept in the core: command or message, which bare command
opens a form, and button keys stored and read back."""

from __future__ import annotations

from core.actions.service import command_for, keys_for
from core.app import Staffroom
from core.reply import Reply


def test_kind_of_is_decided_by_the_first_word_naming_a_group(sqlite_app: Staffroom) -> None:
    registry = sqlite_app.registry
    assert registry.kind_of("cpd log 1") == "command"
    assert registry.kind_of("  CPD   log 1") == "command"
    assert registry.kind_of("Today the exit tickets worked") == "message"
    assert registry.kind_of("") == "message"
    assert registry.kind_of("/cpd log 1") == "message"  # the slash is the platform's to strip


def test_form_for_only_a_bare_form_command(sqlite_app: Staffroom) -> None:
    registry = sqlite_app.registry
    form = registry.form_for("profile set")
    assert form is not None and form.name == "profile set"
    assert registry.form_for("PROFILE  set") is form
    assert registry.form_for("profile set role=teacher") is None
    assert registry.form_for("help") is None
    assert registry.form_for('profile set "unclosed') is None
    assert registry.form_for("") is None


async def test_keys_for_and_command_for_round_trip(sqlite_app: Staffroom) -> None:
    reply = Reply.message("Pick one")
    reply.action("Yes", "privacy delete confirm")
    reply.action("No", "help")
    keys = await keys_for(sqlite_app, reply)
    assert set(keys) == {"privacy delete confirm", "help"}
    assert await keys_for(sqlite_app, reply) == keys  # the same key every time
    assert await command_for(sqlite_app, keys["help"]) == "help"
    assert await command_for(sqlite_app, "forged") is None
    assert await command_for(sqlite_app, "") is None
    assert await keys_for(sqlite_app, Reply.message("no buttons")) == {}
