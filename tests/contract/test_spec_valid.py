"""openapi.yaml is a valid OpenAPI 3.1 document and keeps the naming contract of docs/architecture.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.yaml"

# docs/architecture.md, "Naming contract between openapi.yaml and the facade".
NAMING_CONTRACT = {
    "training": {"forward_backward", "forward", "optim_step", "abort_gradient_epoch"},
    "futures": {"retrieve_future"},
    "models": {
        "create_model",
        "unload_model",
        "create_session",
        "session_heartbeat",
        "kill_session",
        "session_info",
    },
    "weights": {
        "save_weights",
        "load_weights",
        "save_weights_for_sampler",
        "list_checkpoints",
        "delete_checkpoint",
        "weights_info",
        "training_runs",
    },
    "inference": {
        "add_inference_endpoint",
        "list_inference_endpoints",
        "remove_inference_endpoint",
        "sync_inference_weights",
        "set_sync_quantization",
        "create_sampling_session",
    },
    "system": {"health", "healthz", "root", "sleep", "wake_up"},
    "sampling": {
        "generate",
        "sglang_health",
        "chat_completions",
        "load_lora_adapter",
        "unload_lora_adapter",
        "flush_cache",
    },
}
ASYNC_OPERATIONS = {
    "create_model",
    "unload_model",
    "forward",
    "forward_backward",
    "optim_step",
    "abort_gradient_epoch",
    "save_weights",
    "load_weights",
    "save_weights_for_sampler",
}
RETRIEVE_FUTURE_ORDER = [
    "TryAgainResponse",
    "RequestFailedResponse",
    "CreateModelResponse",
    "UnloadModelResponse",
    "ForwardBackwardResponse",
    "ForwardResponse",
    "AbortGradientEpochResponse",
    "OptimStepResponse",
    "CheckpointPathResponse",
]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def _operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (method, path, operation)."""
    found: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                assert operation["operationId"] not in found, operation["operationId"]
                found[operation["operationId"]] = (method, path, operation)
    return found


def _ref_name(schema: dict[str, Any]) -> str:
    return str(schema["$ref"]).rsplit("/", 1)[-1]


def test_openapi_spec_validator_accepts_the_spec(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_schemathesis_loads_the_spec() -> None:
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    labels = {op.ok().label for op in schema.get_all_operations()}
    assert "POST /api/v1/retrieve_future" in labels
    assert "POST /generate" in labels
    assert len(labels) == 35


def test_schemathesis_state_machine_follows_the_future_links() -> None:
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    machine = schema.as_state_machine()
    rules = [name for name in vars(machine) if not name.startswith("RANDOM__")]
    for operation in ASYNC_OPERATIONS:
        assert any(
            name.startswith(f"POST_api_v1_{operation}___200_retrieve_future__") for name in rules
        ), operation
    assert any("___200_load_weights__POST_api_v1_load_weights" in name for name in rules)
    assert any("___200_weights_info__POST_api_v1_weights_info" in name for name in rules)


def test_tags_and_operation_ids_follow_the_naming_contract(spec: dict[str, Any]) -> None:
    operations = _operations(spec)
    by_tag: dict[str, set[str]] = {}
    for operation_id, (_, _, operation) in operations.items():
        assert len(operation["tags"]) == 1, operation_id
        by_tag.setdefault(operation["tags"][0], set()).add(operation_id)
    assert by_tag == NAMING_CONTRACT
    assert [tag["name"] for tag in spec["tags"]] == list(NAMING_CONTRACT)


def test_training_server_routes_are_the_29_public_ones(spec: dict[str, Any]) -> None:
    training_paths = {path for path, item in spec["paths"].items() if "servers" not in item}
    assert len(training_paths) == 29
    assert "/sync_inference_weights" not in spec["paths"]  # the hidden alias stays out


def test_sampling_routes_live_on_the_inference_server(spec: dict[str, Any]) -> None:
    for operation_id, (_, path, operation) in _operations(spec).items():
        is_sampling = operation["tags"] == ["sampling"]
        servers = spec["paths"][path].get("servers")
        assert bool(servers) == is_sampling, operation_id
        if servers:
            assert servers[0]["url"] == "http://{sglang_host}:{sglang_port}"
            assert servers[0]["variables"]["sglang_port"]["default"] == "30000"


def test_async_operations_answer_a_future_linked_to_retrieve_future(spec: dict[str, Any]) -> None:
    responses = spec["components"]["responses"]
    for operation_id, (_, _, operation) in _operations(spec).items():
        ok = operation["responses"]["200"]
        if "$ref" in ok:
            ok = responses[_ref_name(ok)]
        schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
        is_future = schema.get("$ref", "").endswith("/UntypedAPIFuture")
        assert is_future == (operation_id in ASYNC_OPERATIONS), operation_id
        if is_future:
            link = ok["links"]["retrieve_future"]
            assert link["operationId"] == "retrieve_future"
            assert link["requestBody"] == {"request_id": "$response.body#/request_id"}


def test_retrieve_future_union_order(spec: dict[str, Any]) -> None:
    _, _, operation = _operations(spec)["retrieve_future"]
    ok = operation["responses"]["200"]
    union = spec["components"]["schemas"][_ref_name(ok["content"]["application/json"]["schema"])]
    assert [_ref_name(member) for member in union["oneOf"]] == RETRIEVE_FUTURE_ORDER
    assert ok["links"]["load_weights"]["requestBody"] == {"path": "$response.body#/path"}
    assert ok["links"]["weights_info"]["requestBody"] == {"xorl_path": "$response.body#/path"}


def test_error_bodies_are_detail_objects_never_error_response(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert "ErrorResponse" not in schemas
    assert schemas["ErrorDetail"]["required"] == ["detail"]
    item = schemas["ValidationErrorItem"]
    assert set(item["properties"]) == {"type", "loc", "msg", "input", "ctx"}
    for operation_id, (_, _, operation) in _operations(spec).items():
        for status, response in operation["responses"].items():
            if status == "422":
                assert response == {"$ref": "#/components/responses/ValidationFailed"}, operation_id


def _walk(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}")


def test_every_object_schema_is_a_named_component(spec: dict[str, Any]) -> None:
    # Inline object schemas generate ugly `...Type0` classes: objects live in components/schemas.
    inline = [
        pointer
        for pointer, node in _walk(spec, "#")
        if node.get("type") == "object" and pointer.rsplit("/", 1)[0] != "#/components/schemas"
    ]
    assert inline == []


@pytest.mark.parametrize(
    ("schema_name", "field"),
    [
        ("OptimStepRequest", "learning_rate"),
        ("OptimStepRequest", "lr"),
        ("OptimStepRequest", "gradient_clip"),
        ("OptimStepRequest", "adam_params"),
        ("AdamParams", "learning_rate"),
        ("AdamParams", "grad_clip_norm"),
        ("SaveWeightsRequest", "path"),
        ("SyncInferenceWeightsRequest", "quantization"),
        ("SetSyncQuantizationRequest", "quantization"),
    ],
)
def test_no_default_where_sending_it_changes_behaviour(
    spec: dict[str, Any], schema_name: str, field: str
) -> None:
    prop = spec["components"]["schemas"][schema_name]["properties"][field]
    assert "default" not in prop
    assert all("default" not in member for member in prop.get("anyOf", []))


def test_aliases_are_declared_and_optional(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name in (
        "ForwardBackwardRequest",
        "ForwardRequest",
        "OptimStepRequest",
        "AbortGradientEpochRequest",
        "CreateModelRequest",
        "UnloadModelRequest",
        "KillSessionRequest",
        "SaveWeightsRequest",
        "LoadWeightsRequest",
        "SaveWeightsForSamplerRequest",
        "ListCheckpointsRequest",
        "DeleteCheckpointRequest",
    ):
        assert "session_id" in schemas[name]["properties"], name
        assert "session_id" not in schemas[name].get("required", []), name
    assert "model_id" in schemas["CreateSessionRequest"]["properties"]
    assert "model_id" in schemas["SessionHeartbeatRequest"]["properties"]
    assert "loss_fn_config" in schemas["DatumInput"]["properties"]
    assert "lr" in schemas["OptimStepRequest"]["properties"]
    assert {"rank", "alpha"} <= set(schemas["LoRAConfigRequest"]["properties"])


def test_model_id_pattern_accepts_the_empty_default_substitution(spec: dict[str, Any]) -> None:
    pattern = spec["components"]["schemas"]["ForwardBackwardRequest"]["properties"]["model_id"][
        "pattern"
    ]
    for ok in ("", "default", "a", "tenant-a_1", "x" * 128):
        assert re.search(pattern, ok), ok
    for bad in ("bad/id", "bad id", "-lead", "_lead", "a.b", "x" * 129):
        assert not re.search(pattern, bad), bad
