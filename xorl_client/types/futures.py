"""Types of the two-phase (submit, then ``retrieve_future``) protocol.

The SDK's own poller works on the generated wire models; these are the official client's
public spellings of the same messages, for code that inspects or builds them
(:func:`parse_future_retrieve_response` picks the type of a ``retrieve_future`` answer).
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, TypeAlias

from xorl_client.types._base import XorlModel
from xorl_client.types.training_outputs import (
    CreateModelResponse,
    ForwardBackwardOutput,
    OptimStepOutput,
    SaveWeightsResponse,
    UnloadModelResponse,
)

__all__ = [
    "FutureRetrieveRequest",
    "FutureRetrieveResponse",
    "QueueState",
    "QueueStateObserver",
    "RequestErrorCategory",
    "RequestFailedResponse",
    "TryAgainResponse",
    "UntypedAPIFuture",
    "parse_future_retrieve_response",
]


class QueueState(StrEnum):
    """Where a pending future stands (``try_again.queue_state``)."""

    ACTIVE = "active"
    """Being processed."""
    PAUSED_CAPACITY = "paused_capacity"
    """Not started yet: more than 128 futures are in flight on the server."""
    PAUSED_RATE_LIMIT = "paused_rate_limit"
    """Declared by the server, never set by the current version."""
    UNKNOWN = "unknown"
    """The server sent no state, or one this SDK does not know."""

    @classmethod
    def parse(cls, value: object) -> QueueState:
        """The member for ``value``; :attr:`UNKNOWN` for ``None`` or an unknown string.

        >>> QueueState.parse("paused_capacity"), QueueState.parse("warming_up")
        (<QueueState.PAUSED_CAPACITY: 'paused_capacity'>, <QueueState.UNKNOWN: 'unknown'>)
        """
        try:
            return cls(value) if isinstance(value, str) else cls.UNKNOWN
        except ValueError:
            return cls.UNKNOWN


class QueueStateObserver(abc.ABC):
    """The official client's queue-state listener; pass one as ``ServiceClient(on_queue_state=...)``.

    A plain callable receiving a :class:`~xorl_client.QueueStateEvent` works there too (and
    also gets the request id and operation).
    """

    @abc.abstractmethod
    def on_queue_state_change(
        self, queue_state: QueueState, queue_state_reason: str | None
    ) -> None:
        """Called on the SDK's thread when a pending operation's queue state changes."""


@dataclass(slots=True)
class UntypedAPIFuture(XorlModel):
    """What a submission returns: the id to poll (and the session it belongs to)."""

    request_id: str
    model_id: str | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> UntypedAPIFuture:
        """Parse ``{"request_id", "model_id"?}``; other keys are ignored."""
        if "request_id" not in d:
            raise KeyError(
                "request_id: the server's answer has no 'request_id' (it is not a future "
                "handle; the server may be running an older version that answers directly)"
            )
        model_id = d.get("model_id")
        return cls(str(d["request_id"]), None if model_id is None else str(model_id))

    def to_dict(self) -> dict[str, Any]:
        """``{"request_id", "model_id"}``, leaving out a ``None`` model id."""
        return self.model_dump(exclude_none=True)


@dataclass(slots=True)
class TryAgainResponse(XorlModel):
    """``retrieve_future``: not finished yet, poll again."""

    request_id: str
    queue_state: QueueState
    queue_state_reason: str | None = None
    type: Literal["try_again"] = "try_again"

    def __post_init__(self) -> None:
        self.queue_state = QueueState.parse(self.queue_state)


class RequestErrorCategory(StrEnum):
    """Who caused a failed operation, as the server classifies it."""

    Unknown = "unknown"
    Server = "server"
    User = "user"


@dataclass(slots=True)
class RequestFailedResponse(XorlModel):
    """``retrieve_future``: the operation failed (HTTP 200 with ``error`` and ``category``)."""

    error: str
    category: RequestErrorCategory

    def __post_init__(self) -> None:
        try:
            self.category = RequestErrorCategory(self.category)
        except ValueError:
            self.category = RequestErrorCategory.Unknown


@dataclass(slots=True)
class FutureRetrieveRequest(XorlModel):
    """The body of ``POST /api/v1/retrieve_future``."""

    request_id: str


FutureRetrieveResponse: TypeAlias = (
    TryAgainResponse
    | RequestFailedResponse
    | CreateModelResponse
    | UnloadModelResponse
    | ForwardBackwardOutput
    | OptimStepOutput
    | SaveWeightsResponse
)
"""Any answer of ``retrieve_future``."""


def parse_future_retrieve_response(d: Mapping[str, Any]) -> FutureRetrieveResponse:
    """The typed form of one ``retrieve_future`` answer, chosen by its keys.

    In order: ``type`` try_again / create_model / unload_model; an ``error`` key (failure);
    ``loss_fn_outputs`` (forward / forward_backward); ``metrics`` with ``grad_norm``
    (optim_step); a ``path`` (the save/load/export results share this shape); a lone
    ``model_id`` (unload). Anything else is reported as a failure describing the shape.

    >>> parse_future_retrieve_response({"type": "try_again", "request_id": "r", "queue_state": "active"})
    TryAgainResponse(request_id='r', queue_state=<QueueState.ACTIVE: 'active'>, queue_state_reason=None, type='try_again')
    >>> parse_future_retrieve_response({"path": "xorl://default/weights/a"})
    SaveWeightsResponse(path='xorl://default/weights/a')
    """
    kind = d.get("type")
    if kind == "try_again":
        return TryAgainResponse.from_dict(d)
    if "error" in d:
        return RequestFailedResponse(str(d["error"]), d.get("category", "unknown"))
    if kind == "create_model":
        return CreateModelResponse.from_dict(d)
    if kind == "unload_model":
        return UnloadModelResponse.from_dict(d)
    if "loss_fn_outputs" in d:
        return ForwardBackwardOutput.from_dict(d)
    metrics = d.get("metrics")
    if isinstance(metrics, Mapping) and "grad_norm" in metrics:
        return OptimStepOutput.from_dict(d)
    if "path" in d:
        return SaveWeightsResponse.from_dict(d)
    if set(d) == {"model_id"}:
        return UnloadModelResponse.from_dict(d)
    return RequestFailedResponse(
        f"unrecognised retrieve_future answer with keys {sorted(map(str, d))}",
        RequestErrorCategory.Unknown,
    )
