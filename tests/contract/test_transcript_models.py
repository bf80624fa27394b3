"""Recorded xorl wire exchanges against openapi.yaml and the generated client.

Every exchange of the recorded transcript (tests/fixtures/transcript/exchanges.json, built by
tests/fixtures/extract_transcript.py) is checked three ways:

* the recorded response goes through the generated endpoint (``sync_detailed`` / ``asyncio_detailed``
  over an ``httpx.MockTransport``), parses to the right class and serializes back unchanged;
* the recorded request body is valid (2xx) or invalid (422) per the spec's request schema, checked
  with a real Draft 2020-12 validator that resolves ``$ref`` into the spec's components;
* the recorded response body is valid per the schema the spec declares for that route and status.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import api_inventory
import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from xorl_openapi import models
from xorl_openapi.client import Client
from xorl_openapi.types import Response

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
EXCHANGES: list[dict[str, Any]] = json.loads(
    (ROOT / "tests" / "fixtures" / "transcript" / "exchanges.json").read_text(encoding="utf-8")
)
SPEC_URI = "urn:xorl:openapi"
REGISTRY: Registry = Registry().with_resource(
    SPEC_URI, Resource(contents=SPEC, specification=DRAFT202012)
)
BASE_URL = "http://xorl.test"

# Exchanges the contract deliberately does not cover: Starlette's 405/404 for wrong method / unknown
# path, and the hidden `/sync_inference_weights` alias (include_in_schema=False on the server).
UNSPECIFIED = {
    ("GET", "/api/v1/forward_backward"),
    ("POST", "/api/v1/does_not_exist"),
    ("POST", "/sync_inference_weights"),
}
# What a completed future returns, per submitted operation (docs/architecture.md).
RESULT_CLASS = {
    "create_model": "CreateModelResponse",
    "unload_model": "UnloadModelResponse",
    "forward_backward": "ForwardBackwardResponse",
    "forward": "ForwardResponse",
    "optim_step": "OptimStepResponse",
    "abort_gradient_epoch": "AbortGradientEpochResponse",
    "save_weights": "CheckpointPathResponse",
    "load_weights": "CheckpointPathResponse",
    "save_weights_for_sampler": "CheckpointPathResponse",
}
# 422s the spec cannot express: the server's model_validator rejects removed configuration keys
# (e.g. `optimizer_config.zorl`) inside objects that otherwise allow extra keys.
INEXPRESSIBLE_422 = {"create_model with a removed config field (pydantic validator -> 422)"}
# Non-422 errors whose request the spec also calls invalid (the server checks these by hand).
INVALID_REQUESTS_REJECTED_BY_HAND = {
    "create_model with invalid model_id characters (400, raised before the future)",
    "weights_info for a non-xorl path (400)",
    "list_checkpoints with an invalid model_id (500 wrapping the 400)",
}
# The only recorded body the contract does not model: create_session accepts a JSON `null` body,
# but the spec models the body as an optional CreateSessionRequest (send nothing instead).
NULL_BODY_EXCHANGES = {"create_session with a JSON null body"}


def _operations() -> dict[tuple[str, str], tuple[str, str, dict[str, Any]]]:
    found = {}
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post"}:
                found[(method.upper(), path)] = (
                    operation["tags"][0],
                    operation["operationId"],
                    operation,
                )
    return found


OPERATIONS = _operations()
ASYNC_OPERATIONS = {
    op_id for op_id, op in api_inventory.operations(SPEC).items() if op.answers_future
}


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _validator(ref: str) -> Draft202012Validator:
    assert ref.startswith("#/"), ref
    return Draft202012Validator({"$ref": SPEC_URI + ref}, registry=REGISTRY)


def _request_schema_ref(operation: dict[str, Any]) -> str:
    return str(operation["requestBody"]["content"]["application/json"]["schema"]["$ref"])


def _response_schema_ref(operation: dict[str, Any], status: int) -> str:
    response = operation["responses"].get(str(status))
    assert response is not None, f"status {status} is not declared"
    if "$ref" in response:
        response = SPEC["components"]["responses"][_ref_name(response["$ref"])]
    return str(response["content"]["application/json"]["schema"]["$ref"])


def _id(exchange: dict[str, Any]) -> str:
    return f"{exchange['method']} {exchange['path']} {exchange['status']}: {exchange['title']}"


def _specified(exchange: dict[str, Any]) -> bool:
    return (exchange["method"], exchange["path"]) not in UNSPECIFIED


SPECIFIED = [e for e in EXCHANGES if _specified(e)]
JSON_RESPONSES = [e for e in SPECIFIED if e["response_is_json"]]
REQUEST_BODIES = [e for e in SPECIFIED if e["has_body"] and not e["request_truncated"]]


def _expected_class(exchange: dict[str, Any]) -> str:
    _, operation_id, operation = OPERATIONS[(exchange["method"], exchange["path"])]
    body = exchange["response"]
    if operation_id == "retrieve_future" and exchange["status"] == 200:
        if body.get("type") == "try_again":
            return "TryAgainResponse"
        if "error" in body:
            return "RequestFailedResponse"
        return RESULT_CLASS[exchange["operation"]]
    return _ref_name(_response_schema_ref(operation, exchange["status"]))


def _is_valid_request(exchange: dict[str, Any]) -> bool:
    _, _, operation = OPERATIONS[(exchange["method"], exchange["path"])]
    return _validator(_request_schema_ref(operation)).is_valid(exchange["request"])


def _call_kwargs(exchange: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    """Arguments for the generated function, or None when the recorded request cannot be built."""
    kwargs: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        if parameter["name"] in exchange["query"]:
            kwargs[parameter["name"]] = int(exchange["query"][parameter["name"]])
    if exchange["has_body"]:
        if exchange["request_truncated"] or exchange["request"] is None:
            return None
        if not _is_valid_request(exchange):
            return None
        model = getattr(models, _ref_name(_request_schema_ref(operation)))
        kwargs["body"] = model.from_dict(exchange["request"])
    return kwargs


def _mock_client(exchange: dict[str, Any], sent: list[httpx.Request]) -> Client:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(
            exchange["status"],
            content=json.dumps(exchange["response"]).encode(),
            headers={"content-type": "application/json"},
        )

    return Client(base_url=BASE_URL, httpx_args={"transport": httpx.MockTransport(handler)})


def _is_subset(recorded: Any, sent: Any) -> bool:
    """Every key/value of the recorded body is in what the generated client sent."""
    if isinstance(recorded, dict):
        return isinstance(sent, dict) and all(
            key in sent and _is_subset(value, sent[key]) for key, value in recorded.items()
        )
    if isinstance(recorded, list):
        return (
            isinstance(sent, list)
            and len(recorded) == len(sent)
            and all(_is_subset(a, b) for a, b in zip(recorded, sent, strict=True))
        )
    return bool(recorded == sent and type(recorded) is type(sent))


def _check_sent_request(
    exchange: dict[str, Any], operation: dict[str, Any], request: httpx.Request
) -> None:
    assert request.method == exchange["method"]
    assert request.url.path == exchange["path"]
    for key, value in exchange["query"].items():
        assert request.url.params[key] == value
    if exchange["has_body"]:
        sent = json.loads(request.content)
        assert _is_subset(exchange["request"], sent), (exchange["request"], sent)
        # The only keys the generated client may add at the top level are scalar defaults.
        schema = SPEC["components"]["schemas"][_ref_name(_request_schema_ref(operation))]
        for key in set(sent) - set(exchange["request"]):
            prop = schema["properties"][key]
            assert "default" in prop or "const" in prop, key


def _parse_through_generated_code(exchange: dict[str, Any]) -> Response[Any]:
    tag, operation_id, operation = OPERATIONS[(exchange["method"], exchange["path"])]
    module = importlib.import_module(f"xorl_openapi.api.{tag}.{operation_id}")
    sent: list[httpx.Request] = []
    client = _mock_client(exchange, sent)
    kwargs = _call_kwargs(exchange, operation)
    if kwargs is None:
        # The recorded request is not one the generated client can send (invalid by design,
        # truncated in the transcript, or a JSON null body): parse the recorded response only.
        raw = httpx.Response(exchange["status"], content=json.dumps(exchange["response"]).encode())
        return module._build_response(client=client, response=raw)  # type: ignore[no-any-return]
    response: Response[Any] = module.sync_detailed(client=client, **kwargs)
    assert len(sent) == 1
    _check_sent_request(exchange, operation, sent[0])
    return response


def test_fixture_covers_the_transcript() -> None:
    assert EXCHANGES and all(e["title"] and e["method"] and e["path"] for e in EXCHANGES)
    assert {(e["method"], e["path"]) for e in EXCHANGES} - set(OPERATIONS) == UNSPECIFIED
    # Every operation that answers a future has its result class, and only those do.
    assert set(RESULT_CLASS) == ASYNC_OPERATIONS
    retrieves = [e for e in EXCHANGES if e["path"] == "/api/v1/retrieve_future"]
    for exchange in retrieves:
        if exchange["status"] == 200:
            assert exchange["operation"] in RESULT_CLASS, exchange["title"]


@pytest.mark.parametrize("exchange", JSON_RESPONSES, ids=_id)
def test_response_parses_to_the_right_class_and_round_trips(exchange: dict[str, Any]) -> None:
    response = _parse_through_generated_code(exchange)
    assert int(response.status_code) == exchange["status"]
    parsed = response.parsed
    assert type(parsed).__name__ == _expected_class(exchange)
    assert parsed.to_dict() == exchange["response"]


RETRIEVE_SENDABLE = [
    e
    for e in JSON_RESPONSES
    if e["path"] == "/api/v1/retrieve_future"
    and _call_kwargs(e, OPERATIONS[("POST", e["path"])][2])
]


@pytest.mark.parametrize("exchange", RETRIEVE_SENDABLE, ids=_id)
async def test_retrieve_future_async_path(exchange: dict[str, Any]) -> None:
    from xorl_openapi.api.futures import retrieve_future

    sent: list[httpx.Request] = []
    client = _mock_client(exchange, sent)
    kwargs = _call_kwargs(exchange, OPERATIONS[("POST", "/api/v1/retrieve_future")][2])
    assert kwargs is not None
    response = await retrieve_future.asyncio_detailed(client=client, **kwargs)
    assert type(response.parsed).__name__ == _expected_class(exchange)
    assert response.parsed is not None
    assert response.parsed.to_dict() == exchange["response"]
    assert json.loads(sent[0].content) == exchange["request"]


@pytest.mark.parametrize("exchange", JSON_RESPONSES, ids=_id)
def test_response_body_matches_the_declared_schema(exchange: dict[str, Any]) -> None:
    _, _, operation = OPERATIONS[(exchange["method"], exchange["path"])]
    ref = _response_schema_ref(operation, exchange["status"])
    errors = [e.message for e in _validator(ref).iter_errors(exchange["response"])]
    assert errors == []
    if exchange["path"] == "/api/v1/retrieve_future" and exchange["status"] == 200:
        # The oneOf is exclusive on real data: exactly the expected member matches.
        matching = [
            _ref_name(member["$ref"])
            for member in SPEC["components"]["schemas"]["RetrieveFutureResponse"]["oneOf"]
            if _validator(member["$ref"]).is_valid(exchange["response"])
        ]
        assert matching == [_expected_class(exchange)]


@pytest.mark.parametrize("exchange", REQUEST_BODIES, ids=_id)
def test_request_body_validity_matches_the_server(exchange: dict[str, Any]) -> None:
    if exchange["title"] in NULL_BODY_EXCHANGES:
        assert exchange["request"] is None
        assert exchange["status"] == 200
        return
    valid = _is_valid_request(exchange)
    if exchange["status"] == 422:
        assert valid == (exchange["title"] in INEXPRESSIBLE_422)
    elif exchange["title"] in INVALID_REQUESTS_REJECTED_BY_HAND:
        assert not valid
        assert 400 <= exchange["status"] < 600
    else:
        _, _, operation = OPERATIONS[(exchange["method"], exchange["path"])]
        validator = _validator(_request_schema_ref(operation))
        assert [e.message for e in validator.iter_errors(exchange["request"])] == []


VALID_REQUEST_BODIES = [
    e for e in REQUEST_BODIES if e["request"] is not None and _is_valid_request(e)
]


def test_most_recorded_request_bodies_are_valid() -> None:
    invalid = {e["title"] for e in REQUEST_BODIES} - {e["title"] for e in VALID_REQUEST_BODIES}
    assert len(VALID_REQUEST_BODIES) == len(REQUEST_BODIES) - 9
    assert invalid >= INVALID_REQUESTS_REJECTED_BY_HAND | NULL_BODY_EXCHANGES


@pytest.mark.parametrize("exchange", VALID_REQUEST_BODIES, ids=_id)
def test_valid_request_bodies_round_trip_through_the_models(exchange: dict[str, Any]) -> None:
    _, _, operation = OPERATIONS[(exchange["method"], exchange["path"])]
    model = getattr(models, _ref_name(_request_schema_ref(operation)))
    assert model.from_dict(exchange["request"]).to_dict() == exchange["request"]


def test_unspecified_exchanges_still_use_the_documented_bodies() -> None:
    for exchange in EXCHANGES:
        if _specified(exchange):
            continue
        if exchange["path"] == "/sync_inference_weights":
            ref = "#/components/schemas/SyncInferenceWeightsResponse"
        else:
            ref = "#/components/schemas/ErrorDetail"
        assert _validator(ref).is_valid(exchange["response"]), exchange["title"]


# Union members and shapes the transcript does not show, from the server reference (§4.2, §4.4, §8.6).
SYNTHETIC_RESULTS: list[tuple[str, dict[str, Any]]] = [
    (
        "TryAgainResponse",
        {
            "type": "try_again",
            "request_id": "future_0123456789ab",
            "queue_state": "paused_capacity",
            "queue_state_reason": "Request is queued, waiting for worker capacity",
        },
    ),
    (
        "RequestFailedResponse",
        {"error": "Request future_0123456789ab expired", "category": "server"},
    ),
    ("UnloadModelResponse", {"model_id": "sess-1", "type": "unload_model"}),
    (
        "ForwardBackwardResponse",
        {
            "loss_fn_output_type": "CrossEntropyLossReturn",
            "loss_fn_outputs": [
                {
                    "logprobs": {"data": [-0.5], "dtype": "float32", "shape": [1]},
                    "elementwise_loss": {"data": [0.5], "dtype": "float32", "shape": [1]},
                    "k3": 0.01,
                    "token_diagnostics": {"valid_positions": [0], "topk_ids": [[1, 2]]},
                }
            ],
            "metrics": {
                "loss:sum": 0.5,
                "loss:mean": 0.5,
                "valid_tokens:sum": 1,
                "execution_time:sum": 0.1,
                "is_pg_clipfrac:mean": 0.0,
                "expert_load_summary": {"layer0": [1, 2]},
            },
            "info": {"auto_loaded": True, "auto_load_path": "xorl://p/weights/c"},
        },
    ),
    (
        "ForwardResponse",
        {
            "loss_fn_output_type": "CrossEntropyLossReturn",
            "loss_fn_outputs": [{"logprobs": {"data": [-0.5], "dtype": "float32", "shape": [1]}}],
            "metrics": {
                "loss:sum": 0.5,
                "loss:mean": 0.5,
                "valid_tokens": 1,
                "execution_time": 0.0,
            },
            "info": {},
        },
    ),
    (
        "OptimStepResponse",
        {
            "metrics": {
                "grad_norm": 0.0,
                "learning_rate": 1e-5,
                "step": 7,
                "optim_step_time": 0.2,
                "optim_empty_cache_skipped": 1,
            },
            "info": {"note": "x"},
        },
    ),
    (
        "AbortGradientEpochResponse",
        {"success": False, "model_id": "p", "step": 0, "forward_backward_step": 2},
    ),
    ("CheckpointPathResponse", {"path": "xorl://p/weights/c", "warning": "w"}),
]


def _parse_retrieve_future(body: Any) -> Any:
    from xorl_openapi.api.futures import retrieve_future

    client = Client(base_url=BASE_URL)
    raw = httpx.Response(200, content=json.dumps(body).encode())
    return retrieve_future._parse_response(client=client, response=raw)


@pytest.mark.parametrize(("expected", "body"), SYNTHETIC_RESULTS, ids=lambda v: str(v)[:40])
def test_synthetic_results_parse_to_the_right_member(expected: str, body: dict[str, Any]) -> None:
    parsed = _parse_retrieve_future(body)
    assert type(parsed).__name__ == expected
    assert parsed.to_dict() == body
    assert _validator("#/components/schemas/RetrieveFutureResponse").is_valid(body)


@pytest.mark.parametrize(
    "body",
    [{"unexpected": 1}, {"metrics": {"valid_tokens": 1}}, [1, 2]],
    ids=["unknown-object", "partial-metrics", "array"],
)
def test_unknown_result_shapes_raise(body: Any) -> None:
    # No member parses: the generated union re-raises from its last member (CheckpointPathResponse).
    raises: tuple[type[Exception], ...] = (KeyError, TypeError)
    with pytest.raises(raises):
        _parse_retrieve_future(body)
    assert not _validator("#/components/schemas/RetrieveFutureResponse").is_valid(body)


@pytest.mark.parametrize(
    ("model_name", "build", "expected"),
    [
        (
            "OptimStepRequest",
            lambda m: m.OptimStepRequest(seq_id=3),
            {"model_id": "default", "seq_id": 3},
        ),
        ("SaveWeightsRequest", lambda m: m.SaveWeightsRequest(), {"model_id": "default"}),
        (
            "SetSyncQuantizationRequest",
            lambda m: m.SetSyncQuantizationRequest(),
            {},
        ),
        (
            "SetSyncQuantizationRequest",
            lambda m: m.SetSyncQuantizationRequest(quantization=None),
            {"quantization": None},
        ),
        (
            "AdamParams",
            lambda m: m.AdamParams(learning_rate=1e-4),
            {"learning_rate": 1e-4},
        ),
    ],
)
def test_generated_requests_leave_behaviour_changing_fields_out(
    model_name: str, build: Callable[[Any], Any], expected: dict[str, Any]
) -> None:
    assert build(models).to_dict() == expected
    assert _validator(f"#/components/schemas/{model_name}").is_valid(expected)
