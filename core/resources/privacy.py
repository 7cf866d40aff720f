"""The resources feature's part in the privacy contract: export, delete and merge a member's data."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col, select

from core.resources.models import (
    Resource,
    ResourceReport,
    ResourceSave,
    ResourceTag,
    ResourceVote,
)
from core.resources.service import _find, _refresh_votes, _Row, optimize_search_index


class ResourceData:
    """The resources feature's part in the privacy contract.

    Deleting a member deletes the resources they shared (with everyone's votes, bookmarks and
    reports on them), as ``privacy delete`` promises: a shared link carries the sharer's name and
    words, and a school would not expect them to stay after the person asked to be forgotten.
    Their votes, bookmarks and reports go too, and resources they hid stay hidden without their id.
    """

    name = "resources"

    def export(self, session: Session, member_id: int) -> dict[str, object]:
        shared = session.exec(
            select(Resource).where(Resource.shared_by == member_id).order_by(col(Resource.id))
        ).all()

        def rows(model: type[_Row]) -> list[dict[str, object]]:
            return [
                {"resource_id": row.resource_id, "at": row.created_at.isoformat()}
                for row in session.exec(
                    select(model).where(model.member_id == member_id).order_by(col(model.id))
                )
            ]

        reports = session.exec(
            select(ResourceReport)
            .where(ResourceReport.member_id == member_id)
            .order_by(col(ResourceReport.id))
        ).all()
        return {
            "shared": [
                r.model_dump(mode="json", exclude={"shared_by", "url_key", "tag_text"})
                for r in shared
            ],
            "votes": rows(ResourceVote),
            "saved": rows(ResourceSave),
            "reports": [r.model_dump(mode="json", exclude={"member_id", "id"}) for r in reports],
            "hidden_by_you": [
                r.id for r in session.exec(select(Resource).where(Resource.hidden_by == member_id))
            ],
        }

    def delete(self, session: Session, member_id: int) -> None:
        voted = set(
            session.exec(
                select(ResourceVote.resource_id).where(ResourceVote.member_id == member_id)
            )
        )
        session.execute(delete(ResourceVote).where(col(ResourceVote.member_id) == member_id))
        session.execute(delete(ResourceSave).where(col(ResourceSave.member_id) == member_id))
        session.execute(delete(ResourceReport).where(col(ResourceReport.member_id) == member_id))
        own = select(Resource.id).where(Resource.shared_by == member_id)
        # Explicitly, not by ON DELETE CASCADE: the rows of others on these resources must go
        # whether or not the database enforces foreign keys.
        session.execute(delete(ResourceVote).where(col(ResourceVote.resource_id).in_(own)))
        session.execute(delete(ResourceSave).where(col(ResourceSave.resource_id).in_(own)))
        session.execute(delete(ResourceReport).where(col(ResourceReport.resource_id).in_(own)))
        session.execute(delete(ResourceTag).where(col(ResourceTag.resource_id).in_(own)))
        session.execute(delete(Resource).where(col(Resource.shared_by) == member_id))
        optimize_search_index(session)  # the deleted words leave the SQLite index file too
        for resource in session.exec(select(Resource).where(Resource.hidden_by == member_id)):
            resource.hidden_by = None
            session.add(resource)
        _refresh_votes(session, voted)

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        touched = _merge_rows(session, ResourceVote, source_id, target_id)
        _merge_rows(session, ResourceSave, source_id, target_id)
        _merge_rows(session, ResourceReport, source_id, target_id)
        for resource in session.exec(select(Resource).where(Resource.shared_by == source_id)):
            assert resource.id is not None
            touched.add(resource.id)
            resource.shared_by = target_id
            session.add(resource)
        for resource in session.exec(select(Resource).where(Resource.hidden_by == source_id)):
            resource.hidden_by = target_id
            session.add(resource)
        session.flush()
        # A person cannot vote for what they shared: drop votes that merging made self-votes.
        session.execute(
            delete(ResourceVote).where(
                col(ResourceVote.member_id) == target_id,
                col(ResourceVote.resource_id).in_(
                    select(Resource.id).where(Resource.shared_by == target_id)
                ),
            )
        )
        _refresh_votes(session, touched)


def _merge_rows(session: Session, model: type[_Row], source_id: int, target_id: int) -> set[int]:
    """Move the source's rows to the target, dropping those the target already has (one vote,
    one bookmark, one report per member and resource). Returns the resources touched."""
    touched: set[int] = set()
    for row in session.exec(select(model).where(model.member_id == source_id)).all():
        touched.add(row.resource_id)
        if _find(session, model, row.resource_id, target_id) is not None:
            session.delete(row)
        else:
            row.member_id = target_id
            session.add(row)
        session.flush()
    return touched


RESOURCE_DATA = ResourceData()
