"""Adapters from official client behaviours to the SDK's own machinery.

* :class:`RoutingTransport` - the official ``ServiceClient(model=...)`` routing tag: ``"model"``
  is added to the JSON body of every POST to the training server (polls included), for a
  gateway that routes by it. The xorl server ignores unknown body keys on every route, so the
  tag is harmless when nothing routes by it.
* :func:`queue_state_callback` - the official :class:`~xorl_client.types.QueueStateObserver`
  accepted wherever the SDK takes an ``on_queue_state`` callback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xorl_client._config import ClientConfig
from xorl_client._polling import QueueStateEvent
from xorl_client._retry import RetryPolicy
from xorl_client._transport import Endpoint, Transport
from xorl_client.errors import ConfigurationError
from xorl_client.types.futures import QueueState, QueueStateObserver

__all__ = ["QueueStateCallback", "RoutingTransport", "queue_state_callback"]

QueueStateCallback = Callable[[QueueStateEvent], object]


class RoutingTransport(Transport):
    """A :class:`Transport` that adds ``"model": <tag>`` to every request body it sends."""

    def __init__(self, config: ClientConfig, model: str, policy: RetryPolicy | None = None):
        super().__init__(config, policy)
        if not isinstance(model, str) or not model:
            raise ConfigurationError(f"model must be a non-empty string, not {model!r}")
        self.model = model

    async def call(self, endpoint: Endpoint, **kwargs: Any) -> Any:
        body = kwargs.get("body")
        extra = getattr(body, "additional_properties", None)
        if isinstance(extra, dict):
            extra.setdefault("model", self.model)
        return await super().call(endpoint, **kwargs)


def queue_state_callback(listener: object) -> QueueStateCallback | None:
    """The SDK callback for ``listener``: a callable as is, an observer adapted, ``None`` kept.

    >>> seen = []
    >>> class Printer(QueueStateObserver):
    ...     def on_queue_state_change(self, queue_state, queue_state_reason):
    ...         seen.append((queue_state, queue_state_reason))
    >>> queue_state_callback(Printer())(QueueStateEvent("r1", "paused_capacity", "busy", "forward"))
    >>> seen
    [(<QueueState.PAUSED_CAPACITY: 'paused_capacity'>, 'busy')]
    """
    if listener is None:
        return None
    if isinstance(listener, QueueStateObserver):
        observer = listener

        def notify(event: QueueStateEvent) -> None:
            observer.on_queue_state_change(QueueState.parse(event.queue_state), event.reason)

        return notify
    if callable(listener):
        callback: QueueStateCallback = listener
        return callback
    raise ConfigurationError(
        "on_queue_state must be a callable taking a QueueStateEvent or a QueueStateObserver, "
        f"not {type(listener).__name__}"
    )
