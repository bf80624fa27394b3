"""The API inventory, derived from openapi.yaml: every operation and every field a request sets.

This is the one place that turns the spec into "what exists": the tests, ``make regen-report``
and ``scripts/api_coverage.py`` all read the operations from here instead of keeping their own
lists or counts, so adding a route to openapi.yaml is picked up everywhere at once.

A request *field* is a dotted path into the request body (``lora_config.lora_rank``), descending
through named object schemas (also inside arrays and ``anyOf``/``oneOf`` alternatives) down to
the leaves; query and path parameters are fields named by the parameter. Free-form objects
(``additionalProperties`` only) are leaves.

Usage::

    python scripts/api_inventory.py [--spec openapi.yaml]   # prints the inventory
    python scripts/api_inventory.py --naming-table          # the table in docs/architecture.md
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_COMPONENT_PREFIX = "#/components/schemas/"

__all__ = [
    "HTTP_METHODS",
    "SPEC_PATH",
    "Operation",
    "load_spec",
    "main",
    "naming_table",
    "operations",
    "request_fields",
    "tags",
]


@dataclass(frozen=True)
class Operation:
    """One operation of the spec, with what a client can set in its request."""

    operation_id: str
    method: str
    path: str
    tag: str
    #: Served by the inference (SGLang) server: the path item declares its own ``servers``.
    on_inference_server: bool
    #: The 200 answer is an ``UntypedAPIFuture`` (the result comes from ``retrieve_future``).
    answers_future: bool
    #: The request body's component name, if the operation has a body.
    request_component: str | None
    fields: tuple[str, ...]

    @property
    def label(self) -> str:
        """``POST /api/v1/forward_backward``: how schemathesis and error messages name it."""
        return f"{self.method} {self.path}"


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    """openapi.yaml as a dict."""
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def tags(spec: Mapping[str, Any]) -> list[str]:
    """The spec's tags in declaration order (the order of the naming table)."""
    return [str(tag["name"]) for tag in spec.get("tags", [])]


def operations(spec: Mapping[str, Any]) -> dict[str, Operation]:
    """operationId -> :class:`Operation`, in the spec's order. Duplicate ids are an error."""
    found: dict[str, Operation] = {}
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method not in item:
                continue
            raw = item[method]
            operation_id = str(raw["operationId"])
            if operation_id in found:
                raise ValueError(f"operationId {operation_id!r} is used twice")
            operation_tags = raw.get("tags") or [""]
            found[operation_id] = Operation(
                operation_id=operation_id,
                method=method.upper(),
                path=str(path),
                tag=str(operation_tags[0]),
                on_inference_server=bool(item.get("servers")),
                answers_future=_answers_future(spec, raw),
                request_component=_request_component(raw),
                fields=request_fields(spec, raw),
            )
    return found


def request_fields(spec: Mapping[str, Any], operation: Mapping[str, Any]) -> tuple[str, ...]:
    """Every field a request of ``operation`` can set: parameters, then body leaves."""
    parameters = [str(p["name"]) for p in operation.get("parameters", []) if "name" in p]
    body = _body_schema(operation)
    leaves = list(_leaves(spec, body, "", ())) if body is not None else []
    clash = set(parameters) & set(leaves)
    if clash:
        raise ValueError(f"{operation.get('operationId')}: parameter and body field {clash}")
    return (*parameters, *leaves)


def _component(spec: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[str | None, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_COMPONENT_PREFIX):
        name = ref.removeprefix(_COMPONENT_PREFIX)
        return name, spec["components"]["schemas"][name]
    return None, node


def _leaves(
    spec: Mapping[str, Any], node: Any, prefix: str, seen: tuple[str, ...]
) -> Iterator[str]:
    """The dotted leaf fields below ``node`` (``prefix`` is its own path, ``""`` for the body)."""
    properties = dict(_properties(spec, node, seen))
    if not properties:
        if prefix:
            yield prefix
        return
    for name, (child, child_seen) in properties.items():
        yield from _leaves(spec, child, f"{prefix}.{name}" if prefix else name, child_seen)


def _properties(
    spec: Mapping[str, Any], node: Any, seen: tuple[str, ...]
) -> Iterator[tuple[str, tuple[Any, tuple[str, ...]]]]:
    """The declared properties reachable from ``node``: its own, its array items', its alternatives'."""
    if not isinstance(node, Mapping):
        return
    name, node = _component(spec, node)
    if name is not None:
        if name in seen:  # a recursive schema: stop here, the field is a leaf
            return
        seen = (*seen, name)
    for key in ("anyOf", "oneOf", "allOf"):
        for alternative in node.get(key, []):
            yield from _properties(spec, alternative, seen)
    if "items" in node:
        yield from _properties(spec, node["items"], seen)
    for prop, child in node.get("properties", {}).items():
        yield str(prop), (child, seen)


def _body_schema(operation: Mapping[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def _request_component(operation: Mapping[str, Any]) -> str | None:
    schema = _body_schema(operation)
    ref = schema.get("$ref") if isinstance(schema, Mapping) else None
    return ref.removeprefix(_COMPONENT_PREFIX) if isinstance(ref, str) else None


def _answers_future(spec: Mapping[str, Any], operation: Mapping[str, Any]) -> bool:
    ok = operation.get("responses", {}).get("200", {})
    if "$ref" in ok:
        ok = spec["components"]["responses"][str(ok["$ref"]).rsplit("/", 1)[-1]]
    schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).endswith("/UntypedAPIFuture")


def naming_table(spec: Mapping[str, Any]) -> list[str]:
    """The markdown table of docs/architecture.md's naming contract: tag -> its operationIds."""
    by_tag: dict[str, list[str]] = {tag: [] for tag in tags(spec)}
    for op in operations(spec).values():
        by_tag.setdefault(op.tag, []).append(op.operation_id)
    rows = ["| tag | operationIds |", "|---|---|"]
    rows += [f"| `{tag}` | {', '.join(f'`{op}`' for op in ids)} |" for tag, ids in by_tag.items()]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print the inventory: one line per operation, then its fields indented."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--spec", type=Path, default=SPEC_PATH)
    parser.add_argument(
        "--naming-table",
        action="store_true",
        help="print the naming table of docs/architecture.md instead",
    )
    args = parser.parse_args(argv)
    spec = load_spec(args.spec)
    if args.naming_table:
        print("\n".join(naming_table(spec)))
        return 0
    for op in operations(spec).values():
        print(f"{op.operation_id:28s} {op.label}  [{op.tag}]")
        for name in op.fields:
            print(f"    {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
