"""reflect schedule / pause / resume / stop / status, and prompts delivered through the engine."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery.kinds import Occurrence
from core.delivery.models import OutboxMessage, Schedule
from core.invocation import ChannelRef, Invocation
from core.reflection.models import ReflectionPrompt
from core.reflection.schedules import FOLLOW_UP_KIND, PROMPT_KIND, produce_prompt
from core.reply import Reply
from tests.delivery.helpers import RecordingMessenger, run_for, tick
from tests.reflection.helpers import entries_of, member_id
from tests.talk import say, tell, text_of


def schedule_of(app: Staffroom, user: str) -> Schedule:
    mid = member_id(app, user)
    with Session(app.engine) as session:
        return session.exec(
            select(Schedule).where(
                Schedule.member_id == mid, Schedule.kind == PROMPT_KIND, col(Schedule.active)
            )
        ).one()


def test_prompts_arrive_at_nine_local_in_three_timezones(app: Staffroom, clock: FixedClock) -> None:
    zones = {"lena": "Europe/London", "nate": "America/New_York", "kiran": "Asia/Kolkata"}
    for user, zone in zones.items():
        say(app, f"settings timezone {zone}", user=user)
        reply = say(app, "reflect schedule daily 09:00 model=gibbs", user=user)
        assert reply.tone == "success", text_of(reply)
        assert zone in text_of(reply)
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=3))
    for user, zone in zones.items():
        got = messenger.to(user)
        assert len(got) == 3, (user, [at for _r, at in got])
        local = [at.astimezone(ZoneInfo(zone)) for _r, at in got]
        for when in local:
            assert (when.hour, when.minute) == (9, 0), (user, when)
        assert len({when.date() for when in local}) == 3
        for reply, _at in got:
            assert "Time to reflect" in text_of(reply)
            assert "Gibbs" in text_of(reply)
    # Kiran (UTC+5:30) gets the first prompt of the three, Nate (UTC-5) the last.
    order = [who for who, _r, _at in messenger.sent[:3]]
    assert order == ["nate", "kiran", "lena"]


def test_local_time_holds_across_the_end_of_daylight_saving(
    app: Staffroom, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 10, 29, 12, 0, tzinfo=UTC))  # New York clocks go back on 1 Nov
    say(app, "settings timezone America/New_York", user="nate")
    say(app, "reflect schedule daily 09:00", user="nate")
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=5))
    local = [at.astimezone(ZoneInfo("America/New_York")) for _r, at in messenger.to("nate")]
    assert [w.day for w in local] == [29, 30, 31, 1, 2]
    assert all((w.hour, w.minute) == (9, 0) for w in local)
    assert {w.utcoffset() for w in local} == {timedelta(hours=-4), timedelta(hours=-5)}


def test_answering_a_delivered_prompt_and_replying_to_it_later(
    app: Staffroom, clock: FixedClock
) -> None:
    say(app, "settings timezone Europe/London")
    say(app, "reflect schedule mon 09:00 model=driscoll")
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=7))
    [(reply, at)] = messenger.to("ana")
    assert at.astimezone(ZoneInfo("Europe/London")).strftime("%a %H:%M") == "Mon 09:00"
    # An on-demand prompt opens after it; a platform reply to the scheduled message still
    # answers the scheduled prompt.
    say(app, "reflect kolb")
    answer = app.dispatch(
        Invocation(
            platform="console",
            tenant="local",
            user_id="ana",
            text="Monday's answer",
            kind="message",
            channel=ChannelRef(id="dm-ana", direct=True),
            reply_to="msg-1",
        )
    )
    assert answer.tone == "success", text_of(answer)
    [entry] = entries_of(app, "ana")
    assert entry.model == "driscoll"
    assert entry.prompt_text and entry.prompt_text in text_of(reply)
    # The on-demand kolb prompt is still open and takes the next plain message.
    tell(app, "Kolb answer")
    assert [e.model for e in entries_of(app, "ana")] == ["driscoll", "kolb"]


def _answer(app: Staffroom, text: str, reply_to: str | None = None) -> Reply:
    return app.dispatch(
        Invocation(
            platform="console",
            tenant="local",
            user_id="ana",
            text=text,
            kind="message",
            channel=ChannelRef(id="dm-ana", direct=True),
            reply_to=reply_to,
        )
    )


def test_an_answer_sent_twice_is_one_journal_entry(app: Staffroom, clock: FixedClock) -> None:
    """A retry after the first sending's outcome was lost (CommitOutcomeUnknown, a platform
    resend) finds its prompt answered: it is neither a second answer to it nor the answer to the
    prompt still open, and the member hears the same as the first time."""
    say(app, "settings timezone Europe/London")
    say(app, "reflect schedule mon 09:00 model=driscoll")
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=7))
    say(app, "reflect kolb")  # a prompt still open when the retry comes
    clock.advance(timedelta(minutes=1))
    first = _answer(app, "Monday's answer", reply_to="msg-1")
    again = _answer(app, "Monday's answer", reply_to="msg-1")
    plain = _answer(app, "Monday's answer")
    [entry] = entries_of(app, "ana")
    assert entry.model == "driscoll"
    assert again.tone == plain.tone == "success"
    assert text_of(again) == text_of(plain) == text_of(first)
    # The kolb prompt was not taken by the retry: it answers the next new message.
    tell(app, "Kolb answer")
    assert [e.model for e in entries_of(app, "ana")] == ["driscoll", "kolb"]


def test_the_same_words_to_a_prompt_sent_since_are_a_new_answer(
    app: Staffroom, clock: FixedClock
) -> None:
    say(app, "reflect")
    tell(app, "Cold calling worked.")
    clock.advance(timedelta(minutes=1))
    say(app, "reflect")
    assert tell(app, "Cold calling worked.").tone == "success"
    assert len(entries_of(app, "ana")) == 2


def test_an_unanswered_prompt_gets_exactly_one_follow_up(app: Staffroom, clock: FixedClock) -> None:
    say(app, "settings timezone Europe/London")
    say(app, "reflect schedule mon 09:00")
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=14))
    got = messenger.to("ana")
    texts = [text_of(r) for r, _at in got]
    assert len(got) == 3, texts  # Monday's prompt, Tuesday's follow-up, next Monday's prompt
    assert "Time to reflect" in texts[0]
    assert "Still thinking about this one?" in texts[1]
    assert got[1][1] - got[0][1] == timedelta(hours=24)
    assert "Time to reflect" in texts[2]
    with Session(app.engine) as session:
        first = session.exec(select(ReflectionPrompt).order_by(col(ReflectionPrompt.id))).first()
        assert first is not None and first.followed_up_at is not None


def test_an_answered_prompt_gets_no_follow_up(app: Staffroom, clock: FixedClock) -> None:
    say(app, "settings timezone Europe/London")
    say(app, "reflect schedule mon 09:00")
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=7))
    assert len(messenger.to("ana")) == 1
    assert tell(app, "Done, thanks").tone == "success"
    run_for(app, clock, messenger, timedelta(days=2))
    assert len(messenger.to("ana")) == 1


def test_no_follow_up_when_the_next_prompt_is_due_anyway(app: Staffroom, clock: FixedClock) -> None:
    say(app, "settings timezone Europe/London")
    say(app, "reflect schedule daily 09:00")
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=3))
    texts = [text_of(r) for r, _at in messenger.to("ana")]
    assert len(texts) == 3 and all("Time to reflect" in t for t in texts)


def test_planning_an_occurrence_twice_opens_one_prompt(app: Staffroom) -> None:
    say(app, "reflect schedule daily 09:00")
    occurrence = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    with app.session() as session:
        schedule = session.exec(select(Schedule).where(Schedule.kind == PROMPT_KIND)).one()
        first = produce_prompt(Occurrence(session, schedule, occurrence))
        second = produce_prompt(Occurrence(session, schedule, occurrence))
        assert text_of(first[0].reply) == text_of(second[0].reply)
        assert len(session.exec(select(ReflectionPrompt)).all()) == 1
        follow_ups = session.exec(select(Schedule).where(Schedule.kind == FOLLOW_UP_KIND)).all()
        assert len(follow_ups) == 1


def test_schedule_status_and_replacing_it(app: Staffroom) -> None:
    say(app, "settings timezone Europe/London")
    status = text_of(say(app, "reflect status"))
    assert "Schedule: none" in status and "reflect schedule mon,thu" in status
    reply = say(app, "reflect schedule mon,thu 16:30 model=brookfield")
    assert "Mon, Thu at 16:30" in text_of(reply)
    assert "First prompt: Mon 23 Nov 2026, 16:30" in text_of(reply)
    say(app, "reflect schedule weekdays 07:45")
    status = text_of(say(app, "reflect status"))
    assert "weekdays at 07:45 (Europe/London)" in status
    assert "Brookfield" in status  # the model carries over when not given again
    assert "Next prompt: Tue 24 Nov 2026, 07:45" in status
    mid = member_id(app, "ana")
    with Session(app.engine) as session:
        live = session.exec(
            select(Schedule).where(Schedule.member_id == mid, col(Schedule.active))
        ).all()
        assert len(live) == 1


def test_schedule_in_utc_suggests_setting_a_timezone(app: Staffroom) -> None:
    reply = say(app, "reflect schedule fri 15:00")
    assert reply.tone == "success"
    assert "settings timezone" in text_of(reply)


def test_schedule_refuses_bad_days_times_and_models(app: Staffroom) -> None:
    assert "mon,thu" in text_of(say(app, "reflect schedule funday 09:00"))
    assert "09:00 or 16:30" in text_of(say(app, "reflect schedule mon 25:00"))
    assert "needs time" in text_of(say(app, "reflect schedule mon"))
    assert "one of" in text_of(say(app, "reflect schedule mon 09:00 model=freud"))
    with Session(app.engine) as session:
        assert session.exec(select(Schedule)).all() == []


def test_pause_until_a_date_skips_prompts_then_they_return(
    app: Staffroom, clock: FixedClock
) -> None:
    say(app, "settings timezone Europe/London")
    say(app, "reflect schedule daily 09:00")
    reply = say(app, "reflect pause until 2026-11-26")
    assert reply.tone == "success" and "Thu 26 Nov 2026" in text_of(reply)
    assert "until Thu 26 Nov 2026, 00:00" in text_of(say(app, "reflect status"))
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=4))
    days = [at.astimezone(ZoneInfo("Europe/London")).day for _r, at in messenger.to("ana")]
    assert days == [26, 27]


def test_pause_natural_dates_and_bad_ones(app: Staffroom) -> None:
    assert "no reflection schedule" in text_of(say(app, "reflect pause"))
    say(app, "reflect schedule daily 09:00")
    assert "Mon 30 Nov 2026" in text_of(say(app, "reflect pause until next monday"))
    assert "after today" in text_of(say(app, "reflect pause until 2026-11-23"))
    assert "after today" in text_of(say(app, "reflect pause until yesterday"))
    assert "within a year" in text_of(say(app, "reflect pause until 2028-01-01"))
    assert "must be a date" in text_of(say(app, "reflect pause until whenever"))


def test_pause_until_resumed_and_resume(app: Staffroom, clock: FixedClock) -> None:
    say(app, "settings timezone Europe/London")
    say(app, "reflect schedule daily 09:00")
    assert "not paused" in text_of(say(app, "reflect resume"))
    assert say(app, "reflect pause").tone == "success"
    assert "until you resume" in text_of(say(app, "reflect status"))
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=2))
    assert messenger.to("ana") == []
    resumed = say(app, "reflect resume")
    assert resumed.tone == "success" and "Next prompt" in text_of(resumed)
    run_for(app, clock, messenger, timedelta(days=1))
    assert len(messenger.to("ana")) == 1


def test_stop_cancels_the_schedule_and_keeps_the_journal(app: Staffroom, clock: FixedClock) -> None:
    assert "nothing to stop" in text_of(say(app, "reflect stop"))
    say(app, "journal add Something worth keeping")
    say(app, "reflect schedule daily 09:00")
    assert say(app, "reflect stop").tone == "success"
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=2))
    assert messenger.sent == []
    assert len(entries_of(app, "ana")) == 1
    assert "Schedule: none" in text_of(say(app, "reflect status"))


def test_status_shows_the_open_question_and_journal_count(app: Staffroom) -> None:
    say(app, "journal add First")
    say(app, "reflect gibbs")
    status = text_of(say(app, "reflect status"))
    assert "Journal entries: 1" in status
    assert "Waiting for your answer" in status


def test_moving_timezone_moves_the_prompts(app: Staffroom, clock: FixedClock) -> None:
    say(app, "settings timezone Europe/London")
    say(app, "reflect schedule daily 09:00")
    say(app, "settings timezone Asia/Kolkata")
    assert schedule_of(app, "ana").timezone == "Asia/Kolkata"
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=2))
    assert len(messenger.to("ana")) == 2
    for _reply, at in messenger.to("ana"):
        assert at.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%H:%M") == "09:00"


def test_delivered_prompts_are_recorded_with_their_outbox_row(
    app: Staffroom, clock: FixedClock
) -> None:
    say(app, "reflect schedule daily 09:00")
    messenger = RecordingMessenger(clock)
    run_for(app, clock, messenger, timedelta(days=1))
    with Session(app.engine) as session:
        prompt = session.exec(select(ReflectionPrompt)).one()
        row = session.exec(
            select(OutboxMessage).where(OutboxMessage.key == prompt.outbox_key)
        ).one()
        assert row.platform_message_id == "msg-1"
        assert prompt.source == "scheduled"


def test_status_while_paused_names_the_prompt_that_will_really_come(app: Staffroom) -> None:
    say(app, "settings timezone Europe/London")
    say(app, "reflect schedule weekdays 16:00")
    say(app, "reflect pause 2 weeks")
    shown = text_of(say(app, "reflect status"))
    assert "Paused: until Mon 07 Dec 2026" in shown
    assert "Next prompt: Mon 07 Dec 2026, 16:00" in shown
    say(app, "reflect pause")
    assert "Next prompt" not in text_of(say(app, "reflect status"))


def test_a_scheduled_prompt_comes_in_the_members_language(
    app: Staffroom, clock: FixedClock
) -> None:
    say(app, "settings language Español")
    say(app, "reflect schedule daily 10:30")
    say(app, "reflect schedule daily 10:30", user="bob")
    messenger = RecordingMessenger(clock)
    clock.advance(timedelta(minutes=31))
    with asyncio.Runner() as runner:
        tick(app, messenger, runner)
        [(spanish, _at)] = messenger.to("ana")
        [(english, _at2)] = messenger.to("bob")
        assert spanish.plain_text().startswith("Hora de reflexionar")
        assert english.plain_text().startswith("Time to reflect")
        # Changing the language changes the next prompt, with no restart.
        say(app, "settings language English")
        clock.advance(timedelta(days=1))
        tick(app, messenger, runner)
    assert messenger.to("ana")[-1][0].plain_text().startswith("Time to reflect")


def test_status_says_where_the_schedule_is_in_its_model(app: Staffroom) -> None:
    say(app, "reflect schedule mon,thu 09:00 model=gibbs")
    status = text_of(say(app, "reflect status"))
    assert "Next question: Gibbs' reflective cycle · stage 1 of 6: Description" in status
    say(app, "reflect gibbs")
    assert "stage 2 of 6: Feelings" in text_of(say(app, "reflect status"))
