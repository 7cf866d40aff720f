"""Dispatch: help, unknown commands, bad arguments, limits and passing faults give friendly replies."""

from __future__ import annotations

from core.app import Staffroom
from core.config import Settings
from tests.talk import say, text_of


def test_help_lists_groups_and_details(sqlite_app: Staffroom) -> None:
    overview = text_of(say(sqlite_app, "help"))
    assert "profile" in overview and "privacy" in overview and "link" in overview
    group = text_of(say(sqlite_app, "help profile"))
    assert "profile set" in group and "profile show" in group
    detail = say(sqlite_app, "help profile set")
    assert "Usage" in text_of(detail) and "timezone" in text_of(detail)


def test_unknown_command_suggests_the_closest(sqlite_app: Staffroom) -> None:
    reply = say(sqlite_app, "profil show")
    assert reply.tone == "error"
    assert "Did you mean profile show?" in text_of(reply)
    reply = say(sqlite_app, "profile explode")
    assert reply.tone == "error" and "profile set" in text_of(reply)


def test_bad_value_names_the_field_and_shows_usage(sqlite_app: Staffroom) -> None:
    reply = say(sqlite_app, "profile set experience=lots")
    assert reply.tone == "error" and reply.error_field == "experience"
    assert "whole number" in text_of(reply) and "Usage: profile set" in text_of(reply)


def test_unknown_setting_and_extra_words(sqlite_app: Staffroom) -> None:
    assert "no setting called colour" in text_of(say(sqlite_app, "profile set colour=red"))
    assert "Too many words" in text_of(say(sqlite_app, "settings timezone Europe/London extra"))


def test_oversized_text_is_refused(sqlite_app: Staffroom) -> None:
    reply = say(sqlite_app, "profile set bio=" + "x" * 5000)
    assert reply.tone == "error" and "too long" in text_of(reply)


def test_rate_limit_per_member(sqlite_url: str) -> None:
    app = Staffroom(Settings(database={"url": sqlite_url}, limits={"commands_per_minute": 3}))
    replies = [say(app, "profile show") for _ in range(4)]
    assert [r.tone for r in replies[:3]] == ["info"] * 3
    assert "a lot of commands" in text_of(replies[3])
    assert say(app, "profile show", user="bob").tone == "info"


def test_database_down_is_a_try_again_message(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = Staffroom(Settings(database={"url": f"sqlite:///{tmp_path}/missing/dir/x.db"}))
    reply = say(app, "profile show")
    assert reply.tone == "error" and "try again" in text_of(reply)


def test_error_reply_leaves_nothing_half_done(sqlite_app: Staffroom) -> None:
    say(sqlite_app, "profile set role=teacher")
    bad = say(sqlite_app, "profile set role=headteacher phases=secondary,middle-earth")
    assert bad.tone == "error" and bad.error_field == "phases"
    assert "teacher" in text_of(say(sqlite_app, "profile show"))
    assert "headteacher" not in text_of(say(sqlite_app, "profile show"))


def test_prose_parameter_takes_the_line_as_typed(sqlite_app: Staffroom) -> None:
    reply = say(sqlite_app, 'journal add Tried #retrieval practice, "hands up"=3 of 30\nnext: more')
    assert reply.tone == "success", text_of(reply)
    shown = text_of(say(sqlite_app, "journal show 1"))
    assert 'Tried #retrieval practice, "hands up"=3 of 30\nnext: more' in shown
    assert say(sqlite_app, "journal add").tone == "error"


def test_ids_and_numbers_out_of_range_are_friendly(sqlite_app: Staffroom) -> None:
    for text in (
        "resource show 99999999999999999999",
        "mentor accept 9999999999999",
        'event create x "Teachmeet" "tomorrow 4pm" inf',
        'resource share http://example.com:abc/x "T"',
        'resource share http://[::1/x "T"',
    ):
        reply = say(sqlite_app, text)
        assert reply.tone == "error", text
        assert "went wrong on our side" not in text_of(reply), text


def test_uncounted_invocations_do_not_use_up_the_limit(sqlite_url: str) -> None:
    from core.invocation import Invocation

    app = Staffroom(Settings(database={"url": sqlite_url}, limits={"commands_per_minute": 2}))
    for _ in range(5):
        dashboard = Invocation(
            platform="console", tenant="local", user_id="ana", text="profile show", counted=False
        )
        assert app.dispatch(dashboard).tone == "info"
    assert [say(app, "profile show").tone for _ in range(3)] == ["info", "info", "error"]


def test_no_far_fetched_suggestion(sqlite_app: Staffroom) -> None:
    reply = say(sqlite_app, "frobnicate")
    assert reply.tone == "error" and 'know the command "frobnicate"' in text_of(reply)
    assert "Did you mean" not in text_of(reply)
    assert "Did you mean journal list?" in text_of(say(sqlite_app, "journl list"))


def test_the_limit_is_shared_by_every_front_end(db_url: str) -> None:
    settings = Settings(database={"url": db_url}, limits={"commands_per_minute": 3})
    one, two = Staffroom(settings), Staffroom(settings)
    tones = [say(app, "profile show").tone for app in (one, two, one, two)]
    assert tones == ["info", "info", "info", "error"]
    one.engine.dispose()
    two.engine.dispose()
