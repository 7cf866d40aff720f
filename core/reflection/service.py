"""Reflection prompts and the private journal: choosing questions, storing answers, sharing.

Journals are private. Every read goes through :func:`get_entry` or :func:`list_entries`, which
only ever return the member's own entries; another person's entry id gets the same NotFound as a
missing one, whoever asks (a community owner or a Staffroom admin included).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from core.communities.channels import bound_channels, channel_language
from core.communities.membership import role_of
from core.communities.models import Community
from core.delivery.models import OutboxMessage
from core.delivery.outbox import among, enqueue, execute_many, withdraw_unsent
from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _, language, ngettext
from core.identity.models import Member
from core.reflection import library
from core.reflection.models import JournalEntry, JournalShare, ReflectionPrompt
from core.reflection.replies import shared_reflection_reply

PAGE_SIZE = 10


# Prompts -----------------------------------------------------------------------------------


def pick_prompt(
    session: Session, member_id: int, model_key: str, *, stage: str | None = None
) -> library.Prompt:
    """The next question of ``model_key`` for the member.

    Successive prompts walk the model stage by stage: the stage after the last one the member
    was asked from this model (the first stage to begin with, and again after the last), or
    ``stage`` when asked for (another question at the same step). Within the stage, a question
    not yet seen comes first, then the one seen longest ago, so no question of a stage repeats
    until all of that stage's have been asked.
    """
    history = session.exec(
        select(ReflectionPrompt.prompt_key, ReflectionPrompt.stage, ReflectionPrompt.model)
        .where(ReflectionPrompt.member_id == member_id)
        .order_by(col(ReflectionPrompt.sent_at).desc(), col(ReflectionPrompt.id).desc())
    ).all()
    return _choose(model_key, [(key, stage, model) for key, stage, model in history], stage)


_History = Sequence[tuple[str, str, str]]
"""A member's prompts as (key, stage, model), newest first."""


def _choose(model_key: str, history: _History, stage: str | None = None) -> library.Prompt:
    """:func:`pick_prompt`'s choice, given the member's history.

    Only the newest appearance of each (key, stage, model) matters: a question's freshness is its
    newest appearance, the last question asked is the newest row and the last stage of the model
    the newest row of that model. So a history with older repeats dropped picks the same question,
    which is what lets :func:`pick_prompts` read one row per question instead of every row.
    """
    chosen = library.model(model_key)
    recency: dict[str, int] = {}
    for rank, (key, _stage, _model) in enumerate(history):
        recency.setdefault(key, rank)
    last_key = history[0][0] if history else None
    if stage in chosen.stages:
        step = chosen.stages.index(stage)
    else:
        last_in_model = next((row for row in history if row[2] == model_key), None)
        step = 0
        if last_in_model is not None and last_in_model[1] in chosen.stages:
            step = (chosen.stages.index(last_in_model[1]) + 1) % len(chosen.stages)
    # A stage the library gives no question (an edited file) is stepped over.
    step = min(
        {p.stage_index for p in chosen.prompts},
        key=lambda index: (index - step) % len(chosen.stages),
    )
    in_stage = [p for p in chosen.prompts if p.stage_index == step]
    # Never the question just asked again, unless the stage has no other.
    candidates = [p for p in in_stage if p.key != last_key] or in_stage

    def freshness(item: tuple[int, library.Prompt]) -> tuple[int, int]:
        position, candidate = item
        # Unseen questions rank as older than anything seen; a higher rank is older.
        return (-recency.get(candidate.key, len(history) + 1), position)

    return min(enumerate(candidates), key=freshness)[1]


_IN_LIST = 2000
"""Ids per ``IN (...)`` list: well under SQLite's limit on bound parameters."""


def pick_prompts(session: Session, wanted: Mapping[int, str]) -> dict[int, library.Prompt]:
    """:func:`pick_prompt` for many members at once (member id -> model key), in a few queries.

    Reads one row per question each member has been asked (the newest), not their whole history.
    """
    histories: dict[int, list[tuple[str, str, str]]] = {member: [] for member in wanted}
    members = list(wanted)
    session.flush()  # Core queries below: prompts the session still holds count too
    dialect = session.get_bind().dialect.name  # long id lists: see among()
    for start in range(0, len(members), _IN_LIST):
        newest = (
            sa_select(
                col(ReflectionPrompt.member_id).label("member_id"),
                col(ReflectionPrompt.prompt_key).label("prompt_key"),
                col(ReflectionPrompt.stage).label("stage"),
                col(ReflectionPrompt.model).label("model"),
                col(ReflectionPrompt.sent_at).label("sent_at"),
                col(ReflectionPrompt.id).label("id"),
                func.row_number()
                .over(
                    partition_by=(
                        col(ReflectionPrompt.member_id),
                        col(ReflectionPrompt.prompt_key),
                        col(ReflectionPrompt.stage),
                        col(ReflectionPrompt.model),
                    ),
                    order_by=(
                        col(ReflectionPrompt.sent_at).desc(),
                        col(ReflectionPrompt.id).desc(),
                    ),
                )
                .label("n"),
            )
            .where(
                among(col(ReflectionPrompt.member_id), members[start : start + _IN_LIST], dialect)
            )
            .subquery()
        )
        rows = session.connection().execute(
            sa_select(newest.c.member_id, newest.c.prompt_key, newest.c.stage, newest.c.model)
            .where(newest.c.n == 1)
            .order_by(newest.c.member_id, newest.c.sent_at.desc(), newest.c.id.desc())
        )
        for member, key, stage, model in rows:
            histories[member].append((key, stage, model))
    # Members with no history yet (most of a new install's burst) all get a model's first pick.
    fresh: dict[str, library.Prompt] = {}
    picked: dict[int, library.Prompt] = {}
    for member, model_key in wanted.items():
        history = histories[member]
        if history:
            picked[member] = _choose(model_key, history)
            continue
        if model_key not in fresh:
            fresh[model_key] = _choose(model_key, ())
        picked[member] = fresh[model_key]
    return picked


def open_prompt(
    session: Session,
    member_id: int,
    question: library.Prompt,
    now: datetime,
    *,
    source: str = "asked",
    schedule_id: int | None = None,
    occurrence_at: datetime | None = None,
    outbox_key: str | None = None,
) -> ReflectionPrompt:
    """Record a question as sent and open for an answer; earlier unanswered ones close."""
    for earlier in open_prompts(session, member_id):
        earlier.closed_at = now
        session.add(earlier)
    row = ReflectionPrompt(
        member_id=member_id,
        prompt_key=question.key,
        model=question.model,
        stage=question.stage,
        text=question.text,
        source=source,
        schedule_id=schedule_id,
        occurrence_at=occurrence_at,
        outbox_key=outbox_key,
        sent_at=now,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class ScheduledPrompt:
    """One scheduled question for :func:`open_scheduled_prompts`."""

    member_id: int
    question: library.Prompt
    schedule_id: int
    occurrence_at: datetime
    outbox_key: str


def open_scheduled_prompts(session: Session, items: Sequence[ScheduledPrompt]) -> dict[int, int]:
    """:func:`open_prompt` for many scheduled occurrences, each ``sent_at`` its occurrence, in a
    few statements; returns the new prompt id of each schedule id.

    Each member appears at most once (a second prompt for the same member must see the first:
    open it in a later call). Raises :class:`PromptConflict`, after writing, if an occurrence had
    a prompt already: the caller rolls back and opens them one at a time.
    """
    if not items:
        return {}
    if len({item.member_id for item in items}) != len(items):
        raise ValueError("open_scheduled_prompts takes each member once")
    session.flush()
    dialect = session.get_bind().dialect.name  # long id lists: see among()
    prompts: Table = ReflectionPrompt.__table__  # type: ignore[attr-defined]
    # Earlier unanswered prompts close at the new one's instant, as open_prompt closes them; one
    # statement per instant (a burst has a handful).
    by_instant: dict[datetime, list[int]] = {}
    for item in items:
        by_instant.setdefault(item.occurrence_at, []).append(item.member_id)
    for instant, members in by_instant.items():
        for start in range(0, len(members), _IN_LIST):
            session.connection().execute(
                update(prompts)
                .where(
                    among(prompts.c.member_id, members[start : start + _IN_LIST], dialect),
                    prompts.c.answered_at.is_(None),
                    prompts.c.closed_at.is_(None),
                )
                .values(closed_at=instant)
            )
    rows = [
        {
            "member_id": item.member_id,
            "prompt_key": item.question.key,
            "model": item.question.model,
            "stage": item.question.stage,
            "text": item.question.text,
            "source": "scheduled",
            "schedule_id": item.schedule_id,
            "occurrence_at": item.occurrence_at,
            "outbox_key": item.outbox_key,
            "sent_at": item.occurrence_at,
            "answered_at": None,
            "closed_at": None,
            "followed_up_at": None,
        }
        for item in items
    ]
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(prompts).on_conflict_do_nothing(
        index_elements=["schedule_id", "occurrence_at"]
    )
    if execute_many(session, statement, rows) != len(items):
        raise PromptConflict("an occurrence already had its prompt")
    # The new ids, by schedule (each schedule is planned once per batch, so one row each).
    opened: dict[int, int] = {}
    schedule_ids = [item.schedule_id for item in items]
    instants = list(by_instant)
    wanted = {(item.schedule_id, item.occurrence_at) for item in items}
    for start in range(0, len(schedule_ids), _IN_LIST):
        for schedule_id, prompt_id, at in session.connection().execute(
            sa_select(prompts.c.schedule_id, prompts.c.id, prompts.c.occurrence_at).where(
                among(prompts.c.schedule_id, schedule_ids[start : start + _IN_LIST], dialect),
                prompts.c.occurrence_at.in_(instants),
            )
        ):
            if (schedule_id, at) in wanted:
                opened[int(schedule_id)] = int(prompt_id)
    return opened


class PromptConflict(Exception):
    """A scheduled occurrence already had its prompt (another planner got there first)."""


def open_prompts(session: Session, member_id: int) -> list[ReflectionPrompt]:
    """The member's unanswered prompts that no newer prompt has replaced."""
    return list(
        session.exec(
            select(ReflectionPrompt).where(
                ReflectionPrompt.member_id == member_id,
                col(ReflectionPrompt.answered_at).is_(None),
                col(ReflectionPrompt.closed_at).is_(None),
            )
        )
    )


def prompt_awaiting_answer(
    session: Session,
    member_id: int,
    now: datetime,
    *,
    window: timedelta,
    reply_to: str | None = None,
) -> ReflectionPrompt | None:
    """The prompt a free-text message answers, if any.

    A platform reply to the message that carried a prompt answers that prompt, whatever its state
    (the member said which one). Otherwise the newest open prompt answers, if it was sent within
    ``window``: a stray message weeks later is not taken for an answer.
    """
    if reply_to:
        replied = session.exec(
            select(ReflectionPrompt)
            .join(OutboxMessage, col(OutboxMessage.key) == col(ReflectionPrompt.outbox_key))
            .where(
                ReflectionPrompt.member_id == member_id,
                OutboxMessage.platform_message_id == reply_to,
            )
        ).first()
        if replied is not None:
            return replied
    newest = sorted(open_prompts(session, member_id), key=lambda p: (p.sent_at, p.id or 0))
    if newest and newest[-1].sent_at >= now - window:
        return newest[-1]
    return None


def answer_prompt(
    session: Session, prompt: ReflectionPrompt, text: str, now: datetime, *, limit: int
) -> JournalEntry:
    """Store ``text`` as the journal entry answering ``prompt``."""
    body = _body(text, limit)
    prompt.answered_at = now
    session.add(prompt)
    entry = JournalEntry(
        member_id=prompt.member_id,
        prompt_id=prompt.id,
        prompt_text=prompt.text,
        model=prompt.model,
        stage=prompt.stage,
        body=body,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    return entry


REPEAT_WINDOW = timedelta(minutes=5)
"""The same entry again within this window is the same entry sent twice (a retry after a lost
answer, a double submission), not a second reflection: a free one, or an answer to a prompt."""


def repeated_answer(
    session: Session, member_id: int, text: str, now: datetime
) -> JournalEntry | None:
    """The member's answer to a prompt, saved within :data:`REPEAT_WINDOW`, that ``text`` repeats.

    Sent again after its first sending's outcome was lost (:class:`~core.db.CommitOutcomeUnknown`,
    a platform retry), an answer finds its prompt already answered: it would be taken for the
    answer to an older open prompt, or (as a platform reply to the prompt's message) for a second
    answer to the same one. It is the first answer, not a new reflection."""
    body = text.strip()
    if not body:
        return None
    return session.exec(
        select(JournalEntry)
        .where(
            JournalEntry.member_id == member_id,
            col(JournalEntry.prompt_id).is_not(None),
            JournalEntry.body == body,
            col(JournalEntry.created_at) >= now - REPEAT_WINDOW,
        )
        .order_by(col(JournalEntry.id).desc())
    ).first()


def add_entry(
    session: Session, member_id: int, text: str, now: datetime, *, limit: int
) -> JournalEntry:
    """A free journal entry, not tied to a prompt; the member's identical free entry of the last
    few minutes is handed back instead of a copy."""
    body = _body(text, limit)
    repeat = session.exec(
        select(JournalEntry)
        .where(
            JournalEntry.member_id == member_id,
            col(JournalEntry.prompt_id).is_(None),
            JournalEntry.body == body,
            col(JournalEntry.created_at) >= now - REPEAT_WINDOW,
        )
        .order_by(col(JournalEntry.id).desc())
    ).first()
    if repeat is not None:
        return repeat
    entry = JournalEntry(member_id=member_id, body=body, created_at=now)
    session.add(entry)
    session.flush()
    return entry


def _body(text: str, limit: int) -> str:
    body = text.strip()
    if not body:
        raise UserError(_("A journal entry cannot be empty. Write a sentence or two."))
    if len(body) > limit:
        raise UserError(
            _(
                "That reflection is {length} characters; the journal keeps up to {limit}. "
                "Please shorten it or split it into two entries.",
                length=len(body),
                limit=limit,
            )
        )
    return body


# The journal -------------------------------------------------------------------------------


def get_entry(session: Session, member_id: int, entry_id: int) -> JournalEntry:
    """The member's own journal entry; NotFound for a missing id and for anyone else's entry."""
    entry = session.get(JournalEntry, entry_id)
    if entry is None or entry.member_id != member_id:
        raise NotFound(
            _(
                "You have no journal entry #{id}. See your entries with journal list.",
                id=entry_id,
            )
        )
    return entry


@dataclass(frozen=True, slots=True)
class JournalPage:
    entries: list[JournalEntry]
    page: int
    pages: int
    total: int


def list_entries(session: Session, member_id: int, page: int = 1) -> JournalPage:
    """One page of the member's entries, newest first."""
    total = session.exec(
        select(func.count()).select_from(JournalEntry).where(JournalEntry.member_id == member_id)
    ).one()
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        raise UserError(
            ngettext(
                "Your journal has {n} page; there is no page {page}.",
                "Your journal has {n} pages; there is no page {page}.",
                pages,
                page=page,
            )
        )
    entries = list(
        session.exec(
            select(JournalEntry)
            .where(JournalEntry.member_id == member_id)
            .order_by(col(JournalEntry.created_at).desc(), col(JournalEntry.id).desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    return JournalPage(entries, page, pages, total)


def delete_entry(session: Session, member_id: int, entry_id: int) -> None:
    """Delete the member's own entry (and the record of where it was shared)."""
    entry = get_entry(session, member_id, entry_id)
    for share in shares_of(session, entry_id):
        withdraw_unsent_posts(session, share)
        session.delete(share)
    session.flush()
    session.delete(entry)


def shares_of(session: Session, entry_id: int) -> list[JournalShare]:
    return list(
        session.exec(
            select(JournalShare)
            .where(JournalShare.entry_id == entry_id)
            .order_by(col(JournalShare.shared_at))
        )
    )


def withdraw_unsent_posts(session: Session, share: JournalShare) -> None:
    """Drop the share's channel posts that have not gone out yet (deleted entry, deleted member).

    Posts already delivered stay in the channels: Staffroom cannot unsend them.
    """
    withdraw_unsent(session, f"journal-share:{share.id}:")


def shared_community_names(session: Session, entry_id: int) -> list[str]:
    return list(
        session.exec(
            select(Community.name)
            .join(JournalShare, col(JournalShare.community_id) == col(Community.id))
            .where(JournalShare.entry_id == entry_id)
            .order_by(col(JournalShare.shared_at))
        )
    )


def check_can_share(
    session: Session, member_id: int, entry: JournalEntry, community: Community
) -> None:
    """Refuse a share the member may not make, or one that would reach nobody."""
    assert community.id is not None and entry.id is not None
    if role_of(session, community, member_id) is None:
        raise PermissionDenied(
            _(
                "You can only share with a community you belong to, and you are not an active "
                "member of {community}. Join it first with community join {slug}.",
                community=community.name,
                slug=community.slug,
            )
        )
    already = session.exec(
        select(JournalShare).where(
            JournalShare.entry_id == entry.id, JournalShare.community_id == community.id
        )
    ).first()
    if already is not None:
        raise UserError(
            _(
                "Journal entry #{id} is already shared with {community}.",
                id=entry.id,
                community=community.name,
            )
        )
    if not bound_channels(session, community.id):
        raise UserError(
            _(
                "{community} has no channel connected yet, so there is nowhere to post your "
                "reflection. Ask one of its owners to bind a channel.",
                community=community.name,
            )
        )


def share_entry(
    session: Session,
    member: Member,
    entry: JournalEntry,
    community: Community,
    now: datetime,
    install_language: str | None = None,
) -> JournalShare:
    """Post the entry to every channel bound to the community, once, and record the share. The
    post's own words are in the community's language (``install_language`` when it has none)."""
    assert member.id is not None and community.id is not None and entry.id is not None
    check_can_share(session, member.id, entry, community)
    channels = bound_channels(session, community.id)
    share = JournalShare(
        entry_id=entry.id,
        member_id=member.id,
        community_id=community.id,
        channels=len(channels),
        shared_at=now,
    )
    session.add(share)
    session.flush()
    with language(channel_language(community, install_language)):
        post = shared_reflection_reply(member.display_name, entry, community.name)
    for binding in channels:
        enqueue(
            session,
            key=f"journal-share:{share.id}:{binding.id}",
            reply=post,
            due_at=now,
            now=now,
            platform=binding.platform,
            tenant=binding.tenant,
            channel_id=binding.channel_id,
            kind="reflection.share",
            about=(member.id,) if member.id is not None else (),
        )
    return share
