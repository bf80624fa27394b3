"""openapi.yaml is a valid OpenAPI 3.1 document and keeps the naming contract of docs/architecture.md."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import api_inventory
import pytest
import schemathesis
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.yaml"

ARCHITECTURE = ROOT / "docs" / "architecture.md"
OPERATIONS = api_inventory.operations(api_inventory.load_spec(SPEC_PATH))
ASYNC_OPERATIONS = {op_id for op_id, op in OPERATIONS.items() if op.answers_future}
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


def test_schemathesis_loads_every_operation_of_the_spec() -> None:
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    labels = {op.ok().label for op in schema.get_all_operations()}
    assert labels == {op.label for op in OPERATIONS.values()}


def test_schemathesis_state_machine_follows_the_future_links() -> None:
    assert {"forward_backward", "optim_step", "save_weights"} <= ASYNC_OPERATIONS
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    machine = schema.as_state_machine()
    rules = [name for name in vars(machine) if not name.startswith("RANDOM__")]
    for operation in ASYNC_OPERATIONS:
        assert any(
            name.startswith(f"POST_api_v1_{operation}___200_retrieve_future__") for name in rules
        ), operation
    assert any("___200_load_weights__POST_api_v1_load_weights" in name for name in rules)
    assert any("___200_weights_info__POST_api_v1_weights_info" in name for name in rules)


def _documented_naming_table() -> list[str]:
    """The table under docs/architecture.md's "Naming contract" heading, as its lines."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Naming contract between openapi.yaml and the facade", 1)[1]
    lines = section.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return lines[start:end]


def test_every_operation_has_exactly_one_declared_tag(spec: dict[str, Any]) -> None:
    declared = api_inventory.tags(spec)
    for operation_id, (_, _, operation) in _operations(spec).items():
        assert len(operation["tags"]) == 1, operation_id
        assert operation["tags"][0] in declared, operation_id
    used = {op.tag for op in OPERATIONS.values()}
    assert set(declared) == used  # no tag without operations


def test_the_architecture_naming_table_is_the_spec(spec: dict[str, Any]) -> None:
    """docs/architecture.md lists every tag and operationId; regenerate it when the spec grows."""
    expected = api_inventory.naming_table(spec)
    assert _documented_naming_table() == expected, (
        "docs/architecture.md's naming table is out of date; replace it with the output of "
        "`python scripts/api_inventory.py --naming-table`:\n" + "\n".join(expected)
    )


def test_each_operation_has_its_generated_module_under_its_tag() -> None:
    """The facade imports ``xorl_openapi.api.<tag>.<operationId>`` (docs/architecture.md)."""
    for op in OPERATIONS.values():
        module = importlib.import_module(f"xorl_openapi.api.{op.tag}.{op.operation_id}")
        assert callable(module.asyncio_detailed), op.operation_id


def test_the_hidden_sync_alias_stays_out(spec: dict[str, Any]) -> None:
    assert "/sync_inference_weights" not in spec["paths"]  # include_in_schema=False on the server
    assert "/api/v1/sync_inference_weights" in spec["paths"]


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
