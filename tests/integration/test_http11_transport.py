"""The SDK's HTTP/1.1 transport (xorl_client/_http11/) over real loopback sockets.

A small asyncio server answers by path: a plain body, a chunked one, one delimited by closing
the connection, no body, no answer at all, or a dropped connection. The transport must frame
every one of them as httpx does, keep its limits, reuse only connections the server still
holds, and fail with the httpx exception that says whether the request reached the server
(the SDK's exactly-once bookkeeping depends on that distinction).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from xorl_client._http11 import LeanHTTPTransport
from xorl_client._retry import outcome_of
from xorl_client.errors import Outcome


@dataclass
class _Server:
    url: str = ""
    opened: int = 0
    open_now: int = 0
    most_open: int = 0
    bodies: list[bytes] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def _read_body(reader: asyncio.StreamReader, head: bytes) -> bytes:
    lines = head.decode("latin-1").lower().split("\r\n")
    if "transfer-encoding: chunked" in lines:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    for line in lines:
        if line.startswith("content-length:"):
            return await reader.readexactly(int(line.split(":", 1)[1]))
    return b""


_BIG = bytes(range(251)) * 12_000  # 3 MB


def _answer(path: str, body: bytes) -> tuple[bytes, bool]:
    """(bytes to send, close the connection after them)."""
    if path == "/chunked":
        return (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            False,
        )
    if path == "/until-close":
        return b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it", True
    if path == "/no-content":
        return b"HTTP/1.1 204 No Content\r\n\r\n", False
    if path == "/continue":
        return b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", False
    if path == "/close-after":
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", True
    if path in ("/big", "/big-short"):  # a body received straight into one buffer
        sent = _BIG if path == "/big" else _BIG[:2_000_000]
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(_BIG), sent), True
    if path == "/short":
        return b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", True
    size = str(len(body)).encode()  # /echo: the size of the request body
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(size), size), False


@asynccontextmanager
async def _server() -> AsyncIterator[_Server]:
    state = _Server()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.opened += 1
        state.open_now += 1
        state.most_open = max(state.most_open, state.open_now)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                body = await _read_body(reader, head)
                state.bodies.append(body)
                if path == "/hang":
                    await state.stop.wait()
                    break
                if path == "/drop":
                    break
                await asyncio.sleep(0)  # let other requests pile up in the pool
                data, close = _answer(path, body)
                writer.write(data)
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            state.open_now -= 1
            writer.close()
            state.closed.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        try:
            yield state
        finally:
            state.stop.set()
            await asyncio.sleep(0.01)  # hanging handlers see it and close


class _Fallback(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.seen: list[httpx.URL] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.url)
        return httpx.Response(200, content=b"fallback")


def _client(limit: int = 8, timeout: httpx.Timeout | None = None) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
    return httpx.AsyncClient(
        transport=LeanHTTPTransport(limits, _Fallback),
        timeout=timeout or httpx.Timeout(10.0),
    )


async def test_many_requests_share_connections_within_the_limit() -> None:
    async with _server() as server, _client(8) as client:
        answers = await asyncio.gather(
            *(client.post(server.url + "/echo", content=b"x" * i) for i in range(200))
        )
        assert [a.text for a in answers] == [str(i) for i in range(200)]
        assert server.most_open <= 8
        before = server.opened
        await asyncio.gather(*(client.get(server.url + "/echo") for _ in range(50)))
        assert server.opened == before  # idle connections were reused, none opened


async def test_a_connection_the_server_closed_is_never_reused() -> None:
    async with _server() as server, _client(4) as client:
        for _ in range(5):
            server.closed.clear()
            assert (await client.get(server.url + "/close-after")).text == "ok"
            await server.closed.wait()
            await asyncio.sleep(0.01)  # the FIN reaches the client's socket
        assert server.opened == 5


@pytest.mark.parametrize(
    ("path", "method", "status", "text"),
    [
        ("/chunked", "GET", 200, "abcde"),
        ("/until-close", "GET", 200, "all of it"),
        ("/no-content", "DELETE", 204, ""),
        ("/continue", "POST", 200, "ok"),
        ("/echo", "HEAD", 200, ""),
    ],
)
async def test_every_body_framing_is_read_as_httpx_reads_it(
    path: str, method: str, status: int, text: str
) -> None:
    async with _server() as server, _client() as client:
        answer = await client.request(method, server.url + path)
        assert (answer.status_code, answer.text) == (status, text)
        again = await client.get(server.url + "/echo")  # the connection state is sound after it
        assert again.text == "0"


async def test_large_and_streamed_request_bodies_arrive_whole() -> None:
    big = bytes(range(256)) * 20_000  # 5 MB: written in pieces, flow-controlled

    async def pieces() -> AsyncIterator[bytes]:
        for i in range(5):
            yield str(i).encode() * 1000

    async with _server() as server, _client() as client:
        assert (await client.post(server.url + "/echo", content=big)).text == str(len(big))
        assert (await client.post(server.url + "/echo", content=pieces())).text == "5000"
    assert server.bodies == [big, b"".join(str(i).encode() * 1000 for i in range(5))]


async def test_a_refused_connection_is_a_request_never_sent() -> None:
    async with _server() as server:
        url = server.url
    async with _client() as client:
        with pytest.raises(httpx.ConnectError) as caught:
            await client.get(url + "/echo")
    assert outcome_of(caught.value) is Outcome.NOT_SENT


@pytest.mark.parametrize(
    ("path", "error"),
    [("/drop", httpx.RemoteProtocolError), ("/hang", httpx.ReadTimeout)],
)
async def test_a_lost_answer_is_a_request_that_may_have_run(
    path: str, error: type[Exception]
) -> None:
    timeout = httpx.Timeout(10.0, read=0.2)
    async with _server() as server, _client(timeout=timeout) as client:
        with pytest.raises(error) as caught:
            await client.post(server.url + path, content=b"payload")
        assert server.bodies == [b"payload"]  # the server did receive it
        assert outcome_of(caught.value) is Outcome.UNKNOWN
        assert (await client.get(server.url + "/echo")).text == "0"  # the slot came back


async def test_a_large_response_body_arrives_whole() -> None:
    async with _server() as server, _client() as client:
        assert (await client.get(server.url + "/big")).content == _BIG


@pytest.mark.parametrize(("path", "missing"), [("/short", 7), ("/big-short", 1_012_000)])
async def test_a_body_cut_short_is_a_protocol_error(path: str, missing: int) -> None:
    async with _server() as server, _client() as client:
        with pytest.raises(httpx.RemoteProtocolError, match=f"{missing} bytes missing"):
            await client.get(server.url + path)


async def test_waiting_for_a_connection_ends_with_a_pool_timeout() -> None:
    timeout = httpx.Timeout(10.0, pool=0.1)
    async with _server() as server, _client(1, timeout) as client:
        stuck = asyncio.create_task(client.get(server.url + "/hang"))
        await asyncio.sleep(0.05)
        with pytest.raises(httpx.PoolTimeout) as caught:
            await client.get(server.url + "/echo")
        assert outcome_of(caught.value) is Outcome.NOT_SENT
        stuck.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stuck
        # the cancelled request gave its slot back and its connection is not reused
        assert (await client.get(server.url + "/echo")).text == "0"
        assert server.opened == 2


async def test_other_schemes_go_to_the_fallback_transport() -> None:
    fallback = _Fallback()
    limits = httpx.Limits(max_connections=2)
    transport = LeanHTTPTransport(limits, lambda: fallback)
    async with httpx.AsyncClient(transport=transport) as client:
        answer = await client.get("https://example.invalid/x")
    assert answer.text == "fallback"
    assert [str(u) for u in fallback.seen] == ["https://example.invalid/x"]


async def test_an_idle_connection_past_its_keepalive_expiry_is_not_reused() -> None:
    limits = httpx.Limits(max_connections=4, keepalive_expiry=0.0)
    async with _server() as server:
        transport = LeanHTTPTransport(limits, _Fallback)
        async with httpx.AsyncClient(transport=transport) as client:
            for _ in range(3):
                assert (await client.get(server.url + "/echo")).text == "0"
        assert server.opened == 3


async def test_the_fallback_is_made_only_when_first_needed() -> None:
    made: list[_Fallback] = []

    def make() -> _Fallback:
        made.append(_Fallback())
        return made[-1]

    async with _server() as server:
        transport = LeanHTTPTransport(httpx.Limits(max_connections=2), make)
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get(server.url + "/echo")
            assert made == []
            await client.get("https://example.invalid/")
            await client.get("https://example.invalid/")
    assert len(made) == 1 and len(made[0].seen) == 2


def test_a_transport_used_from_a_new_event_loop_opens_new_connections() -> None:
    """A forked child, or a second ``asyncio.run``: a connection made on the old loop is
    still open (the server keeps it) but its reads belong to that loop; it must not be reused."""
    ready: queue.Queue[str] = queue.Queue()
    stop = threading.Event()

    def serve() -> None:
        async def main() -> None:
            async with _server() as server:
                ready.put(server.url)
                while not stop.is_set():
                    await asyncio.sleep(0.01)

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = ready.get(timeout=10)
    transport = LeanHTTPTransport(httpx.Limits(max_connections=1), _Fallback)

    async def one_request() -> str:
        client = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(10.0, read=2.0))
        return (await client.get(url + "/echo")).text

    try:
        assert asyncio.run(one_request()) == "0"
        assert asyncio.run(one_request()) == "0"  # not a read on the first loop's connection
    finally:
        stop.set()
        thread.join(10)
