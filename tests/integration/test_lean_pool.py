"""The SDK's connection pool (xorl_client/_pool.py) over real loopback sockets.

A tiny HTTP/1.1 server counts connections and can drop idle keep-alive connections, as a
server's keep-alive timeout does; the pool must stay within its limits, reuse connections,
and never hand out one the server has closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpcore
import httpx

from xorl_client._pool import lean_pool_class, lean_transport

_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


@dataclass
class _Server:
    url: str = ""
    opened: int = 0
    open_now: int = 0
    most_open: int = 0
    close_after_response: bool = False
    closed: asyncio.Event = field(default_factory=asyncio.Event)


@asynccontextmanager
async def _server(close_after_response: bool = False) -> AsyncIterator[_Server]:
    state = _Server(close_after_response=close_after_response)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.opened += 1
        state.open_now += 1
        state.most_open = max(state.most_open, state.open_now)
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                await asyncio.sleep(0)  # let other requests pile up in the pool
                writer.write(_RESPONSE)
                await writer.drain()
                if state.close_after_response:
                    break  # the client still believes the connection is kept alive
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            state.open_now -= 1
            writer.close()
            state.closed.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        yield state


def _client(max_connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    transport = lean_transport(httpx.AsyncHTTPTransport(limits=limits))
    return httpx.AsyncClient(transport=transport)


async def test_many_requests_share_the_pool_within_its_limit() -> None:
    async with _server() as server, _client(8) as client:
        answers = await asyncio.gather(*(client.get(server.url) for _ in range(200)))
        assert [a.text for a in answers] == ["ok"] * 200
        assert server.most_open <= 8
        before = server.opened
        await asyncio.gather(*(client.get(server.url) for _ in range(50)))
        assert server.opened == before  # idle connections were reused, none opened


async def test_a_connection_the_server_closed_is_never_reused() -> None:
    async with _server(close_after_response=True) as server, _client(4) as client:
        for _ in range(5):
            server.closed.clear()
            assert (await client.get(server.url)).text == "ok"
            await server.closed.wait()
            await asyncio.sleep(0.01)  # the FIN reaches the client's socket
        assert server.opened == 5


async def test_an_idle_connection_to_another_server_makes_room() -> None:
    async with _server() as first, _server() as second, _client(1) as client:
        assert (await client.get(first.url)).text == "ok"
        assert (await client.get(second.url)).text == "ok"
        assert (await client.get(first.url)).text == "ok"
        assert (first.opened, second.opened) == (2, 1)


def test_the_stock_pool_is_replaced_only_when_it_is_the_known_one() -> None:
    transport = lean_transport(httpx.AsyncHTTPTransport())
    assert type(transport._pool) is lean_pool_class()

    class Custom(httpcore.AsyncConnectionPool):
        pass

    other = httpx.AsyncHTTPTransport()
    other._pool.__class__ = Custom
    assert type(lean_transport(other)._pool) is Custom
