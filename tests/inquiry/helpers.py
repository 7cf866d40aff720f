"""Small helpers for the inquiry tests: a community of three in three timezones."""

from __future__ import annotations

from core.app import Staffroom
from tests.communities.support import ok

ZONES = {"ana": "Europe/London", "bob": "America/New_York", "cat": "Asia/Kolkata"}
QUESTION = "How do retrieval starters affect Y9 recall?"


def maths_group(app: Staffroom) -> None:
    """Ana, Bob and Cat in the open community Maths (bound to channel C-maths), each in their
    own timezone; Dan is in Maths too, Eve is in no community."""
    for user, zone in ZONES.items():
        ok(app, f"settings timezone {zone}", user=user)
    ok(app, 'community create "Maths" "Maths teachers"')
    ok(app, "community bind maths", channel="C-maths", direct=False)
    for user in ("bob", "cat", "dan"):
        ok(app, "community join maths", user=user)
    ok(app, "profile show", user="eve")


def start_inquiry(app: Staffroom, *joiners: str, extra: str = "") -> None:
    """Ana starts inquiry #1 in Maths; ``joiners`` join it."""
    ok(app, f'inquiry create "{QUESTION}" community=maths {extra}'.strip())
    for user in joiners:
        ok(app, "inquiry join 1", user=user)
