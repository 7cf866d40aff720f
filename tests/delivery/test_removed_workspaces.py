"""Delivering around a workspace that removed Staffroom, on real databases: a direct message
finds the member's other account, a channel post there is held (neither tried nor failed), and a
re-install sends what is still timely and drops the rest."""

from __future__ import annotations

from datetime import timedelta

from cryptography.fernet import Fernet
from sqlmodel import select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery import enqueue
from core.delivery.models import OutboxState
from core.identity.models import Account, AuditEntry, Member
from core.installations.reach import PAUSE_REASON, removed_workspaces
from core.installations.sealing import TokenSeal
from core.installations.service import (
    InstallationData,
    remember_team,
    remove_installation,
    save_installation,
)
from core.reply import Reply
from tests.delivery.helpers import ScriptedMessenger, deliver, row_of, session_of

SEAL = TokenSeal(Fernet.generate_key().decode())
REMOVED_T2 = f"{PAUSE_REASON} (slack /T2)"


def install(app: Staffroom, team: str, clock: FixedClock) -> None:
    grace = timedelta(minutes=app.settings.delivery.grace_minutes)
    data = InstallationData(
        platform="slack", enterprise_id=None, team_id=team, bot_token=f"xoxb-{team}-secret"
    )
    with app.session() as session:
        save_installation(session, data, SEAL, clock.now(), resend_within=grace)


def uninstall(app: Staffroom, team: str, clock: FixedClock) -> None:
    with app.session() as session:
        remove_installation(
            session,
            "slack",
            enterprise_id=None,
            team_id=team,
            reason="app_uninstalled",
            now=clock.now(),
        )


def member(
    app: Staffroom,
    clock: FixedClock,
    name: str,
    accounts: list[tuple[str, str]],
    deliver_to: str | None = None,
) -> int:
    """A member with an account per (platform, tenant); the first one seen most recently."""
    with app.session() as session:
        found = Member(display_name=name, deliver_to=deliver_to, created_at=clock.now())
        session.add(found)
        session.flush()
        assert found.id is not None
        for n, (platform, tenant) in enumerate(accounts):
            session.add(
                Account(
                    member_id=found.id,
                    platform=platform,
                    tenant=tenant,
                    user_id=f"{name}-{platform}-{tenant}",
                    created_at=clock.now(),
                    last_seen_at=clock.now() - timedelta(days=n),
                )
            )
        return found.id


def dm(app: Staffroom, clock: FixedClock, key: str, member_id: int) -> int:
    with app.session() as session:
        row = enqueue(
            session,
            key=key,
            reply=Reply.message("Time to reflect"),
            due_at=clock.now(),
            now=clock.now(),
            member_id=member_id,
        )
        assert row is not None and row.id is not None
        return row.id


def post(
    app: Staffroom,
    clock: FixedClock,
    key: str,
    platform: str,
    tenant: str,
    channel: str,
    due_before: timedelta = timedelta(0),
) -> int:
    """A post to one bound channel of a community, as ``post_to_channels`` queues them."""
    with app.session() as session:
        row = enqueue(
            session,
            key=key,
            reply=Reply.message(f"News for {channel}"),
            due_at=clock.now() - due_before,
            now=clock.now(),
            platform=platform,
            tenant=tenant,
            channel_id=channel,
        )
        assert row is not None and row.id is not None
        return row.id


def failures(app: Staffroom) -> list[AuditEntry]:
    with session_of(app) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == "delivery.failed")))


async def test_a_dm_goes_to_the_members_other_account(app: Staffroom, clock: FixedClock) -> None:
    install(app, "T1", clock)
    install(app, "T2", clock)
    # Ana was last seen in T2 and prefers Slack; she is on Telegram too. Cai has two Slack
    # workspaces.
    ana = member(app, clock, "ana", [("slack", "T2"), ("telegram", "tg")], deliver_to="slack")
    cai = member(app, clock, "cai", [("slack", "T2"), ("slack", "T1")])
    uninstall(app, "T2", clock)
    ana_row, cai_row = dm(app, clock, "ana-1", ana), dm(app, clock, "cai-1", cai)
    slack, telegram = ScriptedMessenger("slack"), ScriptedMessenger("telegram")
    stats = await deliver(app, clock, slack, telegram)
    assert stats.sent == 2 and stats.skipped == 0
    assert [(r.platform, r.tenant, r.user_id) for r, _reply in telegram.delivered] == [
        ("telegram", "tg", "ana-telegram-tg")
    ]
    assert [(r.tenant, r.user_id) for r, _reply in slack.calls] == [("T1", "cai-slack-T1")]
    assert (row_of(app, ana_row).platform, row_of(app, cai_row).tenant) == ("telegram", "T1")


async def test_a_dm_to_a_member_reached_only_there_is_held_not_failed(
    app: Staffroom, clock: FixedClock
) -> None:
    install(app, "T2", clock)
    bob = member(app, clock, "bob", [("slack", "T2")])
    uninstall(app, "T2", clock)
    row_id = dm(app, clock, "bob-1", bob)
    slack = ScriptedMessenger("slack")
    stats = await deliver(app, clock, slack)
    assert (stats.claimed, stats.skipped, stats.retried, stats.failed) == (1, 1, 0, 0)
    assert slack.calls == []
    row = row_of(app, row_id)
    assert (row.state, row.attempts, row.last_error) == (OutboxState.SKIPPED, 0, REMOVED_T2)
    assert row.lease_owner is None and failures(app) == []

    clock.advance(timedelta(minutes=30))
    install(app, "T2", clock)  # within the grace window: it goes out after all
    assert row_of(app, row_id).state == OutboxState.PENDING
    await deliver(app, clock, slack)
    assert [r.user_id for r, _reply in slack.delivered] == ["bob-slack-T2"]
    assert row_of(app, row_id).state == OutboxState.SENT


async def test_channel_posts_there_wait_for_a_reinstall_and_others_go_out(
    app: Staffroom, clock: FixedClock
) -> None:
    install(app, "T1", clock)
    install(app, "T2", clock)
    grace = timedelta(minutes=app.settings.delivery.grace_minutes)
    # One community, four bindings: a channel in each workspace, a Telegram group, and a second
    # channel in T2 whose post was queued before the removal.
    before = post(app, clock, "news:4", "slack", "T2", "C4")
    uninstall(app, "T2", clock)
    assert row_of(app, before).state == OutboxState.SKIPPED  # withheld by the removal itself
    kept = post(app, clock, "news:1", "slack", "T1", "C1")
    held = post(app, clock, "news:2", "slack", "T2", "C2")
    late = post(app, clock, "news:3", "slack", "T2", "C3", due_before=grace + timedelta(hours=1))
    group = post(app, clock, "news:5", "telegram", "tg", "-100")
    slack, telegram = ScriptedMessenger("slack"), ScriptedMessenger("telegram")
    stats = await deliver(app, clock, slack, telegram)
    assert (stats.sent, stats.skipped, stats.failed, stats.retried) == (2, 2, 0, 0)
    assert [r.channel_id for r, _reply in slack.calls] == ["C1"]
    assert [r.channel_id for r, _reply in telegram.calls] == ["-100"]
    for row_id in (held, late, before):
        row = row_of(app, row_id)
        assert (row.state, row.attempts, row.last_error) == (OutboxState.SKIPPED, 0, REMOVED_T2)
    assert failures(app) == []
    assert (await deliver(app, clock, slack, telegram)).claimed == 0  # nothing is retried

    clock.advance(timedelta(minutes=10))
    install(app, "T2", clock)
    await deliver(app, clock, slack, telegram)
    assert sorted(r.channel_id or "" for r, _reply in slack.delivered) == ["C1", "C2", "C4"]
    assert [row_of(app, i).state for i in (kept, held, before, group)] == [OutboxState.SENT] * 4
    dropped = row_of(app, late)
    assert dropped.state == OutboxState.SKIPPED
    assert dropped.last_error is not None and "too old" in dropped.last_error
    with session_of(app) as session:
        restored = session.exec(
            select(AuditEntry).where(AuditEntry.action == "installation.restored")
        ).one()
    assert restored.detail["messages_released"] == 2
    assert restored.detail["messages_dropped"] == 1


async def test_an_org_wide_removal_covers_the_organisations_workspaces(
    app: Staffroom, clock: FixedClock
) -> None:
    grace = timedelta(minutes=app.settings.delivery.grace_minutes)
    org = InstallationData(
        platform="slack",
        enterprise_id="E1",
        team_id=None,
        is_enterprise_install=True,
        bot_token="xoxb-E1-secret",
    )
    with app.session() as session:
        save_installation(session, org, SEAL, clock.now(), resend_within=grace)
        remember_team(session, "slack", "T5", "E1", clock.now())
    with app.session() as session:
        remove_installation(
            session,
            "slack",
            enterprise_id="E1",
            team_id=None,
            reason="app_uninstalled",
            now=clock.now(),
        )
    with session_of(app) as session:
        found = removed_workspaces(session, [("slack", "T5"), ("slack", "T6"), ("telegram", "T5")])
    assert found == {("slack", "T5"): f"{PAUSE_REASON} (slack E1)"}


async def test_a_member_reached_elsewhere_by_another_worker_is_not_held(
    app: Staffroom, clock: FixedClock
) -> None:
    install(app, "T2", clock)
    dee = member(app, clock, "dee", [("slack", "T2"), ("discord", "G1")])
    uninstall(app, "T2", clock)
    row_id = dm(app, clock, "dee-1", dee)
    slack = ScriptedMessenger("slack")  # this worker has no Discord messenger
    stats = await deliver(app, clock, slack)
    assert (stats.skipped, stats.retried) == (0, 1) and slack.calls == []
    row = row_of(app, row_id)
    assert row.state == OutboxState.PENDING and row.last_error is not None
    assert "(discord)" in row.last_error
