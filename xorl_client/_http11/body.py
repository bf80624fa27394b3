"""A response body, read from its connection as httpx's client iterates it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Final

import httpx

from .connection import Connection, read_line

if TYPE_CHECKING:
    from .transport import LeanHTTPTransport

__all__ = ["Body"]

#: A response body at least this long is received straight into one buffer of its size.
_SINK_BODY: Final = 1 << 20


def _cut_short(missing: int) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(
        f"the server closed the connection before the whole response body arrived "
        f"({missing} bytes missing)"
    )


class Body(httpx.AsyncByteStream):
    """A response body read from its connection as the client iterates it."""

    def __init__(
        self,
        transport: LeanHTTPTransport,
        conn: Connection,
        framing: str,
        length: int,
        keep_alive: bool,
        read_timeout: float | None,
    ) -> None:
        self._transport = transport
        self._conn: Connection | None = conn
        self._framing = framing  # "length", "chunked", "close" or "none"
        self._left = length
        self._keep_alive = keep_alive
        self._timeout = read_timeout
        self._complete = framing == "none" or (framing == "length" and length == 0)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self._conn
        if conn is None or self._complete:
            return
        try:
            if self._framing == "length" and self._left >= _SINK_BODY:
                yield await self._into_sink(conn)
            elif self._framing == "length":
                async for piece in self._fixed(conn):
                    yield piece
            elif self._framing == "chunked":
                async for piece in self._chunked(conn):
                    yield piece
            else:
                async for piece in self._until_close(conn):
                    yield piece
            self._complete = True
        except BaseException:
            await self.aclose()
            raise

    async def _fixed(self, conn: Connection) -> AsyncIterator[bytes]:
        buffer = conn.buffer
        while self._left:
            if not buffer:
                if conn.eof:
                    raise _cut_short(self._left)
                await conn.wait_for_data(self._timeout)
                continue
            if len(buffer) <= self._left:
                piece = bytes(buffer)  # the usual case: everything that arrived is body
                buffer.clear()
            else:
                piece = bytes(buffer[: self._left])
                del buffer[: self._left]
            self._left -= len(piece)
            yield piece

    async def _into_sink(self, conn: Connection) -> bytes:
        """The rest of the body, received into one buffer of its size."""
        sink = bytearray(self._left)
        have = min(len(conn.buffer), self._left)
        sink[:have] = conn.buffer[:have]
        del conn.buffer[:have]
        conn.sink_at = have
        if have < len(sink):
            conn.sink = sink
        try:
            while conn.sink is not None:
                if conn.eof:
                    raise _cut_short(len(sink) - conn.sink_at)
                await conn.wait_for_data(self._timeout)
        finally:
            conn.sink = None
        self._left = 0
        return bytes(sink)

    async def _chunked(self, conn: Connection) -> AsyncIterator[bytes]:
        while True:
            line = await read_line(conn, self._timeout)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise httpx.RemoteProtocolError(f"malformed chunk size {line[:40]!r}") from None
            if size == 0:
                while await read_line(conn, self._timeout):
                    pass  # trailers, up to the empty line
                return
            self._left = size
            async for piece in self._fixed(conn):
                yield piece
            if await read_line(conn, self._timeout):
                raise httpx.RemoteProtocolError("a chunk was longer than its size said")

    async def _until_close(self, conn: Connection) -> AsyncIterator[bytes]:
        buffer = conn.buffer
        while True:
            if buffer:
                piece = bytes(buffer)
                buffer.clear()
                yield piece
            elif conn.eof:
                return
            else:
                await conn.wait_for_data(self._timeout)

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        self._transport._release(conn, reuse=self._complete and self._keep_alive)
