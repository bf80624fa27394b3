"""Exchanges recorded against the real xorl server (tests/fixtures/record_peer.py) through the
spec and the generated client: R3 routing payloads, the endpoint registry with a pool, a sync as
the official client sends it, and the official client's routes the server does not have.

* a recorded request the server accepted is valid for the spec's request schema, and the
  generated request model keeps every key of it (extra keys the server ignores included);
* a recorded response parses into the expected generated class and serializes back unchanged;
* every official route the server answered 404 is absent from the spec and listed in
  docs/architecture.md, so the SDK can refuse it with a typed error instead of sending it.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from xorl_openapi import models
from xorl_openapi.client import Client

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
EXCHANGES: list[dict[str, Any]] = json.loads(
    (ROOT / "tests" / "fixtures" / "transcript" / "peer_exchanges.json").read_text(encoding="utf-8")
)
REGISTRY: Registry = Registry().with_resource(
    "urn:xorl:openapi", Resource(contents=SPEC, specification=DRAFT202012)
)
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
#: What a finished future holds, per submitting operation.
RESULT_CLASS = {"forward_backward": "ForwardBackwardResponse", "forward": "ForwardResponse"}
#: Official-client routes the xorl server answered 404 (recorded), by path.
NOT_ON_XORL = {
    "/connect_inference_endpoint",
    "/disconnect_inference_endpoint",
    "/api/v1/save_full_weights_safetensors",
    "/api/v1/update_dedicated_endpoint",
    "/api/v1/update_serverless_weights",
    "/api/v1/get_info",
}


def _operation(exchange: dict[str, Any]) -> dict[str, Any] | None:
    item = SPEC["paths"].get(exchange["path"], {})
    operation: dict[str, Any] | None = item.get(exchange["method"].lower())
    return operation


def _name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


SPECIFIED = [e for e in EXCHANGES if _operation(e) is not None]
ABSENT = [e for e in EXCHANGES if _operation(e) is None]


def _id(exchange: dict[str, Any]) -> str:
    return f"{exchange['method']} {exchange['path']} {exchange['status']}: {exchange['title']}"


def _expected_class(exchange: dict[str, Any], operation: dict[str, Any]) -> str:
    body = exchange["response"]
    if operation["operationId"] == "retrieve_future":
        if "error" in body:
            return "RequestFailedResponse"
        return RESULT_CLASS[exchange["operation"]]
    response = operation["responses"][str(exchange["status"])]
    if "$ref" in response:
        response = SPEC["components"]["responses"][_name(response["$ref"])]
    return _name(response["content"]["application/json"]["schema"]["$ref"])


def test_the_recording_covers_what_it_was_made_for() -> None:
    titles = " ".join(e["title"] for e in EXCHANGES)
    for topic in ("routed_experts", "routed_expert_logits", "pool eval", "sync_method"):
        assert topic in titles, topic
    assert {e["path"] for e in ABSENT} == NOT_ON_XORL


@pytest.mark.parametrize("exchange", ABSENT, ids=_id)
def test_official_routes_the_server_lacks_are_404_and_documented(exchange: dict[str, Any]) -> None:
    assert (exchange["status"], exchange["response"]) == (404, {"detail": "Not Found"})
    assert f"`{exchange['method']} {exchange['path']}`" in ARCHITECTURE


@pytest.mark.parametrize("exchange", [e for e in SPECIFIED if e["has_body"]], ids=_id)
def test_recorded_request_is_valid_and_kept_by_the_generated_model(
    exchange: dict[str, Any],
) -> None:
    operation = _operation(exchange)
    assert operation is not None
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    validator = Draft202012Validator({"$ref": "urn:xorl:openapi" + ref}, registry=REGISTRY)
    assert list(validator.iter_errors(exchange["request"])) == []
    model = getattr(models, _name(ref)).from_dict(exchange["request"])
    sent = model.to_dict()
    assert {k: sent[k] for k in exchange["request"]} == exchange["request"]


@pytest.mark.parametrize("exchange", SPECIFIED, ids=_id)
def test_recorded_response_parses_and_round_trips(exchange: dict[str, Any]) -> None:
    operation = _operation(exchange)
    assert operation is not None
    tag, operation_id = operation["tags"][0], operation["operationId"]
    module = importlib.import_module(f"xorl_openapi.api.{tag}.{operation_id}")
    raw = httpx.Response(exchange["status"], content=json.dumps(exchange["response"]).encode())
    parsed = module._build_response(client=Client(base_url="http://xorl.test"), response=raw)
    assert type(parsed.parsed).__name__ == _expected_class(exchange, operation)
    assert parsed.parsed.to_dict() == exchange["response"]
