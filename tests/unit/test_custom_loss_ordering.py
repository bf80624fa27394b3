"""forward_backward_custom's two phases on the wire: seq_ids reserved at call time, later calls
submitted after both phases, chunk boundaries shared, refusal when no logprobs come back."""

from __future__ import annotations

from typing import Any

import pytest

import xorl_client as xc
from xorl_client.errors import XorlError
from xorl_client.training.custom_loss import CustomLossResult

from .fake_server import FakeXorl, make_training_client


def batch(n: int = 3) -> list[xc.Datum]:
    return [xc.Datum([1, 2, 3, 4], {"labels": [1, 2, 3, 4], "weights": [1, 1, 1, 1]})] * n


def negative_gradient(logprobs: list[list[float]]) -> CustomLossResult:
    return CustomLossResult(2.0, [[-1.0, 0.0, 2.0] for _ in logprobs], {"pairs": 1.0})


def test_later_calls_are_submitted_after_both_phases_with_higher_seq_ids() -> None:
    server = FakeXorl()
    tc = make_training_client(server, chunk_max_items=2)
    custom = tc._custom_backward(batch(3), negative_gradient)
    step = tc.optim_step(xc.AdamParams(learning_rate=1e-4))
    out = custom.result()
    step.result()

    ops = [s.operation for s in server.submissions]
    assert ops == ["forward", "forward", "forward_backward", "forward_backward", "optim_step"]
    seq = server.seq_ids()
    assert seq == sorted(seq) and len(set(seq)) == len(seq)
    # the surrogate reuses the forward's chunk boundaries and the exact coefficient form
    fwd = [s.body["forward_input"] for s in server.submissions[:2]]
    bwd = [s.body["forward_backward_input"] for s in server.submissions[2:4]]
    assert [len(f["data"]) for f in fwd] == [len(b["data"]) for b in bwd] == [2, 1]
    assert all(f["loss_fn"] == "cross_entropy" and "loss_fn_params" not in f for f in fwd)
    assert fwd[0]["data"][0]["loss_fn_inputs"] == {"labels": [1, 2, 3, 4]}  # no weights
    assert bwd[0]["loss_fn"] == "cispo"
    assert bwd[0]["loss_fn_params"] == {"clip_low_threshold": 1.0, "clip_high_threshold": 1.0}
    inputs = bwd[0]["data"][0]["loss_fn_inputs"]
    # -g, with a leading 0 for the labels shift; sampling logprobs are zeros (N - 1)
    assert inputs["advantages"] == [0.0, 1.0, 0.0, -2.0]
    assert inputs["logprobs"] == [0.0, 0.0, 0.0]
    assert out.metrics["loss:sum"] == 2.0 and out.metrics["pairs"] == 1.0
    assert out.metrics["surrogate_loss:sum"] == 0.5 * 9
    assert len(out.loss_fn_outputs) == 3


def test_no_per_token_logprobs_fails_without_accumulating() -> None:
    server = FakeXorl()
    server.failures["forward"] = {
        "loss_fn_output_type": "single_loss",
        "loss_fn_outputs": [{"loss": {"data": [1.0], "dtype": "float32", "shape": [1]}}],
        "metrics": {"loss:sum": 1.0, "loss:mean": 1.0, "valid_tokens": 3},
    }
    tc = make_training_client(server)
    with pytest.raises(XorlError, match="no per-token logprobs"):
        tc._custom_backward(batch(2), negative_gradient).result()
    assert [s.operation for s in server.submissions] == ["forward"]


@pytest.mark.parametrize(
    ("result", "match"),
    [
        (CustomLossResult(float("nan"), [[0.0] * 3]), "must be finite"),
        (CustomLossResult(1.0, []), "0 gradients for 1 datums"),
        (CustomLossResult(1.0, [[0.0, 1.0]]), "2 entries for 3 logprobs"),
    ],
)
def test_bad_loss_results_fail_without_accumulating(result: CustomLossResult, match: str) -> None:
    server = FakeXorl()
    tc = make_training_client(server)

    def compute(logprobs: list[list[float]]) -> Any:
        return result

    with pytest.raises(xc.DataValidationError, match=match):
        tc._custom_backward(batch(1), compute).result()
    assert [s.operation for s in server.submissions] == ["forward"]
