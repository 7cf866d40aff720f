"""Bolt's installation and state store interfaces on Staffroom's database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlmodel import Session, select

from adapters.slack.installations import SlackInstallationStore, SlackStateStore
from core.app import Staffroom
from core.clock import FixedClock
from core.delivery import create_schedule
from core.delivery.models import Schedule
from core.identity.models import Account
from core.installations.models import Installation as InstallationRow
from core.installations.sealing import TokenSeal
from tests.talk import say


def store(app: Staffroom) -> SlackInstallationStore:
    return SlackInstallationStore(app, TokenSeal(Fernet.generate_key().decode()))


def workspace(team: str, token: str, enterprise: str | None = None) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=enterprise,
        team_id=team,
        bot_token=token,
        bot_id=f"B{team}",
        bot_user_id=f"UBOT{team}",
        bot_scopes="commands,chat:write",
        user_id="UINSTALLER",
    )


async def test_one_row_per_workspace_and_the_latest_token_wins(app: Staffroom) -> None:
    installations = store(app)
    await installations.async_save(workspace("T1", "xoxb-first"))
    await installations.async_save(workspace("T1", "xoxb-second"))
    await installations.async_save(workspace("T2", "xoxb-other"))
    found = await installations.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-second"
    with Session(app.engine) as session:
        assert len(session.exec(select(InstallationRow)).all()) == 2
    assert await installations.async_find_installation(enterprise_id=None, team_id="T3") is None


async def test_removal_pauses_only_members_reached_there(app: Staffroom, clock: FixedClock) -> None:
    installations = store(app)
    await installations.async_save(workspace("T1", "xoxb-one"))
    await installations.async_save(workspace("T2", "xoxb-two"))
    ids = {}
    for user, team in (("ana", "T1"), ("ben", "T2")):
        say(app, "profile show", user=user, platform="slack", tenant=team)
    # Cai is in T2 and also on Telegram: her prompts keep going there.
    say(app, "profile show", user="cai", platform="slack", tenant="T2")
    with app.session() as session:
        for account in session.exec(select(Account)):
            ids[account.user_id] = account.member_id
        for member in ids.values():
            create_schedule(
                session,
                kind="reflection.prompt",
                now=clock.now(),
                recurrence={"type": "daily", "time": "09:00"},
                timezone="UTC",
                member_id=member,
            )
        cai = session.exec(select(Account).where(Account.user_id == "cai")).one()
        session.add(
            Account(
                member_id=cai.member_id,
                platform="telegram",
                tenant="123",
                user_id="42",
                created_at=clock.now(),
                last_seen_at=clock.now(),
            )
        )
    await installations.async_delete_all(enterprise_id=None, team_id="T2")
    await installations.async_delete_all(enterprise_id=None, team_id="T2")  # a repeat: no change
    with Session(app.engine) as session:
        paused = {s.member_id: s.paused_reason for s in session.exec(select(Schedule))}
    assert paused[ids["ana"]] is None and paused[ids["cai"]] is None
    assert paused[ids["ben"]] is not None and "T2" in paused[ids["ben"]]
    assert await installations.async_find_installation(enterprise_id=None, team_id="T2") is None
    clock.advance(timedelta(hours=1))
    await installations.async_save(workspace("T2", "xoxb-again"))
    with Session(app.engine) as session:
        assert {s.paused_reason for s in session.exec(select(Schedule))} == {None}


async def test_a_state_works_once_and_not_after_it_expires(
    app: Staffroom, clock: FixedClock
) -> None:
    states = SlackStateStore(app, expiration_seconds=600)
    state = await states.async_issue()
    assert await states.async_consume("forged") is False
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False
    late = await states.async_issue()
    clock.advance(timedelta(seconds=601))
    assert await states.async_consume(late) is False
