"""The ``optim_step`` of an epoch: when it may leave, and what its answer means.

It leaves (:meth:`StepRunner.send`, in its client's turn) only once every ``forward_backward``
of its epoch was accepted or repaired and the previous step of the client is settled; so the
server holds the whole epoch, under lower ``seq_id`` s, when it arrives. Its answer
(:meth:`StepRunner.result`) is checked against the epoch (did every batch run?) and against the
step counter (exactly one more than before?); a lost answer is decided from the counter an
abort reports, never guessed (``_settle.py``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from xorl_client.errors import Outcome, XorlError
from xorl_client.training import _verdicts as verdicts
from xorl_client.training._settle import Settler, outcome_of_failure
from xorl_client.training.epoch import EpochState, Fate, HeldCall, StepCall
from xorl_client.training.wire import wire_dict
from xorl_client.types import OptimStepOutput

if TYPE_CHECKING:
    from xorl_client._transport import Transport

__all__ = ["StepRunner"]


class StepRunner:
    """Sends ``optim_step`` s and turns their answers (or their loss) into the user's result."""

    def __init__(self, settler: Settler, transport: Transport) -> None:
        self.settler = settler
        self.transport = transport

    async def send(self, step: StepCall, deadline: float | None) -> OptimStepOutput | None:
        """Phase 1 of ``step``; an output if its fate was settled without a poll."""
        settler, ledger, epoch = self.settler, self.settler.ledger, step.epoch
        try:
            await settler.before_send("optim_step", deadline)
            previous, ledger.last_step = ledger.last_step, step
            done = previous.done if previous is not None else None
            if ledger.enabled and done is not None and not done.done():
                # One step in flight at a time: the server's state after it must be known.
                await settler.hold(asyncio.shield(done), "optim_step", deadline)
        except XorlError as exc:
            settler.give_up(epoch, exc)
            raise
        while True:
            if epoch.state is EpochState.VOID:
                raise verdicts.given_up("optim_step", epoch)
            step.before = ledger.known_step
            try:
                request_id = await self.settler.submitter.submit(
                    "optim_step", step.request, deadline
                )
            except XorlError as exc:
                if not ledger.enabled:
                    raise
                if exc.outcome is not Outcome.UNKNOWN:
                    ledger.void(epoch, exc)
                    await settler.settle_now("optim_step", deadline)
                    raise verdicts.epoch_aborted(
                        "optim_step",
                        epoch,
                        why=f"it was not applied ({verdicts.summary(exc)})",
                        outcome=exc.outcome or Outcome.FAILED,
                        server_step=epoch.server_step,
                    ) from exc
                step.retry = settler.time_left(deadline)
                verdict = await settler.decide(step, "optim_step", deadline)
                replayed = epoch.state is EpochState.OPEN
                if verdict.fate is Fate.NOT_APPLIED and step.retry and replayed:
                    step.verdict = None
                    continue  # the epoch was replayed: send the step again
                return self._judge(step, verdict, exc)
            epoch.state = EpochState.STEPPING
            step.task = self.settler.submitter.track(self._poll_step(step, request_id, deadline))
            return None

    async def _poll_step(self, step: StepCall, request_id: str, deadline: float | None) -> Any:
        try:
            parsed = await self.settler.submitter.poll(request_id, "optim_step", deadline)
        except XorlError as exc:
            if self.settler.ledger.enabled:
                if outcome_of_failure(exc) is Outcome.UNKNOWN:
                    self.settler.doubt(step)
                else:
                    self.settler.ledger.void(step.epoch, exc)
            raise
        if self.settler.ledger.enabled:
            self.settler.ledger.settle(
                step.epoch, OptimStepOutput.from_wire(wire_dict(parsed)).step
            )
        return parsed

    async def result(self, step: StepCall, deadline: float | None) -> OptimStepOutput:
        assert step.task is not None
        epoch, ledger = step.epoch, self.settler.ledger
        try:
            parsed = await asyncio.shield(step.task)
        except XorlError as exc:
            if not ledger.enabled:
                raise
            if outcome_of_failure(exc) is not Outcome.UNKNOWN:
                raise verdicts.epoch_aborted(
                    "optim_step",
                    epoch,
                    why=f"it failed on the server ({verdicts.summary(exc)})",
                    outcome=Outcome.FAILED,
                    server_step=None,
                ) from exc
            verdict = await self.settler.decide_later(step, "optim_step", deadline)
            return self._judge(step, verdict, exc)
        out = OptimStepOutput.from_wire(wire_dict(parsed))
        if ledger.enabled:
            await self._check_step(step, out)
        return out

    async def _check_step(self, step: StepCall, out: OptimStepOutput) -> None:
        """An applied step must have used its whole epoch and advanced the counter by one."""
        failed = []
        for held in step.epoch.calls:
            task = held.attempt.task if held.attempt is not None else None
            if task is not None and not task.done():
                await asyncio.wait({task})  # it ran before the step; its answer is on the way
            if held.failure is not None and not await self._ran_after_all(held):
                failed.append(held)
        expected = None if step.before is None else step.before + 1
        jumped = expected is not None and out.step is not None and out.step != expected
        if failed or jumped:
            raise verdicts.step_integrity(
                step.epoch, step=out.step, expected=expected, failed=failed
            )

    async def _ran_after_all(self, held: HeldCall) -> bool:
        """Whether a call whose result was lost (not failed) did run: ask for it again."""
        error, attempt = held.failure, held.attempt
        if error is None or attempt is None or outcome_of_failure(error) is not Outcome.UNKNOWN:
            return False
        deadline = self.transport.policy.deadline_after(self.transport.config.settle_timeout)
        try:
            for request_id in attempt.request_ids:
                await self.settler.submitter.poll(request_id, "forward_backward", deadline)
        except XorlError:
            return False
        held.failure = None
        return True

    def _judge(self, step: StepCall, verdict: Any, cause: XorlError) -> OptimStepOutput:
        """The user's answer for a step whose result was lost, from the abort's counter."""
        epoch = step.epoch
        if verdict.fate is Fate.APPLIED:
            return OptimStepOutput(
                metrics={"step": verdict.server_step},
                info={"result_lost": "applied, proven by the server's step counter"},
            )
        if verdict.fate is Fate.NOT_APPLIED:
            raise verdicts.epoch_aborted(
                "optim_step",
                epoch,
                why=f"it was not applied ({verdicts.summary(cause)})",
                outcome=Outcome.FAILED,
                server_step=verdict.server_step,
            ) from cause
        if verdict.fate is Fate.DIVERGED and self.settler.ledger.diverged is not None:
            raise self.settler.ledger.diverged from cause
        raise verdicts.step_unknown(
            epoch,
            before=step.before,
            server_step=verdict.server_step,
            cause=verdict.cause or cause,
        ) from cause
