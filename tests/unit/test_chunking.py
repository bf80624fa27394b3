"""split_batch, estimate_datum_bytes, merge_metrics, merge_outputs."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from xorl_client.chunking import (
    DEFAULT_MAX_CHUNK_BYTES,
    DEFAULT_MAX_CHUNK_ITEMS,
    estimate_datum_bytes,
    merge_metrics,
    merge_outputs,
    split_batch,
)
from xorl_client.errors import ConfigurationError
from xorl_client.types import Datum, ForwardBackwardOutput, ModelInput, TensorData


def datum(tag: int, n: int = 4) -> Datum:
    ids = [tag] * n
    return Datum(ModelInput.from_ints(ids), {"labels": list(ids), "weights": [1] * n})


# -- estimate ------------------------------------------------------------------------------------


def test_defaults() -> None:
    assert DEFAULT_MAX_CHUNK_ITEMS == 1024
    assert DEFAULT_MAX_CHUNK_BYTES == 5_000_000


def test_estimate_grows_with_tokens_and_fields() -> None:
    small = Datum(ModelInput.from_ints([1] * 10), {})
    big = Datum(ModelInput.from_ints([1] * 1000), {})
    with_inputs = Datum(ModelInput.from_ints([1] * 10), {"advantages": [0.5] * 10})
    assert estimate_datum_bytes(big) > estimate_datum_bytes(small)
    assert estimate_datum_bytes(with_inputs) > estimate_datum_bytes(small)


@pytest.mark.parametrize(
    "d",
    [
        Datum(ModelInput.from_ints(list(range(1000, 3000))), {"target_tokens": list(range(2000))}),
        Datum(
            ModelInput.from_ints([31999] * 500),
            {
                "labels": [31999] * 500,
                "advantages": [0.123456] * 500,
                "logprobs": [-1.2345678] * 499,
            },
        ),
    ],
)
def test_estimate_is_close_to_real_json_size(d: Datum) -> None:
    real = len(orjson.dumps(d.to_wire()))
    est = estimate_datum_bytes(d)
    assert 0.5 * real <= est <= 3 * real


# -- split ---------------------------------------------------------------------------------------


def test_split_by_count_preserves_order() -> None:
    batch = [datum(i) for i in range(10)]
    chunks = split_batch(batch, max_items=3)
    assert [len(c) for c in chunks] == [3, 3, 3, 1]
    assert [d for c in chunks for d in c] == batch
    assert [c[0].model_input.to_ints()[0] for c in chunks] == [0, 3, 6, 9]


def test_split_by_bytes() -> None:
    batch = [datum(i, n=100) for i in range(10)]
    size = estimate_datum_bytes(batch[0])
    chunks = split_batch(batch, max_items=1000, max_bytes=size * 3)
    assert [len(c) for c in chunks] == [3, 3, 3, 1]
    assert all(sum(map(estimate_datum_bytes, c)) <= size * 3 for c in chunks)
    assert [d for c in chunks for d in c] == batch


def test_split_exact_fit_stays_together() -> None:
    batch = [datum(i) for i in range(4)]
    size = estimate_datum_bytes(batch[0])
    assert [len(c) for c in split_batch(batch, max_bytes=size * 4)] == [4]
    assert [len(c) for c in split_batch(batch, max_items=4)] == [4]


def test_oversized_single_datum_gets_its_own_chunk() -> None:
    small = [datum(i) for i in range(3)]
    huge = datum(99, n=10_000)
    limit = estimate_datum_bytes(small[0]) * 2
    chunks = split_batch([small[0], huge, small[1], small[2]], max_bytes=limit)
    assert chunks == [[small[0]], [huge], [small[1], small[2]]]


def test_split_empty_and_defaults() -> None:
    assert split_batch([]) == []
    batch = [datum(i, n=2) for i in range(2000)]
    assert [len(c) for c in split_batch(batch)] == [1024, 976]


@pytest.mark.parametrize(
    "kwargs", [{"max_items": 0}, {"max_bytes": 0}, {"max_items": True}, {"max_bytes": 1.5}]
)
def test_split_rejects_bad_limits(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        split_batch([datum(1)], **kwargs)


# -- merge_metrics -------------------------------------------------------------------------------


def test_merge_metrics_by_suffix() -> None:
    merged = merge_metrics(
        [
            {"a:sum": 1, "b:mean": 1.0, "c:min": 5.0, "d:max": 1.0, "e:p50": 2.0},
            {"a:sum": 2, "b:mean": 4.0, "c:min": 3.0, "d:max": 7.0, "e:p50": 5.0},
        ],
        [1, 2],
    )
    assert merged == {"a:sum": 3, "b:mean": 3.0, "c:min": 3.0, "d:max": 7.0, "e:p50": 4.0}
    assert type(merged["a:sum"]) is int


def test_merge_metrics_suffixless_keys() -> None:
    merged = merge_metrics(
        [
            {
                "ratio_min": 0.5,
                "ratio_max": 1.5,
                "valid_tokens": 10,
                "execution_time": 1.0,
                "executor_pack_s": 2.0,
            },
            {
                "ratio_min": 0.25,
                "ratio_max": 1.25,
                "valid_tokens": 30,
                "execution_time": 2.5,
                "executor_pack_s": 5.0,
            },
        ],
        [3, 1],
    )
    assert merged == {
        "ratio_min": 0.25,
        "ratio_max": 1.5,
        "valid_tokens": 40,
        "execution_time": 3.5,
        "executor_pack_s": pytest.approx((2.0 * 3 + 5.0 * 1) / 4),
    }


def test_merge_metrics_weighted_mean_uses_datum_counts() -> None:
    merged = merge_metrics([{"x:mean": 10.0}, {"x:mean": 0.0}], [9, 1])
    assert merged["x:mean"] == pytest.approx(9.0)


def test_merge_metrics_zero_weights_fall_back_to_plain_mean() -> None:
    assert merge_metrics([{"x:mean": 1.0}, {"x:mean": 3.0}], [0, 0]) == {"x:mean": 2.0}


def test_merge_metrics_non_numeric_keeps_last_and_missing_keys() -> None:
    merged = merge_metrics(
        [
            {"expert_load_summary": {"a": 1}, "only_first:sum": 2, "flag": True},
            {"expert_load_summary": {"a": 2}, "flag": False},
            {"only_last:max": 4},
        ],
        [1, 1, 1],
    )
    assert merged == {
        "expert_load_summary": {"a": 2},
        "only_first:sum": 2,
        "flag": False,
        "only_last:max": 4,
    }


def test_merge_metrics_length_mismatch() -> None:
    with pytest.raises(ValueError, match="weights"):
        merge_metrics([{}], [1, 2])


# -- merge_outputs -------------------------------------------------------------------------------


def ce_output(logprobs: list[list[float]], loss_sum: float, valid: int) -> ForwardBackwardOutput:
    return ForwardBackwardOutput(
        "CrossEntropyLossReturn",
        [
            {"logprobs": TensorData(lp), "elementwise_loss": TensorData([-x for x in lp])}
            for lp in logprobs
        ],
        {
            "loss:sum": loss_sum,
            "loss:mean": loss_sum / valid,
            "valid_tokens:sum": valid,
            "execution_time:sum": 0.5,
            "executor_samples": len(logprobs),
        },
        {"chunk": len(logprobs)},
    )


def test_merge_outputs_concatenates_per_datum_outputs_in_order() -> None:
    a = ce_output([[-1.0], [-2.0, -3.0]], loss_sum=6.0, valid=3)
    b = ce_output([[-4.0]], loss_sum=4.0, valid=1)
    merged = merge_outputs([a, b], [2, 1])
    assert merged.loss_fn_output_type == "CrossEntropyLossReturn"
    assert merged.per_datum_logprobs() == [[-1.0], [-2.0, -3.0], [-4.0]]
    assert merged.metrics["loss:sum"] == 10.0
    assert merged.metrics["valid_tokens:sum"] == 4
    assert merged.metrics["execution_time:sum"] == 1.0
    # token-weighted (10 / 4), not the datum-weighted mean of 2.0 and 4.0
    assert merged.loss == pytest.approx(2.5)
    assert merged.info == {"chunk": 1}


def test_merge_outputs_single_chunk_is_returned_unchanged() -> None:
    a = ce_output([[-1.0]], 1.0, 1)
    assert merge_outputs([a], [1]) is a


def test_merge_outputs_rejects_empty_and_mismatch() -> None:
    with pytest.raises(ValueError):
        merge_outputs([], [])
    with pytest.raises(ValueError):
        merge_outputs([ce_output([[-1.0]], 1.0, 1)], [1, 2])


def single(loss: float, metrics: dict[str, Any]) -> ForwardBackwardOutput:
    return ForwardBackwardOutput("single_loss", [{"loss": TensorData([loss])}], metrics)


def test_merge_single_loss_is_valid_token_weighted() -> None:
    a = single(2.0, {"loss:sum": 4.0, "loss:mean": 2.0, "valid_tokens:sum": 2})
    b = single(0.5, {"loss:sum": 3.0, "loss:mean": 0.5, "valid_tokens:sum": 6})
    merged = merge_outputs([a, b], [5, 5])
    assert merged.loss_fn_output_type == "single_loss"
    assert len(merged.loss_fn_outputs) == 1
    assert len(merged.loss_fn_outputs[0]["loss"]) == 1
    assert merged.loss_fn_outputs[0]["loss"][0] == pytest.approx(7.0 / 8)
    assert merged.loss == pytest.approx(7.0 / 8)
    assert merged.metrics["valid_tokens:sum"] == 8


def test_merge_single_loss_forward_spelling_valid_tokens() -> None:
    a = single(1.0, {"loss:sum": 1.0, "valid_tokens": 1})
    b = single(3.0, {"loss:sum": 9.0, "valid_tokens": 3})
    merged = merge_outputs([a, b], [1, 1])
    assert merged.loss == pytest.approx(10.0 / 4)
    assert merged.metrics["valid_tokens"] == 4


def test_merge_single_loss_without_sums_weights_by_valid_tokens_then_datums() -> None:
    a = single(1.0, {"valid_tokens:sum": 1})
    b = single(4.0, {"valid_tokens:sum": 3})
    assert merge_outputs([a, b], [1, 1]).loss == pytest.approx((1.0 + 12.0) / 4)
    c = single(1.0, {})
    d = single(4.0, {})
    assert merge_outputs([c, d], [3, 1]).loss == pytest.approx((3.0 + 4.0) / 4)


def test_merge_single_loss_with_per_sample_k3_keeps_one_element_per_sample() -> None:
    def k3_output(
        loss: float, k3s: list[float], loss_sum: float, valid: int
    ) -> ForwardBackwardOutput:
        return ForwardBackwardOutput(
            "single_loss",
            [{"loss": TensorData([loss]), "k3": TensorData([k])} for k in k3s],
            {"loss:sum": loss_sum, "valid_tokens:sum": valid},
        )

    merged = merge_outputs(
        [k3_output(1.0, [0.1, 0.2], 2.0, 2), k3_output(3.0, [0.3], 6.0, 2)], [2, 1]
    )
    assert [o["k3"][0] for o in merged.loss_fn_outputs] == [0.1, 0.2, 0.3]
    assert all(o["loss"][0] == pytest.approx(2.0) for o in merged.loss_fn_outputs)


def test_merge_outputs_keeps_extras_aligned() -> None:
    a = ce_output([[-1.0], [-2.0]], 3.0, 2)
    b = ce_output([[-3.0]], 3.0, 1)
    b.extras = [{"token_diagnostics": {"x": 1}}]
    merged = merge_outputs([a, b], [2, 1])
    assert merged.extras == [{}, {}, {"token_diagnostics": {"x": 1}}]
