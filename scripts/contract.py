#!/usr/bin/env python3
"""Contract-test a live xorl server against openapi.yaml with schemathesis (``make contract``).

Why a wrapper instead of a bare ``schemathesis run`` line in the Makefile:

* the run needs a generated schemathesis config: the committed ``scripts/schemathesis.toml`` (the
  documented server quirks the checks must tolerate) plus this run's hooks file and, when
  ``XORL_API_KEY`` is set, an ``Authorization: Bearer ${XORL_API_KEY}`` header - written as an
  environment placeholder so the key never lands on the command line, on disk or in the output;
* routes with side effects outside the server (inference endpoint registration, weight sync,
  sleep / wake_up) and the SGLang ``sampling`` routes (another server) are excluded by default;
* the console output ends with a short summary naming every failing route and check, taken from
  the JUnit report (``build/contract-junit.xml``), and the exit code is non-zero on any failure.

Usage::

    python scripts/contract.py --url http://127.0.0.1:6000 [--max-examples 20] [--seed 1]
        [--include-tags TAGS] [--exclude-tags inference,sampling]
        [--include-operations IDS] [--exclude-operations sleep,wake_up] [--build-dir build]

Exit codes: 0 all checks passed; 1 failures (or schemathesis errors); 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = Path(__file__).resolve().parent
DEFAULT_SPEC = ROOT / "openapi.yaml"
BASE_CONFIG = SCRIPTS / "schemathesis.toml"
HOOKS_FILE = SCRIPTS / "contract_hooks.py"
API_KEY_ENV_VAR = "XORL_API_KEY"
BASE_URL_ENV_VAR = "XORL_BASE_URL"
#: Read by contract_hooks.register(): extra hook files, separated by os.pathsep.
EXTRA_HOOKS_ENV_VAR = "XORL_CONTRACT_EXTRA_HOOKS"

#: Routes that act outside the server under test, or live on another server (the SGLang one).
DEFAULT_EXCLUDE_TAGS = ("inference", "sampling")
DEFAULT_EXCLUDE_OPERATIONS = ("sleep", "wake_up")
ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: Longer than the real server's 45 s retrieve_future long-poll, so a held poll is not a timeout.
DEFAULT_REQUEST_TIMEOUT = 60.0

__all__ = [
    "Failure",
    "Summary",
    "build_command",
    "build_parser",
    "format_summary",
    "has_links_between",
    "main",
    "parse_junit",
    "selected_operations",
    "write_config",
]


def _csv(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]`` (an empty string selects nothing)."""
    return [item.strip() for item in text.split(",") if item.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The command line; list options take comma-separated values so Make variables pass as-is."""
    parser = argparse.ArgumentParser(
        prog="contract.py",
        description="Run schemathesis (all checks, stateful links) against a live xorl server.",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get(BASE_URL_ENV_VAR),
        help=f"base URL of the server under test (default: ${BASE_URL_ENV_VAR})",
    )
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="OpenAPI document")
    parser.add_argument(
        "--max-examples", type=int, default=20, help="test cases per operation (default 20)"
    )
    parser.add_argument("--seed", type=int, default=None, help="fixed seed for a reproducible run")
    parser.add_argument("--include-tags", type=_csv, default=[], help="only these tags (csv)")
    parser.add_argument(
        "--exclude-tags",
        type=_csv,
        default=list(DEFAULT_EXCLUDE_TAGS),
        help="skip these tags (csv; default: %(default)s; '' = none)",
    )
    parser.add_argument(
        "--include-operations", type=_csv, default=[], help="only these operationIds (csv)"
    )
    parser.add_argument(
        "--exclude-operations",
        type=_csv,
        default=list(DEFAULT_EXCLUDE_OPERATIONS),
        help="skip these operationIds (csv; default: %(default)s; '' = none)",
    )
    parser.add_argument(
        "--phases",
        type=_csv,
        default=list(ALL_PHASES),
        help="schemathesis phases (csv; default: all, including the stateful link phase)",
    )
    parser.add_argument("--checks", default="all", help="schemathesis checks (default: all)")
    parser.add_argument("--exclude-checks", type=_csv, default=[], help="checks to skip (csv)")
    parser.add_argument(
        "--build-dir", type=Path, default=ROOT / "build", help="where reports and config go"
    )
    parser.add_argument(
        "--junit",
        type=Path,
        default=None,
        help="JUnit XML path (default: <build-dir>/contract-junit.xml)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=DEFAULT_REQUEST_TIMEOUT,
        help="seconds per request (default: %(default)s, above the 45 s long-poll)",
    )
    parser.add_argument("--workers", type=int, default=1, help="concurrent workers (default 1)")
    parser.add_argument("--max-time", type=int, default=None, help="time budget in seconds")
    parser.add_argument(
        "--extra-hooks",
        type=Path,
        action="append",
        default=[],
        help="additional schemathesis hooks file (repeatable), e.g. accepted deviations",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the schemathesis command and exit"
    )
    return parser


_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def selected_operations(
    spec: dict[str, Any], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """operationId -> operation for what the filters select (schemathesis' semantics).

    An operation is selected when it matches any include (tag or operationId; no includes = all)
    and no exclude.
    """
    selected: dict[str, dict[str, Any]] = {}
    for item in spec.get("paths", {}).values():
        for method in _HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            op_id, tags = operation["operationId"], set(operation.get("tags", []))
            includes = args.include_tags or args.include_operations
            included = (
                not includes
                or bool(tags & set(args.include_tags))
                or (op_id in args.include_operations)
            )
            excluded = bool(tags & set(args.exclude_tags)) or op_id in args.exclude_operations
            if included and not excluded:
                selected[op_id] = operation
    return selected


def has_links_between(spec: dict[str, Any], selected: dict[str, dict[str, Any]]) -> bool:
    """Does any selected operation link to another selected one (else the stateful phase errors)?"""
    shared = spec.get("components", {}).get("responses", {})
    for operation in selected.values():
        for response in operation.get("responses", {}).values():
            ref = str(response.get("$ref", ""))
            if ref.startswith("#/components/responses/"):
                response = shared.get(ref.rsplit("/", 1)[-1], {})
            for link in response.get("links", {}).values():
                if link.get("operationId") in selected:
                    return True
    return False


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML escapes)."""
    return json.dumps(value)


def write_config(path: Path, *, with_auth: bool) -> Path:
    """Write this run's schemathesis config: hooks file + base settings (+ the auth header).

    The header value is the placeholder ``${XORL_API_KEY}``: schemathesis resolves it from the
    environment, so the key itself is never written anywhere.
    """
    lines = [
        "# Generated by scripts/contract.py - edit scripts/schemathesis.toml instead.",
        f"hooks = {_toml_string(str(HOOKS_FILE))}",
        "",
        BASE_CONFIG.read_text(encoding="utf-8"),
    ]
    if with_auth:
        lines += ["", "[headers]", f'Authorization = "Bearer ${{{API_KEY_ENV_VAR}}}"']
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build_command(args: argparse.Namespace, config: Path, junit: Path) -> list[str]:
    """The ``schemathesis run`` command line (never contains a credential)."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "--no-color",
        "run",
        str(args.spec),
        "--url",
        args.url,
        "--checks",
        args.checks,
        "--max-examples",
        str(args.max_examples),
        "--phases",
        ",".join(args.phases),
        "--workers",
        str(args.workers),
        "--request-timeout",
        str(args.request_timeout),
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
    ]
    if args.exclude_checks:
        command += ["--exclude-checks", ",".join(args.exclude_checks)]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if args.max_time is not None:
        command += ["--max-time", str(args.max_time)]
    for flag, values in (
        ("--include-tag", args.include_tags),
        ("--exclude-tag", args.exclude_tags),
        ("--include-operation-id", args.include_operations),
        ("--exclude-operation-id", args.exclude_operations),
    ):
        for value in values:
            command += [flag, value]
    return command


@dataclass
class Failure:
    """One failed check on one route, as recorded in the JUnit report."""

    route: str
    code: str
    checks: tuple[str, ...]


@dataclass
class Summary:
    """What the JUnit report says: tested routes and every (route, check) failure."""

    tests: int = 0
    failures: list[Failure] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors


def _check_names(code: str, text: str = "") -> tuple[str, ...]:
    """ST code -> the schemathesis check that raised it (from schemathesis' own table).

    A few codes are shared by two checks (ST108: body or header schema); the failure's title in
    the report ("- ST108 Response violates schema") tells which one.
    """
    from schemathesis.failure_codes import get_failure_class

    cls = get_failure_class(code)
    names = tuple(getattr(cls, "checks", ()) or ()) if cls is not None else ()
    if len(names) > 1:
        title = re.search(rf"^- {code} (.*)$", text, re.MULTILINE)
        wants_header = bool(title and "header" in title.group(1).lower())
        names = tuple(n for n in names if ("header" in n) == wants_header) or names[:1]
    return names or ("custom_check",)


_CURL = re.compile(r"curl -X (?P<method>[A-Z]+) .*?(?P<url>https?://\S+?)'?\s*$", re.MULTILINE)
_CODE = re.compile(r"\bST\d{3}\b")


def _route_from_reproduction(text: str, base_url: str) -> str | None:
    """The last request of a (stateful) reproduction, as ``METHOD /path``."""
    matches = list(_CURL.finditer(text))
    if not matches:
        return None
    last = matches[-1]
    url = last.group("url")
    path = url[len(base_url.rstrip("/")) :] if url.startswith(base_url.rstrip("/")) else url
    path = path.split("?", 1)[0] or "/"
    return f"{last.group('method')} {path}"


def parse_junit(path: Path, base_url: str) -> Summary:
    """Read schemathesis' JUnit report into a :class:`Summary`."""
    summary = Summary()
    root = ET.parse(path).getroot()
    for testcase in root.iter("testcase"):
        summary.tests += 1
        name = testcase.get("name", "?")
        for element in testcase:
            if element.tag == "error":
                summary.errors.append(
                    (name, (element.get("message") or element.text or "").strip())
                )
            if element.tag != "failure":
                continue
            # One <failure> per test case; its message lists every failure code ("ST101, ST103").
            codes = _CODE.findall(element.get("message") or "") or _CODE.findall(element.text or "")
            route = name
            if not name.startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE ")):
                route = _route_from_reproduction(element.text or "", base_url) or name
            for code in dict.fromkeys(codes or ["ST???"]):
                checks = _check_names(code, element.text or "")
                summary.failures.append(Failure(route=route, code=code, checks=checks))
    return summary


def format_summary(summary: Summary, junit: Path) -> str:
    """Human summary: one line per failing route listing its failed checks."""
    lines = ["", "=" * 30 + " xorl contract summary " + "=" * 30]
    if summary.ok:
        lines.append(f"PASSED: {summary.tests} test groups, no failures.")
    else:
        by_route: dict[str, set[str]] = {}
        for failure in summary.failures:
            labels = {f"{check} ({failure.code})" for check in failure.checks}
            by_route.setdefault(failure.route, set()).update(labels)
        lines.append(
            f"FAILED: {len(summary.failures)} failure(s) on {len(by_route)} route(s), "
            f"{len(summary.errors)} error(s)."
        )
        for route in sorted(by_route):
            lines.append(f"  {route}: {', '.join(sorted(by_route[route]))}")
        errors: dict[str, int] = {}
        for name, message in summary.errors:
            key = f"{name}: {message.splitlines()[0] if message else 'error'}"
            errors[key] = errors.get(key, 0) + 1
        for key, count in errors.items():
            lines.append(f"  ERROR {key}" + (f" (x{count})" if count > 1 else ""))
    lines.append(f"JUnit report: {junit}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the config, run schemathesis in the build directory, summarise, return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.url:
        parser.error(f"--url is required (or set ${BASE_URL_ENV_VAR})")
    if args.max_examples < 1:
        parser.error("--max-examples must be >= 1")
    unknown_phases = set(args.phases) - set(ALL_PHASES)
    if unknown_phases or not args.phases:
        parser.error(f"--phases must be a subset of {','.join(ALL_PHASES)}")
    import yaml

    spec = yaml.safe_load(args.spec.read_text(encoding="utf-8"))
    selected = selected_operations(spec, args)
    if not selected:
        parser.error("the tag/operation filters select no operation")
    if "stateful" in args.phases and not has_links_between(spec, selected):
        args.phases = [phase for phase in args.phases if phase != "stateful"] or ["fuzzing"]
        print("(no links between the selected operations: stateful phase skipped)", flush=True)
    build_dir: Path = args.build_dir.resolve()
    junit: Path = (args.junit or build_dir / "contract-junit.xml").resolve()
    with_auth = bool(os.environ.get(API_KEY_ENV_VAR))
    config = write_config(build_dir / "contract-schemathesis.toml", with_auth=with_auth)
    command = build_command(args, config, junit)
    print("$ " + " ".join(command), flush=True)
    if with_auth:
        print(f"(sending Authorization: Bearer ${API_KEY_ENV_VAR})", flush=True)
    if args.dry_run:
        return 0

    env = dict(os.environ)
    if args.extra_hooks:
        env[EXTRA_HOOKS_ENV_VAR] = os.pathsep.join(str(p.resolve()) for p in args.extra_hooks)
    junit.unlink(missing_ok=True)
    # schemathesis writes .schemathesis/ (and hypothesis .hypothesis/) into its working directory:
    # keep them in the build directory, not wherever `make` was started.
    result = subprocess.run(command, cwd=build_dir, env=env, check=False)
    if not junit.exists():
        print(
            f"\nxorl contract: schemathesis exited with {result.returncode} and wrote no report "
            f"({junit}); see its output above.",
            file=sys.stderr,
        )
        return result.returncode or 1
    summary = parse_junit(junit, args.url)
    print(format_summary(summary, junit), flush=True)
    if result.returncode != 0 or not summary.ok:
        return result.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
