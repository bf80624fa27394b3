"""Public data types: construction, coercion by key, wire forms, result parsing."""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np
import pytest

from xorl_client.errors import DataValidationError, MissingDependencyError, XorlError
from xorl_client.types import (
    AbortGradientEpochOutput,
    AdamParams,
    CheckpointInfo,
    Datum,
    EncodedTextChunk,
    ForwardBackwardOutput,
    LoadWeightsResponse,
    ModelInput,
    OptimStepOutput,
    QueueState,
    SampledSequence,
    SampleResponse,
    SamplingParams,
    SaveWeightsForSamplerResponse,
    SaveWeightsResponse,
    SessionInfo,
    TensorData,
    TrainingRun,
    WeightsInfo,
)

# -- TensorData ----------------------------------------------------------------------------------


def test_tensordata_rank1_defaults_and_sequence_protocol() -> None:
    t = TensorData([1.0, 2.0, 3.0])
    assert t.dtype == "float32"
    assert t.shape is None
    assert t.rank == 1
    assert len(t) == 3
    assert t[0] == 1.0 and t[-1] == 3.0
    assert list(t) == [1.0, 2.0, 3.0]
    assert t.to_wire() == {"data": [1.0, 2.0, 3.0], "dtype": "float32", "shape": [3]}


def test_tensordata_from_list_infers_dtype() -> None:
    assert TensorData.from_list([1, 2]).dtype == "int64"
    assert TensorData.from_list([1, 2.5]).dtype == "float32"
    assert TensorData.from_list([True, False]).dtype == "float32"  # bools are not int64 ids
    assert TensorData.from_list([1, 2], "float32").dtype == "float32"


def test_tensordata_tuple_and_nested_lists() -> None:
    assert TensorData((1, 2, 3), "int64").data == [1, 2, 3]  # type: ignore[arg-type]
    t = TensorData([[1, 2, 3], [4, 5, 6]], "int64")  # type: ignore[arg-type]
    assert t.data == [1, 2, 3, 4, 5, 6]
    assert t.shape == [2, 3]
    assert t.tolist() == [[1, 2, 3], [4, 5, 6]]


def test_tensordata_ragged_nested_list_rejected() -> None:
    with pytest.raises(DataValidationError, match="ragged"):
        TensorData([[1, 2], [3]])  # type: ignore[arg-type]


def test_tensordata_shape_must_match_data() -> None:
    with pytest.raises(DataValidationError) as info:
        TensorData([1.0, 2.0, 3.0], shape=[2, 2])
    assert info.value.rule == "prod(shape) == len(data)"
    assert info.value.field == "shape"


def test_tensordata_bad_data_and_dtype() -> None:
    with pytest.raises(DataValidationError):
        TensorData(object())  # type: ignore[arg-type]
    with pytest.raises(DataValidationError):
        TensorData([1.0], dtype="")


def test_tensordata_equality_normalises_implicit_shape() -> None:
    assert TensorData([1, 2], "int64") == TensorData([1, 2], "int64", [2])
    assert TensorData([1, 2], "int64") != TensorData([1, 2], "float32")
    assert TensorData([1, 2, 3, 4], "int64", [2, 2]) != TensorData([1, 2, 3, 4], "int64", [4])
    assert TensorData([1.0]) != [1.0]


def test_tensordata_wire_round_trip() -> None:
    t = TensorData([1.0, 2.0, 3.0, 4.0], "float32", [2, 2])
    assert TensorData.from_wire(t.to_wire()) == t
    with pytest.raises(DataValidationError):
        TensorData.from_wire({"dtype": "float32"})


def test_tensordata_numpy_round_trip() -> None:
    arr = np.arange(6, dtype=np.int32).reshape(2, 3)
    t = TensorData.from_numpy(arr)
    assert t.dtype == "int64"
    assert t.shape == [2, 3]
    assert t.data == [0, 1, 2, 3, 4, 5]
    assert all(type(x) is int for x in t.data)
    back = t.to_numpy()
    assert back.shape == (2, 3)
    assert back.dtype == np.int64
    assert np.array_equal(back, arr)


def test_tensordata_from_numpy_float_and_bool() -> None:
    f = TensorData.from_numpy(np.array([0.5, 1.5], dtype=np.float32))
    assert f.dtype == "float32" and f.shape == [2] and f.data == [0.5, 1.5]
    b = TensorData.from_numpy(np.array([True, False]))
    assert b.data == [1, 0] and b.dtype == "int64"


def test_tensordata_from_numpy_float_to_int_requires_whole_numbers() -> None:
    assert TensorData.from_numpy(np.array([1.0, 2.0]), "int64").data == [1, 2]
    with pytest.raises(DataValidationError, match="non-integer"):
        TensorData.from_numpy(np.array([1.5, 2.0]), "int64")
    with pytest.raises(DataValidationError):
        TensorData.from_numpy([1, 2])


def test_tensordata_constructor_accepts_numpy() -> None:
    t = TensorData(np.array([[1.0, 2.0], [3.0, 4.0]]))  # type: ignore[arg-type]
    assert t.data == [1.0, 2.0, 3.0, 4.0]
    assert t.shape == [2, 2]


def test_to_numpy_without_numpy_raises_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "numpy" or name.startswith("numpy."):
            raise ImportError("No module named 'numpy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MissingDependencyError) as info:
        TensorData([1.0]).to_numpy()
    assert info.value.extra == "numpy"
    assert "Install it with: pip install" in str(info.value) and '[numpy]"' in str(info.value)


class _TinkerTensor:
    """Stands in for tinker.TensorData (pydantic: flat list data, dtype, optional shape)."""

    def __init__(self, data: list[Any], dtype: str, shape: list[int] | None) -> None:
        self.data = data
        self.dtype = dtype
        self.shape = shape


class _TorchLike:
    """Stands in for a torch tensor: tolist(), shape, dtype like 'torch.float32'."""

    def __init__(self, rows: list[list[float]]) -> None:
        self._rows = rows
        self.shape = (len(rows), len(rows[0]))
        self.dtype = "torch.float32"

    def tolist(self) -> list[list[float]]:
        return self._rows


def test_coerce_all_accepted_forms() -> None:
    same = TensorData([1.0])
    assert TensorData.coerce(same) is same
    assert TensorData.coerce([1, 2], "int64") == TensorData([1, 2], "int64")
    assert TensorData.coerce((1, 2), "int64") == TensorData([1, 2], "int64")
    assert TensorData.coerce(np.array([3, 4]), "int64") == TensorData([3, 4], "int64")
    assert TensorData.coerce({"data": [1, 2], "dtype": "int64", "shape": [2]}) == TensorData(
        [1, 2], "int64"
    )
    assert TensorData.coerce(_TinkerTensor([1, 2, 3, 4], "int64", [2, 2])) == TensorData(
        [1, 2, 3, 4], "int64", [2, 2]
    )
    torchy = TensorData.coerce(_TorchLike([[1.0, 2.0], [3.0, 4.0]]))
    assert torchy == TensorData([1.0, 2.0, 3.0, 4.0], "float32", [2, 2])
    assert TensorData.coerce(0.7) == TensorData([0.7])
    assert TensorData.coerce([[1, 2], [3, 4]]).shape == [2, 2]


def test_coerce_rejects_unsupported_values_naming_field() -> None:
    with pytest.raises(DataValidationError) as info:
        TensorData.coerce("abc", field="loss_fn_inputs.x")
    assert info.value.field == "loss_fn_inputs.x"
    with pytest.raises(DataValidationError):
        TensorData.coerce({"dtype": "int64"}, field="loss_fn_inputs.x")
    with pytest.raises(DataValidationError):
        TensorData.coerce(True)


def test_coerce_does_not_copy_lists() -> None:
    big = list(range(10))
    assert TensorData.coerce(big, "int64").data is big


# -- ModelInput -----------------------------------------------------------------------------------


class _Tok:
    def encode(self, text: str) -> list[int]:
        return [ord(c) for c in text]


def test_model_input_building() -> None:
    mi = ModelInput.from_ints([1, 2])
    assert mi.length == 2
    assert mi.to_ints() == [1, 2]
    assert mi.to_ints() is not mi.chunks[0].tokens
    assert mi.to_wire() == {"input_ids": [1, 2]}
    grown = mi.append_int(3)
    assert grown.to_ints() == [1, 2, 3]
    assert mi.to_ints() == [1, 2]  # the original is unchanged
    assert ModelInput.empty().append_int(9).to_ints() == [9]
    two = mi.append(EncodedTextChunk([7, 8]))
    assert two.to_ints() == [1, 2, 7, 8] and two.length == 4 and len(two.chunks) == 2
    assert two.to_wire() == {"input_ids": [1, 2, 7, 8]}


def test_model_input_from_text_and_numpy() -> None:
    assert ModelInput.from_text("hi", _Tok()).to_ints() == [104, 105]
    assert ModelInput.from_ints(np.array([4, 5])).to_ints() == [4, 5]
    assert ModelInput.from_ints((6, 7)).to_ints() == [6, 7]
    with pytest.raises(DataValidationError):
        ModelInput.from_ints("abc")


def test_encoded_text_chunk() -> None:
    c = EncodedTextChunk([1, 2, 3])
    assert c.type == "encoded_text"
    assert c.length == 3
    assert c.to_wire() == {"type": "encoded_text", "tokens": [1, 2, 3]}


# -- Datum ----------------------------------------------------------------------------------------


def test_datum_coerces_by_key() -> None:
    d = Datum(
        model_input=[1, 2, 3],  # type: ignore[arg-type]
        loss_fn_inputs={
            "target_tokens": [2, 3, 4],
            "labels": (1, 2, 3),
            "teacher_ids": [0, 0, 0],
            "weights": [1, 1, 0],
            "advantages": np.array([0.5, 0.5, 0.5]),
            "logprobs": [-1.0, -1.0, -1.0],
            "rollout_logprobs": [-1.0] * 3,
            "old_logprobs": [-1.0] * 3,
            "ref_logprobs": [-1.0] * 3,
            "custom_ints": [1, 2],
            "custom_floats": [0.5],
        },
    )
    dtypes = {k: v.dtype for k, v in d.loss_fn_inputs.items()}
    assert dtypes == {
        "target_tokens": "int64",
        "labels": "int64",
        "teacher_ids": "int64",
        "weights": "float32",
        "advantages": "float32",
        "logprobs": "float32",
        "rollout_logprobs": "float32",
        "old_logprobs": "float32",
        "ref_logprobs": "float32",
        "custom_ints": "int64",
        "custom_floats": "float32",
    }
    assert isinstance(d.model_input, ModelInput)
    assert d.model_input.to_ints() == [1, 2, 3]


def test_datum_numpy_float_targets_become_ints() -> None:
    d = Datum(ModelInput.from_ints([1, 2]), {"target_tokens": np.array([2.0, 3.0])})
    assert d.loss_fn_inputs["target_tokens"].data == [2, 3]
    with pytest.raises(DataValidationError) as info:
        Datum(ModelInput.from_ints([1, 2]), {"target_tokens": np.array([2.5, 3.0])})
    assert info.value.field == "loss_fn_inputs.target_tokens"


def test_datum_explicit_tensordata_keeps_dtype() -> None:
    td = TensorData([1, 0], "int64")
    d = Datum(ModelInput.from_ints([1, 2]), {"weights": td})
    assert d.loss_fn_inputs["weights"] is td


def test_datum_to_wire_rank1_as_lists_rank2_as_objects() -> None:
    d = Datum(
        ModelInput.from_ints([1, 2]),
        {"labels": [1, 2], "teacher_hidden_states": [[0.1, 0.2], [0.3, 0.4]]},
    )
    wire = d.to_wire()
    assert wire == {
        "model_input": {"input_ids": [1, 2]},
        "loss_fn_inputs": {
            "labels": [1, 2],
            "teacher_hidden_states": {
                "data": [0.1, 0.2, 0.3, 0.4],
                "dtype": "float32",
                "shape": [2, 2],
            },
        },
    }


def test_datum_loss_fn_inputs_default_and_bad_types() -> None:
    assert Datum([1]).loss_fn_inputs == {}  # type: ignore[arg-type]
    with pytest.raises(DataValidationError) as info:
        Datum([1], [1, 2])  # type: ignore[arg-type]
    assert info.value.field == "loss_fn_inputs"
    with pytest.raises(DataValidationError):
        Datum([1], {1: [1]})  # type: ignore[arg-type, dict-item]


# -- AdamParams -----------------------------------------------------------------------------------


def test_adam_params_defaults_are_server_defaults() -> None:
    assert AdamParams().to_wire() == {
        "learning_rate": 1e-4,
        "beta1": 0.9,
        "beta2": 0.95,
        "eps": 1e-12,
        "weight_decay": 0.0,
        "grad_clip_norm": 0.0,
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"learning_rate": -1.0}, "adam_params.learning_rate"),
        ({"learning_rate": math.nan}, "adam_params.learning_rate"),
        ({"beta1": 1.0}, "adam_params.beta1"),
        ({"beta2": -0.1}, "adam_params.beta2"),
        ({"eps": -1.0}, "adam_params.eps"),
        ({"weight_decay": -0.5}, "adam_params.weight_decay"),
        ({"grad_clip_norm": math.inf}, "adam_params.grad_clip_norm"),
        ({"learning_rate": True}, "adam_params.learning_rate"),
    ],
)
def test_adam_params_rejects_bad_values(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(DataValidationError) as info:
        AdamParams(**kwargs)
    assert info.value.field == field


# -- results --------------------------------------------------------------------------------------

CE_WIRE: dict[str, Any] = {
    "loss_fn_output_type": "CrossEntropyLossReturn",
    "loss_fn_outputs": [
        {
            "logprobs": {"data": [0.0, -1.25, -2.5], "dtype": "float32", "shape": [3]},
            "elementwise_loss": {"data": [0.0, 1.25, 2.5], "dtype": "float32", "shape": [3]},
        },
        {
            "logprobs": {"data": [-0.5], "dtype": "float32", "shape": [1]},
            "elementwise_loss": {"data": [], "dtype": "float32", "shape": [0]},
            "k3": 0.25,
            "token_diagnostics": {"valid_positions": [0]},
        },
    ],
    "metrics": {
        "loss:sum": 4.25,
        "loss:mean": 1.0625,
        "valid_tokens:sum": 4,
        "expert_load_summary": {"a": 1},
    },
    "info": {"auto_loaded": False},
}

SINGLE_WIRE: dict[str, Any] = {
    "loss_fn_output_type": "single_loss",
    "loss_fn_outputs": [{"loss": {"data": [3.5], "dtype": "float32", "shape": [1]}}],
    "metrics": {"loss:sum": 7.0, "valid_tokens:sum": 2},
    "info": {},
}


def test_forward_backward_output_per_token_shape() -> None:
    out = ForwardBackwardOutput.from_wire(CE_WIRE)
    assert out.loss_fn_output_type == "CrossEntropyLossReturn"
    assert not out.is_single_loss
    assert len(out.loss_fn_outputs) == 2
    assert isinstance(out.loss_fn_outputs[0]["logprobs"], TensorData)
    assert out.loss_fn_outputs[1]["elementwise_loss"].data == []
    assert out.loss_fn_outputs[1]["k3"] == TensorData([0.25])
    assert out.extras == [{}, {"token_diagnostics": {"valid_positions": [0]}}]
    assert out.loss == pytest.approx(1.0625)
    assert out.per_datum_logprobs() == [[0.0, -1.25, -2.5], [-0.5]]
    assert out.info == {"auto_loaded": False}
    assert out.metrics["expert_load_summary"] == {"a": 1}


def test_forward_backward_output_single_loss_shape() -> None:
    out = ForwardBackwardOutput.from_wire(SINGLE_WIRE)
    assert out.is_single_loss
    assert out.extras == []
    # no loss:mean in metrics -> the single_loss value
    assert out.loss == pytest.approx(3.5)
    with pytest.raises(XorlError, match="single_loss"):
        out.per_datum_logprobs()


def test_forward_backward_output_loss_prefers_metrics_mean() -> None:
    wire = {**SINGLE_WIRE, "metrics": {"loss:mean": 1.5}}
    assert ForwardBackwardOutput.from_wire(wire).loss == 1.5


def test_forward_backward_output_without_loss_or_logprobs() -> None:
    out = ForwardBackwardOutput("CrossEntropyLossReturn", [{"elementwise_loss": TensorData([])}])
    with pytest.raises(XorlError, match="no loss"):
        _ = out.loss
    with pytest.raises(XorlError, match="no 'logprobs'"):
        out.per_datum_logprobs()


def test_optim_step_output_properties() -> None:
    out = OptimStepOutput.from_wire(
        {"metrics": {"grad_norm": 1.5, "learning_rate": 1e-4, "step": 3}, "info": {}}
    )
    assert out.grad_norm == 1.5
    assert out.learning_rate == 1e-4
    assert out.step == 3
    empty = OptimStepOutput.from_wire({})
    assert empty.grad_norm is None and empty.learning_rate is None and empty.step is None


def test_path_responses() -> None:
    assert (
        SaveWeightsResponse.from_wire({"path": "xorl://m/weights/a"}).path == "xorl://m/weights/a"
    )
    assert LoadWeightsResponse.from_wire({"path": "weights/a"}).path == "weights/a"
    assert (
        SaveWeightsForSamplerResponse.from_wire({"path": "xorl://m/sampler_weights/s"}).path
        == "xorl://m/sampler_weights/s"
    )


def test_abort_gradient_epoch_output() -> None:
    out = AbortGradientEpochOutput.from_wire(
        {"success": True, "model_id": "m", "step": 2, "forward_backward_step": 5}
    )
    assert out == AbortGradientEpochOutput(True, "m", 2, 5, {})


def test_checkpoint_weights_run_session_parsing() -> None:
    ckpt = {
        "checkpoint_id": "weights/m/a",
        "checkpoint_type": "training",
        "time": "2026-01-01T00:00:00",
        "path": "xorl://m/weights/a",
        "size_bytes": 10,
    }
    info = CheckpointInfo.from_wire(ckpt)
    assert info.size_bytes == 10 and info.checkpoint_type == "training"
    assert CheckpointInfo.from_wire({**ckpt, "size_bytes": None}).size_bytes is None

    w = WeightsInfo.from_wire(
        {"base_model": "b", "is_lora": True, "lora_rank": 8, "lora_config": {"lora_rank": 8}}
    )
    assert w == WeightsInfo("b", True, 8, {"lora_rank": 8}, None)

    run = TrainingRun.from_wire(
        {
            "training_run_id": "m",
            "base_model": "b",
            "model_owner": "local",
            "is_lora": True,
            "corrupted": False,
            "lora_rank": 8,
            "last_request_time": "now",
            "last_checkpoint": ckpt,
            "last_sampler_checkpoint": None,
            "user_metadata": None,
        }
    )
    assert run.last_checkpoint == info and run.last_sampler_checkpoint is None

    s = SessionInfo.from_wire(
        {
            "registered_models": ["default"],
            "active_sessions": 1,
            "session_activity": {"default": 12.5},
            "idle_timeout_seconds": 7200,
            "loaded_sampling_adapters": {"a": 1},
            "loaded_training_adapters": ["default"],
            "max_training_adapters": 4,
            "current_training_adapter": None,
        }
    )
    assert s.idle_timeout_seconds == 7200.0 and s.current_training_adapter is None
    assert SessionInfo.from_wire({}) == SessionInfo()


def test_queue_state_values() -> None:
    assert QueueState("active") is QueueState.ACTIVE
    assert isinstance(QueueState.PAUSED_CAPACITY, str)
    assert QueueState.PAUSED_CAPACITY.value == "paused_capacity"
    assert {q.value for q in QueueState} == {
        "active",
        "paused_capacity",
        "paused_rate_limit",
        "unknown",
    }


# -- sampling ------------------------------------------------------------------------------------


def test_sampling_params_to_sglang() -> None:
    assert SamplingParams(max_tokens=None).to_sglang() == {
        "temperature": 1.0,
        "top_p": 1.0,
        "top_k": -1,
        "min_p": 0.0,
    }
    full = SamplingParams(
        max_tokens=8, temperature=0.5, top_p=0.9, top_k=20, min_p=0.1, stop="END", seed=7
    ).to_sglang()
    assert full == {
        "temperature": 0.5,
        "top_p": 0.9,
        "top_k": 20,
        "min_p": 0.1,
        "max_new_tokens": 8,
        "stop": ["END"],
        "sampling_seed": 7,
    }
    assert SamplingParams(stop=["a", "b"]).to_sglang()["stop"] == ["a", "b"]
    ids = SamplingParams(stop=[1, 2]).to_sglang()
    assert ids["stop_token_ids"] == [1, 2] and "stop" not in ids
    assert "stop" not in SamplingParams(stop=[]).to_sglang()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_tokens": 0}, "sampling_params.max_tokens"),
        ({"temperature": -0.1}, "sampling_params.temperature"),
        ({"top_p": 0.0}, "sampling_params.top_p"),
        ({"top_k": 0}, "sampling_params.top_k"),
        ({"min_p": 1.5}, "sampling_params.min_p"),
        ({"stop": ["a", 1]}, "sampling_params.stop"),
        ({"seed": 1.5}, "sampling_params.seed"),
    ],
)
def test_sampling_params_rejects_bad_values(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(DataValidationError) as info:
        SamplingParams(**kwargs)
    assert info.value.field == field


def test_sample_response_types() -> None:
    seq = SampledSequence(tokens=[1, 2], logprobs=[-0.1, -0.2], stop_reason="length")
    resp = SampleResponse(sequences=[seq])
    assert resp.sequences[0].text is None
    assert resp.prompt_logprobs is None
