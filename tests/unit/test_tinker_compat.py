"""Duck-typed Tinker inputs (no tinker import), dict wire forms, loss names, results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from tests import tinker_reference as tk
from xorl_client.errors import DataValidationError
from xorl_client.tinker_compat import (
    LOSS_FN_ALIASES,
    coerce_adam_params,
    coerce_batch,
    coerce_datum,
    datum_to_tinker_dict,
    resolve_loss_fn,
    resolve_loss_fn_params,
    to_tinker_dict,
)
from xorl_client.types import AdamParams, Datum, ForwardBackwardOutput, ModelInput, TensorData
from xorl_client.validation import validate_batch

# -- fake tinker classes (shaped like tinker's pydantic models) ---------------------------------


@dataclass
class FakeImageChunk:
    data: bytes = b"\x89PNG"
    format: str = "png"
    type: str = "image"


@dataclass
class FakeModelInput:
    chunks: list[Any]

    def to_ints(self) -> list[int]:
        raise AssertionError("coerce_datum should read .chunks, not call to_ints()")


FakeEncodedTextChunk = tk.EncodedTextChunk
FakeTensorData = tk.TensorData
FakeDatum = tk.Datum
FakeAdamParams = tk.AdamParams


class OnlyToInts:
    """A model input exposing only to_ints() (no chunks)."""

    def __init__(self, ids: list[int]) -> None:
        self._ids = ids

    def to_ints(self) -> list[int]:
        return list(self._ids)


# -- coerce_datum --------------------------------------------------------------------------------


def test_our_datum_passes_through() -> None:
    d = Datum(ModelInput.from_ints([1, 2]), {"target_tokens": [2, 3]})
    assert coerce_datum(d, 0) is d
    batch = [d]
    assert coerce_batch(batch)[0] is d


def test_tinker_like_object_with_chunks_and_tensors() -> None:
    obj = FakeDatum(
        FakeModelInput([FakeEncodedTextChunk([1, 2]), FakeEncodedTextChunk([3])]),
        {
            "target_tokens": FakeTensorData([2, 3, 4], "int64", [3]),
            "weights": FakeTensorData([0.0, 1.0, 1.0], "float32", None),
            "advantages": np.array([0.5, 0.5, 0.5]),
            "logprobs": [-1.0, -1.0, -1.0],
        },
    )
    d = coerce_datum(obj, 0)
    assert d.model_input.to_ints() == [1, 2, 3]
    assert d.loss_fn_inputs["target_tokens"] == TensorData([2, 3, 4], "int64")
    assert d.loss_fn_inputs["weights"] == TensorData([0.0, 1.0, 1.0], "float32")
    assert d.loss_fn_inputs["advantages"].data == [0.5, 0.5, 0.5]
    assert d.loss_fn_inputs["logprobs"].dtype == "float32"
    assert d.to_wire() == {
        "model_input": {"input_ids": [1, 2, 3]},
        "loss_fn_inputs": {
            "target_tokens": [2, 3, 4],
            "weights": [0.0, 1.0, 1.0],
            "advantages": [0.5, 0.5, 0.5],
            "logprobs": [-1.0, -1.0, -1.0],
        },
    }
    validate_batch([d], "importance_sampling")


def test_model_input_with_only_to_ints() -> None:
    d = coerce_datum(FakeDatum(OnlyToInts([4, 5]), {}), 0)
    assert d.model_input.to_ints() == [4, 5]


def test_model_input_as_plain_list_or_array() -> None:
    assert coerce_datum(FakeDatum([1, 2], {}), 0).model_input.to_ints() == [1, 2]
    assert coerce_datum(FakeDatum(np.array([3, 4]), {}), 0).model_input.to_ints() == [3, 4]


def test_image_chunk_rejected_naming_datum_and_chunk() -> None:
    obj = FakeDatum(FakeModelInput([FakeEncodedTextChunk([1]), FakeImageChunk()]), {})
    with pytest.raises(DataValidationError) as info:
        coerce_batch([FakeDatum([1], {}), FakeDatum([2], {}), obj])
    err = info.value
    assert err.datum_index == 2
    assert err.field == "model_input.chunks[1]"
    assert str(err).startswith("datum 2: ")
    assert "'image'" in str(err)


def test_dict_wire_forms() -> None:
    flat = coerce_datum(
        {"model_input": {"input_ids": [1, 2]}, "loss_fn_inputs": {"labels": [1, 2]}}, 0
    )
    assert flat.model_input.to_ints() == [1, 2]
    assert flat.loss_fn_inputs["labels"].dtype == "int64"
    chunked = coerce_datum(
        {
            "model_input": {
                "chunks": [
                    {"type": "encoded_text", "tokens": [1]},
                    {"tokens": [2, 3]},
                ]
            },
            "loss_fn_inputs": {
                "target_tokens": {"data": [2, 3, 4], "dtype": "int64", "shape": [3]},
                "weights": [1, 1, 1],
            },
        },
        0,
    )
    assert chunked.model_input.to_ints() == [1, 2, 3]
    assert chunked.loss_fn_inputs["target_tokens"] == TensorData([2, 3, 4], "int64")
    no_inputs = coerce_datum({"model_input": {"input_ids": [9]}}, 0)
    assert no_inputs.loss_fn_inputs == {}


def test_dict_image_chunk_rejected() -> None:
    bad = {"model_input": {"chunks": [{"type": "image_asset_pointer", "location": "x"}]}}
    with pytest.raises(DataValidationError) as info:
        coerce_datum(bad, 5)
    assert info.value.datum_index == 5
    assert info.value.field == "model_input.chunks[0]"


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({"loss_fn_inputs": {}}, "model_input"),
        ({"model_input": {"tokens": [1]}}, "model_input"),
        ({"model_input": {"input_ids": [1]}, "loss_fn_inputs": [1]}, "loss_fn_inputs"),
        (42, "data"),
        (FakeDatum([1, 2], {"x": "not a tensor"}), "loss_fn_inputs.x"),
        (
            {"model_input": {"input_ids": [1]}, "loss_fn_inputs": {"w": {"dtype": "x"}}},
            "loss_fn_inputs.w",
        ),
    ],
)
def test_bad_datum_like_inputs_name_the_index(obj: Any, field: str) -> None:
    with pytest.raises(DataValidationError) as info:
        coerce_batch([Datum([1], {}), obj])  # type: ignore[arg-type]
    assert info.value.datum_index == 1
    assert info.value.field == field
    assert str(info.value).startswith("datum 1: ")


@pytest.mark.parametrize("single", [Datum([1], {}), {"model_input": {"input_ids": [1]}}, "abc", 3])  # type: ignore[arg-type]
def test_coerce_batch_rejects_non_lists(single: Any) -> None:
    with pytest.raises(DataValidationError):
        coerce_batch(single)


def test_coerce_batch_accepts_any_iterable() -> None:
    gen = (FakeDatum([i, i + 1], {"target_tokens": [i + 1, i + 2]}) for i in range(3))
    batch = coerce_batch(gen)
    assert [d.model_input.to_ints() for d in batch] == [[0, 1], [1, 2], [2, 3]]


def test_datum_tinker_dict_round_trip() -> None:
    d = Datum(
        ModelInput.from_ints([1, 2, 3]),
        {"target_tokens": [2, 3, 4], "weights": [0.0, 1.0, 1.0], "hs": [[0.1, 0.2]] * 3},
    )
    wire = datum_to_tinker_dict(d)
    assert wire["model_input"] == {"chunks": [{"type": "encoded_text", "tokens": [1, 2, 3]}]}
    assert wire["loss_fn_inputs"]["hs"]["shape"] == [3, 2]
    assert coerce_datum(wire, 0) == d


# -- AdamParams ----------------------------------------------------------------------------------


def test_coerce_adam_params_forms() -> None:
    ours = AdamParams(learning_rate=2e-5)
    assert coerce_adam_params(ours) is ours
    assert coerce_adam_params(FakeAdamParams(learning_rate=3e-5, beta2=0.99)) == AdamParams(
        learning_rate=3e-5, beta2=0.99
    )
    assert coerce_adam_params({"learning_rate": 1e-5, "grad_clip_norm": 1.0}) == AdamParams(
        learning_rate=1e-5, grad_clip_norm=1.0
    )

    class Partial:
        learning_rate = 5e-6

    assert coerce_adam_params(Partial()) == AdamParams(learning_rate=5e-6)


def test_coerce_adam_params_rejects_unknown_keys_and_types() -> None:
    with pytest.raises(DataValidationError) as info:
        coerce_adam_params({"lr": 1e-5})
    assert info.value.field == "adam_params.lr"
    with pytest.raises(DataValidationError):
        coerce_adam_params(1e-5)
    with pytest.raises(DataValidationError) as info2:
        coerce_adam_params({"learning_rate": -1.0})
    assert info2.value.field == "adam_params.learning_rate"


# -- loss names and params -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cross_entropy", "cross_entropy"),
        ("causallm_loss", "causallm_loss"),
        ("ppo", "policy_loss"),
        ("policy_loss", "policy_loss"),
        ("importance_sampling", "importance_sampling"),
        ("cispo", "cispo"),
        ("drgrpo", "drgrpo"),
        ("opd_loss", "opd_loss"),
        ("brand_new_loss", "brand_new_loss"),
    ],
)
def test_resolve_loss_fn(name: str, expected: str) -> None:
    assert resolve_loss_fn(name) == expected


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_resolve_loss_fn_rejects_empty(bad: Any) -> None:
    with pytest.raises(DataValidationError) as info:
        resolve_loss_fn(bad)
    assert info.value.field == "loss_fn"


def test_loss_aliases_map_to_server_names() -> None:
    assert LOSS_FN_ALIASES["ppo"] == "policy_loss"
    assert all(v in LOSS_FN_ALIASES for v in LOSS_FN_ALIASES.values())


def test_resolve_loss_fn_params() -> None:
    assert resolve_loss_fn_params(None, None) is None
    params = {"return_per_token": False}
    resolved = resolve_loss_fn_params(params, None)
    assert resolved == params and resolved is not params
    assert resolve_loss_fn_params(None, {"eps_clip": 0.1}) == {"eps_clip": 0.1}
    with pytest.raises(DataValidationError) as info:
        resolve_loss_fn_params({"a": 1}, {"b": 2})
    assert info.value.field == "loss_fn_config"
    with pytest.raises(DataValidationError) as info2:
        resolve_loss_fn_params([1, 2], None)  # type: ignore[arg-type]
    assert info2.value.field == "loss_fn_params"


# -- results in Tinker shape ---------------------------------------------------------------------


def test_results_back_in_tinker_shape() -> None:
    out = ForwardBackwardOutput.from_wire(
        {
            "loss_fn_output_type": "CrossEntropyLossReturn",
            "loss_fn_outputs": [
                {"logprobs": {"data": [-0.5, -1.0], "dtype": "float32", "shape": [2]}},
                {"logprobs": {"data": [-2.0], "dtype": "float32", "shape": [1]}, "k3": 0.1},
            ],
            "metrics": {"loss:mean": 1.0, "valid_tokens:sum": 3, "expert_load_summary": {}},
            "info": {"auto_loaded": True},
        }
    )
    # already Tinker-shaped: list of dict[str, TensorData]
    assert all(isinstance(v, TensorData) for o in out.loss_fn_outputs for v in o.values())
    assert out.loss_fn_outputs[0]["logprobs"].tolist() == [-0.5, -1.0]
    as_dict = to_tinker_dict(out)
    assert as_dict == {
        "loss_fn_output_type": "CrossEntropyLossReturn",
        "loss_fn_outputs": [
            {"logprobs": {"data": [-0.5, -1.0], "dtype": "float32", "shape": [2]}},
            {
                "logprobs": {"data": [-2.0], "dtype": "float32", "shape": [1]},
                "k3": {"data": [0.1], "dtype": "float32", "shape": [1]},
            },
        ],
        "metrics": {"loss:mean": 1.0, "valid_tokens:sum": 3.0},
    }
    # a copy: mutating the dict does not touch the result
    as_dict["loss_fn_outputs"][0]["logprobs"]["data"][0] = 9.0
    assert out.loss_fn_outputs[0]["logprobs"][0] == -0.5
