"""An app whose Staffroom admin is ``root`` on the console, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.app import Staffroom
from core.clock import FixedClock
from tests.conftest import make_settings

ADMIN = "root"


@pytest.fixture
def app(db_url: str, clock: FixedClock) -> Iterator[Staffroom]:
    """The shared ``app``, with ``console:local:root`` listed in ``[staffroom] admins``."""
    settings = make_settings(db_url, staffroom={"admins": [f"console:local:{ADMIN}"]})
    staffroom = Staffroom(settings, clock=clock)
    yield staffroom
    staffroom.engine.dispose()
