"""MoE routing replay data on datums: accepted forms, refusals before sending, SGLang's codec."""

from __future__ import annotations

import base64
import struct
from types import SimpleNamespace
from typing import Any

import pytest

import xorl_client as xc
from tests.unit.fake_server import FakeXorl, make_training_client
from xorl_client.errors import DataValidationError
from xorl_client.tinker_compat import coerce_datum
from xorl_client.types.routing import check_routing_entry

IDS = [256, 1, 2, 3]
NESTED = [[[0, 1], [2, 3]], [[1, 2], [3, 0]], [[2, 3], [0, 1]]]


def blob(values: list[int]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}i", *values)).decode()


def datum(**routing: Any) -> xc.Datum:
    return xc.Datum(IDS, {"labels": IDS}, **routing)


def test_sglang_codec_round_trips() -> None:
    encoded = xc.types.encode_routed_experts(NESTED)
    assert encoded == blob([e for p in NESTED for layer in p for e in layer])
    assert xc.decode_routed_experts(encoded, num_layers=2, top_k=2) == NESTED


@pytest.mark.parametrize(
    ("text", "layers", "top_k", "match"),
    [
        ("not base64!", 2, 2, "base64"),
        (base64.b64encode(b"\x00" * 6).decode(), 2, 2, "4-byte"),
        (blob([0, 1, 2]), 2, 2, "whole number of positions"),
        (blob([0]), 0, 2, "num_layers"),
    ],
)
def test_decoding_refuses_what_is_not_the_layout(
    text: str, layers: int, top_k: int, match: str
) -> None:
    with pytest.raises(DataValidationError, match=match):
        xc.decode_routed_experts(text, num_layers=layers, top_k=top_k)


@pytest.mark.parametrize(
    "value",
    [
        NESTED,
        [],
        blob([0, 1, 2, 3]),
        {"data": blob([0, 1, 2, 3]), "shape": [1, 2, 2]},
        {"data": blob([0, 1, 2, 3]), "shape": [1, 2, 2], "rows": 1},
        {"schema": "sglang.routed_experts.file.v1", "path": "/r3/x.bin"},
    ],
    ids=["nested", "empty", "base64", "object", "object rows", "descriptor"],
)
def test_accepted_forms(value: Any) -> None:
    check_routing_entry(value, "routed_experts", 0)


@pytest.mark.parametrize(
    ("value", "kind", "match"),
    [
        ([[[0, 1], [2]]], "routed_experts", "not rectangular"),
        ([[[0, 1]], [[0, 1], [2, 3]]], "routed_experts", "not rectangular"),
        ([[[0, -1]]], "routed_experts", "non-negative integer"),
        ([[[0, 1.5]]], "routed_experts", "non-negative integer"),
        ([[[0.5, float("nan")]]], "routed_expert_logits", "finite number"),
        ([[0, 1]], "routed_experts", r"\[layers\]\[top_k\]"),
        ("%%%", "routed_experts", "base64"),
        ({"shape": [1, 2, 2]}, "routed_experts", "without 'data'"),
        ({"data": blob([0, 1]), "shape": [1, 2, 2]}, "routed_experts", "needs 16"),
        ({"data": blob([0]), "shape": [1, 1]}, "routed_experts", "shape"),
        (7, "routed_experts", "int"),
    ],
)
def test_entries_the_worker_cannot_replay_are_refused(value: Any, kind: str, match: str) -> None:
    with pytest.raises(DataValidationError, match=match) as caught:
        check_routing_entry(value, kind, 3)
    assert caught.value.datum_index == 3 and caught.value.field == kind
    assert str(caught.value).startswith("datum 3")


def test_a_bad_entry_stops_the_batch_before_anything_is_sent() -> None:
    server = FakeXorl()
    tc = make_training_client(server)
    good = datum(routed_experts=NESTED)
    bad = datum(routed_experts=[[[0, -2]]])
    with pytest.raises(DataValidationError, match="datum 1"):
        tc.forward_backward([good, bad], "cross_entropy")
    assert server.submissions == []


def test_routing_is_sent_per_request_in_datum_order() -> None:
    server = FakeXorl()
    tc = make_training_client(server)
    first, second = blob([0, 1, 2, 3]), blob([1, 2, 3, 0])
    tc.forward(
        [datum(routed_experts=first), datum(routed_experts=second)], "cross_entropy"
    ).result()
    (sub,) = server.submissions
    assert sub.body["forward_input"]["routed_experts"] == [first, second]
    assert "routed_experts" not in sub.body["forward_input"]["data"][0]


def test_arrays_become_nested_lists() -> None:
    np = pytest.importorskip("numpy")
    d = datum(routed_experts=np.array(NESTED, dtype=np.int32))
    assert d.routed_experts == NESTED and isinstance(d.routed_experts, list)


def test_dict_and_tinker_shaped_datums_keep_their_routing() -> None:
    as_dict = {
        "model_input": {"input_ids": IDS},
        "loss_fn_inputs": {"labels": IDS},
        "routed_experts": NESTED,
        "routed_expert_logits": [[[0.5, 0.5], [0.25, 0.75]]] * 3,
    }
    chunk = SimpleNamespace(type="encoded_text", tokens=IDS)
    as_object = SimpleNamespace(
        model_input=SimpleNamespace(chunks=[chunk]),
        loss_fn_inputs={"labels": IDS},
        routed_experts=blob([0, 1, 2, 3]),
    )
    from_dict, from_object = coerce_datum(as_dict, 0), coerce_datum(as_object, 1)
    assert from_dict.routed_experts == NESTED
    assert from_dict.routed_expert_logits == as_dict["routed_expert_logits"]
    assert from_object.routed_experts == blob([0, 1, 2, 3])
    assert from_object.routed_expert_logits is None
