"""Finding and creating members from platform accounts; linking accounts; resolving references."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, func, tuple_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.errors import NotFound, UserError
from core.i18n import _, match_language
from core.identity.models import Account, AuditEntry, LinkAttempt, LinkCode, Member
from core.invocation import Invocation

if TYPE_CHECKING:
    from core.privacy.registry import PrivacyRegistry

LINK_CODE_TTL = timedelta(minutes=15)
LINK_ATTEMPTS_ALLOWED = 5
LINK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud, typed on phones
_MENTION = re.compile(r"^<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>$")


LAST_SEEN_PRECISION = timedelta(minutes=5)
"""How stale ``Account.last_seen_at`` may get before a command writes it again: writing it on
every command would make each one, even a read, an UPDATE."""

_OTHER = aliased(Account)
# The account with its member, and when the member's other accounts were last seen (so the
# account used most recently always stays the latest, which is how a DM finds its platform).
_ACCOUNT_WITH_MEMBER = (
    select(
        Account,
        Member,
        select(func.max(_OTHER.last_seen_at))
        .where(_OTHER.member_id == Account.member_id, _OTHER.id != Account.id)
        .correlate(Account)
        .scalar_subquery(),
    )
    .join(Member, col(Member.id) == col(Account.member_id))
    .where(
        Account.platform == bindparam("platform"),
        Account.tenant == bindparam("tenant"),
        Account.user_id == bindparam("user_id"),
    )
)


def resolve_account(
    session: Session, invocation: Invocation, now: datetime, default_language: str = "en"
) -> tuple[Account, Member]:
    """The account for the invocation's platform identity and its member (one query), creating
    both on first use, in the language the platform says the person uses when Staffroom has it
    (else ``default_language``).

    ``last_seen_at`` moves when it is more than
    :data:`LAST_SEEN_PRECISION` old, or when another of the member's accounts was seen later.
    """
    platform, tenant, user_id = invocation.account_key
    found = session.exec(
        _ACCOUNT_WITH_MEMBER,
        params={"platform": platform, "tenant": tenant, "user_id": user_id},
    ).first()
    name = (invocation.display_name or user_id).strip()[:100] or user_id
    if found is None:
        spoken = match_language(invocation.locale) or default_language
        member = Member(
            display_name=name, created_at=now, language=spoken, timezone=_zone(invocation.timezone)
        )
        session.add(member)
        session.flush()
        assert member.id is not None
        account = Account(
            member_id=member.id,
            platform=platform,
            tenant=tenant,
            user_id=user_id,
            display_name=name,
            handle=invocation.handle,
            created_at=now,
            last_seen_at=now,
        )
        session.add(account)
        session.flush()
        return account, member
    account, member, others_seen = found
    if (
        now - account.last_seen_at >= LAST_SEEN_PRECISION
        or (others_seen is not None and others_seen >= account.last_seen_at)
    ) and now > account.last_seen_at:
        account.last_seen_at = now
    if invocation.display_name and account.display_name != name:
        account.display_name = name
    if invocation.handle and account.handle != invocation.handle:
        account.handle = invocation.handle
    return account, member


LIKELY_ZONES = {
    "en-gb": ("Europe/London",),
    "en-ie": ("Europe/Dublin",),
    "en-us": ("America/New_York", "America/Chicago", "America/Los_Angeles"),
    "en-au": ("Australia/Sydney",),
    "en": ("Europe/London", "America/New_York"),
    "cy": ("Europe/London",),
    "es": ("Europe/Madrid", "America/Mexico_City"),
    "fr": ("Europe/Paris", "America/Montreal"),
}
"""Timezones to offer a new member first, by the language their platform says they use."""


def language_of(session: Session, platform: str, tenant: str, user_id: str) -> str | None:
    """The language of the member behind an account, if the person has talked to Staffroom."""
    found = session.exec(
        select(Member.language)
        .join(Account, col(Account.member_id) == col(Member.id))
        .where(Account.platform == platform, Account.tenant == tenant, Account.user_id == user_id)
    ).first()
    return str(found) if found is not None else None


def timezone_of(session: Session, platform: str, tenant: str, user_id: str) -> str | None:
    """The timezone of the member behind an account (``UTC`` until someone sets it), if the
    person has talked to Staffroom: a front-end asks a newcomer still on UTC for theirs."""
    found = session.exec(
        select(Member.timezone)
        .join(Account, col(Account.member_id) == col(Member.id))
        .where(Account.platform == platform, Account.tenant == tenant, Account.user_id == user_id)
    ).first()
    return str(found) if found is not None else None


def likely_zones(locale: str | None) -> tuple[str, ...]:
    """The zones to offer for a platform locale (``en-GB``, ``es``); London when unknown."""
    given = (locale or "").lower().replace("_", "-")
    return LIKELY_ZONES.get(given) or LIKELY_ZONES.get(given.split("-")[0]) or ("Europe/London",)


def lock_member(session: Session, member_id: int) -> None:
    """Hold the member's row until the transaction ends, so a check-then-insert of theirs (a
    second press of "Log as CPD") waits for the first instead of racing it. PostgreSQL takes a
    row lock; on SQLite a no-op write takes the database's write lock (one writer at a time)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Member).where(col(Member.id) == member_id).values(id=col(Member.id)))
        return
    session.execute(select(Member.id).where(col(Member.id) == member_id).with_for_update()).first()


def _zone(name: str | None) -> str:
    """A timezone a platform gave, if it is a real one; UTC otherwise."""
    if not name:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(_("No member with id {id}.", id=member_id))
    return member


def accounts_of(session: Session, member_id: int) -> list[Account]:
    return list(
        session.exec(
            select(Account).where(Account.member_id == member_id).order_by(col(Account.id))
        )
    )


def shares_a_tenant(session: Session, one: int, other: int) -> bool:
    """The two members have accounts in one workspace, server or bot (they can meet there)."""
    theirs = select(Account.platform, Account.tenant).where(Account.member_id == other)
    found = session.exec(
        select(Account.id)
        .where(Account.member_id == one)
        .where(tuple_(Account.platform, Account.tenant).in_(theirs))
        .limit(1)
    ).first()
    return found is not None


def find_member(
    session: Session,
    ref: str,
    platform: str,
    tenant: str,
    *,
    by_name: bool = True,
    visible: Callable[[int], bool] | None = None,
) -> Member:
    """A member named by id (``#12``), a platform mention (``<@U123>``), ``@handle`` or unique name.

    Names are chosen by members themselves, so where the answer grants anything (roles, approvals)
    pass ``by_name=False``: then only ids, mentions and handles on this platform and tenant count.
    With ``visible``, members it refuses are treated as if they did not exist (the same answer as
    for a missing id), so ids and names cannot be probed.
    """
    ref = ref.strip()
    if re.fullmatch(r"#?\d{1,12}", ref):
        wanted = int(ref.lstrip("#"))
        if visible is not None and not visible(wanted):
            raise NotFound(_("No member with id {id}.", id=wanted))
        return get_member(session, wanted)
    mention = _MENTION.match(ref)
    if mention:
        account = session.exec(
            select(Account).where(
                Account.platform == platform,
                Account.tenant == tenant,
                Account.user_id == mention.group(1),
            )
        ).first()
        if account is None:
            raise NotFound(_("{ref} has not used Staffroom yet.", ref=ref))
        return get_member(session, account.member_id)
    if ref.startswith("@"):
        handle = ref[1:].lower()
        accounts = session.exec(
            select(Account).where(
                Account.platform == platform,
                Account.tenant == tenant,
                func.lower(func.coalesce(Account.handle, "")).in_([handle, "@" + handle]),
            )
        ).all()
        if len({a.member_id for a in accounts}) == 1:
            return get_member(session, accounts[0].member_id)
    if not by_name:
        raise NotFound(
            _("I could not find {name}. Name them by id, like #12, or mention them.", name=ref[:60])
        )
    members = session.exec(
        select(Member).where(func.lower(Member.display_name) == ref.lstrip("@").lower())
    ).all()
    if visible is not None:
        members = [m for m in members if m.id is not None and visible(m.id)]
    if len(members) == 1:
        return members[0]
    if len(members) > 1:
        ids = ", ".join(f"#{m.id}" for m in members[:5])
        raise UserError(
            _("Several members are called {name}; use their id: {ids}.", name=ref, ids=ids)
        )
    raise NotFound(_("I could not find a member called {name}. Try their id, like #12.", name=ref))


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


def create_link_code(session: Session, member_id: int, now: datetime) -> str:
    """A fresh one-time code; earlier unused codes of this member stop working."""
    for old in session.exec(
        select(LinkCode).where(LinkCode.member_id == member_id, col(LinkCode.used_at).is_(None))
    ):
        session.delete(old)
    code = "".join(secrets.choice(LINK_ALPHABET) for _ in range(8))
    session.add(
        LinkCode(member_id=member_id, code_hash=_hash_code(code), expires_at=now + LINK_CODE_TTL)
    )
    return code


def claim_link_code(session: Session, member: Member, code: str, now: datetime) -> Member:
    """Check a code typed (or carried by a deep link) on ``member``'s account and hold it for
    that member to confirm; returns the member who made the code. Nothing is merged yet: a code
    can be made by anyone, so joining two members always takes the presser's explicit yes."""
    assert member.id is not None
    window_start = now - LINK_CODE_TTL
    failures = session.exec(
        select(func.count())
        .select_from(LinkAttempt)
        .where(LinkAttempt.member_id == member.id, LinkAttempt.at >= window_start)
    ).one()
    if failures >= LINK_ATTEMPTS_ALLOWED:
        raise UserError(
            _(
                "Too many wrong codes. Wait 15 minutes, then ask for a new code with "
                "link on your other account."
            )
        )
    found = session.exec(select(LinkCode).where(LinkCode.code_hash == _hash_code(code))).first()
    if found is None or found.used_at is not None or found.expires_at <= now:
        session.add(LinkAttempt(member_id=member.id, at=now))
        left = LINK_ATTEMPTS_ALLOWED - failures - 1
        raise UserError(
            _(
                "That code is wrong or has expired ({left} tries left). Codes work once, "
                "for 15 minutes: send link on your other account for a new one.",
                left=left,
            ),
            keep_changes=True,
        )
    if found.member_id == member.id:
        raise UserError(_("That code is your own: type it on your other account."))
    for other in session.exec(select(LinkCode).where(LinkCode.claimed_by == member.id)):
        if other.id != found.id:
            other.claimed_by = other.claimed_at = None
            session.add(other)
    found.claimed_by, found.claimed_at = member.id, now
    session.add(found)
    return get_member(session, found.member_id)


def pending_link(session: Session, member_id: int, now: datetime) -> LinkCode | None:
    """The code this member was asked to confirm, while it is still valid."""
    return session.exec(
        select(LinkCode).where(
            LinkCode.claimed_by == member_id,
            col(LinkCode.used_at).is_(None),
            LinkCode.expires_at > now,
        )
    ).first()


def confirm_link(
    session: Session, member: Member, now: datetime, privacy: PrivacyRegistry
) -> Member:
    """Join ``member`` into the member whose code it claimed. The code is spent with a
    conditional update, so two confirmations at the same moment cannot both merge."""
    assert member.id is not None
    held = pending_link(session, member.id, now)
    if held is None:
        raise UserError(
            _(
                "There is no link waiting for you to confirm (codes last 15 minutes). Send "
                "link on your other account for a new code, then link CODE here."
            )
        )
    spent = session.execute(
        update(LinkCode)
        .where(col(LinkCode.id) == held.id, col(LinkCode.used_at).is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise UserError(
            _("That code has just been used. Send link on your other account for a new one.")
        )
    target = get_member(session, held.member_id)
    session.add(
        AuditEntry(
            at=now,
            member_id=target.id,
            action="identity.link",
            detail={"joined_member": member.id},
        )
    )
    merge_members(session, privacy, source=member, target=target)
    return target


def cancel_link(session: Session, member_id: int) -> bool:
    """Forget a code this member was asked to confirm; True if there was one."""
    held = session.exec(select(LinkCode).where(LinkCode.claimed_by == member_id)).all()
    for code in held:
        code.claimed_by = code.claimed_at = None
        session.add(code)
    return bool(held)


def unlink_account(session: Session, account: Account) -> None:
    """Take one account out of its member: the member keeps all its data, and the account
    starts afresh (as a new person) the next time it talks to Staffroom."""
    session.delete(account)


def merge_members(
    session: Session, privacy: PrivacyRegistry, *, source: Member, target: Member
) -> None:
    """Make ``source`` part of ``target``: every feature moves its rows, then the source goes."""
    assert source.id is not None and target.id is not None
    privacy.merge(session, source.id, target.id)


def _account_query(platform: str, tenant: str, user_id: str) -> Any:
    return select(Account).where(
        Account.platform == platform, Account.tenant == tenant, Account.user_id == user_id
    )


def member_id_of(session: Session, platform: str, tenant: str, user_id: str) -> int | None:
    """The member behind an account, if the person has talked to Staffroom (never creates one)."""
    account = session.exec(_account_query(platform, tenant, user_id)).first()
    return account.member_id if account else None


def dm_channel_of(session: Session, platform: str, tenant: str, user_id: str) -> str | None:
    """The direct-message channel a platform opened for this account before, if any."""
    account = session.exec(_account_query(platform, tenant, user_id)).first()
    return account.dm_channel if account else None


def remember_dm_channel(
    session: Session, platform: str, tenant: str, user_id: str, channel: str
) -> None:
    """Keep the account's direct-message channel, so every process can reuse it."""
    account = session.exec(_account_query(platform, tenant, user_id)).first()
    if account is not None and account.dm_channel != channel:
        account.dm_channel = channel
        session.add(account)
