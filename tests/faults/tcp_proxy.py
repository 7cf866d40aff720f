"""A TCP proxy that can be cut: what a database restart looks like to its clients.

It runs its own event loop in a thread, so synchronous code (the dispatcher, SQLAlchemy's pool)
talks through it unchanged. :meth:`TcpProxy.cut` closes every open connection and stops listening
(new connections are refused); :meth:`TcpProxy.restore` listens again on the same port.

:meth:`TcpProxy.lose_commit_reply` cuts one connection at the worst moment instead: PostgreSQL has
received and carried out a COMMIT, and its answer is thrown away with the connection, so the client
cannot know whether its change was stored. The trap is set off by what passes through it (the
bytes of a statement, then the COMMIT message), never by timing, so load cannot make it miss.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

COMMIT_MESSAGE = b"Q\x00\x00\x00\x0bCOMMIT\x00"
"""A simple-protocol ``COMMIT`` as psycopg sends it: type ``Q``, length 11, the text, a NUL."""


@dataclass
class CommitTrap:
    """Armed for one transaction: the first that sends ``marker`` and then COMMIT loses the
    answer to its COMMIT (``fired`` is set once it has)."""

    marker: bytes
    fired: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Link:
    """What one client connection has sent since the trap was armed."""

    seen: bytes = b""
    marked: bool = False
    doomed: bool = False


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target_host:target_port`` until cut."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.connections_seen = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._trap: CommitTrap | None = None

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def __exit__(self, *_exc: object) -> None:
        self._call(self._close_all())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def cut(self) -> None:
        """Drop every connection and refuse new ones, like a database going down."""
        self._call(self._close_all())

    def restore(self) -> None:
        """Accept connections again on the same port, like the database coming back."""
        self._call(self._listen())

    def lose_commit_reply(self, marker: bytes) -> CommitTrap:
        """The next transaction whose statements contain ``marker`` has its COMMIT carried out
        by the server and the answer lost: the proxy drops that connection instead of passing
        the answer on (the connection must not use SSL, which would hide the bytes)."""
        self._trap = CommitTrap(marker)
        return self._trap

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close_all(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            # An abort, not a polite close: the server vanished, nothing more arrives.
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections_seen += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, upstream_writer}
        link = _Link()
        await asyncio.gather(
            self._pipe(reader, upstream_writer, link, upstream=True),
            self._pipe(upstream_reader, writer, link, upstream=False),
        )
        self._writers -= {writer, upstream_writer}

    def _watch(self, link: _Link, chunk: bytes) -> None:
        """Follow a client's bytes: the marker arms the link, its next COMMIT dooms it."""
        trap = self._trap
        if trap is None or trap.fired.is_set():
            return
        window = link.seen + chunk
        link.seen = window[-64:]  # enough to find a marker or a COMMIT split between reads
        if not link.marked:
            link.marked = trap.marker in window
        if link.marked and COMMIT_MESSAGE in window:
            link.doomed = True

    def _fire(self, link: _Link, writer: asyncio.StreamWriter) -> bool:
        """The server answered a doomed COMMIT: drop the answer and the connection."""
        if not link.doomed or self._trap is None:
            return False
        self._trap.fired.set()
        self._trap = None
        writer.transport.abort()
        return True

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        link: _Link,
        *,
        upstream: bool,
    ) -> None:
        try:
            while chunk := await reader.read(65536):
                if upstream:
                    self._watch(link, chunk)
                elif self._fire(link, writer):
                    break
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            # One direction ended: end the other too, so the connection goes away whole.
            with contextlib.suppress(Exception):
                writer.close()
