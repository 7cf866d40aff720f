"""The console adapter: Staffroom in a terminal, or driven by a script on standard input.

Each line is a command (``cpd log 1.5 "Workshop"``) or, when its first word is not a command group,
a message (the answer to a reflection prompt). Buttons show as numbered choices; typing the number
presses it. Files (exports) are saved in the current directory. Scheduled messages addressed to the
console member are printed as they are delivered, and so are posts to local channels.

A few lines starting with ``/`` steer the console itself, so everything can be tried on one
machine: ``/in staffroom`` speaks in the local channel ``#staffroom`` (bind a community there with
``community bind``, and its announcements, digests and shared reflections print), ``/dm`` goes back
to the direct chat, and ``/as Sam Patel`` speaks as another console member (a sample colleague of
the demo, say). ``/attach PATH`` sends a local file with the next command (``inquiry post 1``), as
a reference: its name, size and path on this computer, never a copy. Any other ``/cpd list`` runs
as ``cpd list``, the way Telegram's commands look.

A button that opens a form (Decline, asking for an optional reason) asks its questions one by one,
as Telegram does, with the core's forms: each line answers the question, a numbered Skip or Finish
presses it, ``/cancel`` stops, and a command typed instead puts the form away.

The console is one trusted person at their own terminal: it names its member by whatever name it
is given (``--as``), so it proves nobody's identity, and its commands are not rate-limited (a
script piping a hundred lines in is that person, not a flood).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import mimetypes
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import DBAPIError

from core.app import Staffroom
from core.commands import N_
from core.delivery.deliverer import deliver_due
from core.delivery.ports import Recipient
from core.forms import service as forms
from core.forms.questions import FormAction, read_action
from core.forms.service import Ask, Forgotten, Say, Step, Submit
from core.i18n import _
from core.invocation import MAX_ATTACHMENTS, AttachedFile, ChannelRef, Invocation
from core.reply import Fields, Heading, Items, Note, Reply, Span, Text

log = logging.getLogger("staffroom.console")

PLATFORM = "console"
TENANT = "local"
CONTROLS = N_(
    "/in CHANNEL: speak in the local channel #CHANNEL · /dm: back to the direct chat · "
    "/as NAME: speak as another console member"
)
ATTACH_CONTROL = N_("/attach PATH: send a file on this computer with your next command")


def user_id_for(name: str) -> str:
    """The console account of a person named ``name`` (the same name is the same member)."""
    return name.strip().lower() or "you"


def channel_id_for(name: str) -> str:
    """The id of the local channel ``#name`` (what ``community bind`` records)."""
    return "#" + (name.strip().lstrip("#").lower() or "staffroom")


def _spans(parts: list[Span]) -> str:
    out = []
    for part in parts:
        text = part.text
        if part.style == "code":
            text = f"`{text}`"
        if part.url:
            text = f"{text} <{part.url}>"
        out.append(text)
    return "".join(out)


def render(reply: Reply, *, saved: list[Path] | None = None) -> str:
    """A reply as terminal text: headings underlined, fields aligned, buttons numbered."""
    lines: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Heading):
            lines += [block.text, "─" * min(len(block.text), 60)]
        elif isinstance(block, Text):
            prefix = "✗ " if reply.tone == "error" and not lines else ""
            lines.append(prefix + _spans(block.spans))
        elif isinstance(block, Fields):
            width = max(len(label) for label, _v in block.items)
            lines += [f"  {label.ljust(width)}  {value}" for label, value in block.items]
        elif isinstance(block, Items):
            for n, item in enumerate(block.items, 1):
                lines.append(f"  {n}. {_spans(item)}" if block.ordered else f"  • {_spans(item)}")
        elif isinstance(block, Note):
            lines.append(f"  ({block.text})")
    for n, action in enumerate(reply.actions, 1):
        lines.append(f"  [{n}] {action.label}")
    for path in saved or []:
        lines.append(f"  📎 saved {path}")
    return "\n".join(lines)


class ConsoleSession:
    """One person at the console: turns lines into invocations and replies into text."""

    def __init__(
        self,
        app: Staffroom,
        name: str,
        out: TextIO,
        files_dir: Path | None = None,
        *,
        messenger: ConsoleMessenger | None = None,
    ):
        self.app = app
        self.name = name.strip() or "you"
        self.user_id = user_id_for(name)
        self.out = out
        self.files_dir = files_dir or Path.cwd()
        self.last_actions: list[str] = []
        self.channel: str | None = None
        """The local channel spoken in (``#staffroom``), or None for the direct chat."""
        self.messenger = messenger or ConsoleMessenger(out, for_user=self.user_id)
        self._worker = f"console:{socket.gethostname()[:30]}:{os.getpid()}"
        self.attached: list[AttachedFile] = []
        """Files given with ``/attach``, sent with the next command."""
        self.in_form = False
        """Whether a form is asking its questions here (its progress is the core's)."""

    def invocation(self, line: str) -> Invocation:
        where = (
            ChannelRef(id=self.channel, name=self.channel.lstrip("#"))
            if self.channel is not None
            else ChannelRef(id=f"console:{self.user_id}", direct=True)
        )
        return Invocation(
            platform=PLATFORM,
            tenant=TENANT,
            user_id=self.user_id,
            display_name=self.name,
            text=line,
            kind=self.app.registry.kind_of(line),
            channel=where,
            # One person at their own terminal: a script's hundred lines are not a flood.
            counted=False,
            attachments=tuple(self.attached),
        )

    async def handle_line(self, line: str) -> str | None:
        line = line.strip()
        if not line:
            return None
        if line.startswith("/"):
            control = self._control(line)
            if control is not None:
                return control
            line = line[1:]  # "/cpd list", as on Telegram
        if line.isdigit() and self.last_actions:
            choice = int(line)
            if not 1 <= choice <= len(self.last_actions):
                return f"✗ Pick a number from 1 to {len(self.last_actions)}."
            line = self.last_actions[choice - 1]
        action = read_action(line)
        if action is not None and action.kind == "open":
            opened = self.app.registry.form_with(action.value)
            if opened is not None:
                invocation = self.invocation(action.value)
                step: Step = await asyncio.to_thread(
                    forms.start, self.app, invocation, opened[0], opened[1]
                )
                return await self._step(step, invocation)
            line = action.value  # nothing left to ask: it runs as it stands
        elif self.in_form:
            answered = await self._answer_form(line, action)
            if answered is not None:
                return answered
        return await self._run(self.invocation(line))

    async def _run(self, invocation: Invocation) -> str:
        self.attached = []
        reply = await self.app.handle(invocation)
        self.last_actions = [a.command for a in reply.actions]
        return render(reply, saved=self._save(reply))

    async def _answer_form(self, line: str, action: FormAction | None) -> str | None:
        """The open form's next step for ``line`` (an answer, or a pressed Skip or Finish);
        None when the line is for the rest of Staffroom (a command puts the form away)."""
        invocation = self.invocation(line)
        if action is not None:
            step: Step | None = await asyncio.to_thread(forms.press, self.app, invocation, action)
        elif invocation.kind == "command":
            self.in_form = False
            note = await asyncio.to_thread(forms.put_away, self.app, invocation)
            ran = await self._run(invocation)
            return f"{ran}\n  ({note})" if note else ran
        else:
            step = await asyncio.to_thread(forms.answer, self.app, invocation, line)
        if step is None or isinstance(step, Forgotten):
            self.in_form = False
            ran = await self._run(invocation)
            return f"{ran}\n  ({step.note})" if step is not None else ran
        return await self._step(step, invocation)

    async def _step(self, step: Step, invocation: Invocation) -> str:
        """Show a form's step: the next question, or the command's answer once every field is
        in (a value it refuses is asked again)."""
        self.in_form = isinstance(step, Ask)
        if isinstance(step, Ask | Say):
            self.last_actions = [a.command for a in step.reply.actions]
            return render(step.reply)
        assert isinstance(step, Submit)
        run = dataclasses.replace(
            invocation,
            text=None,
            kind="command",
            command=step.command,
            args=step.args,
            via_form=True,
        )
        self.attached = []
        reply = await self.app.handle(run)
        again = await asyncio.to_thread(forms.submitted, self.app, invocation, step, reply)
        if again is not None:
            return await self._step(again, invocation)
        self.last_actions = [a.command for a in reply.actions]
        return render(reply, saved=self._save(reply))

    def _control(self, line: str) -> str | None:
        """Run a console control (``/in``, ``/dm``, ``/as``) and say what it did; None when the
        line is a command written with a slash."""
        word, _sep, rest = line[1:].partition(" ")
        word, rest = word.lower(), rest.strip()
        if word == "in":
            if not rest:
                return "✗ " + _("Say which channel, like /in staffroom.") + f" ({_(CONTROLS)})"
            self.channel = channel_id_for(rest)
            self.last_actions = []
            self.in_form = False  # another chat or person: that form waits in its own
            return _(
                "You are in {channel} (a local channel). /dm goes back to the direct chat.",
                channel=self.channel,
            )
        if word == "dm":
            self.channel = None
            self.last_actions = []
            self.in_form = False  # another chat or person: that form waits in its own
            return _("You are in your direct chat with Staffroom.")
        if word == "as":
            if not rest:
                return "✗ " + _("Say who, like /as Sam Patel.") + f" ({_(CONTROLS)})"
            self.name, self.user_id = rest, user_id_for(rest)
            self.messenger.for_user = self.user_id
            self.last_actions = []
            self.in_form = False  # another chat or person: that form waits in its own
            return _("You are {name} now.", name=self.name)
        if word == "attach":
            return self._attach(rest)
        if word == "cancel" and self.in_form:
            self.in_form = False
            self.last_actions = []
            return render(forms.cancel(self.app, self.invocation("")))
        if word in ("", "help", "?"):
            return f"{_(CONTROLS)} · {_(ATTACH_CONTROL)}"
        return None

    def _attach(self, where: str) -> str:
        """Remember a local file for the next command: its name, size, type and full path."""
        if not where:
            return "✗ " + _("Say which file, like /attach ~/Documents/plan.pdf.")
        path = Path(where).expanduser()
        if not path.is_file():
            return "✗ " + _("There is no file at {path}.", path=str(path))
        if len(self.attached) >= MAX_ATTACHMENTS:
            return "✗ " + _("That is enough files for one command.")
        self.attached.append(
            AttachedFile(
                name=path.name,
                size=path.stat().st_size,
                content_type=mimetypes.guess_type(path.name)[0] or "",
                ref=str(path.resolve()),
            )
        )
        return _(
            "{name} goes with your next command (like inquiry post 1), as a reference to the "
            "file on this computer: Staffroom does not copy it.",
            name=path.name,
        )

    async def deliver(self) -> None:
        """Print what is due for the console now (a channel post, a notice to the person here),
        so it shows right after the command that caused it rather than at the next tick."""
        try:
            await deliver_due(
                self.app.engine,
                {PLATFORM: self.messenger},
                self.app.clock.now(),
                self.app.settings.delivery,
                self._worker,
            )
        except DBAPIError:
            # The database is away: the delivery service sends it once it is back.
            log.warning("console delivery pass failed; the delivery service will retry")

    def _save(self, reply: Reply) -> list[Path]:
        saved = []
        for attachment in reply.attachments:
            name = Path(attachment.filename).name or "staffroom-file"
            path = self.files_dir / name
            path.write_bytes(attachment.data)
            saved.append(path)
        return saved


class ConsoleMessenger:
    """Delivers scheduled messages to console members by printing them.

    Only the person at the terminal (``for_user``) sees their direct messages in full; another
    console member's message is acknowledged in one line, its content left in the outbox (their
    prompt or reminder is theirs, not the terminal's). Channel posts print in full."""

    platform = PLATFORM

    def __init__(
        self,
        out: TextIO,
        write: Callable[[str], None] | None = None,
        *,
        for_user: str | None = None,
    ) -> None:
        self.out = out
        self._write = write or (lambda text: print(text, file=self.out, flush=True))
        self._sent = 0
        self.for_user = user_id_for(for_user) if for_user else None

    async def send(self, recipient: Recipient, reply: Reply) -> str:
        target = recipient.user_id or recipient.channel_id or "?"
        if recipient.user_id is not None and recipient.user_id != self.for_user:
            self._write(f"\n📬 a message for {target} (not shown here: it is theirs)\n")
            self._sent += 1
            return f"console-{self._sent}"
        self._write(f"\n📬 to {target}:\n{render(reply)}\n")
        self._sent += 1
        return f"console-{self._sent}"


async def run_console(
    app: Staffroom, name: str, *, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    """Read commands until end of input (or ``quit``); return the exit status."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    session = ConsoleSession(app, name, out)
    interactive = stdin.isatty()
    if interactive:
        print(
            f"Staffroom console — you are {name}. Type help, or quit to leave. "
            f"({_(CONTROLS)} · {_(ATTACH_CONTROL)})",
            file=out,
        )
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            try:
                line = await loop.run_in_executor(None, input, "staffroom> ")
            except EOFError:
                break
        else:
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
        if line.strip().lower() in ("quit", "exit"):
            break
        if not interactive and line.strip():
            print(f"» {line.strip()}", file=out)
        text = await session.handle_line(line)
        if text:
            print(text + "\n", file=out, flush=True)
            await session.deliver()
    return 0
