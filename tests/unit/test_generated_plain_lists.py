"""The generated models take lists of plain JSON as they are (templates/property_templates).

A request tensor or a completion's logprob entries hold up to millions of numbers; rebuilding
them element by element in ``from_dict`` / ``to_dict`` cost more than encoding them. Lists of
models are still converted item by item.
"""

from __future__ import annotations

from xorl_openapi.models import (
    DatumInput,
    GenerateMetaInfo,
    GenerateRequest,
    TensorData,
)


def test_request_tensor_data_is_neither_copied_nor_rebuilt() -> None:
    data = [0.5, 1, 2.5, 3]
    tensor = TensorData.from_dict({"data": data, "shape": [2, 2], "dtype": "float32"})
    assert tensor.data is data
    assert tensor.to_dict()["data"] is data


def test_logprob_entries_are_taken_as_they_are() -> None:
    entries = [[-0.5, 7, None], [-1.0, 9, "x"]]
    meta = GenerateMetaInfo.from_dict({"output_token_logprobs": entries})
    assert meta.output_token_logprobs is entries
    assert meta.to_dict()["output_token_logprobs"] is entries


def test_batched_prompt_ids_are_taken_as_they_are() -> None:
    rows = [[1, 2], [3, 4]]
    request = GenerateRequest.from_dict({"input_ids": rows})
    assert request.input_ids is rows
    assert request.to_dict()["input_ids"] is rows


def test_lists_of_models_are_still_parsed() -> None:
    datum = {"model_input": {"input_ids": [1, 2]}, "loss_fn_inputs": {"labels": [1, 2]}}
    parsed = DatumInput.from_dict({"data": [datum]})
    assert type(parsed.data[0]).__name__ == "Datum"
    assert parsed.to_dict()["data"] == [datum]
