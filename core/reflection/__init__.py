"""Reflection: prompts now or on a schedule, answers kept in a private journal, and sharing."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.commands import N_
from core.feature import Feature
from core.reflection import commands, schedules
from core.reflection.models import JournalEntry, JournalShare, ReflectionPrompt
from core.reflection.privacy import REFLECTION_DATA
from core.suggestions import Suggestion, id_matches, id_source


def _journal_entries(session: Session, member_id: int, typed: str) -> list[Suggestion]:
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
        if id_matches(typed, e.id, e.body)
    ]


FEATURE = Feature(
    name="reflection",
    groups={
        "reflect": N_("Reflection prompts now or on a schedule, from Gibbs, Kolb, Schön and more."),
        "journal": N_("Your private reflective journal: list, read, delete, share."),
    },
    commands=(
        commands.reflect,
        commands.reflect_models,
        commands.reflect_schedule,
        commands.reflect_pause,
        commands.reflect_resume,
        commands.reflect_stop,
        commands.reflect_status,
        commands.journal_add,
        commands.journal_list,
        commands.journal_show,
        commands.journal_delete,
        commands.journal_share,
    ),
    on_message=(commands.answer_prompt,),
    data=REFLECTION_DATA,
    kinds={
        schedules.PROMPT_KIND: schedules.produce_prompt,
        schedules.FOLLOW_UP_KIND: schedules.produce_follow_up,
    },
    suggestions=(
        id_source(
            "journal",
            [
                ("journal show", "id"),
                ("journal delete", "id"),
                ("journal share", "id"),
                ("cpd log", "reflection"),
            ],
            _journal_entries,
        ),
    ),
    tables=(ReflectionPrompt, JournalEntry, JournalShare),
)
