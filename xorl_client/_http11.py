"""A lean HTTP/1.1 transport for plain ``http://`` servers, under httpx's client.

Why: on a small request (a 64-token ``forward_backward``, a future poll) httpcore, h11 and anyio
were about 35 % of the SDK's event-loop CPU: a cancel scope and an attribute table per socket
read, a readability ``poll(2)`` per reused connection, an h11 state machine per message
(``benchmarks/RESULTS.md``, W2 and W3). This transport speaks the one dialect an xorl server
needs (HTTP/1.1, keep-alive, ``Content-Length`` or chunked bodies) straight on an asyncio
protocol: a closed connection is noticed when the event loop reports it, not polled for.

What stays httpx's: the client (headers, auth, hooks, redirects, timeouts taken from the request,
decoding) and every exception class, raised in the same situations as httpcore raises them,
so :func:`xorl_client._retry.outcome_of` reads a failure the same way:

* ``ConnectError`` / ``ConnectTimeout`` / ``PoolTimeout``: nothing was sent;
* ``WriteError`` / ``WriteTimeout``: the request was not written in full (the server cannot
  have acted on a body it did not receive);
* ``ReadError`` / ``ReadTimeout`` / ``RemoteProtocolError``: written, the answer lost.

Anything else (``https://``, unix sockets, HTTP/2) goes to ``fallback``, httpx's own transport.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Final

import httpx

__all__ = ["LeanHTTPTransport"]

#: The largest response head accepted (status line and headers).
_MAX_HEAD: Final = 64 * 1024
#: A request body smaller than this is written in the same ``send`` as its head.
_JOIN_BODY: Final = 64 * 1024
#: What one socket read takes at most (asyncio's own size).
_READ_SIZE: Final = 256 * 1024
#: A response body at least this long is received straight into one buffer of its size.
_SINK_BODY: Final = 1 << 20
_NO_BODY_STATUS: Final = frozenset({204, 304})


class _Connection(asyncio.BufferedProtocol):
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
        self.lost: Exception | None = None
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
        self.lost = exc
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


class _Body(httpx.AsyncByteStream):
    """A response body read from its connection as the client iterates it."""

    def __init__(
        self,
        transport: LeanHTTPTransport,
        conn: _Connection,
        framing: str,
        length: int,
        keep_alive: bool,
        read_timeout: float | None,
    ) -> None:
        self._transport = transport
        self._conn: _Connection | None = conn
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
            if self._framing == "length":
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

    async def _fixed(self, conn: _Connection) -> AsyncIterator[bytes]:
        buffer = conn.buffer
        if self._left >= _SINK_BODY and self._framing == "length":
            yield await self._into_sink(conn)
            return
        while self._left:
            if not buffer:
                if conn.eof:
                    raise httpx.RemoteProtocolError(
                        "the server closed the connection before the whole response body "
                        f"arrived ({self._left} bytes missing)"
                    )
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

    async def _into_sink(self, conn: _Connection) -> bytes:
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
                    missing = len(sink) - conn.sink_at
                    raise httpx.RemoteProtocolError(
                        "the server closed the connection before the whole response body "
                        f"arrived ({missing} bytes missing)"
                    )
                await conn.wait_for_data(self._timeout)
        finally:
            conn.sink = None
        self._left = 0
        return bytes(sink)

    async def _chunked(self, conn: _Connection) -> AsyncIterator[bytes]:
        while True:
            line = await _read_line(conn, self._timeout)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise httpx.RemoteProtocolError(f"malformed chunk size {line[:40]!r}") from None
            if size == 0:
                while await _read_line(conn, self._timeout):
                    pass  # trailers, up to the empty line
                return
            self._left = size
            async for piece in self._fixed(conn):
                yield piece
            if await _read_line(conn, self._timeout):
                raise httpx.RemoteProtocolError("a chunk was longer than its size said")

    async def _until_close(self, conn: _Connection) -> AsyncIterator[bytes]:
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


async def _read_line(conn: _Connection, timeout: float | None) -> bytes:
    buffer = conn.buffer
    while True:
        end = buffer.find(b"\r\n")
        if end >= 0:
            line = bytes(buffer[:end])
            del buffer[: end + 2]
            return line
        if len(buffer) > _MAX_HEAD:
            raise httpx.RemoteProtocolError("a chunk-size line or trailer was too long")
        if conn.eof:
            raise httpx.RemoteProtocolError(
                "the server closed the connection in the middle of a chunked body"
            )
        await conn.wait_for_data(timeout)


def _has_token(headers: list[tuple[bytes, bytes]], name: bytes, token: bytes) -> bool:
    return any(
        key.lower() == name and token in value.lower().replace(b" ", b"").split(b",")
        for key, value in headers
    )


class LeanHTTPTransport(httpx.AsyncBaseTransport):
    """httpx's async transport interface over :class:`_Connection` s, for ``http://`` URLs.

    ``limits.max_connections`` requests run at once (a request waits at most the pool timeout
    for its turn: ``PoolTimeout``); up to ``limits.max_keepalive_connections`` idle
    connections are kept, none longer than ``limits.keepalive_expiry`` seconds. ``fallback``
    makes the transport for every other request (called once, when first needed).
    """

    def __init__(
        self, limits: httpx.Limits, fallback: Callable[[], httpx.AsyncBaseTransport]
    ) -> None:
        self.limits = limits
        self._make_fallback = fallback
        self._fallback: httpx.AsyncBaseTransport | None = None
        most = limits.max_connections
        self._slots = asyncio.Semaphore(most) if most is not None else None
        keep = limits.max_keepalive_connections
        self._keep = keep if keep is not None else (most if most is not None else 1 << 30)
        self._expiry = limits.keepalive_expiry
        self._idle: dict[tuple[str, int], deque[_Connection]] = {}
        self._idle_count = 0
        self._closed = False
        self._scratch = memoryview(bytearray(_READ_SIZE))

    def _other(self) -> httpx.AsyncBaseTransport:
        """httpx's transport, made on first need (building it loads the TLS trust store)."""
        if self._fallback is None:
            self._fallback = self._make_fallback()
        return self._fallback

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            return await self._other().handle_async_request(request)
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        await self._take_slot(timeouts.get("pool"))
        conn: _Connection | None = None
        try:
            conn = await self._connection((url.host, url.port or 80), timeouts.get("connect"))
            await self._send(conn, request, timeouts.get("write"))
            return await self._response(conn, request, timeouts.get("read"))
        except BaseException:
            if conn is not None:
                conn.close()
            self._give_slot()
            raise

    # -- the pool ------------------------------------------------------------------------

    async def _take_slot(self, timeout: float | None) -> None:
        if self._closed:
            raise RuntimeError("the transport was closed")
        slots = self._slots
        if slots is None:
            return
        if not slots.locked():
            await slots.acquire()
            return
        try:
            async with asyncio.timeout(timeout):
                await slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("timed out waiting for a free connection") from None

    def _give_slot(self) -> None:
        if self._slots is not None:
            self._slots.release()

    async def _connection(self, origin: tuple[str, int], timeout: float | None) -> _Connection:
        idle = self._idle.get(origin)
        loop = asyncio.get_running_loop()
        while idle:
            conn = idle.pop()  # the most recently used: the least likely to have timed out
            self._idle_count -= 1
            fresh = self._expiry is None or loop.time() - conn.idle_since < self._expiry
            if fresh and conn.reusable():
                return conn
            conn.close()
        try:
            async with asyncio.timeout(timeout):
                _, protocol = await loop.create_connection(
                    lambda: _Connection(origin, self._scratch), origin[0], origin[1]
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"timed out connecting to {origin[0]}:{origin[1]}") from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or repr(exc)) from exc
        return protocol

    def _release(self, conn: _Connection, *, reuse: bool) -> None:
        """The response on ``conn`` was closed: keep the connection for the next request."""
        self._give_slot()
        if not reuse or self._closed or not conn.reusable() or self._keep <= 0:
            conn.close()
            return
        if self._idle_count >= self._keep:
            for queue in self._idle.values():
                if queue:
                    queue.popleft().close()  # the oldest idle connection makes room
                    self._idle_count -= 1
                    break
        conn.idle_since = asyncio.get_running_loop().time()
        self._idle.setdefault(conn.origin, deque()).append(conn)
        self._idle_count += 1

    async def aclose(self) -> None:
        self._closed = True
        for queue in self._idle.values():
            while queue:
                queue.pop().close()
        self._idle.clear()
        self._idle_count = 0
        if self._fallback is not None:
            await self._fallback.aclose()

    # -- one exchange --------------------------------------------------------------------

    async def _send(self, conn: _Connection, request: httpx.Request, timeout: float | None) -> None:
        url = request.url
        target = url.raw_path or b"/"
        head = [request.method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
        for key, value in request.headers.raw:
            head += (key, b": ", value, b"\r\n")
        head.append(b"\r\n")
        message = b"".join(head)
        stream = request.stream
        chunked = _has_token(request.headers.raw, b"transfer-encoding", b"chunked")
        if isinstance(stream, httpx.ByteStream) and not chunked:
            body = request.content
            if len(body) <= _JOIN_BODY:
                await conn.write(message + body, timeout)
                return
        await conn.write(message, timeout)
        async for piece in stream:  # type: ignore[union-attr]
            if not piece:
                continue
            if chunked:
                await conn.write(b"%x\r\n" % len(piece), timeout)
                await conn.write(piece, timeout)
                await conn.write(b"\r\n", timeout)
            else:
                await conn.write(piece, timeout)
        if chunked:
            await conn.write(b"0\r\n\r\n", timeout)

    async def _response(
        self, conn: _Connection, request: httpx.Request, timeout: float | None
    ) -> httpx.Response:
        while True:
            status, reason, headers = await self._head(conn, timeout)
            if status >= 200 or status == 101:
                break  # 100 Continue and other interim answers precede the real one
        framing, length = "close", 0
        if request.method == "HEAD" or status in _NO_BODY_STATUS or status < 200:
            framing = "none"
        elif _has_token(headers, b"transfer-encoding", b"chunked"):
            framing = "chunked"
        else:
            lengths = {value.strip() for key, value in headers if key.lower() == b"content-length"}
            if len(lengths) > 1:
                raise httpx.RemoteProtocolError("conflicting Content-Length headers")
            if lengths:
                try:
                    framing, length = "length", int(lengths.pop())
                except ValueError:
                    raise httpx.RemoteProtocolError("malformed Content-Length") from None
                if length < 0:
                    raise httpx.RemoteProtocolError("negative Content-Length")
        keep_alive = (
            framing != "close"
            and not _has_token(headers, b"connection", b"close")
            and not _has_token(request.headers.raw, b"connection", b"close")
        )
        body = _Body(self, conn, framing, length, keep_alive, timeout)
        return httpx.Response(
            status,
            headers=headers,
            stream=body,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
        )

    @staticmethod
    async def _head(
        conn: _Connection, timeout: float | None
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        buffer = conn.buffer
        searched = 0
        while True:
            end = buffer.find(b"\r\n\r\n", max(searched - 3, 0))
            if end >= 0:
                break
            searched = len(buffer)
            if searched > _MAX_HEAD:
                raise httpx.RemoteProtocolError("the response head was too large")
            if conn.eof:
                if not buffer:
                    raise httpx.RemoteProtocolError(
                        "Server disconnected without sending a response."
                    )
                raise httpx.RemoteProtocolError("the server closed the connection mid-head")
            await conn.wait_for_data(timeout)
        lines = bytes(buffer[:end]).split(b"\r\n")
        del buffer[: end + 4]
        status_line = lines[0].split(b" ", 2)
        try:
            if not status_line[0].startswith(b"HTTP/1."):
                raise ValueError
            status = int(status_line[1])
        except (ValueError, IndexError):
            raise httpx.RemoteProtocolError(f"malformed status line {lines[0][:80]!r}") from None
        reason = status_line[2] if len(status_line) > 2 else b""
        headers: list[tuple[bytes, bytes]] = []
        for line in lines[1:]:
            key, sep, value = line.partition(b":")
            if not sep or not key or key != key.strip():
                raise httpx.RemoteProtocolError(f"malformed header line {line[:80]!r}")
            headers.append((key, value.strip()))
        return status, reason, headers
