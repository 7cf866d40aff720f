"""Coffee rotations through commands, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

from sqlmodel import Session, select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery import plan_due
from core.delivery.models import Schedule
from core.mentoring.coffee_groups import pair_key
from core.mentoring.models import CoffeeRound, CoffeeSeat
from tests.core.test_privacy import rows_mentioning
from tests.mentoring.conftest import community, dms, member_id, ok, person
from tests.talk import say, text_of


def test_rounds_pair_everyone_without_recent_repeats(mapp: Staffroom, clock: FixedClock) -> None:
    users = [f"u{i}" for i in range(11)]
    for user in users:
        say(mapp, "profile show", user=user)
    person(mapp, "mod", "role=teacher")
    community(mapp, "staff", {**{u: "member" for u in users}, "mod": "moderator"})
    for user in users:
        ok(say(mapp, "coffee join staff", user=user))
    ok(say(mapp, "coffee schedule staff every 2 weeks size=2", user="mod"))
    window = mapp.settings.mentoring.coffee_avoid_repeat_rounds
    history: list[set[tuple[int, int]]] = []
    for _ in range(4):
        reply = ok(say(mapp, "coffee round staff", user="mod"))
        assert "11 people in 5 groups" in text_of(reply)
        with Session(mapp.engine) as session:
            seats = session.exec(select(CoffeeSeat).order_by(CoffeeSeat.id.desc())).all()  # type: ignore[union-attr]
            latest = seats[0].round_id
            groups: dict[int, list[int]] = {}
            for seat in seats:
                if seat.round_id == latest:
                    groups.setdefault(seat.group_number, []).append(seat.member_id)
        pairs = {pair_key(a, b) for g in groups.values() for a, b in combinations(g, 2)}
        for earlier in history[-window:]:
            assert not pairs & earlier
        history.append(pairs)
        clock.advance(timedelta(weeks=2))
    intro = dms(mapp, "u0")
    assert any("A question to start with" in text_of(r) for r in intro)
    asks = [r for r in intro if r.actions and r.actions[0].command.startswith("coffee met")]
    round_id = int(asks[0].actions[0].command.split()[2])
    ok(say(mapp, f"coffee met {round_id} yes", user="u0"))
    assert say(mapp, f"coffee met {round_id} yes", user="mod").tone == "error"


def test_join_pause_leave_and_errors(mapp: Staffroom) -> None:
    person(mapp, "ana", "role=teacher")
    person(mapp, "out", "role=teacher")
    community(mapp, "staff", {"ana": "member"})
    assert "members of Staff" in text_of(say(mapp, "coffee join staff", user="out"))
    ok(say(mapp, "coffee join staff", user="ana"))
    assert "already" in text_of(say(mapp, "coffee join staff", user="ana"))
    assert "2027-01-10" in text_of(ok(say(mapp, "coffee pause staff until 2027-01-10", user="ana")))
    assert "future" in text_of(say(mapp, "coffee pause staff until 2020-01-01", user="ana"))
    assert "Only moderators" in text_of(say(mapp, "coffee round staff", user="ana"))
    assert "every 2 weeks" in text_of(say(mapp, "coffee schedule staff"))
    ana = member_id(mapp, "ana")
    ok(say(mapp, "coffee leave staff", user="ana"))
    assert "not in" in text_of(say(mapp, "coffee leave staff", user="ana"))
    ok(say(mapp, "coffee join staff", user="ana"))
    ok(say(mapp, "privacy delete confirm", user="ana"))
    assert rows_mentioning(mapp, ana) == {}


def rounds(app: Staffroom) -> int:
    with Session(app.engine) as session:
        return len(session.exec(select(CoffeeRound)).all())


def rotation_of_three(app: Staffroom) -> None:
    for user in ("ana", "bob", "cat"):
        person(app, user, "role=teacher")
    person(app, "mod", "role=teacher")
    community(app, "staff", {"ana": "member", "bob": "member", "cat": "member", "mod": "moderator"})
    for user in ("ana", "bob", "cat"):
        ok(say(app, "coffee join staff", user=user))


def test_the_intro_names_the_round_and_coffee_met_takes_the_latest(
    mapp: Staffroom, clock: FixedClock
) -> None:
    rotation_of_three(mapp)
    ok(say(mapp, "coffee round staff", user="mod"))
    clock.advance(timedelta(weeks=1))
    ok(say(mapp, "coffee round staff", user="mod"))
    with Session(mapp.engine) as session:
        first, latest = (r.id for r in session.exec(select(CoffeeRound).order_by(CoffeeRound.id)))  # type: ignore[arg-type]
    intro = next(r for r in reversed(dms(mapp, "ana")) if "A question to start with" in text_of(r))
    assert f"coffee met {latest} yes" in text_of(intro)
    assert f"(round {latest})" in text_of(intro)
    said = text_of(ok(say(mapp, "coffee met yes", user="ana")))
    assert f"Noted for round {latest} in Staff" in said
    ok(say(mapp, f"coffee met {first} no", user="ana"))  # an older round, by its number
    with Session(mapp.engine) as session:
        answers = {
            s.round_id: s.met
            for s in session.exec(
                select(CoffeeSeat).where(CoffeeSeat.member_id == member_id(mapp, "ana"))
            )
        }
    assert answers == {first: False, latest: True}
    assert "coffee met yes" in text_of(say(mapp, "coffee met maybe", user="ana"))
    assert say(mapp, "coffee met yes", user="mod").tone == "error"  # never in a round


def test_a_second_round_within_the_period_asks_first(mapp: Staffroom, clock: FixedClock) -> None:
    rotation_of_three(mapp)
    ok(say(mapp, "coffee schedule staff every 2 weeks size=2", user="mod"))
    ok(say(mapp, "coffee round staff", user="mod"))
    clock.advance(timedelta(days=3))
    asked = ok(say(mapp, "coffee round staff", user="mod"))
    assert "Run another coffee round in Staff already?" in text_of(asked)
    assert "Rounds here are 2 weeks apart" in text_of(asked)
    assert rounds(mapp) == 1
    assert asked.actions[0].command == "coffee round staff confirm"
    ok(say(mapp, asked.actions[0].command, user="mod"))
    assert rounds(mapp) == 2
    clock.advance(timedelta(weeks=2))
    assert "Coffee round 3" in text_of(ok(say(mapp, "coffee round staff", user="mod")))


def test_a_scheduled_round_right_after_one_run_by_hand_is_skipped(
    mapp: Staffroom, clock: FixedClock
) -> None:
    rotation_of_three(mapp)
    ok(say(mapp, "coffee schedule staff every 2 weeks size=2", user="mod"))
    with Session(mapp.engine) as session:
        due = session.exec(
            select(Schedule.next_due_at).where(Schedule.kind == "coffee.round")
        ).one()
    assert due is not None
    clock.set(due - timedelta(days=2))
    ok(say(mapp, "coffee round staff", user="mod"))
    clock.set(due)
    with Session(mapp.engine) as session:
        plan_due(session, clock.now(), mapp.settings.delivery, mapp.producers)
        session.commit()
    assert rounds(mapp) == 1
    clock.set(due + timedelta(weeks=2))
    with Session(mapp.engine) as session:
        plan_due(session, clock.now(), mapp.settings.delivery, mapp.producers)
        session.commit()
    assert rounds(mapp) == 2
