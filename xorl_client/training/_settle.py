"""Keeping the server's gradient state one this client can vouch for.

Everything here runs on the SDK loop while the caller holds its client's submission turn, so
no other request of the client leaves meanwhile. The one repair for every doubt is
:meth:`Settler.reconcile`:

1. wait until every request of this client the server accepted has finished (so the abort
   cannot overtake one on its way to the engine);
2. ``abort_gradient_epoch`` (idempotent: resent until the deadline), which discards every
   gradient since the last applied step and reports the step counter;
3. read the counter: it decides an ``optim_step`` in doubt (one more than before: applied;
   unchanged: not applied) and shows a session that was reset or stepped by someone else;
4. replay every ``forward_backward`` of the open epoch from the payloads the ledger holds,
   with fresh ``seq_id`` s, which still sort before the ``optim_step`` waiting behind them.

A doubt that arises while the turn is someone else's is flagged on the ledger; the next
turn settles it before sending anything.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Final, TypeVar

from xorl_client._ordering import SubmissionSequencer
from xorl_client.chunking import merge_outputs
from xorl_client.errors import (
    APITimeoutError,
    FutureExpiredError,
    Outcome,
    RequestFailedError,
    XorlError,
    with_outcome,
)
from xorl_client.training import _verdicts as verdicts
from xorl_client.training.epoch import (
    Attempt,
    Epoch,
    EpochLedger,
    EpochState,
    Fate,
    HeldCall,
    StepCall,
    Verdict,
)
from xorl_client.training.wire import request_model, wire_dict
from xorl_client.types import AbortGradientEpochOutput, ForwardBackwardOutput

if TYPE_CHECKING:
    from xorl_client.training._submit import Submitter

__all__ = ["Settler", "outcome_of_failure"]

T = TypeVar("T")

#: How often a lost abort future (a server restart) is asked again before giving up.
_ABORT_TRIES: Final = 3


def outcome_of_failure(error: BaseException) -> Outcome:
    """What a failed request did (anything without an outcome counts as in doubt).

    A future that failed with the server's ``504: ... timeout`` is ``UNKNOWN``
    (:meth:`RequestFailedError.outcome_for`): the engine may still run the request.
    """
    if isinstance(error, XorlError) and error.outcome is not None:
        return error.outcome
    return Outcome.UNKNOWN


class Settler:
    """Sends the gradient-bearing requests of one client and repairs what faults leave."""

    def __init__(
        self,
        submitter: Submitter,
        ledger: EpochLedger,
        sequencer: SubmissionSequencer,
        *,
        model_id: str,
        settle_timeout: float,
    ) -> None:
        self.submitter = submitter
        self.ledger = ledger
        self.sequencer = sequencer
        self.model_id = model_id
        self.settle_timeout = settle_timeout

    # -- deadlines ------------------------------------------------------------------------

    def time_left(self, deadline: float | None) -> bool:
        left = self.submitter.transport.policy.remaining(deadline)
        return left is None or left > 0

    def settle_deadline(self, deadline: float | None) -> float | None:
        """``deadline`` while it lasts; after it, a fresh ``settle_timeout`` to find out what
        an operation whose deadline passed did (a late answer beats an unknown one)."""
        if self.time_left(deadline):
            return deadline
        return self.submitter.transport.policy.deadline_after(self.settle_timeout)

    # -- turns ----------------------------------------------------------------------------

    async def before_send(
        self, operation: str, deadline: float | None, *, accept_state: bool = False
    ) -> None:
        """What every turn does first: refuse on a diverged session, settle what is owed."""
        ledger = self.ledger
        if not ledger.enabled:
            return
        if ledger.diverged is not None and not accept_state:
            raise verdicts.diverged(
                operation,
                expected=ledger.diverged.expected_step,
                server_step=ledger.diverged.server_step,
            )
        if ledger.needs_settling:
            await self.reconcile(operation, deadline)

    async def hold(self, awaitable: Awaitable[T], operation: str, deadline: float | None) -> T:
        """Wait for ``awaitable`` (earlier calls) while holding the turn.

        An earlier ``optim_step`` whose result was lost needs a turn to be decided, and this
        one holds it: so whenever a step is in doubt meanwhile, it is decided here.
        """
        waited = asyncio.ensure_future(awaitable)
        ledger = self.ledger
        while not waited.done():
            step = ledger.unsettled_step if ledger.enabled else None
            if step is not None:
                try:
                    await self.reconcile(operation, self.settle_deadline(deadline))
                except XorlError as exc:
                    if step.verdict is None or not step.verdict.done():
                        self._unreachable(step, exc)
                continue
            doubt = asyncio.ensure_future(ledger.doubted.wait())
            try:
                left = self.submitter.transport.policy.remaining(deadline)
                await asyncio.wait(
                    {waited, doubt}, timeout=left, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                doubt.cancel()
            if not waited.done() and not self.time_left(deadline):
                waited.cancel()
                raise with_outcome(APITimeoutError, Outcome.NOT_SENT)(
                    f"{operation}: the deadline passed while waiting for this client's earlier "
                    "calls to finish; it was not sent"
                )
        return waited.result()

    # -- forward_backward -----------------------------------------------------------------

    async def send_attempt(self, held: HeldCall, deadline: float | None) -> None:
        """Submit every chunk of ``held`` (fresh ``seq_id`` s) and make that its attempt."""
        held.sent = True
        ids: list[str] = []
        polls: list[asyncio.Task[Any]] = []
        try:
            for request in held.requests:
                request_id = await self.submitter.submit("forward_backward", request, deadline)
                ids.append(request_id)
                polls.append(
                    asyncio.ensure_future(
                        self.submitter.poll(request_id, "forward_backward", deadline)
                    )
                )
        except XorlError as exc:
            if polls:  # accepted chunks still run on the server: an abort waits for them
                self.submitter.track(asyncio.gather(*polls, return_exceptions=True))
                if not self.ledger.enabled:
                    exc.add_note(
                        f"{len(ids)} of {len(held.requests)} chunks of this batch were already "
                        "accepted and their gradients will accumulate; call "
                        "abort_gradient_epoch() before replaying the batch."
                    )
            raise
        attempt = Attempt(ids)
        attempt.task = self.submitter.track(self._attempt_output(held, attempt, polls))
        held.install(attempt)

    async def _attempt_output(
        self, held: HeldCall, attempt: Attempt, polls: list[asyncio.Task[Any]]
    ) -> ForwardBackwardOutput:
        # Every chunk is waited for even after one failed: the others still run on the
        # server, and an abort must not overtake them.
        parsed = await asyncio.gather(*polls, return_exceptions=True)
        for item in parsed:
            if isinstance(item, BaseException):
                if isinstance(item, XorlError) and held.attempt is attempt:
                    held.failure = item
                    if self.ledger.enabled and held.epoch.state is EpochState.OPEN:
                        self.ledger.void(held.epoch, item)
                held.conclude(attempt, item)
                raise item
        outputs = [ForwardBackwardOutput.from_wire(wire_dict(p)) for p in parsed]
        output = outputs[0] if len(outputs) == 1 else merge_outputs(outputs, held.sizes)
        held.conclude(attempt, output)
        return output

    async def output_of(self, held: HeldCall) -> ForwardBackwardOutput:
        """The caller's answer: the output of the attempt of ``held`` that counts."""
        assert held.outcome is not None
        try:
            return await asyncio.shield(held.outcome)
        except XorlError as error:
            mapped = self._forward_backward_failed(held, error)
            if mapped is error:
                raise
            raise mapped from error

    def _forward_backward_failed(self, held: HeldCall, error: BaseException) -> BaseException:
        """The error a call whose counted attempt failed raises (see docs/reliability.md)."""
        epoch = held.epoch
        if not self.ledger.enabled or not isinstance(error, XorlError):
            return error
        if epoch.state is not EpochState.VOID:
            error.add_note(
                "The optim_step of this gradient epoch had already been queued behind it; that "
                "step's result says whether it was applied to the rest of the epoch."
            )
            return error
        if outcome_of_failure(error) is Outcome.UNKNOWN:  # in doubt, and then discarded
            return verdicts.epoch_aborted(
                "forward_backward",
                epoch,
                why=f"its result was lost ({verdicts.summary(error)})",
                outcome=Outcome.FAILED,
                server_step=epoch.server_step,
                held=held,
            )
        error.add_note(verdicts.epoch_void_note(epoch))
        return error

    # -- the repair -----------------------------------------------------------------------

    async def reconcile(self, operation: str, deadline: float | None) -> None:
        """Abort, read the step counter, decide any step in doubt, replay the open epoch."""
        ledger = self.ledger
        while ledger.needs_settling:
            await self.submitter.drain(deadline, operation)
            result = await self._abort(operation, deadline)
            ledger.owes_abort = False
            try:
                self._read_counter(operation, result.step)
            finally:  # this abort discarded every epoch given up so far (also just now)
                for epoch in ledger.awaiting_abort:
                    epoch.server_step = result.step
                ledger.awaiting_abort.clear()
            ledger.flag()
            for held in ledger.replayable():
                if held.epoch.state is EpochState.OPEN and not await self._replay(held, deadline):
                    break

    def give_up(self, epoch: Epoch, error: XorlError) -> XorlError:
        """A call of ``epoch`` could not be sent: the epoch cannot be completed as called, so
        it is given up (the server may hold its earlier calls' gradients). Returns ``error``."""
        if self.ledger.enabled and epoch.state is EpochState.OPEN:
            self.ledger.void(epoch, error)
            error.add_note(verdicts.epoch_void_note(epoch))
        return error

    async def settle_now(self, operation: str, deadline: float | None) -> None:
        """Discard a given-up epoch on the server while the turn is ours, if it answers; if
        not, the abort stays owed and the next turn sends it before anything else."""
        with contextlib.suppress(XorlError):
            await self.reconcile(operation, self.settle_deadline(deadline))

    async def _replay(self, held: HeldCall, deadline: float | None) -> bool:
        try:
            await self.send_attempt(held, deadline)
        except XorlError as exc:
            if exc.outcome is Outcome.UNKNOWN and self.time_left(deadline):
                self.ledger.owes_abort = True  # abort once more, and replay again
                self.ledger.flag()
            else:
                self.ledger.void(held.epoch, exc)
            return False
        return True

    async def _abort(self, operation: str, deadline: float | None) -> AbortGradientEpochOutput:
        for tries in range(1, _ABORT_TRIES + 1):
            request = request_model("abort_gradient_epoch", {"model_id": self.model_id})
            try:
                request_id = await self.submitter.submit(
                    "abort_gradient_epoch", request, deadline, idempotent=True
                )
                parsed = await self.submitter.poll(request_id, "abort_gradient_epoch", deadline)
            except (FutureExpiredError, RequestFailedError) as exc:
                retry = outcome_of_failure(exc) is Outcome.UNKNOWN
                if retry and tries < _ABORT_TRIES and self.time_left(deadline):
                    continue  # lost (a restart) or timed out server-side: asking again is safe
                if isinstance(exc, FutureExpiredError):
                    raise
                self.ledger.diverged = verdicts.cannot_abort(
                    operation, exc, known=self.ledger.known_step
                )
                self.ledger.void_open(self.ledger.diverged)
                raise self.ledger.diverged from exc
            return AbortGradientEpochOutput.from_wire(wire_dict(parsed))
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_counter(self, operation: str, server_step: int) -> None:
        """Decide a step in doubt from the abort's counter; raise if the counter shows the
        session is not what this client built (a reset, another client's step)."""
        ledger = self.ledger
        step, known = ledger.unsettled_step, ledger.known_step
        ledger.known_step = server_step
        diverged = False
        if step is not None:
            ledger.unsettled_step = None
            fate = _fate(step.before, server_step)
            if fate is Fate.APPLIED:
                ledger.settle(step.epoch, server_step)
            elif fate is not Fate.NOT_APPLIED or not step.retry:
                ledger.void(step.epoch, None)
                ledger.owes_abort = False  # this very abort discarded it
            if fate is Fate.DIVERGED:
                self._diverge(operation, step.before, server_step)
                diverged = True
            assert step.verdict is not None
            if not step.verdict.done():
                step.verdict.set_result(Verdict(fate, server_step))
        elif known is not None and server_step != known:
            self._diverge(operation, known, server_step)
            diverged = True
        if diverged and ledger.diverged is not None:
            raise ledger.diverged

    def _diverge(self, operation: str, expected: int | None, server_step: int) -> None:
        ledger = self.ledger
        ledger.diverged = verdicts.diverged(operation, expected=expected, server_step=server_step)
        ledger.void_open(ledger.diverged)
        ledger.owes_abort = False  # the abort that found it discarded everything

    # -- an optim_step in doubt -------------------------------------------------------------

    async def decide(self, step: StepCall, operation: str, deadline: float | None) -> Verdict:
        """Find out from the server whether ``step`` was applied, holding the turn."""
        self._doubt(step)
        try:
            await self.reconcile(operation, self.settle_deadline(deadline))
        except XorlError as exc:
            if not self._verdict(step).done():
                self._unreachable(step, exc)
        return self._verdict(step).result()

    async def decide_later(self, step: StepCall, operation: str, deadline: float | None) -> Verdict:
        """Like :meth:`decide` for a step whose poll failed after its turn: wait for a turn
        of its own, unless an earlier turn settles it first."""
        verdict = self._verdict(step)
        deadline = self.settle_deadline(deadline)
        ticket = self.sequencer.take()
        turn: asyncio.Future[Any] = asyncio.ensure_future(self.sequencer.turn(ticket))
        try:
            await asyncio.wait({turn, verdict}, return_when=asyncio.FIRST_COMPLETED)
            if not verdict.done():
                await self.reconcile(operation, deadline)
        except XorlError as exc:
            if not verdict.done():
                self._unreachable(step, exc)
        finally:
            turn.cancel()
            self.sequencer.release(ticket)
        return verdict.result()

    def doubt(self, step: StepCall) -> None:
        """Flag ``step`` as in doubt: the next abort decides it."""
        self._doubt(step)

    def _doubt(self, step: StepCall) -> None:
        self._verdict(step)
        self.ledger.unsettled_step = step
        self.ledger.flag()

    @staticmethod
    def _verdict(step: StepCall) -> asyncio.Future[Verdict]:
        if step.verdict is None:
            step.verdict = asyncio.get_running_loop().create_future()
        return step.verdict

    def _unreachable(self, step: StepCall, cause: XorlError) -> None:
        """The server could not be asked: the user is told it is unknown; the SDK still
        aborts before sending anything else, and no longer knows the step count."""
        ledger = self.ledger
        if ledger.unsettled_step is step:
            ledger.unsettled_step = None
        ledger.void(step.epoch, cause)
        ledger.known_step = None
        ledger.flag()
        self._verdict(step).set_result(Verdict(Fate.UNKNOWN, None, cause))


def _fate(before: int | None, server_step: int) -> Fate:
    if before is None:
        return Fate.UNKNOWN
    if server_step == before + 1:
        return Fate.APPLIED
    if server_step == before:
        return Fate.NOT_APPLIED
    return Fate.DIVERGED
