"""The errors a gradient epoch can end in, with messages that say the server's state and the
way on. One place, so every path words the same situation the same way."""

from __future__ import annotations

from xorl_client.errors import (
    EpochAbortedError,
    Outcome,
    SessionStateError,
    StepIntegrityError,
    StepOutcomeUnknownError,
    XorlError,
    with_outcome,
)
from xorl_client.training.epoch import Epoch, HeldCall

__all__ = [
    "cannot_abort",
    "diverged",
    "epoch_aborted",
    "epoch_void_note",
    "given_up",
    "step_integrity",
    "step_unknown",
    "summary",
]

_REPLAY = (
    "Replay the epoch: call forward_backward again for each of its batches, in order, then "
    "optim_step (see docs/reliability.md)."
)
#: For a forward_backward: its epoch only ends at a call, never by itself.
_END_FIRST = (
    "The epoch ends at its optim_step call (which raises EpochAbortedError too) or at "
    "abort_gradient_epoch(); forward_backward calls made before that join it and fail as well."
)


def summary(error: BaseException) -> str:
    """``TypeName: first line`` of an error, for quoting inside another message."""
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text[:400]}" if text else type(error).__name__


def _reason_of(epoch: Epoch) -> str:
    """Why ``epoch`` was given up, for the messages of its later calls."""
    return summary(epoch.reason) if epoch.reason is not None else "see that call's error"


def _where(epoch: Epoch, held: HeldCall | None) -> str:
    calls = len(epoch.calls)
    if held is not None:
        return f"forward_backward #{held.position} of gradient epoch {epoch.number}"
    return f"the optim_step of gradient epoch {epoch.number} ({calls} forward_backward call(s))"


def epoch_aborted(
    operation: str,
    epoch: Epoch,
    *,
    why: str,
    outcome: Outcome,
    server_step: int | None,
    held: HeldCall | None = None,
) -> EpochAbortedError:
    """``operation`` ends because its epoch was given up on."""
    if server_step is not None:
        state = (
            "The SDK discarded the epoch's gradients on the server with abort_gradient_epoch "
            f"(the server is at optimizer step {server_step}), so nothing of it was applied."
        )
    else:
        state = (
            "Nothing of it will be applied: the SDK discards the epoch's gradients on the "
            "server (abort_gradient_epoch) before it sends anything else."
        )
    end = f" {_END_FIRST}" if held is not None else ""
    message = f"{operation} ({_where(epoch, held)}): {why}. {state}{end} {_REPLAY}"
    cls = with_outcome(EpochAbortedError, outcome)
    return cls(message, operation=operation, server_step=server_step)


def given_up(operation: str, epoch: Epoch, held: HeldCall | None = None) -> EpochAbortedError:
    """A call whose epoch was given up before its turn came: it is not sent."""
    return epoch_aborted(
        operation,
        epoch,
        why=f"an earlier call of its epoch failed ({_reason_of(epoch)})",
        outcome=Outcome.NOT_SENT,
        server_step=epoch.server_step,
        held=held,
    )


def epoch_void_note(epoch: Epoch) -> str:
    """Added to a call's own error when it cost its epoch."""
    if epoch.server_step is not None:
        done = f"the SDK discarded its gradients on the server (now at step {epoch.server_step})"
    else:
        done = "the SDK discards its gradients on the server before it sends anything else"
    return (
        f"Gradient epoch {epoch.number} is given up, so nothing of it counts: {done}. "
        f"{_END_FIRST} {_REPLAY}"
    )


def step_unknown(
    epoch: Epoch, *, before: int | None, server_step: int | None, cause: BaseException | None
) -> StepOutcomeUnknownError:
    """An ``optim_step`` whose fate the server could not tell this client."""
    why = f" ({summary(cause)})" if cause is not None else ""
    if server_step is None:
        if before is None:
            ask = (
                "When the server answers again, abort_gradient_epoch().result().step tells the "
                "step count: compare it with the count before this step."
            )
        else:
            ask = (
                "When the server answers again, abort_gradient_epoch().result().step tells: "
                f"{before + 1} means the step was applied (do not replay it), {before} that "
                "it was not (replay the epoch)."
            )
        state = f"The server could not be asked{why}. {ask}"
    else:
        state = (
            f"The server is now at optimizer step {server_step}, and the epoch's gradients "
            "are discarded either way; this client did not know the step count before this "
            f"step{why}, so it cannot tell. If your last applied step was {server_step - 1}, "
            f"this one was applied; if it was {server_step}, replay the epoch."
        )
    return StepOutcomeUnknownError(
        f"{_where(epoch, None)}: whether it was applied is unknown. {state}",
        last_known_step=before,
        server_step=server_step,
    )


def step_integrity(
    epoch: Epoch, *, step: int | None, expected: int | None, failed: list[HeldCall]
) -> StepIntegrityError:
    """An ``optim_step`` that was applied, but not to the whole epoch (or not as step N)."""
    if failed:
        names = ", ".join(
            f"#{h.position} ({summary(h.failure)})" for h in failed if h.failure is not None
        )
        what = (
            f"it was applied as step {step}, but forward_backward {names} of its epoch failed "
            "on the server after the step had been queued behind it, so the step used only "
            "part of the epoch"
        )
    else:
        what = (
            f"the server reports step {step} for it where {expected} was expected: the "
            "session was reset (a restart) or another step was applied meanwhile (another "
            "client of the session, or a delayed copy of an earlier optim_step)"
        )
    return StepIntegrityError(
        f"{_where(epoch, None)}: {what}. The weights now differ from an exactly-once run: "
        "load the last checkpoint saved before it (load_state_with_optimizer) and replay "
        "from there, or accept the step as it is.",
        step=step,
        expected_step=expected,
    )


def diverged(operation: str, *, expected: int | None, server_step: int | None) -> SessionStateError:
    """The server's step counter contradicts what this client built."""
    if server_step is None:
        what = "its state could not be settled"
    else:
        what = (
            f"the server reports optimizer step {server_step} where this client had reached "
            f"step {expected}: the server restarted (a fresh session starts at 0), the session "
            "was reloaded, or another client stepped it"
        )
    return with_outcome(SessionStateError, Outcome.NOT_SENT)(
        f"{operation}: not sent, because {what}. Load the checkpoint to continue from "
        "(load_state_with_optimizer) and replay the steps after it, or call "
        "abort_gradient_epoch() to accept the server's state as it is.",
        expected_step=expected,
        server_step=server_step,
    )


def cannot_abort(operation: str, cause: XorlError, *, known: int | None) -> SessionStateError:
    """The server refused ``abort_gradient_epoch``: its gradient state cannot be settled."""
    where = f" (step {known})" if known is not None else ""
    return with_outcome(SessionStateError, Outcome.NOT_SENT)(
        f"{operation}: not sent. The server refused abort_gradient_epoch ({summary(cause)}), "
        "so this client cannot discard gradients it can no longer vouch for (a failed or "
        "doubtful forward_backward) and will not send an optim_step on top of them. (Full-weight "
        "xorl sessions cannot abort; LoRA sessions can.) Load a checkpoint "
        f"(load_state_with_optimizer){where} to go on.",
        expected_step=known,
        server_step=None,
    )
