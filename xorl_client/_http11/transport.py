"""The transport: a pool of :class:`Connection` s, one request/response exchange on each."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Final

import httpx

from .body import Body
from .connection import MAX_HEAD, READ_SIZE, Connection

__all__ = ["LeanHTTPTransport"]

#: A request body smaller than this is written in the same ``send`` as its head.
_JOIN_BODY: Final = 64 * 1024
_NO_BODY_STATUS: Final = frozenset({204, 304})


def has_token(headers: list[tuple[bytes, bytes]], name: bytes, token: bytes) -> bool:
    return any(
        key.lower() == name and token in value.lower().replace(b" ", b"").split(b",")
        for key, value in headers
    )


class LeanHTTPTransport(httpx.AsyncBaseTransport):
    """httpx's async transport interface over :class:`Connection` s, for ``http://`` URLs.

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
        self._loop: asyncio.AbstractEventLoop | None = None
        keep = limits.max_keepalive_connections
        self._keep = keep if keep is not None else (most if most is not None else 1 << 30)
        self._expiry = limits.keepalive_expiry
        self._idle: dict[tuple[str, int], deque[Connection]] = {}
        self._idle_count = 0
        self._closed = False
        self._scratch = memoryview(bytearray(READ_SIZE))

    def _adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        """Serve ``loop`` from now on. Connections made on another loop (one that has ended,
        or a forked parent's) belong to it: they are forgotten, not reused or closed here."""
        if self._loop is not None:
            self._idle.clear()
            self._idle_count = 0
            most = self.limits.max_connections
            self._slots = asyncio.Semaphore(most) if most is not None else None
        self._loop = loop

    def _other(self) -> httpx.AsyncBaseTransport:
        """httpx's transport, made on first need (building it loads the TLS trust store)."""
        if self._fallback is None:
            self._fallback = self._make_fallback()
        return self._fallback

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            return await self._other().handle_async_request(request)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._adopt(loop)
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        await self._take_slot(timeouts.get("pool"))
        conn: Connection | None = None
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

    async def _connection(self, origin: tuple[str, int], timeout: float | None) -> Connection:
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
                    lambda: Connection(origin, self._scratch), origin[0], origin[1]
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"timed out connecting to {origin[0]}:{origin[1]}") from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or repr(exc)) from exc
        return protocol

    def _release(self, conn: Connection, *, reuse: bool) -> None:
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

    async def _send(self, conn: Connection, request: httpx.Request, timeout: float | None) -> None:
        url = request.url
        target = url.raw_path or b"/"
        head = [request.method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
        for key, value in request.headers.raw:
            head += (key, b": ", value, b"\r\n")
        head.append(b"\r\n")
        message = b"".join(head)
        stream = request.stream
        chunked = has_token(request.headers.raw, b"transfer-encoding", b"chunked")
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
        self, conn: Connection, request: httpx.Request, timeout: float | None
    ) -> httpx.Response:
        while True:
            status, reason, headers = await self._head(conn, timeout)
            if status >= 200 or status == 101:
                break  # 100 Continue and other interim answers precede the real one
        framing, length = "close", 0
        if request.method == "HEAD" or status in _NO_BODY_STATUS or status < 200:
            framing = "none"
        elif has_token(headers, b"transfer-encoding", b"chunked"):
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
            and not has_token(headers, b"connection", b"close")
            and not has_token(request.headers.raw, b"connection", b"close")
        )
        body = Body(self, conn, framing, length, keep_alive, timeout)
        return httpx.Response(
            status,
            headers=headers,
            stream=body,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
        )

    @staticmethod
    async def _head(
        conn: Connection, timeout: float | None
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        buffer = conn.buffer
        searched = 0
        while True:
            end = buffer.find(b"\r\n\r\n", max(searched - 3, 0))
            if end >= 0:
                break
            searched = len(buffer)
            if searched > MAX_HEAD:
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
