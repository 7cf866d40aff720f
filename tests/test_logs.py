"""No secret and no member's text in any log line, at any level."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bots.logs import configure_logging
from core.config import Settings
from core.db import make_engine
from core.redaction import redact, remember

TELEGRAM_TOKEN = "123456789:AAHk3v9yQwErTyUiOpAsDfGhJkLzXcVbNm0"
SLACK_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
SIGNING = "8f14e45fceea167a5a36dedd4bea2543"


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {name: logging.getLogger(name).level for name in ("httpx", "sqlalchemy.engine")}
    yield capsys
    root.handlers[:], root.level = saved
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("json_logs", [False, True])
def test_tokens_and_configured_secrets_are_redacted_at_debug(
    logs: pytest.CaptureFixture[str], json_logs: bool
) -> None:
    settings = Settings(
        slack={"signing_secret": SIGNING},  # type: ignore[arg-type]
        database={"url": "postgresql://staffroom:s3cret-pass@db/staffroom"},  # type: ignore[arg-type]
    )
    remember(settings.secret_values())
    configure_logging("DEBUG", json_logs=json_logs)
    log = logging.getLogger("staffroom.test")
    log.debug("GET https://api.telegram.org/bot%s/getUpdates", TELEGRAM_TOKEN)
    log.info("slack said %s with %s", SLACK_TOKEN, SIGNING)
    try:
        raise RuntimeError(f"connect failed for s3cret-pass and {TELEGRAM_TOKEN}")
    except RuntimeError:
        log.exception("crash")
    # The SDKs' HTTP loggers stay quiet even at DEBUG (their lines hold URLs and bodies).
    logging.getLogger("httpx").info(
        "HTTP Request: POST https://api.telegram.org/bot%s/x", TELEGRAM_TOKEN
    )
    err = logs.readouterr().err
    assert "getUpdates" in err and "crash" in err and "RuntimeError" in err
    for secret in (TELEGRAM_TOKEN, SLACK_TOKEN, SIGNING, "s3cret-pass", "AAHk3v9yQw"):
        assert secret not in err
    assert "[telegram-token]" in err and "[slack-token]" in err and "[secret]" in err
    assert "HTTP Request" not in err


def test_redact_leaves_ordinary_text_alone() -> None:
    line = "member 12 logged 1.5 hours at 10:30:15 on 2026-12-03"
    assert redact(line) == line


def test_failing_statements_never_show_their_parameters(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.connect() as connection, pytest.raises(DBAPIError) as raised:
        connection.execute(
            text("INSERT INTO nowhere (body) VALUES (:body)"), {"body": "my private journal"}
        )
    assert "my private journal" not in str(raised.value)
    engine.dispose()
