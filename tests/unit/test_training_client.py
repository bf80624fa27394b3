"""TrainingClient behaviour users rely on, against a scripted server (no network, no sleeping)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import random

import httpx
import orjson
import pytest

import xorl_client as xc
from xorl_client import _runtime

from .fake_server import FakeXorl, NoSleep, make_training_client


def datum(n: int = 4, start: int = 1) -> xc.Datum:
    ids = list(range(start, start + n))
    return xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})


def gate(server: FakeXorl, name: str) -> asyncio.Event:
    """An event living on the SDK loop, so the fake server's handler can wait on it."""
    event: asyncio.Event = _runtime.run_coroutine(_make_event()).result()
    server.gates[name] = event
    return event


async def _make_event() -> asyncio.Event:
    return asyncio.Event()


def open_gate(event: asyncio.Event) -> None:
    _runtime.call_soon(event.set)


def test_pipelined_forward_backward_and_optim_step_keep_call_order() -> None:
    server = FakeXorl()
    tc = make_training_client(server)
    fb = tc.forward_backward([datum()], "cross_entropy")
    op = tc.optim_step(xc.AdamParams(learning_rate=1e-4))
    assert op.result(timeout=10).step == 1
    assert fb.result(timeout=10).loss == pytest.approx(0.5)
    fb_seq, op_seq = server.seq_ids()
    assert [s.operation for s in server.submissions] == ["forward_backward", "optim_step"]
    assert fb_seq < op_seq


def test_one_hundred_concurrent_submissions_leave_in_call_order() -> None:
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    rng = random.Random(7)

    original = server.handler

    async def jittery(request: httpx.Request) -> httpx.Response:
        # Reorder whatever can be reordered: the client must still send in call order.
        for _ in range(rng.randrange(4)):
            await asyncio.sleep(0)
        return await original(request)

    server.handler = jittery  # type: ignore[method-assign]
    tc = make_training_client(server)
    futures = []
    for i in range(100):
        if i % 5 == 4:
            futures.append(tc.optim_step(xc.AdamParams()))
        else:
            futures.append(tc.forward_backward([datum(start=i + 1)]))
    for f in futures:
        f.result(timeout=30)
    seq_ids = server.seq_ids()
    assert len(seq_ids) == 100
    assert seq_ids == sorted(seq_ids)
    assert len(set(seq_ids)) == 100
    fb_starts = [
        s.body["forward_backward_input"]["data"][0]["model_input"]["input_ids"][0]
        for s in server.submissions
        if s.operation == "forward_backward"
    ]
    assert fb_starts == sorted(fb_starts)


def test_invalid_batch_raises_before_anything_is_sent() -> None:
    server = FakeXorl()
    tc = make_training_client(server)
    good = datum()
    bad = xc.Datum(
        model_input=xc.ModelInput.from_ints([1, 2, 3]),
        loss_fn_inputs={"labels": [1, 2, 3], "weights": [1.0, float("nan"), 1.0]},
    )
    with pytest.raises(xc.DataValidationError) as info:
        tc.forward_backward([good, good, bad], "cross_entropy")
    assert info.value.datum_index == 2
    assert info.value.field is not None and "weights" in info.value.field
    assert server.submissions == []


def test_large_batch_is_chunked_with_one_seq_id_per_chunk_and_merged() -> None:
    server = FakeXorl()
    tc = make_training_client(server, chunk_max_items=2)
    batch = [datum(n=3 + i, start=10 * i + 1) for i in range(5)]
    out = tc.forward_backward(batch, "cross_entropy").result(timeout=10)
    chunks = [s.body["forward_backward_input"]["data"] for s in server.submissions]
    assert [len(c) for c in chunks] == [2, 2, 1]
    seq_ids = server.seq_ids()
    assert seq_ids == sorted(seq_ids) and len(set(seq_ids)) == 3
    # outputs come back concatenated in datum order, one per datum
    assert [len(o["logprobs"]) for o in out.loss_fn_outputs] == [2 + i for i in range(5)]
    assert out.metrics["valid_tokens:sum"] == sum(2 + i for i in range(5))
    assert out.metrics["loss:sum"] == pytest.approx(0.5 * sum(2 + i for i in range(5)))
    assert out.metrics["loss:mean"] == pytest.approx(0.5)


def test_cancelling_a_queued_call_does_not_block_the_next() -> None:
    server = FakeXorl(try_again_polls=0)
    hold = gate(server, "submit:forward_backward")
    tc = make_training_client(server)
    first = tc.forward_backward([datum()])  # its submission is held by the server
    second = tc.optim_step()  # queued behind the first
    assert second.cancel()
    third = tc.optim_step()
    open_gate(hold)
    first.result(timeout=10)
    assert third.result(timeout=10).step == 1
    with pytest.raises(xc.FutureCancelledError):
        second.result(timeout=1)
    assert [s.operation for s in server.submissions] == ["forward_backward", "optim_step"]


def test_save_state_waits_for_earlier_calls_and_holds_later_ones() -> None:
    server = FakeXorl(try_again_polls=0)
    hold = gate(server, "result:forward_backward")
    tc = make_training_client(server)
    fb = tc.forward_backward([datum()])
    save = tc.save_state("ckpt-1")
    after = tc.forward_backward([datum()])
    open_gate(hold)
    assert save.result(timeout=10).path == "xorl://default/weights/ckpt-1"
    after.result(timeout=10)
    fb.result(timeout=10)
    first_done = server.events.index("done:forward_backward")
    assert server.events.index("submit:save_weights") > first_done
    second_submit = [i for i, e in enumerate(server.events) if e == "submit:forward_backward"][1]
    assert second_submit > server.events.index("done:save_weights")


def test_failed_operation_raises_request_failed_with_the_server_text() -> None:
    server = FakeXorl()
    message = (
        "409: Checkpoint already exists: xorl://default/weights/ckpt-001. To overwrite, "
        "delete it first using /api/v1/delete_checkpoint with checkpoint_id='weights/default/ckpt-001'."
    )
    server.failures["save_weights"] = {"error": message, "category": "server"}
    tc = make_training_client(server)
    with pytest.raises(xc.RequestFailedError) as info:
        tc.save_state("ckpt-001").result(timeout=10)
    assert info.value.status_code == 409
    assert info.value.category == "server"
    assert info.value.request_id == server.submissions[0].request_id
    assert info.value.server_message == message


def test_submission_resent_after_not_ready_503_keeps_its_seq_id() -> None:
    server = FakeXorl(try_again_polls=0)
    server.script.append(
        httpx.Response(503, content=orjson.dumps({"detail": "API server not initialized"}))
    )
    sleeps = NoSleep()
    tc = make_training_client(server, sleep=sleeps)
    first = tc.forward_backward([datum()])
    first.result(timeout=10)
    second = tc.optim_step()
    second.result(timeout=10)
    # the 503 answer consumed one request; the resend carried the same seq_id as planned
    assert len(sleeps.calls) == 1
    fb_seq, op_seq = server.seq_ids()
    assert op_seq == fb_seq + 1


@pytest.mark.parametrize("exactly_once", [True, False])
def test_submission_not_resent_after_an_ambiguous_read_timeout(exactly_once: bool) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ReadTimeout("timed out", request=request)

    server = FakeXorl()
    server.handler = handler  # type: ignore[assignment, method-assign]
    tc = make_training_client(
        server, exactly_once=exactly_once, operation_timeout=0.2, settle_timeout=0.2
    )
    with pytest.raises(xc.TransportError if not exactly_once else xc.EpochAbortedError) as info:
        tc.forward_backward([datum()]).result(timeout=10)
    # the batch itself was sent once; what followed were aborts (idempotent) trying to
    # discard it again
    assert calls.count("/api/v1/forward_backward") == 1
    assert set(calls) <= {"/api/v1/forward_backward", "/api/v1/abort_gradient_epoch"}
    if exactly_once:
        assert info.value.outcome is xc.Outcome.FAILED
        assert "discards the epoch's gradients" in str(info.value)
    else:
        assert info.value.outcome is xc.Outcome.UNKNOWN and calls == calls[:1]


def test_tinker_shaped_inputs_are_accepted() -> None:
    class Chunk:
        def __init__(self, tokens: list[int]) -> None:
            self.tokens = tokens
            self.type = "encoded_text"

    class TinkerModelInput:
        def __init__(self, tokens: list[int]) -> None:
            self.chunks = [Chunk(tokens)]

    class TinkerTensor:
        def __init__(self, data: list[float], dtype: str) -> None:
            self.data, self.dtype, self.shape = data, dtype, [len(data)]

    class TinkerDatum:
        def __init__(self) -> None:
            self.model_input = TinkerModelInput([5, 6, 7])
            self.loss_fn_inputs = {
                "target_tokens": TinkerTensor([6, 7, 8], "int64"),
                "weights": TinkerTensor([1.0, 1.0, 1.0], "float32"),
            }

    class TinkerAdam:
        learning_rate, beta1, beta2, eps, weight_decay, grad_clip_norm = (
            2e-5,
            0.9,
            0.95,
            1e-12,
            0.0,
            1.0,
        )

    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    tc.forward_backward(
        [TinkerDatum()], "cross_entropy", loss_fn_config={"return_per_token": True}
    ).result(timeout=10)
    tc.optim_step(TinkerAdam()).result(timeout=10)
    fb_body, op_body = (s.body for s in server.submissions)
    sent = fb_body["forward_backward_input"]
    assert sent["data"][0]["model_input"] == {"input_ids": [5, 6, 7]}
    assert sent["data"][0]["loss_fn_inputs"]["target_tokens"] == [6, 7, 8]
    assert sent["loss_fn_params"] == {"return_per_token": True}
    assert op_body["adam_params"]["learning_rate"] == 2e-5
    assert op_body["adam_params"]["grad_clip_norm"] == 1.0


def test_result_called_on_the_sdk_loop_refuses_instead_of_deadlocking() -> None:
    server = FakeXorl(try_again_polls=0)
    hold = gate(server, "submit:optim_step")
    tc = make_training_client(server)
    op = tc.optim_step()

    async def block_on_loop() -> None:
        op.result(timeout=5)

    with pytest.raises(RuntimeError, match="await"):
        _runtime.run_coroutine(block_on_loop()).result(timeout=5)
    open_gate(hold)
    op.result(timeout=10)


def test_await_from_a_user_event_loop() -> None:
    server = FakeXorl(try_again_polls=2)
    tc = make_training_client(server)

    async def main() -> float:
        out = await tc.forward([datum()], "cross_entropy")
        return out.loss

    assert asyncio.run(main()) == pytest.approx(0.5)
    assert len(server.polls) == 3


def test_api_key_never_leaks_from_the_facade() -> None:
    key = "sk-very-secret-key-123"

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {key}"
        return httpx.Response(
            400,
            content=orjson.dumps({"detail": "model_id 'x' has not been registered."}),
        )

    service = xc.ServiceClient(
        base_url="http://xorl.test", api_key=key, httpx_transport=httpx.MockTransport(handler)
    )
    try:
        assert key not in repr(service) and key not in repr(service.config)
        with pytest.raises(xc.BadRequestError) as info:
            service.create_training_client("m")
        assert key not in str(info.value) and key not in repr(info.value)
    finally:
        service.close()


def test_env_vars_configure_the_service_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XORL_BASE_URL", "http://10.255.255.1:6000/")
    monkeypatch.setenv("XORL_API_KEY", "sk-from-env")
    service = xc.ServiceClient()
    try:
        assert service.config.url == "http://10.255.255.1:6000"
        assert service.config.api_key_value() == "sk-from-env"
        assert "sk-from-env" not in repr(service)
    finally:
        service.close()
    monkeypatch.delenv("XORL_BASE_URL")
    with pytest.raises(xc.ConfigurationError, match="XORL_BASE_URL"):
        xc.ServiceClient()


def test_checkpoint_names_are_validated_before_sending() -> None:
    server = FakeXorl()
    tc = make_training_client(server)
    for name in ("../escape", "a/b", "", ".hidden"):
        with pytest.raises(xc.DataValidationError):
            tc.save_state(name)
    with pytest.raises(xc.DataValidationError):
        tc.load_state("xorl://default/weights/../../etc")
    assert server.submissions == []


def test_futures_are_concurrent_futures_underneath() -> None:
    """add_done_callback fires with the APIFuture once the result exists."""
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    seen: concurrent.futures.Future[float] = concurrent.futures.Future()
    fut = tc.forward([datum()])
    fut.add_done_callback(lambda f: seen.set_result(f.result().loss))
    assert seen.result(timeout=10) == pytest.approx(0.5)


def test_an_option_the_schema_rejects_fails_at_call_time() -> None:
    server = FakeXorl()
    tc = make_training_client(server)
    with pytest.raises(xc.DataValidationError, match="sync_inference_weights"):
        tc.sync_inference_weights(pause_mode="freeze")
    assert server.submissions == []


def test_a_chunk_that_trains_nothing_is_refused_before_anything_is_sent() -> None:
    """The server fails a request whose every position is masked; one such chunk among
    others would leave the batch half applied, so the SDK refuses the batch first."""
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server, chunk_max_items=1)
    trained = xc.Datum([1, 2, 3], {"target_tokens": [2, 3, 4], "weights": [0, 1, 1]})
    masked = xc.Datum([1, 2, 3], {"target_tokens": [2, 3, 4], "weights": [0, 0, 0]})
    with pytest.raises(xc.DataValidationError, match="chunk 2 of 2") as info:
        tc.forward_backward([trained, masked], "cross_entropy")
    assert info.value.rule == "a request trains at least one position"
    with pytest.raises(xc.DataValidationError, match="of the batch"):
        tc.forward_backward([masked], "cross_entropy")
    assert server.submissions == []
    # The same datums travel fine together: the masked one rides with a trained one.
    together = make_training_client(server)
    assert together.forward_backward([trained, masked], "cross_entropy").result().loss_fn_outputs
