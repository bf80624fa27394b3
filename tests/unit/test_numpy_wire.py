"""numpy inputs go on the wire as arrays: orjson encodes them, no Python list is built.

The body is what orjson writes for the array itself (float32 values in their own shortest
form), validation checks the arrays with the same rules and error texts as lists, and a list
read from a tensor (``.data``, ``.tokens``) is what is sent from then on.
"""

from __future__ import annotations

import pickle
from typing import Any

import orjson
import pytest

import xorl_client as xc
from xorl_client.errors import DataValidationError
from xorl_client.validation import validate_batch

np = pytest.importorskip("numpy")


def _body(datum: xc.Datum) -> bytes:
    return orjson.dumps(datum.to_wire(), option=orjson.OPT_SERIALIZE_NUMPY)


def _datum(**inputs: Any) -> xc.Datum:
    ids = np.arange(1, 5, dtype=np.int64)
    return xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs=inputs)


def test_arrays_are_sent_as_orjson_encodes_them() -> None:
    logprobs = np.array([-0.1, -0.2, -0.3, -0.4], dtype=np.float32)
    hidden = np.arange(8, dtype=np.float32).reshape(4, 2) / 10
    datum = _datum(target_tokens=np.array([2, 3, 4, 5]), logprobs=logprobs, hidden=hidden)
    wire = datum.to_wire()
    assert wire["model_input"]["input_ids"] is datum.model_input.chunks[0].wire_tokens()
    assert wire["loss_fn_inputs"]["logprobs"]["data"] is datum.loss_fn_inputs["logprobs"].array
    body = orjson.loads(_body(datum))
    assert body["model_input"] == {"input_ids": [1, 2, 3, 4]}
    assert body["loss_fn_inputs"]["logprobs"] == {
        "data": [-0.1, -0.2, -0.3, -0.4],  # float32's shortest form, not -0.10000000149011612
        "dtype": "float32",
        "shape": [4],
    }
    assert body["loss_fn_inputs"]["hidden"]["shape"] == [4, 2]
    assert body["loss_fn_inputs"]["hidden"]["data"][:3] == [0.0, 0.1, 0.2]
    assert body["loss_fn_inputs"]["target_tokens"]["data"] == [2, 3, 4, 5]
    validate_batch([datum], "cross_entropy")


def test_the_generated_request_keeps_the_arrays() -> None:
    from xorl_client.training.wire import request_model

    datum = _datum(target_tokens=np.array([2, 3, 4, 5]), weights=np.ones(4, dtype=np.float32))
    body = {"model_id": "default", "forward_backward_input": {"data": [datum.to_wire()]}}
    request = request_model("forward_backward", body)
    sent = orjson.loads(orjson.dumps(request.to_dict(), option=orjson.OPT_SERIALIZE_NUMPY))
    data = sent["forward_backward_input"]["data"][0]
    assert data["loss_fn_inputs"]["weights"]["data"] == [1.0, 1.0, 1.0, 1.0]
    assert data["model_input"]["input_ids"] == [1, 2, 3, 4]


def test_reading_the_list_makes_the_list_what_is_sent() -> None:
    datum = _datum(target_tokens=np.array([2, 3, 4, 5]))
    targets = datum.loss_fn_inputs["target_tokens"]
    targets.data[0] = 9
    assert targets.array is None
    assert orjson.loads(_body(datum))["loss_fn_inputs"]["target_tokens"] == [9, 3, 4, 5]
    chunk = datum.model_input.chunks[0]
    chunk.tokens.append(7)
    assert orjson.loads(_body(datum))["model_input"]["input_ids"] == [1, 2, 3, 4, 7]


@pytest.mark.parametrize(
    ("inputs", "field", "text"),
    [
        ({"target_tokens": np.array([2, -3, 4, 5])}, "loss_fn_inputs.target_tokens", "[1] is -3"),
        (
            {"target_tokens": np.array([2, 3, 4, 5]), "logprobs": np.array([0, np.nan, 0, 0])},
            "loss_fn_inputs.logprobs",
            "[1] is nan",
        ),
        (
            {"target_tokens": np.array([2, 3, 4, 5]), "weights": np.array([1.0, 0.5, 1.0, 1.0])},
            "loss_fn_inputs.weights",
            "[1] is 0.5",
        ),
    ],
)
def test_array_errors_match_the_list_errors(inputs: dict[str, Any], field: str, text: str) -> None:
    loss = "importance_sampling" if "logprobs" in inputs else "policy_loss"
    inputs = {"logprobs": np.zeros(4), "advantages": np.zeros(4), **inputs}
    as_lists = {k: v.tolist() for k, v in inputs.items()}
    errors = []
    for given in (inputs, as_lists):
        with pytest.raises(DataValidationError) as caught:
            validate_batch([_datum(**given)], loss)
        errors.append(caught.value)
    assert errors[0].field == errors[1].field == field
    assert str(errors[0]) == str(errors[1]) and text in str(errors[0])


def test_negative_input_ids_in_an_array_are_refused() -> None:
    datum = xc.Datum(
        model_input=xc.ModelInput.from_ints(np.array([1, -100, 3])),
        loss_fn_inputs={"target_tokens": [1, 2, 3]},
    )
    with pytest.raises(DataValidationError, match=r"input_ids\[1\] is -100"):
        validate_batch([datum], "cross_entropy")


def test_array_backed_values_pickle_and_compare() -> None:
    datum = _datum(target_tokens=np.array([2, 3, 4, 5]))
    copy = pickle.loads(pickle.dumps(datum))
    assert copy.loss_fn_inputs["target_tokens"] == datum.loss_fn_inputs["target_tokens"]
    assert copy.model_input == datum.model_input
    assert repr(copy.loss_fn_inputs["target_tokens"]).startswith("TensorData(data=[2, 3, 4, 5]")
