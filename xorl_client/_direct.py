"""One direct (not two-phase) request to the training server, as an :class:`APIFuture`.

The server's synchronous routes (checkpoint listing, the inference-endpoint registry, health,
``kill_session``) answer in the response itself: one generated-endpoint call through the
:class:`~xorl_client._transport.Transport`, its result converted, scheduled on the SDK loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from . import _runtime
from .futures import APIFuture

if TYPE_CHECKING:
    from ._transport import Endpoint, Transport

__all__ = ["call_direct"]

T = TypeVar("T")


def call_direct(
    transport: Transport,
    endpoint: Endpoint,
    operation: str,
    convert: Callable[[Any], T],
    *,
    idempotent: bool,
    timeout: float | None = None,
    **kwargs: Any,
) -> APIFuture[T]:
    """Send ``endpoint`` now (on the SDK loop); the future holds ``convert(parsed answer)``.

    ``timeout`` bounds the whole call, retries included (default: ``operation_timeout``).
    """
    deadline = transport.deadline(timeout)

    async def run() -> T:
        parsed = await transport.call(
            endpoint, operation=operation, idempotent=idempotent, deadline=deadline, **kwargs
        )
        return convert(parsed)

    return APIFuture(_runtime.run_coroutine(run()), operation=operation)
