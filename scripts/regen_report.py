#!/usr/bin/env python3
"""``make regen-report``: after a change to openapi.yaml, what is left to do.

Compares the spec's operations and request fields (``scripts/api_inventory.py``) with

* the facade: every operation needs a row in ``scripts/api_coverage.py`` naming the
  ``xorl_client`` method that exposes it (or why none does), and every request field the
  parameter that sets it (or why none does); rows must name methods and parameters that exist;
* the local reference server (``xorl_client/local/app.py``): every operation must be served,
  unless ``LOCAL_SERVER_OMITS`` says why not;
* the generated client: ``generated/`` must match the spec (``make generate``).

It inspects the checkout it belongs to (its own ``xorl_client`` and ``generated/``), so it can
be run on any copy of the repository. Exit codes: 0 nothing left to do; 1 something is.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import api_coverage as coverage  # noqa: E402  (scripts/ is not a package)
import api_inventory as inventory  # noqa: E402

__all__ = ["local_server_serves", "main", "report"]


def local_server_serves(operations: Mapping[str, inventory.Operation]) -> set[str]:
    """The operationIds whose method and path a route of the local server answers."""
    from starlette.routing import Match

    local = importlib.import_module("xorl_client.local")
    with tempfile.TemporaryDirectory(prefix="xorl-regen-report-") as scratch:
        app = local.create_app(local.LocalServerConfig(output_dir=scratch))
    served = set()
    for op_id, op in operations.items():
        # Path parameters ({name}) get a sample value; the route only has to match the shape.
        scope = {
            "type": "http",
            "method": op.method,
            "path": re.sub(r"\{[^}/]+\}", "x", op.path),
            "root_path": "",
        }
        if any(route.matches(scope)[0] == Match.FULL for route in app.router.routes):
            served.add(op_id)
    return served


def report(spec_path: Path = inventory.SPEC_PATH, *, check_generated: bool = True) -> list[str]:
    """The report's lines; every line that starts with ``- `` is one thing left to do."""
    operations = inventory.operations(inventory.load_spec(spec_path))
    fields = {op_id: op.fields for op_id, op in operations.items()}
    todo: list[str] = []

    todo += [
        f"- facade: no row for {operations[op_id].label} ({op_id}): add Route(...) or "
        "NotExposed(reason) to ROUTES in scripts/api_coverage.py"
        for op_id in coverage.operation_gaps(operations)
    ]
    for op_id, missing in coverage.field_gaps(fields).items():
        todo += [
            f"- facade: {op_id} request field {name!r} is set by no facade parameter: add "
            "Param(...) or Because(reason) to its row in scripts/api_coverage.py"
            for name in missing
        ]
    todo += [f"- facade: stale row {line}" for line in coverage.stale_rows(fields)]
    todo += [f"- facade: {line}" for line in coverage.facade_errors()]

    try:
        served = local_server_serves(operations)
    except ImportError as exc:
        todo.append(f"- local server: cannot inspect it ({exc}); install the `local` extra")
    else:
        todo += [
            f"- local server: does not serve {operations[op_id].label} ({op_id}): add the "
            "route to xorl_client/local/app.py, or the reason to LOCAL_SERVER_OMITS in "
            "scripts/api_coverage.py"
            for op_id in coverage.local_server_gaps(operations, served)
        ]

    if check_generated:
        todo += _generated_todo()

    exposed = sum(isinstance(row, coverage.Route) for row in coverage.ROUTES.values())
    head = [
        f"{spec_path.name}: {len(operations)} operations; the facade exposes {exposed}, "
        f"{len(coverage.ROUTES) - exposed} are not exposed with a reason "
        "(scripts/api_coverage.py)"
    ]
    if todo:
        return [*head, f"Left to do ({len(todo)}):", *todo]
    covered = (
        "facade, local server and generated/" if check_generated else "facade and local server"
    )
    return [*head, f"Nothing left to do: the {covered} cover the spec."]


def _generated_todo() -> list[str]:
    import generate

    try:
        drift = generate.check(ROOT)
    except generate.ToolError as exc:
        return [f"- generated/: cannot check it ({exc})"]
    if drift:
        return [
            f"- generated/: out of date with openapi.yaml ({len(drift.lines())} files): "
            "run `make generate`"
        ]
    return []


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="regen_report.py", description="What the facade and local server do not cover yet."
    )
    parser.add_argument("--spec", type=Path, default=inventory.SPEC_PATH)
    parser.add_argument(
        "--skip-generated", action="store_true", help="do not regenerate to compare generated/"
    )
    args = parser.parse_args(argv)
    # Inspect this checkout's own packages, not whichever copy happens to be installed.
    sys.path[:0] = [str(ROOT), str(ROOT / "generated")]
    lines = report(args.spec, check_generated=not args.skip_generated)
    print("\n".join(lines))
    return 1 if any(line.startswith("- ") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
