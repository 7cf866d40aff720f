"""Autocomplete for application-command options: communities, tags, categories and ids.

A :class:`Suggester` says which options it serves and what to offer for the text typed so far.
Built in: community slugs (``Kind.COMMUNITY``), resource tags (``Kind.TAGS``, when the resources
feature is installed), CPD categories (from ``[cpd] categories``), long choice lists (more than
Discord's 25 static choices) and the member's own ids (``Kind.ID``). Ids come from id sources that
features' data can be plugged into with :func:`register_id_source`; an id option with no source
offers nothing. Suggesters read the database only, in a worker thread, and never create accounts.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from adapters.text import shorten
from core.commands import Command, Param
from core.config import Settings
from core.identity.models import Account
from core.params import Kind

MAX_CHOICES = 25
NAME_LIMIT = 100

Suggestion = tuple[str, str | int]
"""What the member sees, and the value the option gets."""


@dataclass(frozen=True, slots=True)
class Typed:
    """One autocomplete request: who asks (member id, None before first contact) and the text."""

    settings: Settings
    member_id: int | None
    command: Command
    param: Param
    text: str


@dataclass(frozen=True, slots=True)
class Suggester:
    """Offers values for the options it ``applies`` to."""

    name: str
    applies: Callable[[Command, Param], bool]
    suggest: Callable[[Session, Typed], list[Suggestion]]


IdSource = Callable[[Session, int, str], list[Suggestion]]
"""A member's own ids for one option: (session, member id, typed text) -> suggestions."""

SUGGESTERS: list[Suggester] = []
ID_SOURCES: dict[tuple[str, str], IdSource] = {}


def register_suggester(suggester: Suggester) -> Suggester:
    """Add a suggester; the first one that applies to an option serves it."""
    SUGGESTERS.append(suggester)
    return suggester


def register_id_source(
    commands: Iterable[str], param: str = "id"
) -> Callable[[IdSource], IdSource]:
    """Offer ``param`` of each named command (``"cpd edit"``) the ids a source returns."""

    def register(source: IdSource) -> IdSource:
        for name in commands:
            ID_SOURCES[(name, param)] = source
        return source

    return register


def suggester_for(command: Command, param: Param) -> Suggester | None:
    """The suggester serving this option, or None when it has no autocomplete."""
    return next((s for s in SUGGESTERS if s.applies(command, param)), None)


def member_of(session: Session, tenant: str, user_id: str) -> int | None:
    """The member behind a Discord account, if the person has talked to Staffroom before."""
    account = session.exec(
        select(Account).where(
            Account.platform == "discord", Account.tenant == tenant, Account.user_id == user_id
        )
    ).first()
    return account.member_id if account else None


def suggest(session: Session, typed: Typed) -> list[Suggestion]:
    """At most 25 suggestions for the option being typed, names and values within limits."""
    found = suggester_for(typed.command, typed.param)
    if found is None:
        return []
    out: list[Suggestion] = []
    for name, value in found.suggest(session, typed):
        if isinstance(value, str) and len(value) > NAME_LIMIT:
            continue
        out.append((shorten(name, NAME_LIMIT), value))
        if len(out) >= MAX_CHOICES:
            break
    return out


def _matches(typed: str, *candidates: str) -> bool:
    word = typed.strip().lower()
    return not word or any(word in c.lower() for c in candidates)


# Communities -----------------------------------------------------------------------------------


def _is_community(command: Command, param: Param) -> bool:
    return param.kind is Kind.COMMUNITY or (param.autocomplete and param.name == "community")


def _communities(session: Session, typed: Typed) -> list[Suggestion]:
    from core.communities.models import Community, CommunityMember

    mine: set[int] = set()
    if typed.member_id is not None:
        mine = set(
            session.exec(
                select(CommunityMember.community_id).where(
                    CommunityMember.member_id == typed.member_id
                )
            ).all()
        )
    word = typed.text.strip().lstrip("@").lower()
    query = select(Community)
    if word:
        pattern = f"%{word}%"
        query = query.where(col(Community.slug).ilike(pattern) | col(Community.name).ilike(pattern))
    rows = session.exec(query.order_by(col(Community.slug)).limit(200)).all()
    # The member's own communities first: they are what most commands are about.
    rows = sorted(rows, key=lambda c: (c.id not in mine, c.slug))
    return [(f"{c.name} ({c.slug})", c.slug) for c in rows]


# Tags ------------------------------------------------------------------------------------------


def _is_tags(command: Command, param: Param) -> bool:
    return param.kind is Kind.TAGS and importlib.util.find_spec("core.resources.models") is not None


def _tags(session: Session, typed: Typed) -> list[Suggestion]:
    from core.resources.models import ResourceTag

    words = typed.text.split()
    done = words[:-1] if words and not typed.text.endswith(" ") else words
    last = "" if typed.text.endswith(" ") or not words else words[-1]
    prefix = last.lstrip("#").lower()
    count = func.count(col(ResourceTag.id))
    query = select(ResourceTag.tag, count).group_by(col(ResourceTag.tag))
    if prefix:
        query = query.where(col(ResourceTag.tag).startswith(prefix))
    rows = session.exec(query.order_by(count.desc(), col(ResourceTag.tag)).limit(MAX_CHOICES)).all()
    head = " ".join(done)
    out: list[Suggestion] = []
    for tag, _n in rows:
        value = f"{head} #{tag}".strip()
        out.append((value, value))
    return out


# Categories and long choice lists ----------------------------------------------------------------


def _is_category(command: Command, param: Param) -> bool:
    return command.group == "cpd" and param.name == "category" and not param.choices


def _categories(session: Session, typed: Typed) -> list[Suggestion]:
    return [(c, c) for c in typed.settings.cpd.categories if _matches(typed.text, c)]


def _is_long_choice(command: Command, param: Param) -> bool:
    return len(param.choices) > MAX_CHOICES


def _choices(session: Session, typed: Typed) -> list[Suggestion]:
    return [(c, c) for c in typed.param.choices if _matches(typed.text, c)]


# Ids ---------------------------------------------------------------------------------------------


def _is_id(command: Command, param: Param) -> bool:
    return param.kind is Kind.ID and (command.name, param.name) in ID_SOURCES


def _ids(session: Session, typed: Typed) -> list[Suggestion]:
    if typed.member_id is None:
        return []
    source = ID_SOURCES[(typed.command.name, typed.param.name)]
    return source(session, typed.member_id, typed.text)


for _suggester in (
    Suggester("community", _is_community, _communities),
    Suggester("tags", _is_tags, _tags),
    Suggester("category", _is_category, _categories),
    Suggester("choices", _is_long_choice, _choices),
    Suggester("ids", _is_id, _ids),
):
    register_suggester(_suggester)


# Id sources for the features that exist ----------------------------------------------------------


def _id_matches(typed: str, row_id: Any, *texts: str) -> bool:
    word = typed.strip().lstrip("#")
    return not word or str(row_id).startswith(word) or _matches(word, *texts)


if importlib.util.find_spec("core.cpd.models") is not None:

    @register_id_source(["cpd edit", "cpd delete"])
    def _cpd_activities(session: Session, member_id: int, typed: str) -> list[Suggestion]:
        from core.cpd.models import CpdActivity

        rows = session.exec(
            select(CpdActivity)
            .where(CpdActivity.member_id == member_id)
            .order_by(col(CpdActivity.occurred_on).desc(), col(CpdActivity.id).desc())
            .limit(200)
        ).all()
        return [
            (f"#{a.id} {a.occurred_on.isoformat()} {a.title}", int(a.id or 0))
            for a in rows
            if _id_matches(typed, a.id, a.title)
        ]

    @register_id_source(["cpd goal done"])
    def _cpd_goals(session: Session, member_id: int, typed: str) -> list[Suggestion]:
        from core.cpd.models import CpdGoal

        rows = session.exec(
            select(CpdGoal)
            .where(CpdGoal.member_id == member_id, CpdGoal.status == "open")
            .order_by(col(CpdGoal.id).desc())
            .limit(200)
        ).all()
        return [
            (f"#{g.id} {g.title}", int(g.id or 0))
            for g in rows
            if _id_matches(typed, g.id, g.title)
        ]


if importlib.util.find_spec("core.reflection.models") is not None:

    @register_id_source(["journal show", "journal delete", "journal share"])
    @register_id_source(["cpd log"], param="reflection")
    def _journal_entries(session: Session, member_id: int, typed: str) -> list[Suggestion]:
        from core.reflection.models import JournalEntry

        rows = session.exec(
            select(JournalEntry)
            .where(JournalEntry.member_id == member_id)
            .order_by(col(JournalEntry.id).desc())
            .limit(200)
        ).all()
        return [
            (
                f"#{e.id} {e.created_at.date().isoformat()} {e.body.splitlines()[0] if e.body else ''}",
                int(e.id or 0),
            )
            for e in rows
            if _id_matches(typed, e.id, e.body)
        ]
