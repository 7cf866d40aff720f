"""The forms feature's part in ``privacy export``, ``privacy delete`` and account merging.

A form in progress holds what the member typed before the command ran: it is exported with
everything else, deleted with the member, and follows their accounts when two are merged.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from core.forms.models import FormProgress


class FormData:
    """The forms the member has open, with the answers given so far."""

    name = "forms"

    def export(self, session: Session, member_id: int) -> list[dict[str, Any]]:
        rows = session.exec(
            select(FormProgress)
            .where(FormProgress.member_id == member_id)
            .order_by(col(FormProgress.id))
        ).all()
        return [
            {
                "platform": row.platform,
                "chat_id": row.chat_id,
                "command": row.command,
                "answers": dict(row.answers),
                "asking": row.asking,
                "updated_at": row.updated_at.isoformat(),
            }
            for row in rows
        ]

    def delete(self, session: Session, member_id: int) -> None:
        for row in session.exec(select(FormProgress).where(FormProgress.member_id == member_id)):
            session.delete(row)

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        taken = {
            (row.platform, row.tenant, row.chat_id)
            for row in session.exec(select(FormProgress).where(FormProgress.member_id == target_id))
        }
        for row in session.exec(select(FormProgress).where(FormProgress.member_id == source_id)):
            if (row.platform, row.tenant, row.chat_id) in taken:
                # One chat holds one form: the one the merged-into member has open stays.
                session.delete(row)
            else:
                row.member_id = target_id
                session.add(row)


FORM_DATA = FormData()
