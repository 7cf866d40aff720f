"""A form being filled in one question at a time, kept in the database so that whichever
front-end process receives the next answer can carry on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import JSONList, UTCDateTime
from core.identity.models import member_fk


class FormProgress(SQLModel, table=True):
    """One member's form in one chat: the command it will run, what they answered so far and
    the field being asked.

    ``answers`` maps a parameter's name to the text the member typed (or the choice pressed),
    already checked by the parameter's converter, or to null for a field they skipped; the
    text is converted again when the command runs, exactly as a typed command would be. A
    row with ``updated_at`` older than the form timeout is forgotten.
    """

    __tablename__ = "form_progress"
    __table_args__ = (
        UniqueConstraint(
            "member_id", "platform", "tenant", "chat_id", name="uq_form_progress_chat"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=member_fk())
    platform: str = Field(max_length=16)
    tenant: str = Field(max_length=64)
    chat_id: str = Field(max_length=64)
    command: str = Field(max_length=100)
    answers: dict[str, str | None] = Field(default_factory=dict, sa_type=JSONList)
    asking: str = Field(max_length=64)
    """The name of the parameter whose question was sent last."""
    updated_at: datetime = Field(sa_type=UTCDateTime, index=True)
