"""What a long-running process keeps per token stays bounded: Bolt's ``auth.test`` answers and
the tokens every log line is cleaned of (rotation makes new tokens twice a day per workspace)."""

from __future__ import annotations

import json

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize

from adapters.slack.oauth import AUTHORIZE_CACHE_SIZE, AuthorizeCache
from core.redaction import ISSUED_KEPT, redact, remember, remembered
from tests.adapters.slack.conftest import Installed


def result(token: str) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token=token, bot_user_id="UB")


async def test_bolts_auth_test_cache_keeps_the_most_recently_used(installed: Installed) -> None:
    assert (await installed.install("T1"))[0] == 200
    answer = await installed.slash("profile show", "U1", "T1")
    assert ":warning:" not in json.dumps(answer), answer
    endpoint = installed.platform.endpoint
    assert endpoint is not None and endpoint.oauth_flow is not None
    authorize = endpoint.oauth_flow.settings.authorize
    assert isinstance(authorize, AsyncInstallationStoreAuthorize)
    cache = authorize.authorize_result_cache
    assert isinstance(cache, AuthorizeCache)
    assert list(cache) == installed.fake.tokens_of("T1")  # the one Bolt fills

    first = next(iter(cache))
    for n in range(AUTHORIZE_CACHE_SIZE + 50):
        cache[f"xoxb-old-{n}"] = result(f"xoxb-old-{n}")
        if n % 100 == 0:
            assert cache[first].bot_token == first  # in use, so kept
    assert len(cache) == AUTHORIZE_CACHE_SIZE
    assert first in cache and f"xoxb-old-{AUTHORIZE_CACHE_SIZE + 49}" in cache
    assert "xoxb-old-0" not in cache
    # Still answering from the cache: the next command costs no auth.test.
    calls = len(installed.fake.calls_to("auth.test"))
    await installed.slash("help", "U1", "T1")
    assert len(installed.fake.calls_to("auth.test")) == calls


def test_tokens_from_the_database_are_remembered_up_to_a_limit() -> None:
    configured = "configured-signing-secret-1"
    remember([configured])
    issued = [f"issued-secret-{n:05d}" for n in range(ISSUED_KEPT + 100)]
    for token in issued:
        remember([token, None], configured=False)
    full = remembered()
    remember([f"more-secret-{n:05d}" for n in range(ISSUED_KEPT)], configured=False)
    assert remembered() == full  # as many as before, whatever other tests configured
    assert redact(issued[0]) == issued[0]  # forgotten: the oldest went first
    assert redact(configured) == "[secret]"  # configured secrets are never forgotten
    newest = f"more-secret-{ISSUED_KEPT - 1:05d}"
    remember([newest], configured=False)  # seen again: the most recent now
    for n in range(ISSUED_KEPT - 1):
        remember([f"later-secret-{n:05d}"], configured=False)
    assert redact(newest) == "[secret]"
    assert redact("more-secret-00000") == "more-secret-00000"
