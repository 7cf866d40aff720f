"""Errors that end a command with a friendly message instead of a crash."""

from __future__ import annotations


class UserError(Exception):
    """Something the person can fix: the message says what was wrong and how to fix it.

    ``show_usage`` asks the dispatcher to append the command's usage line. The command's changes
    are rolled back, unless ``keep_changes`` (e.g. a failed attempt that must be counted).
    """

    def __init__(
        self, message: str, *, show_usage: bool = False, keep_changes: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.show_usage = show_usage
        self.keep_changes = keep_changes


class NotFound(UserError):
    """The thing named does not exist, or the person may not see it (we do not say which)."""


class PermissionDenied(UserError):
    """The person is not allowed to do this."""


class RateLimited(UserError):
    """Too many commands in a short time."""


class TryAgainLater(UserError):
    """A passing fault (the database restarting, a lock held too long): nothing was changed."""
