"""Clients that are also finished futures of themselves.

Tinker's factories return futures of clients; Tinker code uses the value directly as the
client, or calls ``.result()`` / ``.result_async()`` / ``await`` on it first. The official
factories here return the client itself, so a client also answers those three with itself:
both styles work and the official "returns the client" contract holds.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Self

__all__ = ["OwnFuture"]


class OwnFuture:
    """Mixin: ``client.result()``, ``await client.result_async()`` and ``await client`` give ``client``.

    >>> import asyncio
    >>> class Client(OwnFuture):
    ...     pass
    >>> c = Client()
    >>> c.result() is c, asyncio.run(c.result_async()) is c
    (True, True)
    """

    __slots__ = ()

    def result(self, timeout: float | None = None) -> Self:
        """The client itself (it already exists; ``timeout`` is not needed)."""
        return self

    async def result_async(self, timeout: float | None = None) -> Self:
        """The client itself, for ``await factory(...).result_async()``."""
        return self

    def __await__(self) -> Generator[Any, None, Self]:
        return self.result_async().__await__()
