"""Forms asked one question at a time, for platforms without forms of their own (Telegram).

The promise: a member who sends a form command with nothing after it is asked for its fields one
by one in their chat, and when the last is answered the command runs exactly as if they had typed
it, through the core's dispatch, with the same checks. A ``form:open`` button (Decline, for its
optional reason) opens one with some values already given: those are kept as answers and never
asked, and are checked, like every answer, when the command runs as whoever answers. In between:

- Progress lives in the database (:class:`~core.forms.models.FormProgress`), one row per member
  and chat, so any front-end process can take the next answer; a row is locked while it is
  answered, so two processes never both apply one.
- Each answer is checked with the parameter's own converter; a bad one asks the same field again
  with the reason. A value the command itself refuses when it runs (``Reply.error_field``) is
  asked again too (:func:`submitted`), with the other answers kept.
- An optional field can be skipped (a button, or ``-``); Finish runs the command with what was
  given. ``/cancel`` stops; another command put in the same chat puts the form away.
- A form untouched for :data:`FORM_TIMEOUT` is forgotten: the next message is handled as if no
  form were open, with a note saying so.
- Answers count towards the member's commands-per-minute limit, like typed commands.
- What members type is kept only in the row (covered by ``privacy export``/``delete``), never in
  logs or buttons: buttons name a field and, for a choice, a value the command declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.commands import Command, Param
from core.errors import UserError
from core.forms.models import FormProgress
from core.forms.questions import SKIP_WORDS, FormAction, fields_of, hint, question
from core.i18n import _, ngettext, set_language
from core.identity.models import Account, Member
from core.identity.service import resolve_account
from core.inbound.service import allow
from core.invocation import Invocation
from core.params import ConvertContext, Kind, parse_tags
from core.reply import Reply

if TYPE_CHECKING:
    from core.app import Staffroom

FORM_TIMEOUT = timedelta(minutes=30)
"""How long a form waits for its next answer before it is forgotten."""
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’"}


@dataclass(frozen=True, slots=True)
class Ask:
    """Send this question; ``hint`` is a short example for the reply box."""

    reply: Reply
    hint: str


@dataclass(frozen=True, slots=True)
class Submit:
    """Every field is answered: run ``command`` with the answers (null: skipped)."""

    command: str
    answers: dict[str, str | None]

    @property
    def args(self) -> dict[str, str]:
        """The values given, by parameter name, for a structured invocation."""
        return {name: value for name, value in self.answers.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Say:
    """Send this reply; the form is over (or was never open)."""

    reply: Reply


@dataclass(frozen=True, slots=True)
class Forgotten:
    """The form timed out: handle the message as usual, and add ``note`` to the answer."""

    note: str


Step = Ask | Submit | Say | Forgotten


def _chat(invocation: Invocation) -> str:
    return invocation.channel.id if invocation.channel is not None else invocation.user_id


def _convert_context(app: Staffroom, member: Member, now: datetime) -> ConvertContext:
    return ConvertContext(
        now=now, timezone=member.timezone, date_order=app.settings.staffroom.date_order
    )


def _speak(app: Staffroom, member: Member) -> None:
    set_language(member.language or app.settings.staffroom.language)


def _find(
    session: Session, invocation: Invocation, *, lock: bool = False
) -> tuple[FormProgress, Member] | None:
    """The form open in the invocation's chat for the member behind its account."""
    platform, tenant, user_id = invocation.account_key
    query = (
        select(FormProgress, Member)
        .join(Account, col(Account.member_id) == col(FormProgress.member_id))
        .join(Member, col(Member.id) == col(FormProgress.member_id))
        .where(
            Account.platform == platform,
            Account.tenant == tenant,
            Account.user_id == user_id,
            FormProgress.platform == platform,
            FormProgress.tenant == tenant,
            FormProgress.chat_id == _chat(invocation),
        )
    )
    found = session.exec(query.with_for_update(of=FormProgress) if lock else query).first()
    return (found[0], found[1]) if found is not None else None


def _expired(row: FormProgress, now: datetime) -> bool:
    return now - row.updated_at > FORM_TIMEOUT


def _forgotten(row: FormProgress) -> str:
    minutes = int(FORM_TIMEOUT.total_seconds() // 60)
    return ngettext(
        "Your {command} form waited more than {n} minute, so I put it away. Send {command} "
        "again to start over.",
        "Your {command} form waited more than {n} minutes, so I put it away. Send {command} "
        "again to start over.",
        minutes,
        command=row.command,
    )


def _too_many() -> Say:
    return Say(
        Reply.error(_("That is a lot of commands in a minute. Please wait a moment and try again."))
    )


def _command(app: Staffroom, name: str) -> Command | None:
    found = app.registry.resolve(name.split())
    return found[0] if found is not None and not found[1] else None


def _ask(command: Command, param: Param, *, error: str | None = None) -> Ask:
    return Ask(question(command, param, error=error), hint(param))


def start(
    app: Staffroom,
    invocation: Invocation,
    command: Command,
    given: Mapping[str, str] | None = None,
) -> Ask | Say:
    """Open ``command``'s form in the invocation's chat (replacing one open there) and ask its
    first field not ``given`` (values a ``form:open`` button already names, kept as answers and
    never asked). The member is registered on first contact, as a typed command would."""
    answers: dict[str, str | None] = dict(given or {})
    remaining = [p for p in fields_of(command) if p.name not in answers]
    if not remaining:
        raise ValueError(f"the {command.name} form has nothing left to ask")
    now = app.clock.now()
    for attempt in (1, 2):
        try:
            with app.session() as session:
                # Forms nobody came back to hold what members typed: they go at the next start.
                session.execute(
                    delete(FormProgress).where(col(FormProgress.updated_at) < now - FORM_TIMEOUT)
                )
                _account, member = resolve_account(
                    session, invocation, now, app.settings.staffroom.language
                )
                _speak(app, member)
                limit = app.settings.limits.commands_per_minute
                if not allow(session, invocation.account_key, now, limit):
                    return _too_many()
                found = _find(session, invocation, lock=True)
                if found is not None:
                    session.delete(found[0])  # one form per chat: the new one replaces it
                    session.flush()
                assert member.id is not None
                first = remaining[0]
                session.add(
                    FormProgress(
                        member_id=member.id,
                        platform=invocation.platform,
                        tenant=invocation.tenant,
                        chat_id=_chat(invocation),
                        command=command.name,
                        answers=answers,
                        asking=first.name,
                        updated_at=now,
                    )
                )
                return _ask(command, first)
        except IntegrityError:
            # The same member started a form in the same chat through another process.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def answer(app: Staffroom, invocation: Invocation, text: str) -> Step | None:
    """Take ``text`` as the answer to the question asked in this chat; None when no form is
    open here (the text is for the rest of Staffroom)."""
    return _take(app, invocation, text=text)


def press(app: Staffroom, invocation: Invocation, action: FormAction) -> Step:
    """A form button (an answer, Skip or Finish), pressed by the invocation's person."""
    step = _take(app, invocation, action=action)
    if step is None or isinstance(step, Forgotten):
        return Say(
            Reply.error(
                step.note
                if isinstance(step, Forgotten)
                else _("That form is no longer open. Send its command again to start over.")
            )
        )
    return step


def _take(
    app: Staffroom,
    invocation: Invocation,
    *,
    text: str | None = None,
    action: FormAction | None = None,
) -> Step | None:
    now = app.clock.now()
    with app.session() as session:
        found = _find(session, invocation, lock=True)
        if found is None:
            return None
        row, member = found
        _speak(app, member)
        command = _command(app, row.command)
        param = (
            next((p for p in fields_of(command) if p.name == row.asking), None) if command else None
        )
        if _expired(row, now) or command is None or param is None:
            session.delete(row)
            return Forgotten(_forgotten(row))
        if not allow(session, invocation.account_key, now, app.settings.limits.commands_per_minute):
            return _too_many()
        row.updated_at = now
        session.add(row)
        if action is not None and action.kind == "finish":
            return _finish(session, row, command)
        if action is not None and action.field != param.name:
            error = _("That button belongs to an earlier question. Please answer this one.")
            return _ask(command, param, error=error)
        if action is not None and action.kind == "skip":
            return _skip(session, row, command, param)
        given = action.value if action is not None else _unquoted(text or "")
        if action is None and given in SKIP_WORDS:
            return _skip(session, row, command, param)
        try:
            _check(command, param, given, _convert_context(app, member, now), app)
        except UserError as error:
            return _ask(command, param, error=error.message)
        return _next(session, row, command, {**row.answers, param.name: given})


def _unquoted(text: str) -> str:
    """An answer as typed, without one pair of quotes around it (the help says "in quotes",
    which a typed command needs and a form answer does not)."""
    text = text.strip()
    if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1] and text[-1] not in text[1:-1]:
        return text[1:-1].strip()
    return text


def _check(command: Command, param: Param, text: str, ctx: ConvertContext, app: Staffroom) -> None:
    """Raise the parameter's own friendly error if ``text`` is not a value it takes."""
    limit = app.settings.limits.text_length
    if len(text) > limit:
        raise UserError(
            _(
                "That message is too long ({length} characters); the limit is {limit}.",
                length=len(text),
                limit=limit,
            )
        )
    if param.kind is Kind.TAGS:
        parse_tags(text.replace(",", " ").split(), param.name, command.max_tags)
    elif param.many:
        for word in text.split():
            param.convert_one(word, ctx)
    else:
        param.convert_one(text, ctx)


def _skip(session: Session, row: FormProgress, command: Command, param: Param) -> Step:
    if param.required:
        needed = _("{command} needs {name}.", command=command.name, name=param.name)
        return _ask(command, param, error=needed)
    return _next(session, row, command, {**row.answers, param.name: None})


def _finish(session: Session, row: FormProgress, command: Command) -> Step:
    answers = dict(row.answers)
    for param in fields_of(command):
        if param.name not in answers:
            if param.required:
                row.asking = param.name
                return _ask(command, param)
            answers[param.name] = None
    return _next(session, row, command, answers)


def _next(
    session: Session, row: FormProgress, command: Command, answers: dict[str, str | None]
) -> Step:
    """Ask the first field not yet answered, or hand the answers over to run the command."""
    remaining = [p for p in fields_of(command) if p.name not in answers]
    if not remaining:
        session.delete(row)
        return Submit(command.name, answers)
    row.answers, row.asking = answers, remaining[0].name
    session.add(row)
    return _ask(command, remaining[0])


def submitted(app: Staffroom, invocation: Invocation, submit: Submit, reply: Reply) -> Ask | None:
    """After the command ran: when it refused one of the form's values (``reply.error_field``),
    open the form again on that field, the other answers kept, and ask it with the reason."""
    command = _command(app, submit.command)
    if command is None or reply.tone != "error" or not reply.error_field:
        return None
    param = next((p for p in fields_of(command) if p.name == reply.error_field), None)
    if param is None:
        return None
    reason = reply.plain_text().split("\n", 1)[0]
    now = app.clock.now()
    try:
        with app.session() as session:
            _account, member = resolve_account(
                session, invocation, now, app.settings.staffroom.language
            )
            _speak(app, member)
            if _find(session, invocation) is not None:
                return None  # a new form was started meanwhile: leave it be
            assert member.id is not None
            answers = {k: v for k, v in submit.answers.items() if k != param.name}
            session.add(
                FormProgress(
                    member_id=member.id,
                    platform=invocation.platform,
                    tenant=invocation.tenant,
                    chat_id=_chat(invocation),
                    command=command.name,
                    answers=answers,
                    asking=param.name,
                    updated_at=now,
                )
            )
            return _ask(command, param, error=reason)
    except IntegrityError:
        return None


def cancel(app: Staffroom, invocation: Invocation) -> Reply:
    """Stop the form open in this chat (``/cancel``)."""
    with app.session() as session:
        found = _find(session, invocation, lock=True)
        if found is None:
            return Reply.message(_("There is no form to stop: nothing was open."))
        row, member = found
        _speak(app, member)
        session.delete(row)
        return Reply.success(
            _("Stopped. I forgot what you gave for {command}.", command=row.command)
        )


def put_away(app: Staffroom, invocation: Invocation) -> str | None:
    """Close the form open in this chat because another command came instead; the note to add
    to that command's answer, or None when no form was open."""
    with app.session() as session:
        found = _find(session, invocation, lock=True)
        if found is None:
            return None
        row, member = found
        _speak(app, member)
        session.delete(row)
        if _expired(row, app.clock.now()):
            return _forgotten(row)
        return _(
            "I put the {command} form away. Send {command} again to start over.",
            command=row.command,
        )
