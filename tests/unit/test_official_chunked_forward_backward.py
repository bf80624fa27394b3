"""Chunked forward / forward_backward (the official ``tests/test_chunked_forward_backward.py``).

A batch above the chunk limits is sent as several requests with consecutive ``seq_id`` s and
comes back as one result: outputs concatenated in order, metrics merged by their reduction.
The official environment variables set the limits (``XORL_CLIENT_MAX_CHUNK_LEN``,
``XORL_CLIENT_MAX_CHUNK_BYTES_COUNT``, and the older ``XORL_CLIENT_MAX_CHUNK_BYTES``).
"""

from __future__ import annotations

import pytest

import xorl_client as xc
from xorl_client.chunking import estimate_datum_bytes, merge_metrics, merge_outputs
from xorl_client.errors import ConfigurationError, DataValidationError

from .fake_server import FakeXorl, make_training_client

LIMIT = 8  # a small XORL_CLIENT_MAX_CHUNK_LEN keeps the batches small


def make_datum(num_tokens: int = 5) -> xc.Datum:
    tokens = list(range(1, num_tokens + 1))
    return xc.Datum(
        model_input=xc.ModelInput.from_ints(tokens=tokens),
        loss_fn_inputs={"target_tokens": [*tokens[1:], 0], "weights": [1.0] * num_tokens},
    )


def make_datum_dict(num_tokens: int = 5) -> dict[str, object]:
    tokens = list(range(1, num_tokens + 1))
    return {
        "model_input": {"input_ids": tokens},
        "loss_fn_inputs": {
            "target_tokens": {"data": [*tokens[1:], 0], "dtype": "int64", "shape": [num_tokens]},
            "weights": {"data": [1.0] * num_tokens, "dtype": "float32", "shape": [num_tokens]},
        },
    }


@pytest.fixture
def chunk_len(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.delenv("XORL_CLIENT_MAX_CHUNK_ITEMS", raising=False)
    monkeypatch.setenv("XORL_CLIENT_MAX_CHUNK_LEN", str(LIMIT))
    return LIMIT


def chunk_sizes(server: FakeXorl, operation: str = "forward_backward") -> list[int]:
    return [
        len(s.body[f"{operation}_input"]["data"])
        for s in server.submissions
        if s.operation == operation
    ]


@pytest.mark.parametrize(
    ("count", "sizes"),
    [
        (1, [1]),
        (LIMIT - 1, [LIMIT - 1]),
        (LIMIT, [LIMIT]),
        (LIMIT + 1, [LIMIT, 1]),
        (2 * LIMIT + 3, [LIMIT, LIMIT, 3]),
    ],
)
def test_the_official_count_variable_splits_batches(
    chunk_len: int, count: int, sizes: list[int]
) -> None:
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    out = tc.forward_backward([make_datum() for _ in range(count)], "cross_entropy").result()
    assert chunk_sizes(server) == sizes
    assert len(out.loss_fn_outputs) == count


def test_seq_ids_are_consecutive_across_chunks_and_optim_step_follows(chunk_len: int) -> None:
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    fb = tc.forward_backward([make_datum() for _ in range(2 * LIMIT + 1)], "cross_entropy")
    op = tc.optim_step(xc.AdamParams(learning_rate=1e-3))
    fb.result()
    op.result()
    chunks = server.seq_ids("forward_backward")
    assert len(chunks) == 3 and chunks == list(range(chunks[0], chunks[0] + 3))
    assert server.seq_ids("optim_step") == [chunks[-1] + 1]


def test_forward_is_chunked_too(chunk_len: int) -> None:
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    out = tc.forward([make_datum() for _ in range(2 * LIMIT)], "cross_entropy").result()
    assert chunk_sizes(server, "forward") == [LIMIT, LIMIT]
    assert len(out.loss_fn_outputs) == 2 * LIMIT


def test_a_single_chunk_is_one_request_with_the_servers_result(chunk_len: int) -> None:
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    out = tc.forward_backward([make_datum(n) for n in (3, 4, 5)], "cross_entropy").result()
    assert chunk_sizes(server) == [3]
    assert [len(o["logprobs"]) for o in out.loss_fn_outputs] == [2, 3, 4]
    assert out.metrics["executor_total_s"] == 0.01  # untouched server metrics


@pytest.mark.parametrize(
    "variable", ["XORL_CLIENT_MAX_CHUNK_BYTES_COUNT", "XORL_CLIENT_MAX_CHUNK_BYTES"]
)
def test_the_official_byte_variables_split_big_datums(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    for name in ("XORL_CLIENT_MAX_CHUNK_BYTES_COUNT", "XORL_CLIENT_MAX_CHUNK_BYTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, "5000")
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    data = [make_datum(100) for _ in range(20)]
    tc.forward_backward(data, "cross_entropy").result()
    sizes = chunk_sizes(server)
    assert len(sizes) > 1 and sum(sizes) == 20


def test_conflicting_spellings_of_one_variable_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XORL_CLIENT_MAX_CHUNK_ITEMS", "16")
    monkeypatch.setenv("XORL_CLIENT_MAX_CHUNK_LEN", "32")
    with pytest.raises(ConfigurationError, match="different values"):
        xc.ServiceClient(base_url="http://xorl.test")


def test_dict_datums_are_accepted(chunk_len: int) -> None:
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    out = tc.forward_backward([make_datum_dict() for _ in range(LIMIT + 1)], "cross_entropy")
    assert len(out.result().loss_fn_outputs) == LIMIT + 1
    assert chunk_sizes(server) == [LIMIT, 1]


def test_empty_batches_and_non_datums_are_refused_before_sending() -> None:
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    # Deliberate differences: the official client sends an empty batch (the server then fails
    # the future) and raises TypeError for a non-datum; here both are typed and nothing is sent.
    with pytest.raises(DataValidationError):
        tc.forward_backward([], "cross_entropy")
    with pytest.raises(DataValidationError, match="datum 0"):
        tc.forward_backward([42], "cross_entropy")
    assert server.submissions == []


def test_estimated_bytes_grow_with_the_tokens() -> None:
    assert estimate_datum_bytes(make_datum(100)) >= 100 * 4
    assert estimate_datum_bytes(make_datum(1)) >= 100
    assert estimate_datum_bytes(make_datum(4096)) > 4096 * 4 * 3


def test_outputs_are_concatenated_in_chunk_order() -> None:
    def chunk(losses: list[float], metrics: dict[str, float]) -> xc.ForwardBackwardOutput:
        return xc.ForwardBackwardOutput(
            loss_fn_output_type="cross_entropy",
            loss_fn_outputs=[xc.LossFnOutput(loss=v) for v in losses],
            metrics=metrics,
        )

    merged = merge_outputs([chunk([0.5, 0.6], {"x:sum": 1}), chunk([0.3], {"x:sum": 2})], [2, 1])
    assert [o.loss for o in merged.loss_fn_outputs] == [0.5, 0.6, 0.3]
    assert merged.loss_fn_output_type == "cross_entropy" and merged.metrics == {"x:sum": 3}
    single = chunk([0.5], {"loss:mean": 0.5})
    assert merge_outputs([single], [1]) is single


def test_metric_reductions_follow_the_key() -> None:
    first = {
        "loss:mean": 0.5,
        "total_tokens:sum": 100,
        "is_kl_sample_train_k3": 1.0,
        "is_entropy_sample": 2.0,
        "is_ratio_min": 0.8,
        "is_ratio_max": 1.1,
        "is_valid_tokens": 500,
        "valid_tokens": 1000,
        "execution_time": 2.0,
    }
    second = {
        "loss:mean": 0.6,
        "total_tokens:sum": 200,
        "is_kl_sample_train_k3": 2.0,
        "is_entropy_sample": 4.0,
        "is_ratio_min": 0.7,
        "is_ratio_max": 1.3,
        "is_valid_tokens": 600,
        "valid_tokens": 1200,
        "execution_time": 3.0,
    }
    merged = merge_metrics([first, second], [4, 6])
    assert set(merged) == set(first)  # nothing is dropped
    assert merged["is_kl_sample_train_k3"] == pytest.approx(1.6)  # weighted by datum count
    assert merged["is_entropy_sample"] == pytest.approx(3.2)
    assert (merged["is_ratio_min"], merged["is_ratio_max"]) == (0.7, 1.3)
    assert (merged["valid_tokens"], merged["is_valid_tokens"]) == (2200, 1100)
    assert merged["execution_time"] == 5.0 and merged["total_tokens:sum"] == 300
