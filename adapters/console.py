"""The console adapter: Staffroom in a terminal, or driven by a script on standard input.

Each line is a command (``cpd log 1.5 "Workshop"``) or, when its first word is not a command group,
a message (the answer to a reflection prompt). Buttons show as numbered choices; typing the number
presses it. Files (exports) are saved in the current directory. Scheduled messages addressed to the
console member are printed as they are delivered.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from core.app import Staffroom
from core.delivery.ports import Recipient
from core.invocation import ChannelRef, Invocation
from core.reply import Fields, Heading, Items, Note, Reply, Span, Text

PLATFORM = "console"
TENANT = "local"


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

    def __init__(self, app: Staffroom, name: str, out: TextIO, files_dir: Path | None = None):
        self.app = app
        self.name = name
        self.user_id = name.strip().lower() or "you"
        self.out = out
        self.files_dir = files_dir or Path.cwd()
        self.last_actions: list[str] = []

    def invocation(self, line: str) -> Invocation:
        return Invocation(
            platform=PLATFORM,
            tenant=TENANT,
            user_id=self.user_id,
            display_name=self.name,
            text=line,
            kind=self.app.registry.kind_of(line),
            channel=ChannelRef(id=f"console:{self.user_id}", direct=True),
        )

    async def handle_line(self, line: str) -> str | None:
        line = line.strip()
        if not line:
            return None
        if line.isdigit() and self.last_actions:
            choice = int(line)
            if not 1 <= choice <= len(self.last_actions):
                return f"✗ Pick a number from 1 to {len(self.last_actions)}."
            line = self.last_actions[choice - 1]
        reply = await self.app.handle(self.invocation(line))
        self.last_actions = [a.command for a in reply.actions]
        return render(reply, saved=self._save(reply))

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
        self.for_user = for_user.strip().lower() if for_user else None

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
        print(f"Staffroom console — you are {name}. Type help, or quit to leave.", file=out)
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
    return 0
