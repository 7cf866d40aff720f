"""Shared resources: links with tags, search, votes, saving, reports and moderation."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.commands import N_, Command, Param
from core.communities.models import Community
from core.delivery.kinds import DigestSection
from core.feature import Feature
from core.i18n import ngettext
from core.params import Kind
from core.reply import SpanLike, bold
from core.resources import commands
from core.resources.models import (
    Resource,
    ResourceReport,
    ResourceSave,
    ResourceTag,
    ResourceVote,
)
from core.resources.privacy import RESOURCE_DATA
from core.resources.service import top_resources
from core.suggestions import Suggestion, SuggestionSource, Typed

TAGS_OFFERED = 25


def _top_of_week(
    session: Session, community: Community, since: datetime, until: datetime, zone: ZoneInfo
) -> list[list[SpanLike]]:
    """The most voted resources of the week, for the community digest."""
    return [
        [
            bold(item.resource.title),
            ngettext(
                " — {n} vote this week",
                " — {n} votes this week",
                item.votes_in_period,
            ),
        ]
        for item in top_resources(session, community.id, since, 5)
    ]


def _is_tags(command: Command, param: Param) -> bool:
    return param.kind is Kind.TAGS


def _tags(session: Session, typed: Typed) -> list[Suggestion]:
    """The most used tags starting with the last word typed, after the words already chosen."""
    words = typed.text.split()
    done = words[:-1] if words and not typed.text.endswith(" ") else words
    last = "" if typed.text.endswith(" ") or not words else words[-1]
    prefix = last.lstrip("#").lower()
    count = func.count(col(ResourceTag.id))
    query = select(ResourceTag.tag, count).group_by(col(ResourceTag.tag))
    if prefix:
        query = query.where(col(ResourceTag.tag).startswith(prefix))
    rows = session.exec(
        query.order_by(count.desc(), col(ResourceTag.tag)).limit(TAGS_OFFERED)
    ).all()
    head = " ".join(done)
    out: list[Suggestion] = []
    for tag, _n in rows:
        value = f"{head} #{tag}".strip()
        out.append((value, value))
    return out


FEATURE = Feature(
    name="resources",
    groups={
        "resource": N_("Share useful links and lesson plans, find them, vote for the best ones."),
    },
    commands=(
        commands.resource_share,
        commands.resource_search,
        commands.resource_show,
        commands.resource_edit,
        commands.resource_delete,
        commands.resource_vote,
        commands.resource_unvote,
        commands.resource_save,
        commands.resource_unsave,
        commands.resource_saved,
        commands.resource_top,
        commands.resource_report,
        commands.resource_reports,
        commands.resource_hide,
        commands.resource_restore,
    ),
    data=RESOURCE_DATA,
    digest_sections=(DigestSection(N_("Top resources this week"), _top_of_week),),
    suggestions=(SuggestionSource("tags", _is_tags, _tags),),
    tables=(Resource, ResourceTag, ResourceVote, ResourceSave, ResourceReport),
)
