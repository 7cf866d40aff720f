"""The core's public face: ``Staffroom.dispatch(invocation) -> Reply``.

Dispatch resolves the account, parses and validates the words against the command registry, checks
access and the per-member rate limit, runs the handler inside one transaction and turns every
failure into a friendly reply. Nothing here knows which platform the words came from.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session

from core.clock import Clock, SystemClock
from core.commands import REGISTRY, Access, Command, CommandRegistry
from core.config import Settings
from core.context import Context
from core.db import make_engine
from core.errors import UserError
from core.i18n import _, set_language
from core.identity.service import resolve_account
from core.invocation import Invocation
from core.metrics import record_command
from core.params import BadValue, ConvertContext
from core.parsing import split_args, tokenize
from core.reply import Reply

log = logging.getLogger("staffroom.core")


class RateLimiter:
    """At most ``per_minute`` commands per account in any 60-second window (per process).

    Commands run in worker threads, so the check and the count happen under one lock; accounts
    quiet for a minute are forgotten, so memory follows the active accounts only.
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[tuple[str, str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def allow(self, key: tuple[str, str, str], now: float) -> bool:
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            window = self._seen[key]
            while window and now - window[0] >= 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return False
            window.append(now)
            return True

    def _sweep(self, now: float) -> None:
        for key in [k for k, window in self._seen.items() if not window or now - window[-1] >= 60]:
            del self._seen[key]
        self._next_sweep = now + 60


class Staffroom:
    """One Staffroom: settings, a database, a clock and the command registry."""

    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine | None = None,
        clock: Clock | None = None,
        registry: CommandRegistry = REGISTRY,
    ) -> None:
        from core.features import load_features

        load_features()
        self.settings = settings
        self.engine = engine or make_engine(settings.database.url, echo=settings.database.echo)
        self.clock: Clock = clock or SystemClock()
        self.registry = registry
        self.rate_limiter = RateLimiter(settings.limits.commands_per_minute)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed if the block succeeds, rolled back otherwise."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    async def handle(self, invocation: Invocation) -> Reply:
        """Dispatch without blocking the event loop (the database work runs in a thread)."""
        return await asyncio.to_thread(self.dispatch, invocation)

    def dispatch(self, invocation: Invocation) -> Reply:
        """Run one invocation and return the reply. Never raises for bad input or passing faults."""
        started = time.perf_counter()
        outcome = "ok"
        try:
            reply = self._dispatch(invocation)
            if reply.tone == "error":
                outcome = "error"
            return reply
        except DBAPIError as exc:
            if not _unreachable(exc):
                outcome = "crash"
                return _crashed(invocation)
            outcome = "unavailable"
            log.warning(
                "database unavailable during %s: %s", _describe(invocation), type(exc).__name__
            )
            return Reply.error(
                _(
                    "Staffroom could not reach its database just now, so nothing was "
                    "changed. Please try again in a minute."
                )
            )
        except Exception:
            outcome = "crash"
            return _crashed(invocation)
        finally:
            record_command(self._metric_name(invocation), outcome, time.perf_counter() - started)

    def _metric_name(self, invocation: Invocation) -> str:
        if invocation.kind == "message":
            return "message"
        words = (invocation.command or invocation.text or "").split()[:3]
        found = self.registry.resolve(words) if words else None
        return found[0].name if found else "unknown"

    def _dispatch(self, invocation: Invocation) -> Reply:
        now = self.clock.now()
        if invocation.counted and not self.rate_limiter.allow(
            invocation.account_key, time.monotonic()
        ):
            return Reply.error(
                _("That is a lot of commands in a minute. Please wait a moment and try again.")
            )
        for attempt in (1, 2):
            try:
                with self.session() as session:
                    account, member = resolve_account(session, invocation, now)
                    set_language(member.language or self.settings.staffroom.language)
                    ctx = Context(self, session, member, account, invocation, now)
                    return self._run(ctx)
            except IntegrityError:
                # Two requests raced to create the same row (first contact, a double click):
                # the second attempt sees the first one's result.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _run(self, ctx: Context) -> Reply:
        invocation = ctx.invocation
        if invocation.kind == "message":
            return self._message(ctx, invocation.text or "")
        parsed = self._parse(ctx)
        if isinstance(parsed, Reply):
            return parsed
        command, args = parsed
        if command.access is Access.ADMIN and not ctx.is_admin:
            return Reply.error(_("Only Staffroom admins can use {command}.", command=command.name))
        try:
            reply = command.handler(ctx, **args)
        except UserError as error:
            if not error.keep_changes:
                ctx.session.rollback()
            return self._user_error(error, command)
        return reply.public() if command.public else reply

    def _parse(self, ctx: Context) -> tuple[Command, dict[str, Any]] | Reply:
        """The command and its converted arguments, or a reply explaining what was wrong."""
        invocation = ctx.invocation
        convert_ctx = ConvertContext(now=ctx.now, timezone=ctx.member.timezone)
        try:
            if invocation.command is not None:
                found = self.registry.resolve(invocation.command.split())
                if found is None or found[1]:
                    return self._unknown(invocation.command.split())
                command = found[0]
                return command, command.bind_mapping(invocation.args, convert_ctx)
            text = (invocation.text or "").strip()
            head = text.split(maxsplit=3)[:3]
            found = self.registry.resolve(head) if head else None
            if found is not None and found[0].rest_param is not None:
                # Prose (a journal entry): the rest of the line exactly as typed.
                command = found[0]
                remainder = _after_words(text, len(head) - len(found[1]))
                return command, command.bind_rest(remainder, convert_ctx)
            if len(text) > self.settings.limits.text_length:
                return Reply.error(
                    _(
                        "That message is too long ({length} characters); the limit is {limit}.",
                        length=len(text),
                        limit=self.settings.limits.text_length,
                    )
                )
            tokens = tokenize(text)
            if not tokens:
                return self._bare()
            words = [t.text for t in tokens]
            found = self.registry.resolve(words)
            if found is None or any(t.quoted for t in tokens[: len(words) - len(found[1])]):
                return self._unknown(words)
            command, _rest = found
            rest_tokens = tokens[len(tokens) - len(_rest) :]
            return command, command.bind(split_args(rest_tokens), convert_ctx)
        except UserError as error:
            command_for_usage = None
            words = (invocation.command or invocation.text or "").split()
            found = self.registry.resolve(words) if words else None
            if found is not None:
                command_for_usage = found[0]
            return self._user_error(error, command_for_usage)

    def _bare(self) -> Reply:
        from core.help import help_overview

        return help_overview(self.registry)

    def _unknown(self, words: list[str]) -> Reply:
        typed = " ".join(words[:3])[:60]
        group = words[0].lower() if words else ""
        if group in self.registry.groups():
            names = ", ".join(c.name for c in self.registry.in_group(group))
            return Reply.error(
                _(
                    "{group} has no command {typed}. Try one of: {names}.",
                    group=group,
                    typed=typed,
                    names=names,
                )
            )
        suggestion = self.registry.suggest(words)
        hint = _(" Did you mean {suggestion}?", suggestion=suggestion) if suggestion else ""
        return Reply.error(
            _('I don\'t know the command "{typed}".', typed=typed)
            + hint
            + _(" Send help to see what I can do.")
        )

    def _user_error(self, error: UserError, command: Command | None) -> Reply:
        field = error.param if isinstance(error, BadValue) else None
        usage = None
        if command is not None and error.show_usage:
            usage = _("Usage: {usage}", usage=command.usage())
        return Reply.error(error.message, usage=usage, field=field)

    def _message(self, ctx: Context, text: str) -> Reply:
        limit = max(self.settings.limits.text_length, self.settings.reflection.max_answer_length)
        if len(text) > limit:
            return Reply.error(
                _(
                    "That message is too long for me to keep ({length} characters; the limit is "
                    "{limit}). Please shorten it.",
                    length=len(text),
                    limit=limit,
                )
            )
        for handler in self.registry.message_handlers:
            try:
                reply = handler(ctx, text)
            except UserError as error:
                if not error.keep_changes:
                    ctx.session.rollback()
                return self._user_error(error, None)
            if reply is not None:
                return reply
        words = text.split()
        if len(words) <= 3 or self.registry.suggest(words[:3]):
            return self._unknown(words)  # looks like a mistyped command
        return Reply.message(_("I only understand commands here. Send help to see them."))


def _crashed(invocation: Invocation) -> Reply:
    """Log the failure with its traceback; tell the person nothing was changed."""
    log.exception("command failed: %s", _describe(invocation))
    return Reply.error(
        _(
            "Something went wrong on our side and nothing was changed. "
            "Please try again; if it keeps happening, tell your admin."
        )
    )


def _after_words(text: str, count: int) -> str:
    """``text`` without its first ``count`` words (the command's name), spacing kept."""
    return re.sub(rf"^\s*(?:\S+\s+){{{count}}}", "", text + " ", count=1).strip()


def _unreachable(exc: DBAPIError) -> bool:
    """A connection that failed or dropped (the server restarting, a locked SQLite file), as
    opposed to an error in the statement itself, which is a bug to report, not to retry."""
    return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)


def _describe(invocation: Invocation) -> str:
    return f"{invocation.platform}:{invocation.tenant}:{invocation.user_id} {invocation.kind}"
