"""The core's public face: ``Staffroom.dispatch(invocation) -> Reply``.

Dispatch resolves the account, parses and validates the words against the command registry, checks
access and the per-member rate limit, runs the handler inside one transaction and turns every
failure into a friendly reply. Nothing here knows which platform the words came from.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session

from core.clock import Clock, SystemClock
from core.commands import Access, Command, CommandRegistry
from core.config import Settings
from core.context import Context
from core.db import CommitOutcomeUnknown, commit, make_engine
from core.delivery.kinds import Producer, Producers
from core.errors import UserError
from core.feature import AcquaintanceHook, Feature, TimezoneHook
from core.i18n import _, ngettext, set_language
from core.identity.service import member_id_of, resolve_account
from core.inbound.service import allow, give_back, take
from core.invocation import Invocation
from core.metrics import record_command
from core.params import BadValue, ConvertContext, Kind
from core.parsing import split_args, tokenize
from core.privacy.registry import PrivacyRegistry
from core.reply import Reply
from core.suggestions import Suggestion, SuggestionSource, Typed, source_for, sources_of

log = logging.getLogger("staffroom.core")


class Staffroom:
    """One Staffroom: settings, a database, a clock, and what its features contribute.

    Everything the features declare is gathered here, per app: the command registry, the privacy
    participants, the schedule kinds, the digest sections, the suggestion sources and the
    timezone hooks. Two features claiming one command, group or kind, or member data with no
    privacy participant, stop the app from being built (a ``ValueError`` naming both).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        features: Sequence[Feature] | None = None,
        engine: Engine | None = None,
        clock: Clock | None = None,
    ) -> None:
        if features is None:
            from core.features import FEATURES

            features = FEATURES
        self.settings = settings
        self.features: tuple[Feature, ...] = tuple(features)
        self.engine = engine or make_engine(settings.database.url, echo=settings.database.echo)
        self.clock: Clock = clock or SystemClock()
        self.registry = build_registry(self.features)
        self.privacy = PrivacyRegistry()
        for feature in self.features:
            _check_member_data(feature)
            if feature.data is not None:
                self.privacy.register(feature.data)
        self.producers = Producers(
            _kinds(self.features),
            tuple(section for feature in self.features for section in feature.digest_sections),
            settings.staffroom.language,
        )
        self.suggestion_sources: tuple[SuggestionSource, ...] = sources_of(self.features)
        self.timezone_hooks: tuple[TimezoneHook, ...] = tuple(
            hook for feature in self.features for hook in feature.on_timezone_change
        )
        self.acquaintance_hooks: tuple[AcquaintanceHook, ...] = tuple(
            hook for feature in self.features for hook in feature.acquainted
        )

    def suggest(self, session: Session, typed: Typed) -> list[Suggestion]:
        """What to offer while ``typed.param`` is being typed; empty when nothing serves it."""
        source = source_for(self.suggestion_sources, typed.command, typed.param)
        return source.suggest(session, typed) if source is not None else []

    def _allowed(self, invocation: Invocation, now: datetime) -> bool:
        """The per-member limit, counted in the database so every front-end shares it."""
        with self.session() as session:
            return allow(
                session, invocation.account_key, now, self.settings.limits.commands_per_minute
            )

    def first_time(self, scope: str, key: str, ttl: timedelta) -> bool:
        """Whether this request (a Slack event id, a signature, a Telegram update id) is seen
        for the first time by any front-end on this database within ``ttl``."""
        with self.session() as session:
            return take(session, scope, key, self.clock.now(), ttl)

    def forget(self, scope: str, key: str) -> None:
        """Undo :meth:`first_time` for a request that could not be handled (let a retry in)."""
        with self.session() as session:
            give_back(session, scope, key)

    def member_for(self, session: Session, platform: str, tenant: str, user_id: str) -> int | None:
        """The member behind an account, if the person has talked to Staffroom before (never
        creates one: for read-only requests such as autocomplete)."""
        return member_id_of(session, platform, tenant, user_id)

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

    @contextmanager
    def _command_transaction(self) -> Iterator[Session]:
        """The transaction of one command: like :meth:`session`, but a commit whose answer was
        lost raises :class:`CommitOutcomeUnknown`, so the member is not told "nothing changed"
        about a change that may be stored."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                commit(session)
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
        except CommitOutcomeUnknown:
            outcome = "unknown"
            log.warning("database connection lost while committing %s", _describe(invocation))
            return self._maybe_saved(invocation)
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
        found = self._command_of(invocation)
        return found.name if found else "unknown"

    def _command_of(self, invocation: Invocation) -> Command | None:
        """The command the invocation names, without parsing its arguments."""
        if invocation.kind == "message":
            return None
        words = (invocation.command or invocation.text or "").split()[:3]
        found = self.registry.resolve(words) if words else None
        return found[0] if found else None

    def _maybe_saved(self, invocation: Invocation) -> Reply:
        """The reply when the database took the COMMIT but its answer was lost: the change may
        be stored, so the member is pointed at where to look rather than told to repeat it."""
        command = self._command_of(invocation)
        check = self._check_command(command) if command is not None else None
        if check is None:
            return Reply.error(
                _(
                    "The connection to the database was lost just as this was being saved, so "
                    "it may have been saved. Please check before you send it again."
                )
            )
        return Reply.error(
            _(
                "The connection to the database was lost just as this was being saved, so it "
                "may have been saved. Check with {check} before you send it again.",
                check=check,
            )
        )

    def _check_command(self, command: Command) -> str | None:
        """The command that shows what ``command`` changes (``cpd log`` -> ``cpd list``): the
        nearest ``list``, ``status`` or ``show`` beside it that needs no arguments."""
        for length in range(len(command.path) - 1, 0, -1):
            for word in ("list", "status", "show"):
                found = self.registry.commands.get((*command.path[:length], word))
                if found is not None and not any(p.required for p in found.params):
                    return found.name
        return None

    def _dispatch(self, invocation: Invocation) -> Reply:
        now = self.clock.now()
        if invocation.counted and not self._allowed(invocation, now):
            return Reply.error(
                _("That is a lot of commands in a minute. Please wait a moment and try again.")
            )
        for attempt in (1, 2):
            try:
                with self._command_transaction() as session:
                    account, member = resolve_account(
                        session, invocation, now, self.settings.staffroom.language
                    )
                    set_language(member.language or self.settings.staffroom.language)
                    ctx = Context(
                        session,
                        member,
                        account,
                        invocation,
                        now,
                        self.settings,
                        self.registry,
                        self.privacy,
                        self.timezone_hooks,
                        self.acquaintance_hooks,
                    )
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
        convert_ctx = ConvertContext(
            now=ctx.now,
            timezone=ctx.member.timezone,
            date_order=self.settings.staffroom.date_order,
        )
        parsed = self._parse(ctx, convert_ctx)
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
        for note in convert_ctx.notes:  # how an ambiguous value was read, in words
            reply.note(note)
        if invocation.attachments and all(p.kind is not Kind.FILE for p in command.params):
            # Said, not silently dropped: the member may think the file is now kept somewhere.
            reply.note(
                ngettext(
                    "Staffroom did not keep the file you sent: {command} takes none. Files go "
                    "to an inquiry as evidence with inquiry post ID.",
                    "Staffroom did not keep the {n} files you sent: {command} takes none. Files "
                    "go to an inquiry as evidence with inquiry post ID.",
                    len(invocation.attachments),
                    command=command.name,
                )
            )
        return reply.public() if command.public else reply

    def _parse(
        self, ctx: Context, convert_ctx: ConvertContext
    ) -> tuple[Command, dict[str, Any]] | Reply:
        """The command and its converted arguments, or a reply explaining what was wrong."""
        invocation = ctx.invocation
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
            if len(words) >= 2 and words[-1].lower() in ("help", "--help", "-h", "?"):
                # "cpd log help", "reflect help": the help for what comes before.
                return self._help_for(words[:-1])
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

    def _help_for(self, words: list[str]) -> Reply:
        from core.help import help_command, help_group

        found = self.registry.resolve(words)
        if found is not None and not found[1]:
            return help_command(self.registry, found[0].path)
        if words and words[0].lower() in self.registry.groups():
            return help_group(self.registry, words[0].lower())
        return self._unknown(words)

    def _unknown(self, words: list[str]) -> Reply:
        from core.help import greeting, help_group, in_subgroup

        if not words:
            return self._bare()
        hello = greeting(words)
        if hello is not None:
            return hello
        group = words[0].lower()
        if group in self.registry.groups():
            if len(words) == 1:
                # A bare group name ("cpd", "mentor"): what the group can do.
                return help_group(self.registry, group)
            if len(words) == 2 and in_subgroup(self.registry, group, words[1]):
                # A bare subgroup ("cpd goal", "observe study"): its commands.
                return help_group(self.registry, group, words[1].lower())
            wrong = words[1][:40]
            suggestion = self.registry.suggest_in_group(group, wrong)
            if suggestion is not None:
                return Reply.error(
                    _(
                        "{group} has no command {wrong}. Did you mean {suggestion}?",
                        group=group,
                        wrong=wrong,
                        suggestion=suggestion,
                    ),
                    usage=_("Send help {group} for all of them.", group=group),
                )
            names = ", ".join(c.name for c in self.registry.in_group(group))
            return Reply.error(
                _(
                    "{group} has no command {wrong}. Try one of: {names}.",
                    group=group,
                    wrong=wrong,
                    names=names,
                )
            )
        typed = " ".join(words[:3])[:60]
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


def build_registry(features: Sequence[Feature]) -> CommandRegistry:
    """The commands and groups of the features; a command, or group claimed twice, or a command
    in a group no feature describes, is a ``ValueError`` naming the features."""
    registry = CommandRegistry()
    for feature in features:
        for name, about in feature.groups.items():
            registry.add_group(name, about, owner=feature.name)
    for feature in features:
        for declared in feature.commands:
            if declared.group not in registry.group_help:
                raise ValueError(
                    f"feature {feature.name!r}: command {declared.name!r} is in group "
                    f"{declared.group!r}, which no feature declares"
                )
            registry.add(declared, owner=feature.name)
        registry.message_handlers.extend(feature.on_message)
    return registry


def _kinds(features: Sequence[Feature]) -> dict[str, Producer]:
    kinds: dict[str, Producer] = {}
    owners: dict[str, str] = {}
    for feature in features:
        for kind, producer in feature.kinds.items():
            if kind in kinds:
                raise ValueError(
                    f"schedule kind {kind!r} is claimed by {owners[kind]} and {feature.name}"
                )
            kinds[kind], owners[kind] = producer, feature.name
    return kinds


def _check_member_data(feature: Feature) -> None:
    """A feature whose tables point at members must say how to export, delete and merge them."""
    if feature.data is not None:
        return
    for table in feature.tables:
        sa_table = getattr(table, "__table__")  # noqa: B009  (SQLModel sets it on table classes)
        if any(fk.target_fullname == "member.id" for fk in sa_table.foreign_keys):
            raise ValueError(
                f"feature {feature.name!r}: table {sa_table.name!r} holds member data, "
                "but the feature has no privacy participant (Feature(data=...))"
            )


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
