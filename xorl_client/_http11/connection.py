"""One HTTP/1.1 connection as an asyncio protocol: received bytes, end of stream, flow control."""

from __future__ import annotations

import asyncio
from typing import Final

import httpx

__all__ = ["MAX_HEAD", "READ_SIZE", "Connection", "read_line"]

#: The largest response head accepted (status line and headers), and the longest chunk line.
MAX_HEAD: Final = 64 * 1024
#: What one socket read takes at most (asyncio's own size).
READ_SIZE: Final = 256 * 1024


class Connection(asyncio.BufferedProtocol):
    """One TCP connection: what the server sent, and whether it can still be used.

    The socket reads into ``scratch`` (shared by the transport's connections: a read and
    its ``buffer_updated`` run in one callback) and what arrived is appended to ``buffer``;
    while a large body is awaited, into ``sink`` directly, at ``sink_at``, so its bytes are
    copied once on their way to the caller instead of piece by piece.
    """

    def __init__(self, origin: tuple[str, int], scratch: memoryview) -> None:
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.scratch = scratch
        self.sink: bytearray | None = None
        self.sink_at = 0
        self.eof = False
        self.closed = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None

    # -- asyncio callbacks -------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        sink = self.sink
        if sink is not None:
            return memoryview(sink)[self.sink_at :]
        return self.scratch

    def buffer_updated(self, nbytes: int) -> None:
        if self.sink is not None:
            self.sink_at += nbytes
            if self.sink_at >= len(self.sink):
                self.sink = None  # full: whatever follows is not this body
        else:
            self.buffer += self.scratch[:nbytes]
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.eof = True
        self._wake()
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def pause_writing(self) -> None:
        if self._drained is None:
            self._drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- used by the transport ---------------------------------------------------------

    def reusable(self) -> bool:
        """Idle, open, and nothing unread: a new request may be written on it."""
        transport = self.transport
        return (
            not self.eof
            and not self.buffer
            and transport is not None
            and not transport.is_closing()
        )

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def write(self, data: bytes | memoryview, timeout: float | None) -> None:
        if self.closed or self.transport is None or self.transport.is_closing():
            raise httpx.WriteError("the connection was closed before the request was written")
        self.transport.write(data)
        if self._drained is not None:
            try:
                async with asyncio.timeout(timeout):
                    await asyncio.shield(self._drained)
            except TimeoutError:
                raise httpx.WriteTimeout("timed out writing the request") from None
            if self.closed:
                raise httpx.WriteError("the connection was closed while the request was written")

    async def wait_for_data(self, timeout: float | None) -> None:
        """Until more bytes arrived or the server closed (``eof``)."""
        if (self.buffer and self.sink is None) or self.eof:
            return
        waiter = self._waiter = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except TimeoutError:
            raise httpx.ReadTimeout("timed out waiting for the response") from None
        finally:
            self._waiter = None


async def read_line(conn: Connection, timeout: float | None) -> bytes:
    buffer = conn.buffer
    while True:
        end = buffer.find(b"\r\n")
        if end >= 0:
            line = bytes(buffer[:end])
            del buffer[: end + 2]
            return line
        if len(buffer) > MAX_HEAD:
            raise httpx.RemoteProtocolError("a chunk-size line or trailer was too long")
        if conn.eof:
            raise httpx.RemoteProtocolError(
                "the server closed the connection in the middle of a chunked body"
            )
        await conn.wait_for_data(timeout)
