"""The gradient-epoch ledger: what the SDK holds so that every batch counts exactly once.

A *gradient epoch* is the run of ``forward_backward`` calls between two ``optim_step`` s. The
ledger assigns each call to its epoch at call time (in call order, under one lock with the
submission ticket), keeps each call's request payloads until the epoch's ``optim_step`` is
settled, and records what the server is known to hold:

* ``known_step``: the session's optimizer step count as last proven by the server (an
  ``optim_step`` result or ``abort_gradient_epoch``'s ``step``); it is how the SDK finds out
  whether a lost ``optim_step`` was applied;
* ``owes_abort``: the server may hold gradients no ``optim_step`` of this client may use (a
  failed or doubtful ``forward_backward``); nothing else is sent before an abort;
* ``unsettled_step``: an ``optim_step`` whose outcome is unknown until the next abort;
* ``diverged``: the server's step counter contradicts ``known_step`` (a restart, another
  client); every call fails with it until ``load_state*`` or a user ``abort_gradient_epoch``.

This module holds state only; ``_settle.py`` does the talking. Everything but the call-time
methods runs on the SDK loop, so only those take the lock.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from xorl_client.errors import SessionStateError, XorlError
from xorl_client.types import ForwardBackwardOutput

__all__ = [
    "Attempt",
    "Epoch",
    "EpochLedger",
    "EpochState",
    "Fate",
    "HeldCall",
    "StepCall",
    "Verdict",
]


class EpochState(enum.Enum):
    """Where an epoch stands."""

    OPEN = "open"  # its optim_step has not been submitted; its gradients may be replayed
    STEPPING = "stepping"  # its optim_step was accepted by the server
    SETTLED = "settled"  # its optim_step was applied: done, payloads released
    VOID = "void"  # given up on: nothing of it counts (EpochAbortedError)
    CLOSED = "closed"  # ended without an optim_step (a user abort, a load_state)


@dataclass(eq=False)
class Attempt:
    """One submission of a ``forward_backward`` call: its chunks' request ids and poll."""

    request_ids: list[str]
    task: asyncio.Future[ForwardBackwardOutput] | None = None


@dataclass(eq=False)
class HeldCall:
    """A ``forward_backward`` call, held until its epoch is settled.

    ``requests`` are the chunk request models (their ``seq_id`` is set per attempt);
    ``sizes`` the datums per chunk, for merging outputs.
    """

    epoch: Epoch
    position: int
    requests: list[Any]
    sizes: list[int]
    attempt: Attempt | None = None
    sent: bool = False  # its turn came: the server may hold some of it
    failure: XorlError | None = None  # its counted attempt failed
    # The caller's answer: the first outcome of an attempt that counted when it ended.
    outcome: asyncio.Future[ForwardBackwardOutput] | None = None

    def install(self, attempt: Attempt) -> None:
        """Make ``attempt`` the one that counts (a replay replaces an earlier one)."""
        self.attempt = attempt
        self.failure = None
        if self.outcome is None:
            self.outcome = asyncio.get_running_loop().create_future()
            # retrieved even if the caller cancelled its future and never asks
            self.outcome.add_done_callback(lambda f: f.cancelled() or f.exception())

    def conclude(self, attempt: Attempt, result: ForwardBackwardOutput | BaseException) -> None:
        """``attempt`` ended; it answers the caller if it still counts and nothing did yet."""
        if attempt is not self.attempt or self.outcome is None or self.outcome.done():
            return
        if isinstance(result, BaseException):
            self.outcome.set_exception(result)
        else:
            self.outcome.set_result(result)


@dataclass(eq=False)
class StepCall:
    """An ``optim_step`` call and the epoch it closes."""

    epoch: Epoch
    request: Any
    before: int | None = None  # the server's step count when it was sent
    task: asyncio.Future[Any] | None = None  # its poll, once the server accepted it
    verdict: asyncio.Future[Verdict] | None = None  # set by the abort that decides its fate
    retry: bool = False  # resend it if that abort shows it was not applied
    done: asyncio.Future[None] | None = None  # resolved once its fate is known, in any way


class Fate(enum.Enum):
    """What an abort's step counter says about an ``optim_step`` in doubt."""

    APPLIED = "applied"
    NOT_APPLIED = "not_applied"
    UNKNOWN = "unknown"  # the step count before it was not known
    DIVERGED = "diverged"  # the counter fits neither


@dataclass(frozen=True)
class Verdict:
    fate: Fate
    server_step: int | None
    cause: XorlError | None = None


@dataclass(eq=False)
class Epoch:
    """The ``forward_backward`` calls of one step, and the ``optim_step`` closing it."""

    number: int
    calls: list[HeldCall] = field(default_factory=list)
    step: StepCall | None = None
    state: EpochState = EpochState.OPEN
    reason: XorlError | None = None  # why it became VOID
    server_step: int | None = None  # the step count the abort that voided it reported


class EpochLedger:
    """Per-client record of open epochs and of what the server is known to hold."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        # Taken by the client together with its submission ticket, and when an epoch is given
        # up, so "the epoch a call joins" and "the order of calls" agree.
        self.lock = threading.RLock()
        self._numbers = itertools.count(1)
        self.current = Epoch(next(self._numbers))
        self.live: list[Epoch] = [self.current]  # epochs not SETTLED / CLOSED
        self.known_step: int | None = None
        self.owes_abort = False
        self.unsettled_step: StepCall | None = None
        self.diverged: SessionStateError | None = None
        self.last_step: StepCall | None = None
        self.awaiting_abort: list[Epoch] = []  # given up, not yet discarded on the server
        self._attention: asyncio.Event | None = None
        self._doubted: asyncio.Event | None = None

    # -- call time (any thread; the caller holds ``lock`` together with taking its ticket) --

    def add_forward_backward(self, requests: list[Any], sizes: list[int]) -> HeldCall:
        epoch = self.current
        held = HeldCall(epoch, len(epoch.calls) + 1, requests, sizes)
        epoch.calls.append(held)
        return held

    def close_with_step(self, request: Any) -> StepCall:
        """The ``optim_step`` call: it closes the current epoch; later calls start a new one."""
        epoch = self.current
        step = StepCall(epoch, request)
        epoch.step = step
        self._new_current()
        return step

    def end_current(self) -> Epoch:
        """A user ``abort_gradient_epoch``: the current epoch ends without a step."""
        epoch = self.current
        self._new_current()
        return epoch

    # -- on the SDK loop ----------------------------------------------------------------

    @property
    def attention(self) -> asyncio.Event:
        """Set while the server state needs settling (an abort is owed or a step in doubt)."""
        if self._attention is None:
            self._attention = asyncio.Event()
            if self.needs_settling:
                self._attention.set()
        return self._attention

    @property
    def doubted(self) -> asyncio.Event:
        """Set while an ``optim_step`` is in doubt (:attr:`unsettled_step`)."""
        if self._doubted is None:
            self._doubted = asyncio.Event()
            if self.unsettled_step is not None:
                self._doubted.set()
        return self._doubted

    @property
    def needs_settling(self) -> bool:
        return self.owes_abort or self.unsettled_step is not None

    def flag(self) -> None:
        """Re-evaluate :attr:`attention` and :attr:`doubted` after a change."""
        if self.needs_settling:
            self.attention.set()
        elif self._attention is not None:
            self._attention.clear()
        if self.unsettled_step is not None:
            self.doubted.set()
        elif self._doubted is not None:
            self._doubted.clear()

    def void(self, epoch: Epoch, reason: XorlError | None) -> None:
        """Give up on ``epoch``: none of it may count, and an abort is owed before any send.

        The epoch stays current until its ``optim_step`` (or an abort or load) is called:
        which epoch a call joins depends on call order only, never on when a failure was
        noticed, so a pipelined ``forward_backward`` called after a failed one (but before
        the user could see the failure) cannot end up in an epoch of its own.
        """
        if epoch.state in (EpochState.VOID, EpochState.SETTLED, EpochState.CLOSED):
            return
        epoch.state = EpochState.VOID
        epoch.reason = reason
        self.owes_abort = True
        self.awaiting_abort.append(epoch)
        self._forget(epoch)
        self.flag()

    def settle(self, epoch: Epoch, step: int | None) -> None:
        """``epoch`` s step was applied as step number ``step`` (``None``: not reported)."""
        epoch.state = EpochState.SETTLED
        self.known_step = step
        self._forget(epoch)

    def close(self, epoch: Epoch) -> None:
        if epoch.state in (EpochState.OPEN, EpochState.STEPPING):
            epoch.state = EpochState.CLOSED
        self._forget(epoch)

    def _forget(self, epoch: Epoch) -> None:
        if epoch in self.live and epoch is not self.current:
            self.live.remove(epoch)

    def _new_current(self) -> None:
        previous = self.current
        self.current = Epoch(next(self._numbers))
        self.live.append(self.current)
        if previous.state is not EpochState.OPEN:
            self._forget(previous)

    def void_open(self, reason: XorlError | None) -> None:
        """Give up on every epoch that has not been stepped yet."""
        for epoch in list(self.live):
            if epoch.state is EpochState.OPEN and any(h.sent for h in epoch.calls):
                self.void(epoch, reason)

    def replayable(self) -> list[HeldCall]:
        """Calls the server held in open epochs: what an abort discards and must be resent."""
        return [
            held
            for epoch in self.live
            if epoch.state is EpochState.OPEN
            for held in epoch.calls
            if held.sent
        ]

    def reset(self, upto: Epoch) -> None:
        """After ``load_state*``: the server's state is the checkpoint's and nothing is owed.

        ``upto`` is the last epoch called before the load; those up to it are over, the ones
        called after it (waiting behind the load) go on.
        """
        for epoch in list(self.live):
            if epoch.number <= upto.number:
                self.close(epoch)
        self.known_step = None
        self.owes_abort = False
        self.awaiting_abort.clear()
        self.unsettled_step = None
        self.diverged = None
        self.flag()
