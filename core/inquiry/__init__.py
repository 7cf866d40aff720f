"""Collaborative inquiry (action research): a group in a community asks a question, works through
its stages, gathers evidence, and publishes findings as a resource."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.commands import N_
from core.feature import Feature
from core.inquiry import commands, schedules
from core.inquiry.models import Inquiry, InquiryFile, InquiryMember, InquiryPost, InquiryStage
from core.inquiry.privacy import INQUIRY_DATA
from core.inquiry.service import inquiries_for
from core.suggestions import Suggestion, SuggestionSource, id_matches, id_source


def _inquiries(session: Session, member_id: int, typed: str) -> list[Suggestion]:
    return [
        (f"#{row.inquiry.id} {row.inquiry.question}", int(row.inquiry.id or 0))
        for row in inquiries_for(session, member_id, limit=100)
        if id_matches(typed, row.inquiry.id, row.inquiry.question)
    ]


def _posts(session: Session, member_id: int, typed: str) -> list[Suggestion]:
    rows = session.exec(
        select(InquiryPost)
        .where(InquiryPost.author_id == member_id)
        .order_by(col(InquiryPost.id).desc())
        .limit(100)
    ).all()
    return [(f"#{p.id} {p.text}", int(p.id or 0)) for p in rows if id_matches(typed, p.id, p.text)]


INQUIRIES: SuggestionSource = id_source(
    "inquiries",
    [
        (f"inquiry {name}", "id")
        for name in (
            "show",
            "join",
            "leave",
            "post",
            "stage",
            "findings",
            "log",
            "edit",
            "delete",
        )
    ],
    _inquiries,
)
POSTS: SuggestionSource = id_source(
    "inquiry posts", [("inquiry correct", "post"), ("inquiry unpost", "post")], _posts
)

FEATURE = Feature(
    name="inquiry",
    groups={
        "inquiry": N_(
            "Collaborative inquiry (action research): ask a question with colleagues in a "
            "community, work through its stages, post evidence, publish what you found."
        ),
    },
    commands=(
        commands.inquiry_list,
        commands.inquiry_show,
        commands.inquiry_create,
        commands.inquiry_join,
        commands.inquiry_post,
        commands.inquiry_correct,
        commands.inquiry_unpost,
        commands.inquiry_stage,
        commands.inquiry_findings,
        commands.inquiry_log,
        commands.inquiry_leave,
        commands.inquiry_edit,
        commands.inquiry_delete,
    ),
    data=INQUIRY_DATA,
    kinds={schedules.PROMPT_KIND: schedules.produce_stage_prompt},
    suggestions=(INQUIRIES, POSTS),
    on_timezone_change=(schedules.move_prompts,),
    tables=(Inquiry, InquiryStage, InquiryMember, InquiryPost, InquiryFile),
)
