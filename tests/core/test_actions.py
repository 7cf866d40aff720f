"""Button keys: short, stable for a command, and unknown keys expand to nothing."""

from __future__ import annotations

from core.actions.service import expand, shorten
from core.app import Staffroom


def test_shorten_and_expand(app: Staffroom) -> None:
    now = app.clock.now()
    with app.session() as session:
        key = shorten(session, "mentor accept 12", now)
        assert len(key.encode()) <= 16
        assert shorten(session, "mentor accept 12", now) == key
        assert shorten(session, "mentor decline 12", now) != key
    with app.session() as session:
        assert expand(session, key) == "mentor accept 12"
        assert expand(session, "forged-key") is None
