"""Coffee rotations through commands, on SQLite and PostgreSQL."""

from __future__ import annotations

from itertools import combinations

from sqlmodel import Session, select

from core.app import Staffroom
from core.mentoring.coffee_groups import pair_key
from core.mentoring.models import CoffeeSeat
from tests.core.test_privacy import rows_mentioning
from tests.mentoring.conftest import community, dms, member_id, ok, person
from tests.talk import say, text_of


def test_rounds_pair_everyone_without_recent_repeats(mapp: Staffroom) -> None:
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
