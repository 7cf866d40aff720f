"""Installations: the workspaces (and Enterprise Grid organisations) that added Staffroom through
a platform's OAuth flow, the workspaces of each organisation, and the one-time OAuth states.

Tokens are stored only as ciphertext (:mod:`core.installations.sealing`); no column holds one in
the clear.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime


class Installation(SQLModel, table=True):
    """One install of Staffroom: a workspace (``team_id``), or a whole Grid organisation
    (``enterprise_id`` with ``is_enterprise_install`` and no team).

    ``enterprise_key`` and ``team_key`` are the ids or ``""``: a unique constraint treats two
    NULLs as different, and one workspace must have one row however often it installs.
    """

    __table_args__ = (
        UniqueConstraint("platform", "enterprise_key", "team_key", name="uq_installation_scope"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    enterprise_key: str = Field(max_length=64)
    team_key: str = Field(max_length=64, index=True)
    is_enterprise_install: bool = False
    app_id: str | None = Field(default=None, max_length=64)
    enterprise_name: str | None = Field(default=None, max_length=200)
    enterprise_url: str | None = Field(default=None, max_length=500)
    team_name: str | None = Field(default=None, max_length=200)
    bot_id: str | None = Field(default=None, max_length=64)
    bot_user_id: str | None = Field(default=None, max_length=64)
    bot_scopes: str | None = Field(default=None, max_length=2000)
    bot_token_sealed: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    bot_refresh_token_sealed: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True)
    )
    bot_token_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    installer_user_id: str | None = Field(default=None, max_length=64)
    """The platform user id of whoever installed it (cleared by their ``privacy delete``)."""
    token_type: str | None = Field(default=None, max_length=16)
    installed_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the workspace removed Staffroom (or revoked its tokens); None while installed."""
    removed_reason: str | None = Field(default=None, max_length=64)
    tokens_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Counts every save of the tokens: a refresh is claimed by the process that still sees the
    version it read (see :func:`core.installations.service.claim_refresh`)."""
    refreshing_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set while one process refreshes the tokens; after it, a refresh that died is given up."""


class InstallationTeam(SQLModel, table=True):
    """A workspace of a Grid organisation, learned from the requests that come from it: a
    message to a member there is sent with the organisation's token when the organisation,
    not the workspace, installed Staffroom."""

    __tablename__ = "installation_team"
    __table_args__ = (UniqueConstraint("platform", "team_id", name="uq_installation_team"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    team_id: str = Field(max_length=64)
    enterprise_id: str = Field(max_length=64, index=True)
    seen_at: datetime = Field(sa_type=UTCDateTime)


class OAuthState(SQLModel, table=True):
    """An OAuth ``state`` handed to an installer's browser, usable once before it expires.

    Only its SHA-256 is kept: the table alone cannot complete anybody's install.
    """

    __tablename__ = "oauth_state"

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class StaffroomInstall(SQLModel, table=True):
    """This Staffroom itself (everything on one database), as opposed to the workspaces that
    installed it: one row, holding a random id made the first time it is needed.

    Identifiers meant to be unique across the world, such as iCalendar UIDs, carry it, so two
    schools' Staffrooms never hand out the same one (``event-1`` exists in both).
    """

    __tablename__ = "install"

    id: int = Field(default=1, primary_key=True)
    install_id: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
