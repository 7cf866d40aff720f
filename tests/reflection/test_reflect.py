"""reflect now, rotation of questions, and answering a prompt by direct message."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.invocation import ChannelRef, Invocation
from core.reflection import library
from core.reflection.models import ReflectionPrompt
from core.reply import Reply
from tests.reflection.helpers import entries_of, member_id
from tests.talk import say, tell, text_of


def asked(app: Staffroom, user: str = "ana") -> list[ReflectionPrompt]:
    mid = member_id(app, user)
    with Session(app.engine) as session:
        return list(
            session.exec(
                select(ReflectionPrompt)
                .where(ReflectionPrompt.member_id == mid)
                .order_by(col(ReflectionPrompt.id))
            )
        )


def not_kept(reply: Reply) -> bool:
    """The message fell through to the dispatcher's answer for text it does not understand."""
    return reply.tone != "success" and "journal" not in text_of(reply)


def test_reflect_sends_a_question_from_the_default_model(app: Staffroom) -> None:
    reply = say(app, "reflect")
    shown = text_of(reply)
    first = library.model("driscoll").prompts[0]
    assert first.text in shown
    assert "Driscoll" in shown and "stage 1 of 3: What?" in shown
    assert "private journal" in shown
    assert reply.actions[0].command == "reflect driscoll stage=what"  # same step, other question
    [row] = asked(app)
    assert row.prompt_key == first.key and row.answered_at is None and row.source == "asked"


def test_reflect_with_a_model_by_name_or_prefix(app: Staffroom) -> None:
    assert "Gibbs" in text_of(say(app, "reflect gibbs"))
    assert "Brookfield" in text_of(say(app, "reflect model=brook"))
    assert [p.model for p in asked(app)] == ["gibbs", "brookfield"]


def test_reflect_with_an_unknown_model_lists_the_choices(app: Staffroom) -> None:
    reply = say(app, "reflect freud")
    assert reply.tone == "error"
    assert "driscoll, gibbs, kolb, schon, brookfield" in text_of(reply)
    assert asked(app) == []


def test_questions_walk_the_cycle_and_never_repeat_until_all_are_seen(
    app: Staffroom, clock: FixedClock
) -> None:
    gibbs = library.model("gibbs")
    keys = []
    for _ in range(len(gibbs.prompts) + 3):
        say(app, "reflect gibbs")
        clock.advance(timedelta(minutes=1))
    keys = [p.prompt_key for p in asked(app)]
    first_round = keys[: len(gibbs.prompts)]
    assert sorted(first_round) == sorted(p.key for p in gibbs.prompts)
    # The first six questions go round the six stages in order.
    assert [k.split(".")[1] for k in keys[:6]] == list(gibbs.stages)
    # Second round starts again with the question seen longest ago.
    assert keys[len(gibbs.prompts) :] == first_round[:3]
    assert all(a != b for a, b in pairwise(keys))


def test_a_question_is_not_repeated_after_switching_models(app: Staffroom) -> None:
    say(app, "reflect schon")
    say(app, "reflect kolb")
    say(app, "reflect schon")
    keys = [p.prompt_key for p in asked(app)]
    assert keys[0] != keys[2]
    assert keys[2].startswith("schon.on-action")


def test_the_next_direct_message_is_the_answer(app: Staffroom) -> None:
    say(app, "reflect gibbs")
    reply = tell(app, "Year 8 lost focus after the starter; I talked for too long.")
    assert reply.tone == "success", text_of(reply)
    [entry] = entries_of(app, "ana")
    assert entry.body == "Year 8 lost focus after the starter; I talked for too long."
    assert entry.model == "gibbs" and entry.stage == "description"
    assert entry.prompt_text == library.model("gibbs").prompts[0].text
    assert f"entry #{entry.id}" in text_of(reply)
    cpd = reply.actions[0]
    assert cpd.label == "Log as CPD evidence"
    assert cpd.command.startswith('cpd log 0.5 "Reflection: Think of one moment')
    assert 'category="action research"' in cpd.command
    assert cpd.command.endswith(f"date=2026-11-23 reflection={entry.id}")
    assert "journal share" in text_of(reply)
    [row] = asked(app)
    assert row.answered_at == app.clock.now()
    # The prompt is answered: the next message is not taken for another answer.
    again = tell(app, "and another thing")
    assert not_kept(again)
    assert len(entries_of(app, "ana")) == 1


def test_a_message_with_no_open_prompt_is_not_kept(app: Staffroom) -> None:
    reply = tell(app, "hello there")
    assert not_kept(reply)
    assert entries_of(app, "ana") == []


def test_an_empty_or_too_long_answer_is_refused_and_the_prompt_stays_open(app: Staffroom) -> None:
    app.settings.reflection.max_answer_length = 500
    say(app, "reflect")
    assert "cannot be empty" in text_of(tell(app, "   "))
    too_long = tell(app, "x" * 501)
    assert too_long.tone == "error"
    assert "501 characters" in text_of(too_long) and "up to 500" in text_of(too_long)
    assert entries_of(app, "ana") == []
    assert tell(app, "A short answer.").tone == "success"


def test_a_mistyped_command_is_not_taken_for_an_answer(app: Staffroom) -> None:
    say(app, "reflect")
    reply = tell(app, "reflet status")
    assert "Did you mean reflect status?" in text_of(reply)
    assert entries_of(app, "ana") == []
    assert tell(app, "Not great.").tone == "success"


def test_messages_in_a_channel_are_never_taken_as_answers(app: Staffroom) -> None:
    say(app, "reflect")
    reply = app.dispatch(
        Invocation(
            platform="console",
            tenant="local",
            user_id="ana",
            text="this is a channel conversation",
            kind="message",
            channel=ChannelRef(id="staffroom-general", direct=False),
        )
    )
    assert not_kept(reply)
    assert entries_of(app, "ana") == []


def test_reflect_in_a_channel_says_to_answer_privately(app: Staffroom) -> None:
    reply = say(app, "reflect", channel="general", direct=False)
    assert "direct message" in text_of(reply)
    assert reply.ephemeral


def test_a_newer_prompt_replaces_an_unanswered_one(app: Staffroom, clock: FixedClock) -> None:
    say(app, "reflect kolb")
    clock.advance(timedelta(hours=2))
    say(app, "reflect kolb")
    tell(app, "My answer")
    first, second = asked(app)
    assert first.closed_at is not None and first.answered_at is None
    assert second.answered_at is not None
    [entry] = entries_of(app, "ana")
    assert entry.prompt_id == second.id


def test_a_prompt_left_too_long_no_longer_takes_answers(app: Staffroom, clock: FixedClock) -> None:
    say(app, "reflect")
    clock.advance(timedelta(hours=app.settings.reflection.answer_window_hours, minutes=1))
    assert not_kept(tell(app, "a stray message"))
    assert entries_of(app, "ana") == []


def test_each_member_answers_their_own_prompt(app: Staffroom) -> None:
    say(app, "reflect", user="ana")
    tell(app, "Bob has no prompt open", user="bob")
    assert entries_of(app, "bob") == []
    tell(app, "Ana's answer", user="ana")
    assert [e.body for e in entries_of(app, "ana")] == ["Ana's answer"]


def test_reflect_models_lists_every_model(app: Staffroom) -> None:
    shown = text_of(say(app, "reflect models"))
    for found in library.models().values():
        assert found.name in shown and found.key in shown


def test_the_cpd_button_logs_the_reflection_as_evidence(app: Staffroom) -> None:
    say(app, "reflect gibbs")
    saved = tell(app, "The starter ran over.")
    logged = say(app, saved.actions[0].command)
    assert logged.tone == "success", text_of(logged)
    # Pressed by someone else, the same button cannot reach Ana's entry.
    assert say(app, saved.actions[0].command, user="bob").tone == "error"


def test_a_different_question_stays_at_the_stage_and_the_walk_goes_on(
    app: Staffroom, clock: FixedClock
) -> None:
    gibbs = library.model("gibbs")
    first = say(app, "reflect gibbs")
    assert "Gibbs' reflective cycle · stage 1 of 6: Description" in text_of(first)
    swap = first.actions[0]
    assert swap.label == "A different question"
    for _ in range(2):
        clock.advance(timedelta(minutes=1))
        again = say(app, swap.command)
        assert "stage 1 of 6: Description" in text_of(again)
    described = [p.prompt_key for p in asked(app)]
    assert len(set(described)) == 3  # three different description questions
    for _ in gibbs.stages:
        clock.advance(timedelta(minutes=1))
        say(app, "reflect gibbs")
    walked = [p.stage for p in asked(app)][3:]
    assert walked == [*gibbs.stages[1:], gibbs.stages[0]]  # description again, in its turn
    clock.advance(timedelta(minutes=1))
    chosen = say(app, "reflect gibbs stage=action")
    assert "stage 6 of 6: Action plan" in text_of(chosen)
    wrong = say(app, "reflect kolb stage=feelings")
    assert wrong.tone == "error"
    assert "concrete-experience, reflective-observation" in text_of(wrong)
