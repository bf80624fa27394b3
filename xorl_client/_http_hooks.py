"""The httpx event hooks of the SDK's client, and the empty stream a read response keeps.

* :func:`send_large_bodies_in_pieces` (request hook): a body over 1 MiB is handed to the
  transport in pieces (:class:`_BodyInPieces`), so no layer copies it whole.
* :func:`capture_response` (response hook): the raw ``httpx.Response`` of a request goes into
  the list in :data:`captured` while the transport waits for it, so a body the generated code
  cannot parse can still be reported with its status and text.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator
from typing import Final

import httpx

__all__ = ["READ", "capture_response", "captured", "send_large_bodies_in_pieces"]

captured: contextvars.ContextVar[list[httpx.Response] | None] = contextvars.ContextVar(
    "xorl_client_captured_response", default=None
)


async def capture_response(response: httpx.Response) -> None:
    box = captured.get()
    if box is not None:
        box.append(response)


#: Bodies larger than this are handed to the socket in pieces of this size.
_BODY_PIECE: Final = 1 << 20


class _BodyInPieces(httpx.AsyncByteStream):
    """A request body already in memory, handed to the socket one piece at a time.

    Given whole, asyncio copies what the first ``send`` did not take (most of a large body)
    and copies it again into its write buffer: three copies of a 50 MB batch at once, and
    the page faults of two of them. In pieces the socket is fed as it drains, so at most one
    piece is ever copied. Content-Length is already set from the whole body.
    """

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        view = memoryview(self._body)
        for start in range(0, len(view), _BODY_PIECE):
            yield view[start : start + _BODY_PIECE]  # type: ignore[misc]
        self._body = b""  # sent: the body need not outlive the request


READ: Final = httpx.ByteStream(b"")


async def send_large_bodies_in_pieces(request: httpx.Request) -> None:
    if isinstance(request.stream, httpx.ByteStream) and len(request.content) > _BODY_PIECE:
        request.stream = _BodyInPieces(request.content)
