"""scripts/contract_hooks.py forgives exactly what the real xorl server documents, nothing more.

Checked against the real server (xorl's api_types.py and session_spec.py, and a live LoRA-mode
server): create_model with three ``betas``, a learning rate <= 0 or a negative weight decay
answers 200 and its future fails; with both ``lora_rank`` and ``rank`` the server trains with
``rank``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import api_inventory
import contract_hooks
import httpx
import pytest

SPEC = api_inventory.load_spec()
BASE = {"model_id": "m", "base_model": "Qwen/Qwen3-8B"}


def _accepted(operation_id: str, body: Any) -> bool:
    op = api_inventory.operations(SPEC)[operation_id]
    raw = SPEC["paths"][op.path][op.method.lower()]
    return bool(contract_hooks.is_accepted_by_server_rules(SPEC, raw, body, None))


@pytest.mark.parametrize(
    "optimizer_config",
    [
        {"betas": [0.9, 0.95, 0.99]},
        {"betas": [0.9]},
        {"learning_rate": -1},
        {"learning_rate": 0},
        {"weight_decay": -0.5},
    ],
)
def test_create_model_bounds_checked_inside_the_future_are_accepted(
    optimizer_config: dict[str, Any],
) -> None:
    assert _accepted("create_model", {**BASE, "optimizer_config": optimizer_config})


@pytest.mark.parametrize(
    "optimizer_config",
    [
        {"type": "adam-ish"},  # a Literal: 422 at HTTP level
        {"betas": "0.9,0.95"},
        {"betas": [0.9, "high"]},
        {"learning_rate": "fast"},
        {"optimizer_dtype": "fp64"},
    ],
)
def test_create_model_type_errors_must_still_be_rejected(
    optimizer_config: dict[str, Any],
) -> None:
    assert not _accepted("create_model", {**BASE, "optimizer_config": optimizer_config})


def test_the_relaxed_bounds_belong_to_create_model_only() -> None:
    """The delayed rejection is create_model's (asynchronous); no other request may reuse it."""
    ref = "#/components/schemas/OptimizerConfigRequest"
    users = [
        name
        for name, schema in SPEC["components"]["schemas"].items()
        if ref in repr(schema) and name != "OptimizerConfigRequest"
    ]
    assert users == ["CreateModelRequest"]
    owners = [
        op.operation_id
        for op in api_inventory.operations(SPEC).values()
        if op.request_component in users
    ]
    assert owners == ["create_model"]
    assert api_inventory.operations(SPEC)["create_model"].answers_future


def test_an_alias_next_to_its_target_is_not_type_checked_at_http_level() -> None:
    lora = {"lora_rank": 8, "rank": "sixteen"}
    assert _accepted("create_model", {**BASE, "lora_config": lora})
    assert not _accepted("create_model", {**BASE, "lora_config": {"rank": "sixteen"}})
    assert not _accepted("create_model", {**BASE, "lora_config": {"lora_rank": "sixteen"}})


@pytest.mark.parametrize(
    ("component", "body", "target", "used"),
    [
        ("LoRAConfigRequest", {"lora_rank": 8, "rank": 16}, "lora_rank", 16),
        ("LoRAConfigRequest", {"lora_alpha": 4, "alpha": 12}, "lora_alpha", 12),
        ("LoRAConfigRequest", {"rank": 16}, "lora_rank", 16),
        ("OptimStepRequest", {"learning_rate": 0.1, "lr": 0.5}, "learning_rate", 0.1),
        ("SaveWeightsRequest", {"model_id": "a", "session_id": "b"}, "model_id", "a"),
        ("SaveWeightsRequest", {"session_id": "b"}, "model_id", "b"),
    ],
)
def test_alias_precedence_is_the_real_servers(
    component: str, body: dict[str, Any], target: str, used: Any
) -> None:
    assert contract_hooks.used_value(component, body, target) == used


def test_the_spec_states_the_lora_alias_precedence() -> None:
    lora = SPEC["components"]["schemas"]["LoRAConfigRequest"]["properties"]
    for alias in ("rank", "alpha"):
        assert "the server uses this one" in lora[alias]["description"], alias
    optimizer = SPEC["components"]["schemas"]["OptimizerConfigRequest"]["description"]
    assert "inside the create_model future" in optimizer


def test_the_local_server_applies_the_same_lora_alias_precedence(tmp_path: Path) -> None:
    local = pytest.importorskip("xorl_client.local")
    config = local.LocalServerConfig(port=0, lora=True, output_dir=tmp_path, long_poll_timeout=1)
    body = {**BASE, "base_model": "xorl-local/byte-bigram", "model_id": "alias"}
    with local.serve_in_thread(config) as url, httpx.Client(base_url=url, timeout=30) as http:
        lora = {"lora_rank": 8, "rank": 16, "lora_alpha": 4, "alpha": 12}
        submitted = http.post("/api/v1/create_model", json={**body, "lora_config": lora})
        assert submitted.status_code == 200, submitted.text
        request = {"request_id": submitted.json()["request_id"]}
        result = http.post("/api/v1/retrieve_future", json=request).json()
        while result.get("type") == "try_again":
            result = http.post("/api/v1/retrieve_future", json=request).json()
        assert result == {"model_id": "alias", "type": "create_model"}
        runs = http.get("/api/v1/training_runs").json()["training_runs"]
        (run,) = [r for r in runs if r["training_run_id"] == "alias"]
        assert run["lora_rank"] == contract_hooks.used_value("LoRAConfigRequest", lora, "lora_rank")
