"""Every operation and request field of openapi.yaml is exposed by the facade or says why not.

The map lives in ``scripts/api_coverage.py`` (one table); the operations and fields come from
openapi.yaml through ``scripts/api_inventory.py``. A new route or field fails here until its row
exists, a row for something the spec dropped fails as stale, and every row is checked against
the real ``xorl_client`` (the method exists, the parameter is in its signature).
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import api_coverage as coverage
import api_inventory as inventory
import pytest

import xorl_client as xc

SPEC = inventory.load_spec()
OPERATIONS = inventory.operations(SPEC)


def _fields(spec: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {op_id: op.fields for op_id, op in inventory.operations(spec).items()}


def _with_new_route_and_fields(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec after a server change: one new route, new request fields in two places."""
    edited = copy.deepcopy(spec)
    schemas = edited["components"]["schemas"]
    schemas["SaveWeightsRequest"]["properties"]["compress"] = {"type": "boolean"}
    schemas["LoRAConfigRequest"]["properties"]["dropout"] = {"type": "number"}
    schemas["OptimizerConfigRequest"]["properties"]["nesterov"] = {"type": "boolean"}
    schemas["PauseTrainingRequest"] = {"type": "object", "properties": {"reason": {}}}
    edited["paths"]["/api/v1/pause_training"] = {
        "post": {
            "operationId": "pause_training",
            "tags": ["training"],
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/PauseTrainingRequest"}
                    }
                }
            },
            "responses": {"200": {"description": "paused"}},
        }
    }
    return edited


def test_every_operation_has_a_facade_method_or_a_reason() -> None:
    assert coverage.operation_gaps(OPERATIONS) == []


def test_every_request_field_has_a_facade_parameter_or_a_reason() -> None:
    assert coverage.field_gaps(_fields(SPEC)) == {}


def test_no_row_names_an_operation_or_field_the_spec_does_not_have() -> None:
    assert coverage.stale_rows(_fields(SPEC)) == []


def test_rows_name_facade_methods_and_parameters_that_exist() -> None:
    assert coverage.facade_errors(xc) == []


def test_a_new_route_or_request_field_without_a_row_fails() -> None:
    edited = _with_new_route_and_fields(SPEC)
    assert coverage.operation_gaps(inventory.operations(edited)) == ["pause_training"]
    assert coverage.field_gaps(_fields(edited)) == {
        "save_weights": ["compress"],
        "create_model": ["lora_config.dropout"],
    }  # create_session is not exposed at all, so its fields need no rows
    # optimizer_config is passed through whole, so its entry covers the new field too.
    assert "optimizer_config.nesterov" in _fields(edited)["create_model"]


def test_a_row_for_a_dropped_field_or_operation_is_stale() -> None:
    edited = copy.deepcopy(SPEC)
    del edited["components"]["schemas"]["CreateSessionRequest"]["properties"]["base_model"]
    del edited["components"]["schemas"]["TrainingRunsResponse"]
    del edited["paths"]["/api/v1/training_runs"]
    stale = coverage.stale_rows(_fields(edited))
    assert stale == ["training_runs: not in openapi.yaml"]  # create_session is NotExposed

    edited = copy.deepcopy(SPEC)
    del edited["components"]["schemas"]["SaveWeightsRequest"]["properties"]["path"]
    assert coverage.stale_rows(_fields(edited)) == [
        "save_weights: field 'path' is not in its request"
    ]


def test_a_row_naming_a_missing_method_or_parameter_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    routes = dict(coverage.ROUTES)
    routes["save_weights"] = coverage.Route(
        ("TrainingClient.save_checkpoint",), {"path": coverage.Param("name")}
    )
    routes["weights_info"] = coverage.Route(
        ("RestClient.get_weights_info",), {"xorl_path": coverage.Param("path")}
    )
    monkeypatch.setattr(coverage, "ROUTES", routes)
    assert coverage.facade_errors(xc) == [
        "save_weights: xorl_client.TrainingClient.save_checkpoint does not exist",
        "save_weights.path: xorl_client.TrainingClient.save_checkpoint does not exist",
        "weights_info.xorl_path: xorl_client.RestClient.get_weights_info has no parameter 'path'",
    ]


def test_not_exposed_operations_give_a_reason() -> None:
    for op_id, row in coverage.ROUTES.items():
        if isinstance(row, coverage.NotExposed):
            assert len(row.reason.split()) >= 4, op_id
        else:
            for name, entry in row.fields.items():
                if isinstance(entry, coverage.Because):
                    assert len(entry.reason.split()) >= 3, f"{op_id}.{name}"


def test_each_exposing_method_is_public_and_documented() -> None:
    for op_id, row in coverage.ROUTES.items():
        if isinstance(row, coverage.Route):
            for method in row.exposed_by:
                assert not any(part.startswith("_") for part in method.split(".")), op_id
                assert inspect.getdoc(coverage.resolve(method, xc)), method


def test_the_local_server_serves_every_operation_or_says_why() -> None:
    pytest.importorskip("fastapi")
    import regen_report

    served = regen_report.local_server_serves(OPERATIONS)
    assert coverage.local_server_gaps(OPERATIONS, served) == []
    # An excuse for a route the local server does serve would hide nothing: keep the table true.
    assert set(coverage.LOCAL_SERVER_OMITS).isdisjoint(served)
