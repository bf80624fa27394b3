"""schemathesis hooks for the xorl contract run: forgive exactly the input leniency the server documents.

Why this exists: ``negative_data_rejection`` sends a body that violates openapi.yaml and fails when the
server answers 2xx. openapi.yaml describes what a *correct client* sends, which is deliberately
stricter than what the xorl server's pydantic models let through. The server (reference
``xorl-server-api.md``) accepts, on purpose or by framework default:

1. **pydantic lax mode** (§0): ``true``/``false`` for integers and numbers, numeric strings such as
   ``"7"``, whole floats such as ``2.0`` for integers, and ``0``/``1``/``"yes"``/``"off"``... for
   booleans are coerced instead of rejected with 422;
2. **input aliases** (§11): ``session_id`` ⇒ ``model_id`` (``model_id`` ⇒ ``session_id`` on
   create_session / session_heartbeat), ``lr`` ⇒ ``learning_rate``, ``loss_fn_config`` ⇒
   ``loss_fn_params``, ``rank``/``alpha`` ⇒ ``lora_rank``/``lora_alpha``. The HTTP layer validates
   an alias only when its target key is absent; next to its target it is an extra key whose type is
   not checked there. Which value the server then *uses* differs (:data:`_ALIASES`): the target's,
   except for the LoRA aliases, where ``rank``/``alpha`` win - the session spec renames them onto
   ``lora_rank``/``lora_alpha`` after validation (a bad alias value then fails inside the
   create_model future, or as create_session's 400);
3. **Tinker model inputs** (§8.1): when ``model_input`` has ``chunks``, the server replaces the whole
   ``model_input`` with ``{"input_ids": <tokens of every chunk that has them>}``; and every
   ``model_input`` field (``input_ids`` included) is validated only as an ``InputType`` (a list of
   ints, floats or strings, or a TensorData) - the spec narrows ``input_ids``/``tokens`` to integer
   token ids because anything else fails later inside the future, not at HTTP level;
4. **create_session's JSON ``null`` body** (§9.10) behaves like ``{}`` (the spec models the body as an
   optional object: a client sends nothing instead);
5. **delayed rejections**: some bounds of a valid request are checked only when the server builds
   the session - create_model answers 200 and its future fails (``"optimizer_config.betas must be
   a length-2 list/tuple"``, ``"learning_rate must be positive"``, ``"weight_decay must be
   non-negative"``). openapi.yaml documents them on ``OptimizerConfigRequest``; such a request is
   rejected, just not at HTTP level (:data:`_CHECKED_INSIDE_THE_FUTURE`).

``filter_failure`` drops an ``AcceptedNegativeData`` (ST201) failure only when the request, after
applying 2-4, is valid under a validator with the lax types of 1 and without the bounds of 5. Every other failure is kept, so a
server that accepts genuinely invalid input (``"seq_id": "seven"``, a missing required field, a
wrong enum) still fails the run.

Loaded by ``scripts/contract.py`` through the generated schemathesis config (``hooks = <this file>``)
(which calls :func:`register`), and by ``tests/contract/test_schemathesis_local.py``, which registers
:func:`filter_failure` on its own schema only. Extra hook files of your own (e.g. accepted deviations
of a particular deployment; ``contract.py --extra-hooks``) are listed, separated by ``os.pathsep``,
in ``XORL_CONTRACT_EXTRA_HOOKS``.
"""

from __future__ import annotations

import copy
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import schemathesis
from jsonschema import Draft202012Validator, TypeChecker, validators
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from schemathesis.core import NOT_SET
from schemathesis.core.failures import AcceptedNegativeData, Failure

__all__ = [
    "EXTRA_HOOKS_ENV_VAR",
    "filter_failure",
    "is_accepted_by_server_rules",
    "normalize_body",
    "register",
    "used_value",
]

EXTRA_HOOKS_ENV_VAR = "XORL_CONTRACT_EXTRA_HOOKS"
_SPEC_URI = "urn:xorl:contract-spec"

# §11: request component -> [(alias, target)]. The HTTP layer reads the alias only when the target
# key is absent. When both are sent the server uses the target's value, except where the alias is
# in _ALIAS_WINS.
_SESSION_ALIASED = (
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
)
_ALIASES: dict[str, tuple[tuple[str, str], ...]] = {
    **{name: (("session_id", "model_id"),) for name in _SESSION_ALIASED},
    "OptimStepRequest": (("session_id", "model_id"), ("lr", "learning_rate")),
    "CreateSessionRequest": (("model_id", "session_id"),),
    "SessionHeartbeatRequest": (("model_id", "session_id"),),
    "DatumInput": (("loss_fn_config", "loss_fn_params"),),
    "LoRAConfigRequest": (("rank", "lora_rank"), ("alpha", "lora_alpha")),
}
#: Aliases whose value the server uses when the target is sent too (xorl's session spec maps
#: ``rank``/``alpha`` onto ``lora_rank``/``lora_alpha`` after pydantic validated the target).
_ALIAS_WINS = {("LoRAConfigRequest", "rank"), ("LoRAConfigRequest", "alpha")}
#: Component -> property -> the spec keywords the server checks only inside the future.
#: OptimizerConfigRequest is only part of create_model, an asynchronous operation, so a request
#: breaking these bounds gets 200 and a failed future (never a successful result).
_CHECKED_INSIDE_THE_FUTURE: dict[str, dict[str, tuple[str, ...]]] = {
    "OptimizerConfigRequest": {
        "betas": ("minItems", "maxItems"),
        "learning_rate": ("exclusiveMinimum",),
        "weight_decay": ("minimum",),
    },
}
# Where the nested aliased components live inside a request body.
_DATUM_INPUT_KEYS = {
    "ForwardBackwardRequest": "forward_backward_input",
    "ForwardRequest": "forward_input",
}
_LORA_CONFIG_OWNERS = ("CreateModelRequest", "CreateSessionRequest")
_NULL_BODY_AS_EMPTY = ("CreateSessionRequest",)

# ---------------------------------------------------------------------------------------------------
# 1. pydantic lax-mode types
# ---------------------------------------------------------------------------------------------------

_TRUE_STRINGS = {"1", "on", "t", "true", "y", "yes"}
_FALSE_STRINGS = {"0", "off", "f", "false", "n", "no"}


def _as_number(value: Any) -> float | int | None:
    """The number pydantic's lax mode reads from ``value`` (``None`` when it would reject it)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            return None
    return None


def _is_lax_integer(_: TypeChecker, value: Any) -> bool:
    number = _as_number(value)
    if isinstance(number, float):
        return math.isfinite(number) and number.is_integer()
    return number is not None


def _is_lax_number(_: TypeChecker, value: Any) -> bool:
    return _as_number(value) is not None


def _is_lax_boolean(_: TypeChecker, value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return value in (0, 1)
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_STRINGS | _FALSE_STRINGS
    return False


_LAX_TYPES = Draft202012Validator.TYPE_CHECKER.redefine_many(
    {"integer": _is_lax_integer, "number": _is_lax_number, "boolean": _is_lax_boolean}
)


def _numeric_keyword(keyword: str) -> Callable[..., Iterator[Any]]:
    """Run a numeric keyword (``minimum``...) on the coerced number, never on the raw string/bool."""
    original = Draft202012Validator.VALIDATORS[keyword]

    def validate(validator: Any, bound: Any, instance: Any, schema: Mapping[str, Any]) -> Any:
        number = _as_number(instance) if not isinstance(instance, list | dict) else None
        if number is None:
            return
        yield from original(validator, bound, number, schema)

    return validate


_LaxValidator = validators.extend(
    Draft202012Validator,
    validators={
        keyword: _numeric_keyword(keyword)
        for keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
    },
    type_checker=_LAX_TYPES,
)

# ---------------------------------------------------------------------------------------------------
# 2-4. the server's own input rewriting
# ---------------------------------------------------------------------------------------------------


def _apply_aliases(component: str, data: Any) -> Any:
    """What the HTTP layer validates: an alias stands in for its absent target, and is an
    unchecked extra key next to it (whichever value the server later uses, see _ALIAS_WINS)."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for alias, target in _ALIASES.get(component, ()):
        if alias not in data:
            continue
        value = data.pop(alias)
        if target not in data:
            data[target] = value
    return data


def used_value(component: str, body: Mapping[str, Any], target: str) -> Any:
    """The value of ``target`` the server uses for ``body``, aliases applied with its precedence.

    >>> used_value("LoRAConfigRequest", {"lora_rank": 8, "rank": 16}, "lora_rank")
    16
    >>> used_value("OptimStepRequest", {"learning_rate": 0.1, "lr": 0.5}, "learning_rate")
    0.1
    """
    for alias, aliased in _ALIASES.get(component, ()):
        alias_used = target not in body or (component, alias) in _ALIAS_WINS
        if aliased == target and alias in body and alias_used:
            return body[alias]
    return body.get(target)


def _flatten_chunks(datum: Any) -> Any:
    """§8.1: ``model_input.chunks`` replaces the whole ``model_input`` with the chunks' tokens."""
    if not isinstance(datum, dict):
        return datum
    model_input = datum.get("model_input")
    if not isinstance(model_input, dict) or not isinstance(model_input.get("chunks"), list):
        return datum
    tokens: list[Any] = []
    for chunk in model_input["chunks"]:
        if isinstance(chunk, dict) and isinstance(chunk.get("tokens"), list):
            tokens.extend(chunk["tokens"])
    return {**datum, "model_input": {"input_ids": tokens}}


def normalize_body(component: str, body: Any) -> Any:
    """``body`` as the server sees it after its documented rewrites (aliases, chunks, null body).

    >>> normalize_body("SaveWeightsRequest", {"model_id": "m", "session_id": 5})
    {'model_id': 'm'}
    >>> normalize_body("SaveWeightsRequest", {"session_id": "s"})
    {'model_id': 's'}
    """
    if body is None and component in _NULL_BODY_AS_EMPTY:
        return {}
    body = _apply_aliases(component, copy.deepcopy(body))
    if not isinstance(body, dict):
        return body
    if component in _LORA_CONFIG_OWNERS and "lora_config" in body:
        body["lora_config"] = _apply_aliases("LoRAConfigRequest", body["lora_config"])
    key = _DATUM_INPUT_KEYS.get(component)
    if key is not None and key in body:
        datum_input = _apply_aliases("DatumInput", body[key])
        if isinstance(datum_input, dict) and isinstance(datum_input.get("data"), list):
            datum_input["data"] = [_flatten_chunks(datum) for datum in datum_input["data"]]
        body[key] = datum_input
    return body


def _server_acceptance_spec(raw_schema: Mapping[str, Any]) -> dict[str, Any]:
    """The spec with the places where it is deliberately stricter than the server's HTTP layer relaxed.

    §8.1: ``model_input`` values (``input_ids`` included) are any ``InputType``; and the bounds
    the server checks only inside the future (5. above) are left out.
    """
    spec = copy.deepcopy(dict(raw_schema))
    schemas = spec.get("components", {}).get("schemas", {})
    for component, properties in _CHECKED_INSIDE_THE_FUTURE.items():
        declared = schemas.get(component, {}).get("properties", {})
        for name, keywords in properties.items():
            if name in declared:
                declared[name] = _without_keywords(declared[name], keywords)
    model_input = schemas.get("ModelInput")
    if isinstance(model_input, dict):
        properties = dict(model_input.get("properties", {}))
        properties.pop("chunks", None)  # flattened away by normalize_body before validation
        properties["input_ids"] = {"$ref": "#/components/schemas/InputType"}
        model_input["properties"] = properties
    return spec


def _without_keywords(node: Any, keywords: tuple[str, ...]) -> Any:
    """``node`` (and its ``anyOf`` alternatives) without the given validation keywords."""
    if isinstance(node, list):
        return [_without_keywords(item, keywords) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: _without_keywords(value, keywords) if key == "anyOf" else value
        for key, value in node.items()
        if key not in keywords
    }


# id(raw schema) -> (the raw schema, kept alive so its id is never reused; its registry)
_REGISTRIES: dict[int, tuple[Mapping[str, Any], Registry]] = {}


def _registry(raw_schema: Mapping[str, Any]) -> Registry:
    key = id(raw_schema)
    if key not in _REGISTRIES:
        resource = DRAFT202012.create_resource(_server_acceptance_spec(raw_schema))
        _REGISTRIES[key] = (raw_schema, Registry().with_resource(_SPEC_URI, resource))
    return _REGISTRIES[key][1]


def _lax_valid(raw_schema: Mapping[str, Any], schema: Mapping[str, Any], instance: Any) -> bool:
    """Is ``instance`` valid for ``schema`` (a fragment of the spec) under lax types?"""
    # The fragment's `#/components/...` refs point into the spec resource of the registry.
    root = _rebase_refs(schema)
    validator = _LaxValidator(root, registry=_registry(raw_schema))
    return bool(validator.is_valid(instance))


def _rebase_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                _SPEC_URI + value
                if key == "$ref" and str(value).startswith("#/")
                else _rebase_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rebase_refs(item) for item in node]
    return node


def _query_is_accepted(
    raw_schema: Mapping[str, Any], operation: Mapping[str, Any], query: Any
) -> bool:
    """Query values arrive as strings; the server parses them like lax pydantic fields."""
    if not query:
        return True
    if not isinstance(query, Mapping):
        return False
    declared = {p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "query"}
    for name, value in query.items():
        parameter = declared.get(name)
        if parameter is None:
            continue  # unknown query parameters are ignored
        values = value if isinstance(value, list) else [value]
        if len(values) != 1:
            return False
        if not _lax_valid(raw_schema, parameter.get("schema", {}), values[0]):
            return False
    for name, parameter in declared.items():
        if parameter.get("required") and name not in query:
            return False
    return True


def is_accepted_by_server_rules(
    raw_schema: Mapping[str, Any], operation: Mapping[str, Any], body: Any, query: Any
) -> bool:
    """Would the documented server rules accept this request (so a 2xx is not a contract breach)?"""
    if not _query_is_accepted(raw_schema, operation, query):
        return False
    request_body = operation.get("requestBody")
    if request_body is None:
        return True
    if body is NOT_SET:
        return not request_body.get("required", False)
    schema = request_body.get("content", {}).get("application/json", {}).get("schema")
    if not isinstance(schema, Mapping):
        return False
    ref = str(schema.get("$ref", ""))
    component = ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else ""
    return _lax_valid(raw_schema, schema, normalize_body(component, body))


def filter_failure(context: Any, failure: Failure, case: Any, response: Any) -> bool:
    """Keep every failure except an ST201 whose request the server documentedly accepts."""
    if not isinstance(failure, AcceptedNegativeData):
        return True
    operation = case.operation
    raw_schema = operation.schema.raw_schema
    try:
        accepted = is_accepted_by_server_rules(
            raw_schema, operation.definition.raw, case.body, case.query
        )
    except Exception:  # never hide a failure because the leniency model could not decide
        return True
    return not accepted


_REGISTERED = False


def register() -> None:
    """Register the hooks globally (idempotent) and load the extra hook files, if any."""
    global _REGISTERED
    if _REGISTERED:
        return
    _REGISTERED = True
    schemathesis.hook(filter_failure)
    from schemathesis.core.hooks import load_from_path

    for path in filter(
        None, re.split(re.escape(os.pathsep), os.environ.get(EXTRA_HOOKS_ENV_VAR, ""))
    ):
        load_from_path(path)


if __name__ == "_schemathesis_hooks":  # loaded by schemathesis itself from the config's `hooks`
    register()
