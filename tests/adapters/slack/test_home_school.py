"""The App Home of a CPD lead or trust admin has a school section (this term's hours, quiet
members, training due); a teacher's Home has none. Through the real Slack adapter in HTTP mode,
against the fake Slack, everything set up with slash commands as people would."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from adapters.slack import create_platform
from core.app import Staffroom
from core.clock import FixedClock
from tests.adapters.slack.conftest import SECRET, Harness
from tests.adapters.slack.test_http_mode import all_text, slash
from tests.conftest import make_settings
from tests.fakes.fake_slack import FakeSlack, event_body

ADMIN = "UADMIN"


@pytest.fixture
async def school_slack(
    sqlite_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> AsyncIterator[Harness]:
    """Slack in HTTP mode, whose ``UADMIN`` of workspace T1 is a Staffroom admin."""
    settings = make_settings(
        sqlite_url,
        slack={
            "mode": "http",
            "api_base_url": fake_slack.api_base_url,
            "bot_token": "xoxb-test",
            "signing_secret": SECRET,
        },
        server={"host": "127.0.0.1", "port": 0},
        staffroom={"admins": [f"slack:T1:{ADMIN}"]},
    )
    app = Staffroom(settings, clock=clock)
    platform = create_platform(app)
    await platform.start()
    async with aiohttp.ClientSession() as session:
        yield Harness(app, platform, fake_slack, session)
    await platform.stop()
    app.engine.dispose()


async def _said(h: Harness, text: str, user: str) -> str:
    answer = await slash(h, text, user=user)
    shown = all_text(answer["blocks"])
    assert ":warning:" not in shown, shown
    return shown


async def _member_id(h: Harness, user: str) -> int:
    member = h.member_of(user)
    assert member is not None and member.id is not None
    return member.id


async def _home(h: Harness, user: str) -> list[dict[str, Any]]:
    """Open the user's Home tab; the blocks Staffroom published for it."""
    seen = len(h.fake.calls_to("views.publish"))
    opened = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
    assert (await h.post(event_body(opened)))[0] == 200
    publishes = await h.fake.wait_for_calls("views.publish", count=seen + 1)
    published = publishes[seen].args
    assert published["user_id"] == user
    blocks: list[dict[str, Any]] = published["view"]["blocks"]
    return blocks


@pytest.fixture
async def school(school_slack: Harness) -> Harness:
    """Hillside (U1 its CPD lead, U2 and U3 teachers) and Oakfield (U4), in Riverside Trust,
    whose trust admin is U5. U1 logged 2 hours this term and set a training."""
    h = school_slack
    codes = []
    for name in ("Hillside Primary", "Oakfield High"):
        made = await _said(h, f'school create "{name}"', ADMIN)
        found = re.search(r"school join ([A-Z2-9]{8})", made)
        assert found is not None, made
        codes.append(found.group(1))
    for user, code in (("U1", codes[0]), ("U2", codes[0]), ("U3", codes[0]), ("U4", codes[1])):
        await _said(h, f"school join {code}", user)
    await _said(h, f"admin grant #{await _member_id(h, 'U1')} cpd-lead", ADMIN)
    await _said(h, 'trust create "Riverside Trust"', ADMIN)
    for name in ("Hillside Primary", "Oakfield High"):
        await _said(h, f'trust add "{name}"', ADMIN)
    await _said(h, "profile show", "U5")
    await _said(h, f"admin grant #{await _member_id(h, 'U5')} trust-admin", ADMIN)
    await _said(h, 'cpd log 2 "Questioning course" category=course notes="PRIVATE-NOTE"', "U1")
    await _said(h, 'training require "Safeguarding" every=12', "U1")
    await _said(h, "training done 1", "U2")
    return h


async def test_a_leads_home_has_the_school_section(school: Harness) -> None:
    blocks = await _home(school, "U1")
    shown = all_text(blocks)
    assert "This term: 2026-09-01 – 2026-12-31" in shown
    assert "Hillside Primary" in shown
    assert "Hours this term" in shown and "Quiet members" in shown
    assert "2 / 3" in shown  # U2 and U3 logged nothing this term
    assert "Training due" in shown and "Training expired" in shown
    assert "PRIVATE-NOTE" not in shown and "Questioning course" not in shown
    # Its buttons open the reports; block ids stay unique in the view.
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids))
    assert "report cpd" in shown and "report training" in shown


async def test_a_trust_admins_home_has_each_school(school: Harness) -> None:
    shown = all_text(await _home(school, "U5"))
    assert "Riverside Trust (trust)" in shown
    assert "Hillside Primary" in shown and "Oakfield High" in shown
    assert "3 of 4 quiet" not in shown  # per school, not the trust's total, in the lines
    assert "1 of 1 quiet" in shown  # Oakfield: U4 logged nothing
    for name in ("Teacher U2", "Teacher U3", "Teacher U4", "u2", "u3", "u4"):
        assert name not in shown, name


async def test_a_teachers_home_has_no_school_section(school: Harness) -> None:
    shown = all_text(await _home(school, "U2"))
    assert "This term" not in shown and "Hours this term" not in shown
    assert "The glance is for" not in shown  # an error is left out, not shown
    outsider = all_text(await _home(school, "U9"))
    assert "This term" not in outsider
