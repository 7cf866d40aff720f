"""Building a ready Staffroom from settings: engine, schema check, the app itself."""

from __future__ import annotations

import logging
from pathlib import Path

from core.app import Staffroom
from core.clock import Clock
from core.config import Settings, load_settings
from core.db import is_empty, make_engine, schema_state, upgrade
from core.redaction import remember

log = logging.getLogger("staffroom")


class SchemaOutOfDate(Exception):
    """The database has an older schema; the operator runs ``staffroom db upgrade``."""


def prepare_database(settings: Settings) -> None:
    """Create the schema in an empty database; refuse to run on an out-of-date one."""
    engine = make_engine(settings.database.url)
    try:
        current, head = schema_state(engine)
        if current is None and is_empty(engine):
            log.info("empty database: creating the schema")
            upgrade(engine)
        elif current != head:
            raise SchemaOutOfDate(
                f"the database schema is at {current or 'an unknown version'} and this Staffroom "
                f"needs {head}: run `staffroom db upgrade` first"
            )
    finally:
        engine.dispose()


def build_app(
    config: Path | None = None, *, clock: Clock | None = None, settings: Settings | None = None
) -> Staffroom:
    """Load settings, make sure the schema is ready, and return the app."""
    settings = settings or load_settings(config)
    remember(settings.secret_values())
    prepare_database(settings)
    return Staffroom(settings, clock=clock)
