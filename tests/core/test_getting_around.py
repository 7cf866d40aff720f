"""A bare or mistyped command leads somewhere: the group's commands, a "did you mean", a greeting."""

from __future__ import annotations

from core.app import Staffroom
from tests.talk import say, tell, text_of


def test_a_bare_group_lists_its_commands_in_everyday_order(app: Staffroom) -> None:
    for group in ("cpd", "mentor", "community"):
        reply = say(app, group)
        assert reply.tone != "error" and f"{group} commands" in text_of(reply)
    shown = text_of(say(app, "cpd"))
    assert shown.index("cpd log") < shown.index("cpd delete")


def test_a_typo_inside_a_group_gets_did_you_mean_without_the_arguments(app: Staffroom) -> None:
    reply = say(app, 'cpd lgo 1 "Workshop"')
    assert reply.tone == "error"
    assert "cpd has no command lgo. Did you mean cpd log?" in text_of(reply)
    assert "Workshop" not in text_of(reply)


def test_help_after_a_command_and_help_for_a_whole_group(app: Staffroom) -> None:
    assert "Usage: reflect" in text_of(say(app, "reflect help"))
    assert "Usage: cpd log" in text_of(say(app, "cpd log help"))
    group = text_of(say(app, "help reflect"))
    for name in (
        "reflect schedule",
        "reflect pause",
        "reflect resume",
        "reflect stop",
        "reflect models",
    ):
        assert name in group
    unknown = text_of(say(app, "help cpd lgo"))
    assert "cpd has no command lgo. Did you mean cpd log?" in unknown and "cpd commands" in unknown


def test_hello_and_thanks_are_answered(app: Staffroom) -> None:
    hello = say(app, "hi")
    assert hello.tone != "error" and "Hello! I'm Staffroom." in text_of(hello)
    assert "profile set timezone" in text_of(hello)
    assert "You're welcome" in text_of(say(app, "Thanks!"))
    assert "Hello" in text_of(tell(app, "Good morning"))


def test_a_bare_subgroup_lists_its_commands(sqlite_app: Staffroom) -> None:
    for typed in ("cpd goal", "help cpd goal", "observe study", "help observe study"):
        shown = say(sqlite_app, typed).plain_text()
        assert "cpd goal add" in shown or "observe study join" in shown, typed
        assert "cpd log" not in shown and "observe request" not in shown, typed
    typo = say(sqlite_app, "observe stdy").plain_text()
    assert "Did you mean observe study?" in typo
