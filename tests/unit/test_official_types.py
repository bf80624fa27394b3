"""The official client's type behaviours (its ``tests/test_types.py``), on this SDK's types.

Where a behaviour differs on purpose, the test asserts this SDK's behaviour and says so; the
reasons are in ``docs/compatibility.md``.
"""

from __future__ import annotations

import base64
import sys
from typing import Any

import numpy as np
import pytest

import xorl_client as xc
from xorl_client import types
from xorl_client.errors import DataValidationError

# -- TensorData ----------------------------------------------------------------------------------


def test_from_list_records_a_rank1_shape() -> None:
    t = types.TensorData.from_list([1.0, 2.0, 3.0, 4.0])
    assert (t.data, t.dtype, t.shape) == ([1.0, 2.0, 3.0, 4.0], "float32", [4])


def test_from_list_infers_int64_for_token_ids() -> None:
    # Deliberate difference: the official from_list labels every list float32.
    assert types.TensorData.from_list([2, 3, 4]).dtype == "int64"
    assert types.TensorData.from_list([2, 3, 4], "float32").dtype == "float32"


def test_from_numpy_flattens_and_records_the_shape() -> None:
    one = types.TensorData.from_numpy(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    assert (one.data, one.shape) == ([1.0, 2.0, 3.0], [3])
    two = types.TensorData.from_numpy(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))
    assert (two.data, two.shape) == ([1.0, 2.0, 3.0, 4.0], [2, 2])


def test_to_dict_and_from_dict_round_trip() -> None:
    t = types.TensorData(data=[1.0, 2.0], dtype="float32", shape=[2])
    assert t.to_dict() == {"data": [1.0, 2.0], "dtype": "float32", "shape": [2]}
    back = types.TensorData.from_dict({"data": [1.0, 2.0, 3.0], "dtype": "float64", "shape": [3]})
    assert (back.data, back.dtype, back.shape) == ([1.0, 2.0, 3.0], "float64", [3])
    assert types.TensorData.from_dict({"data": [0.5]}).dtype == "float32"


def test_to_numpy_keeps_dtype_and_shape() -> None:
    flat = types.TensorData(data=[1.0, 2.0, 3.0], dtype="float32", shape=[3]).to_numpy()
    assert flat.dtype == np.float32 and flat.shape == (3,) and list(flat) == [1.0, 2.0, 3.0]
    square = types.TensorData(data=[1.0, 2.0, 3.0, 4.0], dtype="float32", shape=[2, 2]).to_numpy()
    assert square.shape == (2, 2) and square[0, 0] == 1.0 and square[1, 1] == 4.0
    ints = types.TensorData(data=[1, 2, 3], dtype="int64", shape=[3]).to_numpy()
    assert ints.dtype == np.int64 and list(ints) == [1, 2, 3]


def test_tolist_follows_the_shape() -> None:
    assert types.TensorData([1.0, 2.0, 3.0], "float32", [3]).tolist() == [1.0, 2.0, 3.0]
    assert types.TensorData([1.0, 2.0, 3.0, 4.0], "float32", [2, 2]).tolist() == [
        [1.0, 2.0],
        [3.0, 4.0],
    ]


def test_torch_round_trip() -> None:
    torch = pytest.importorskip("torch")
    t = types.TensorData.from_torch(torch.tensor([[1, 2], [3, 4]], dtype=torch.int32))
    assert (t.data, t.dtype, t.shape) == ([1, 2, 3, 4], "int64", [2, 2])
    back = t.to_torch()
    assert back.dtype == torch.int64 and tuple(back.shape) == (2, 2)
    half = types.TensorData.from_torch(torch.tensor([0.5, 1.5], dtype=torch.bfloat16))
    assert (half.data, half.dtype, half.shape) == ([0.5, 1.5], "float32", [2])


def test_from_torch_needs_a_tensor_and_never_imports_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    with pytest.raises(DataValidationError, match=r"needs a torch\.Tensor"):
        types.TensorData.from_torch([1, 2])
    assert "torch" not in sys.modules


# -- ModelInput and chunks -----------------------------------------------------------------------


def test_model_input_from_ints_is_one_text_chunk() -> None:
    mi = types.ModelInput.from_ints(tokens=[1, 2, 3, 4, 5])
    assert len(mi.chunks) == 1 and isinstance(mi.chunks[0], types.EncodedTextChunk)
    assert list(mi.chunks[0].tokens) == [1, 2, 3, 4, 5]
    assert mi.to_ints() == [1, 2, 3, 4, 5] and mi.length == 5


def test_model_input_chunks_append_and_length() -> None:
    mi = types.ModelInput.empty()
    assert mi.chunks == [] and mi.length == 0
    mi = mi.append(types.EncodedTextChunk(tokens=[1, 2])).append(types.EncodedTextChunk([3, 4]))
    assert mi.to_ints() == [1, 2, 3, 4] and mi.length == 4
    assert types.ModelInput.from_ints([1, 2]).append_int(3).to_ints() == [1, 2, 3]


def test_model_input_with_an_image_cannot_become_token_ids() -> None:
    mi = types.ModelInput.from_ints([1, 2, 3]).append(
        types.ImageAssetPointerChunk(format="png", location="/img.png", expected_tokens=100)
    )
    assert mi.length == 103
    with pytest.raises(ValueError, match="only supported for ModelInput with EncodedTextChunks"):
        mi.to_ints()
    with pytest.raises(DataValidationError, match="cannot train on or sample from images"):
        mi.to_wire()


def test_images_are_refused_before_anything_is_sent() -> None:
    from .fake_server import FakeXorl, make_training_client

    image = types.ImageChunk(data=b"png bytes", format="png", expected_tokens=2)
    with_image = types.ModelInput.from_ints([1, 2, 3]).append(image)
    server = FakeXorl()
    tc = make_training_client(server)
    ok = types.Datum([1, 2], {"labels": [1, 2]})
    with pytest.raises(DataValidationError, match="cannot train on images") as info:
        tc.forward_backward([ok, types.Datum(with_image, {"labels": [1, 2, 3, 4, 5]})])
    assert (info.value.datum_index, info.value.field) == (1, "model_input.chunks[1]")
    assert server.submissions == []
    sampler = xc.SamplingClient("http://127.0.0.1:9")
    with pytest.raises(DataValidationError, match="cannot train on or sample from images"):
        sampler.sample(with_image)
    with pytest.raises(DataValidationError, match=r"prompts\[1\]") as batch:
        sampler.sample_batch(["text", with_image])
    assert batch.value.datum_index == 1
    sampler.close()


def test_model_dump_gives_the_chunk_form() -> None:
    d = types.ModelInput.from_ints([1, 2, 3]).model_dump(mode="json")
    assert d == {"chunks": [{"tokens": [1, 2, 3], "type": "encoded_text"}]}
    assert types.ModelInput.from_dict(d).to_ints() == [1, 2, 3]
    assert types.ModelInput.model_validate({"input_ids": [4, 5]}).to_ints() == [4, 5]
    chunk = types.EncodedTextChunk(tokens=[10, 20])
    assert chunk.type == "encoded_text" and chunk.length == 2
    assert chunk.model_dump(mode="json") == {"tokens": [10, 20], "type": "encoded_text"}


def test_image_chunks() -> None:
    img = types.ImageChunk(data=b"fake image data", format="png", expected_tokens=100)
    assert (img.data, img.format, img.expected_tokens, img.type) == (
        b"fake image data",
        "png",
        100,
        "image",
    )
    assert types.ImageChunk(data=b"data", format="jpeg", expected_tokens=50).length == 50
    dumped = img.model_dump(mode="json")
    assert dumped["data"] == base64.b64encode(b"fake image data").decode()
    assert dumped["type"] == "image" and dumped["format"] == "png"
    assert types.ImageChunk(data=dumped["data"], format="png").data == b"fake image data"
    with pytest.raises(ValueError, match="expected_tokens needs to be set"):
        _ = types.ImageChunk(data=b"data", format="png").length
    pointer = types.ImageAssetPointerChunk(format="jpeg", location="/a.jpg", expected_tokens=200)
    assert (pointer.location, pointer.type, pointer.length) == (
        "/a.jpg",
        "image_asset_pointer",
        200,
    )
    with pytest.raises(DataValidationError, match="png' or 'jpeg"):
        types.ImageChunk(data=b"x", format="gif")  # type: ignore[arg-type]


def test_model_input_chunk_is_the_union_of_the_three() -> None:
    chunk: types.ModelInputChunk = types.ImageChunk(data=b"x", format="png", expected_tokens=1)
    restored = types.ModelInput.from_dict(types.ModelInput([chunk]).model_dump(mode="json"))
    assert restored.chunks == [chunk]


# -- Datum ---------------------------------------------------------------------------------------


def test_datum_converts_lists_and_arrays_to_tensor_data() -> None:
    datum = types.Datum(
        model_input=types.ModelInput.from_ints([1, 2, 3]),
        loss_fn_inputs={"target_tokens": np.array([2, 3, 4]), "weights": [1.0, 1.0, 1.0]},
    )
    assert datum.model_input.to_ints() == [1, 2, 3]
    assert datum.loss_fn_inputs["target_tokens"].tolist() == [2, 3, 4]
    assert datum.loss_fn_inputs["weights"].tolist() == [1.0, 1.0, 1.0]


def test_datum_to_dict_has_input_ids_and_tensor_dicts() -> None:
    datum = types.Datum(
        model_input=types.ModelInput.from_ints([1, 2, 3, 4]),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_list([2, 3, 4, 5]),
            "weights": [0.0, 1.0, 1.0, 1.0],
        },
    )
    d = datum.to_dict()
    assert d["model_input"] == {"input_ids": [1, 2, 3, 4]}
    assert d["loss_fn_inputs"]["target_tokens"]["data"] == [2, 3, 4, 5]
    assert d["loss_fn_inputs"]["weights"]["data"] == [0.0, 1.0, 1.0, 1.0]
    assert types.Datum.from_dict(d) == datum
    # the tokens the server gets are the same
    assert types.Datum.from_dict(d).to_wire() == datum.to_wire()


def test_datum_routing_replay_fields() -> None:
    datum = types.Datum(
        types.ModelInput.from_ints([1, 2]),
        {"weights": [1.0, 1.0]},
        routed_experts=[[[0, 1]], [[1, 2]]],
        routed_expert_logits=[[[0.6, 0.4]], [[0.7, 0.3]]],
    )
    d = datum.to_dict()
    assert d["routed_experts"] == [[[0, 1]], [[1, 2]]]
    assert "routed_experts" not in datum.to_wire()  # sent per request, not per datum


# -- optimizer, LoRA and sampling settings ------------------------------------------------------


def test_adam_params_defaults_and_to_dict() -> None:
    params = types.AdamParams(learning_rate=1e-4)
    assert (params.beta1, params.beta2, params.eps) == (0.9, 0.95, 1e-12)
    d = types.AdamParams(learning_rate=1e-5, beta1=0.85, beta2=0.99, eps=1e-6).to_dict()
    assert (d["learning_rate"], d["beta1"], d["beta2"], d["eps"]) == (1e-5, 0.85, 0.99, 1e-6)


def test_sampling_params_defaults() -> None:
    p = types.SamplingParams()
    assert (p.max_tokens, p.temperature, p.top_p, p.top_k, p.stop) == (128, 1.0, 1.0, -1, None)
    assert (p.stop_token_ids, p.seed, p.sampling_seed) == (None, None, None)
    assert (p.ignore_eos, p.no_stop_trim, p.custom_params, p.return_routed_experts) == (
        False,
        False,
        None,
        False,
    )
    assert p.to_dict() == {
        "max_new_tokens": 128,
        "temperature": 1.0,
        "top_p": 1.0,
        "top_k": -1,
        "min_p": 0.0,
    }


def test_sampling_params_positional_order_and_to_dict() -> None:
    p = types.SamplingParams(256, 0.7, 0.9, 50, ["</s>", "\n\n"], [7])
    assert (p.max_tokens, p.temperature, p.top_p, p.top_k, p.stop, p.stop_token_ids) == (
        256,
        0.7,
        0.9,
        50,
        ["</s>", "\n\n"],
        [7],
    )
    d = types.SamplingParams(
        max_tokens=100, stop=["end"], ignore_eos=True, custom_params={}
    ).to_dict()
    assert (d["max_new_tokens"], d["stop"], d["ignore_eos"], d["custom_params"]) == (
        100,
        ["end"],
        True,
        {},
    )
    assert types.SamplingParams.from_dict(d) == types.SamplingParams(
        max_tokens=100, stop=["end"], ignore_eos=True, custom_params={}
    )


def test_seed_and_sampling_seed_are_one_setting() -> None:
    assert types.SamplingParams(sampling_seed=5).to_dict()["sampling_seed"] == 5
    assert types.SamplingParams(seed=5).to_dict()["sampling_seed"] == 5
    with pytest.raises(DataValidationError, match="two names for the same setting"):
        types.SamplingParams(seed=1, sampling_seed=2)


def test_lora_config() -> None:
    default = types.LoraConfig()
    assert (default.rank, default.alpha, default.dropout, default.target_modules) == (
        32,
        None,
        0.0,
        None,
    )
    custom = types.LoraConfig(rank=64, alpha=128, dropout=0.1, target_modules=["q_proj"])
    assert (custom.rank, custom.alpha, custom.dropout, custom.target_modules) == (
        64,
        128,
        0.1,
        ["q_proj"],
    )
    assert types.LoraConfig(rank=16, alpha=32).to_dict() == {
        "rank": 16,
        "alpha": 32,
        "dropout": 0.0,
    }


# -- results -------------------------------------------------------------------------------------


def test_forward_backward_output_built_by_hand() -> None:
    out = types.ForwardBackwardOutput(
        loss_fn_outputs=[{"loss": 0.5}], metrics={"total_tokens": 100}
    )
    assert out.loss_fn_outputs[0]["loss"] == 0.5 and out.metrics["total_tokens"] == 100
    assert out.loss_fn_output_type == "" and out.info == {}


def test_result_types() -> None:
    assert types.OptimStepResponse(metrics={"grad_norm": 1.5}).metrics["grad_norm"] == 1.5
    assert types.OptimStepResponse is xc.OptimStepOutput
    assert types.SaveWeightsResponse(path="/path/to/checkpoint").path == "/path/to/checkpoint"
    sampler = types.SaveWeightsForSamplerResponse.from_dict({"path": "xorl://m/sampler_weights/a"})
    assert sampler.model_path is None


def test_sample_response_reads_the_first_sequence() -> None:
    seq = types.SampledSequence(tokens=[1, 2, 3], logprobs=[-0.1, -0.2, -0.3], text="hello")
    response = types.SampleResponse(sequences=[seq])
    assert (response.text, response.tokens, response.logprobs) == (
        "hello",
        [1, 2, 3],
        [-0.1, -0.2, -0.3],
    )
    assert seq.stop_reason == "stop" and response.meta_info is None
    empty = types.SampleResponse(sequences=[])
    assert (empty.text, empty.tokens, empty.logprobs) == ("", [], None)


@pytest.mark.parametrize(
    "obj",
    [
        types.TensorData([1, 2], "int64"),
        types.ModelInput.from_ints([1, 2]),
        types.Datum([1, 2, 3], {"labels": [1, 2, 3]}),
        types.AdamParams(),
        types.LoraConfig(rank=8),
        types.SamplingParams(seed=1),
        types.SampleResponse([types.SampledSequence([1], "length", [-0.5], "a")]),
        types.ForwardBackwardOutput("single_loss", [types.LossFnOutput(loss=1.0)], {"x": 1}),
        types.CheckpointsListResponse([types.Checkpoint("weights/m/a", "training", "t", "p")]),
        types.TrainingRunsResponse(cursor=types.Cursor(0, 20, 3)),
        types.UntypedAPIFuture("r1"),
        types.UpdateDedicatedEndpointResponse(success=True),
        xc.SyncWeightsResponse(
            True, "ok", endpoints_synced=[types.EndpointSyncResult("h", 1, True)]
        ),
    ],
    ids=lambda o: type(o).__name__,
)
def test_every_type_round_trips_through_to_dict_and_model_dump(obj: Any) -> None:
    assert isinstance(obj, types.StrictBase)
    assert type(obj).from_dict(obj.to_dict()) == obj
    assert isinstance(obj.model_dump(), dict) and isinstance(obj.model_dump(mode="json"), dict)
    assert type(obj).model_validate(obj) is obj
