"""The benchmarks' instant server answers every route it serves in the shape openapi.yaml gives.

Its handlers are called directly (no sockets): each answer is parsed by the generated models
the SDK parses it with, so a benchmark never measures the SDK on answers a real server would
not give.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from xorl_openapi import models

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "instant_server", BENCHMARKS / "instant_server.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("instant_server", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def server() -> Any:
    return _load().InstantServer()


def _call(server: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    status, raw = server.routes[(method, path)](orjson.dumps(body) if body is not None else b"")
    return status, orjson.loads(raw)


def _two_phase(server: Any, path: str, body: dict[str, Any]) -> Any:
    status, handle = _call(server, "POST", path, body)
    assert status == 200
    models.UntypedAPIFuture.from_dict(handle)
    status, result = _call(
        server, "POST", "/api/v1/retrieve_future", {"request_id": handle["request_id"]}
    )
    assert status == 200
    return result


def test_training_results_parse_as_the_spec_says(server: Any) -> None:
    created = _two_phase(server, "/api/v1/create_model", {"base_model": "m", "model_id": "default"})
    assert models.CreateModelResponse.from_dict(created).model_id == "default"

    data = [
        {"model_input": {"input_ids": [1, 2, 3]}, "loss_fn_inputs": {"target_tokens": [2, 3, 4]}},
        {"model_input": {"chunks": [{"type": "encoded_text", "tokens": [5, 6]}]}},
    ]
    body = {"model_id": "default", "seq_id": 1, "forward_backward_input": {"data": data}}
    result = _two_phase(server, "/api/v1/forward_backward", body)
    parsed = models.ForwardBackwardResponse.from_dict(result)
    assert [len(o.logprobs.data) for o in parsed.loss_fn_outputs] == [3, 2]
    assert result["metrics"]["valid_tokens:sum"] == 5
    assert result["info"]["request_bytes"] == len(orjson.dumps(body))

    forward = _two_phase(server, "/api/v1/forward", {"forward_input": {"data": data[:1]}})
    assert models.ForwardResponse.from_dict(forward).metrics.valid_tokens == 3

    steps = [
        _two_phase(server, "/api/v1/optim_step", {"adam_params": {"learning_rate": 0.1}})
        for _ in range(2)
    ]
    assert [models.OptimStepResponse.from_dict(s).metrics.step for s in steps] == [1, 2]
    assert steps[0]["metrics"]["learning_rate"] == 0.1


def test_a_future_is_handed_over_once_then_404(server: Any) -> None:
    status, handle = _call(server, "POST", "/api/v1/create_model", {"base_model": "m"})
    poll = {"request_id": handle["request_id"]}
    assert _call(server, "POST", "/api/v1/retrieve_future", poll)[0] == 200
    status, detail = _call(server, "POST", "/api/v1/retrieve_future", poll)
    assert status == 404 and handle["request_id"] in detail["detail"]


@pytest.mark.parametrize("logprobs", [True, False])
def test_generate_rows(server: Any, logprobs: bool) -> None:
    body = {
        "input_ids": [1, 2, 3],
        "sampling_params": {"max_new_tokens": 7, "n": 1},
        "return_logprob": logprobs,
    }
    status, row = _call(server, "POST", "/generate", body)
    out = models.GenerateOutput.from_dict(row)
    assert status == 200 and len(out.output_ids) == 7
    entries = row["meta_info"].get("output_token_logprobs")
    assert (entries is not None) is logprobs
    if logprobs:
        assert [e[1] for e in entries] == row["output_ids"]

    batched = {
        **body,
        "input_ids": [[1, 2], [3, 4]],
        "sampling_params": {"max_new_tokens": 2, "n": 2},
    }
    status, rows = _call(server, "POST", "/generate", batched)
    assert status == 200 and len(rows) == 4


def test_unknown_routes_answer_like_the_real_server(server: Any) -> None:
    assert ("POST", "/api/v1/save_weights") not in server.routes
    assert _load()._NOT_FOUND == (404, b'{"detail":"Not Found"}')
