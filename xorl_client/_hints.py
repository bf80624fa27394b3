"""What to do next, by outcome and operation: the last sentence of every transport error.

A hint must fit both what became of the request (:class:`~xorl_client.errors.Outcome`) and
the operation that failed: "wait and try again" is right for a read or a submission that
never left, and wrong for a ``forward_backward`` a gateway may have forwarded (resending it
counts its gradients twice). One table per outcome keeps those sentences in one place.
"""

from __future__ import annotations

from typing import Final

from .errors import Outcome

__all__ = ["base_operation", "outcome_hint"]

_POLL_MARKER: Final = " (waiting for "

_UNKNOWN_HINTS: Final[dict[str, str]] = {
    "forward_backward": (
        "The server may have accumulated these gradients. Do not resend it by hand: the "
        "TrainingClient settles this itself before it sends anything else (it discards the "
        "gradient epoch with abort_gradient_epoch and replays it; see docs/reliability.md)."
    ),
    "optim_step": (
        "The step may have been applied. Do not resend it by hand: the TrainingClient asks "
        "the server (the step counter abort_gradient_epoch reports) before it sends anything "
        "else; see docs/reliability.md."
    ),
    "forward": "A forward pass changes nothing on the server; calling it again is safe.",
    "abort_gradient_epoch": "Aborting again is safe: it is idempotent.",
    "save_weights": (
        "The checkpoint may have been written: check list_checkpoints before saving under "
        "this name again (a second save with the same name fails with 409)."
    ),
    "load_weights": "Loading the same checkpoint again is safe: it sets the same state.",
    "save_weights_for_sampler": (
        "The export may have been written: check before exporting under this name again."
    ),
    "create_model": "Creating the session again with the same settings is safe (a refresh).",
    "unload_model": "Unloading again is safe; a 404 then means the session is gone.",
    "sync_inference_weights": "Pushing the weights again is safe.",
}

_UNKNOWN_DEFAULT: Final = (
    "The server may have acted on it: check the state it changes before repeating it."
)
_READ_HINT: Final = "Asking again is safe: it changes nothing on the server."
_POLL_HINT: Final = (
    "The operation itself keeps running on the server and its result stays retrievable for "
    "an hour; check the server's health with /health."
)


def base_operation(label: str) -> str:
    """``"forward_backward"`` from a poll label such as ``"forward_backward (waiting for x)"``.

    >>> base_operation("optim_step (waiting for future_0a)"), base_operation("forward")
    ('optim_step', 'forward')
    """
    return label.split(_POLL_MARKER, 1)[0]


def outcome_hint(outcome: Outcome, operation: str, *, idempotent: bool = False) -> str | None:
    """The advice for ``outcome`` of ``operation``; ``None`` leaves it to the status hint.

    ``idempotent`` marks a read (or a poll): repeating it cannot change the server.

    >>> outcome_hint(Outcome.NOT_SENT, "optim_step")
    'Nothing reached the server, so nothing changed there: calling optim_step again is safe.'
    >>> outcome_hint(Outcome.UNKNOWN, "forward")
    'A forward pass changes nothing on the server; calling it again is safe.'
    """
    name = base_operation(operation)
    if outcome is Outcome.NOT_SENT:
        return (
            f"Nothing reached the server, so nothing changed there: calling {name} again is safe."
        )
    if outcome is Outcome.UNKNOWN:
        if _POLL_MARKER in operation:
            return _POLL_HINT
        if name in _UNKNOWN_HINTS:
            return _UNKNOWN_HINTS[name]
        return _READ_HINT if idempotent else _UNKNOWN_DEFAULT
    return None
