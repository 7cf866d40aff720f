"""A profile is seen only by people who share a workspace or a community with its owner."""

from __future__ import annotations

from core.app import Staffroom
from tests.communities.support import member_id
from tests.talk import say, text_of

STRANGER = {"user": "666", "platform": "telegram", "tenant": "bot", "name": "Mallory"}


def test_strangers_get_the_same_answer_as_for_nobody(app: Staffroom) -> None:
    say(app, 'profile set role=teacher bio="Head of year 9"', name="Ana")
    ana = member_id(app, "ana")
    say(app, "profile show", **STRANGER)  # type: ignore[arg-type]

    missing = text_of(say(app, "profile show #99999", **STRANGER))  # type: ignore[arg-type]
    hidden = text_of(say(app, f"profile show #{ana}", **STRANGER))  # type: ignore[arg-type]
    assert hidden == missing.replace("99999", str(ana))
    assert "Head of year 9" not in hidden
    by_name = text_of(say(app, "profile show Ana", **STRANGER))  # type: ignore[arg-type]
    assert "could not find a member called Ana" in by_name

    # Someone in the same workspace sees it; so does a stranger once they share a community.
    assert "Head of year 9" in text_of(say(app, f"profile show #{ana}", user="ben"))
    say(app, 'community create "Maths" "Maths teachers"')
    say(app, "community join maths", **STRANGER)  # type: ignore[arg-type]
    assert "Head of year 9" in text_of(say(app, f"profile show #{ana}", **STRANGER))  # type: ignore[arg-type]
