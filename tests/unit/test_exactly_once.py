"""Every batch counts once through wire faults: the README's pipelined loop against a scripted
engine (gradients accumulate, steps apply, aborts discard), with answers lost or requests
dropped at chosen points. No network, no sleeping."""

from __future__ import annotations

import httpx
import pytest

import xorl_client as xc

from .fake_server import FakeXorl, make_training_client
from .test_training_client import gate


def datum(first: int) -> xc.Datum:
    ids = [first, first + 1, first + 2]
    return xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})


def pipelined_step(tc: xc.TrainingClient, first: int) -> tuple[list[float], int | None]:
    """The README's loop body: two forward_backward calls and the step, all in flight."""
    fb1 = tc.forward_backward([datum(first)])
    fb2 = tc.forward_backward([datum(first + 10)])
    op = tc.optim_step(xc.AdamParams(learning_rate=1e-4))
    step = op.result(timeout=30).step
    return [fb1.result(timeout=30).loss, fb2.result(timeout=30).loss], step


def ops(server: FakeXorl) -> list[str]:
    return [s.operation for s in server.submissions]


@pytest.mark.parametrize("fault", ["lose", "drop"])
def test_forward_backward_in_doubt_is_aborted_and_replayed_before_its_step(fault: str) -> None:
    server = FakeXorl(try_again_polls=0)
    getattr(server, fault)["forward_backward"] = {2}
    tc = make_training_client(server)
    losses, step = pipelined_step(tc, 1)
    assert step == 1 and losses == [pytest.approx(0.5)] * 2
    assert server.applied == [[(1,), (11,)]]  # each batch exactly once
    executed = ["forward_backward"] * (2 if fault == "lose" else 1)
    assert ops(server) == [
        *executed,
        "abort_gradient_epoch",
        *["forward_backward"] * 2,
        "optim_step",
    ]
    # the replays took seq_ids after the abort's and before the step's
    seq = [s.body["seq_id"] for s in server.submissions]
    assert seq == sorted(seq) and len(set(seq)) == len(seq)


def test_lost_step_is_found_applied_from_the_servers_step_counter() -> None:
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    assert pipelined_step(tc, 1)[1] == 1  # the client now knows the step count
    server.lose["optim_step"] = {2}
    assert pipelined_step(tc, 100)[1] == 2
    assert server.applied == [[(1,), (11,)], [(100,), (110,)]]
    assert ops(server)[-2:] == ["optim_step", "abort_gradient_epoch"]  # never sent twice


def test_dropped_step_is_found_not_applied_and_sent_again_after_a_replay() -> None:
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    pipelined_step(tc, 1)
    server.drop["optim_step"] = {2}
    assert pipelined_step(tc, 100)[1] == 2
    assert server.applied == [[(1,), (11,)], [(100,), (110,)]]
    assert ops(server)[-4:] == [
        "abort_gradient_epoch",
        "forward_backward",
        "forward_backward",
        "optim_step",
    ]


def test_a_step_the_server_timed_out_on_is_in_doubt_not_failed() -> None:
    """A future failing with the server's own "504 ... timeout" may still have run."""
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    pipelined_step(tc, 1)
    server.time_out["optim_step"] = {2}
    assert pipelined_step(tc, 100)[1] == 2  # the abort's counter shows it was applied
    assert server.applied == [[(1,), (11,)], [(100,), (110,)]]
    assert ops(server).count("optim_step") == 2


def test_first_step_lost_without_a_known_step_count_is_a_typed_unknown() -> None:
    server = FakeXorl(try_again_polls=0)
    server.lose["optim_step"] = {1}
    tc = make_training_client(server)
    fb = tc.forward_backward([datum(1)])
    op = tc.optim_step()
    with pytest.raises(xc.StepOutcomeUnknownError) as info:
        op.result(timeout=30)
    err = info.value
    assert err.outcome is xc.Outcome.UNKNOWN and isinstance(err, xc.OutcomeUnknownError)
    assert err.server_step == 1 and err.last_known_step is None
    assert "If your last applied step was 0, this one was applied" in str(err)
    fb.result(timeout=30)
    # the client learned the count: the next step is proven again
    server.lose["optim_step"] = {2}
    assert pipelined_step(tc, 100)[1] == 2


def test_a_batch_that_was_not_sent_voids_its_epoch_and_the_step_is_not_sent() -> None:
    server = FakeXorl(try_again_polls=0)
    original = server.handler
    refused = {"n": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/forward_backward"):
            refused["n"] += 1
            if refused["n"] >= 2 and refused["n"] <= 7:  # fb2 and all its resends
                raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return await original(request)

    server.handler = handler  # type: ignore[method-assign]
    tc = make_training_client(server)
    fb1 = tc.forward_backward([datum(1)])
    fb2 = tc.forward_backward([datum(11)])
    op = tc.optim_step()
    with pytest.raises(xc.APIConnectionError) as fb_error:
        fb2.result(timeout=30)
    assert isinstance(fb_error.value, xc.NotSentError)
    assert "nothing of it counts" in "\n".join(fb_error.value.__notes__)
    with pytest.raises(xc.EpochAbortedError) as op_error:
        op.result(timeout=30)
    assert op_error.value.outcome is xc.Outcome.NOT_SENT
    assert op_error.value.server_step == 0  # the abort that discarded the epoch said so
    assert "discarded the epoch's gradients" in str(op_error.value)
    fb1.result(timeout=30)
    assert "optim_step" not in ops(server) and server.accumulated == []  # fb1 discarded
    # after the epoch's optim_step was called, calls start a fresh epoch
    assert pipelined_step(tc, 100)[1] == 1
    assert server.applied == [[(100,), (110,)]]


def test_an_epoch_ends_at_a_call_never_when_a_failure_is_noticed() -> None:
    """A batch called after a failed one joins the failed epoch even once the failure is
    known, until the epoch's optim_step or an abort ends it; then replaying works."""
    server = FakeXorl(try_again_polls=0)
    original = server.handler
    failing = {"on": True}

    async def handler(request: httpx.Request) -> httpx.Response:
        if failing["on"] and request.url.path.endswith("/forward_backward"):
            return httpx.Response(400, json={"detail": "model_id 'x' has not been registered"})
        return await original(request)

    server.handler = handler  # type: ignore[method-assign]
    tc = make_training_client(server)
    with pytest.raises(xc.BadRequestError) as first:
        tc.forward_backward([datum(1)]).result(timeout=30)
    assert "abort_gradient_epoch()" in "\n".join(first.value.__notes__)
    failing["on"] = False
    with pytest.raises(xc.EpochAbortedError) as later:  # same epoch: not sent
        tc.forward_backward([datum(11)]).result(timeout=30)
    assert later.value.outcome is xc.Outcome.NOT_SENT
    tc.abort_gradient_epoch().result(timeout=30)  # ends it
    assert pipelined_step(tc, 100)[1] == 1
    assert server.applied == [[(100,), (110,)]]


def test_a_gateway_429_after_forwarding_is_not_resent_and_is_repaired() -> None:
    server = FakeXorl(try_again_polls=0)
    original = server.handler
    seen = {"n": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        answer = await original(request)
        if request.url.path.endswith("/forward_backward"):
            seen["n"] += 1
            if seen["n"] == 1:  # forwarded and executed, then the gateway says 429
                return httpx.Response(429, headers={"Retry-After": "0"})
        return answer

    server.handler = handler  # type: ignore[method-assign]
    tc = make_training_client(server)
    assert pipelined_step(tc, 1)[1] == 1
    assert server.applied == [[(1,), (11,)]]


def test_a_batch_failing_after_its_step_was_queued_makes_the_step_a_typed_integrity_error() -> None:
    server = FakeXorl(try_again_polls=0)
    original = server.handler
    gates = []

    async def handler(request: httpx.Request) -> httpx.Response:
        answer = await original(request)
        if request.url.path.endswith("/optim_step") and gates:
            gates[0].set()
        return answer

    server.handler = handler  # type: ignore[method-assign]
    tc = make_training_client(server)
    pipelined_step(tc, 1)
    server.fail["forward_backward"] = {4}  # accepted, then the engine fails it
    # the batches' results come only once the step is queued (as on a busy server)
    gates.append(gate(server, "result:forward_backward"))
    fb1 = tc.forward_backward([datum(100)])
    fb2 = tc.forward_backward([datum(110)])
    op = tc.optim_step()
    with pytest.raises(xc.StepIntegrityError) as info:
        op.result(timeout=30)
    err = info.value
    assert err.outcome is xc.Outcome.APPLIED and err.step == 2 and err.expected_step == 2
    assert "forward_backward #2" in str(err) and "load the last checkpoint" in str(err)
    assert server.applied[-1] == [(100,)]  # what the server did: the step used half the epoch
    fb1.result(timeout=30)
    with pytest.raises(xc.RequestFailedError):
        fb2.result(timeout=30)
    assert pipelined_step(tc, 200)[1] == 3  # the client goes on from the server's count


def test_a_reset_session_fails_every_call_until_the_state_is_accepted() -> None:
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    pipelined_step(tc, 1)
    pipelined_step(tc, 100)
    server.step, server.applied = 0, []  # the server restarted from scratch
    server.lose["forward_backward"] = {5}  # a doubt makes the client ask
    fb = tc.forward_backward([datum(200)])
    op = tc.optim_step()
    with pytest.raises(xc.SessionStateError) as info:
        fb.result(timeout=30)
    assert info.value.expected_step == 2 and info.value.server_step == 0
    with pytest.raises(xc.SessionStateError):
        op.result(timeout=30)
    with pytest.raises(xc.SessionStateError):  # until the state is accepted or reloaded
        tc.forward_backward([datum(300)]).result(timeout=30)
    assert tc.abort_gradient_epoch().result(timeout=30).step == 0
    assert pipelined_step(tc, 400)[1] == 1


def test_calls_queued_behind_a_load_keep_their_epoch() -> None:
    """A load ends the epochs called before it, not the ones waiting behind it."""
    server = FakeXorl(try_again_polls=0)
    server.lose["forward_backward"] = {1}
    tc = make_training_client(server)
    load = tc.load_state_with_optimizer("xorl://default/weights/ckpt")
    assert pipelined_step(tc, 1)[1] == 1  # called while the load was still queued
    load.result(timeout=30)
    assert server.applied == [[(1,), (11,)]]


def test_without_exactly_once_the_doubt_is_reported_and_the_step_runs() -> None:
    """The behaviour exactly_once=True exists to prevent: the step used half the epoch."""
    server = FakeXorl(try_again_polls=0)
    server.drop["forward_backward"] = {2}
    tc = make_training_client(server, exactly_once=False)
    fb1 = tc.forward_backward([datum(1)])
    fb2 = tc.forward_backward([datum(11)])
    op = tc.optim_step()
    with pytest.raises(xc.APIConnectionError) as info:
        fb2.result(timeout=30)
    assert info.value.outcome is xc.Outcome.UNKNOWN
    assert op.result(timeout=30).step == 1
    fb1.result(timeout=30)
    assert server.applied == [[(1,)]]
