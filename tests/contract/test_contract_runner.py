"""scripts/contract.py end to end: it must fail on a planted deviation and pass on the local server.

A contract runner that never fails is worthless, so the first test starts a fake "xorl server" that
breaks the contract twice - ``GET /health`` drops the required ``total_requests`` field and
``GET /api/v1/healthz`` answers 500 - and asserts that the run fails and that its summary names both
routes with the right checks. The local reference server must pass, and the JUnit report must land
in the requested build directory. The API key is sent as a bearer token and never printed.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

pytestmark = pytest.mark.contract

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "contract.py"
API_KEY = "xorl-test-key-do-not-print-5f3a"


def _load_contract_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("xorl_contract_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["xorl_contract_script"] = module
    spec.loader.exec_module(module)
    return module


contract = _load_contract_module()


def _planted_app(seen_auth: list[str | None]) -> FastAPI:
    """Pretends to be the xorl server, but breaks the contract on two routes."""
    app = FastAPI()

    @app.get("/health")
    def health(request: Request) -> dict[str, Any]:
        seen_auth.append(request.headers.get("authorization"))
        # `total_requests` is required by HealthCheckResponse: response_schema_conformance.
        return {"status": "healthy", "engine_running": True, "active_requests": 0}

    @app.get("/api/v1/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"detail": "planted failure"}, status_code=500)  # not_a_server_error

    @app.get("/")
    def root(request: Request) -> dict[str, Any]:
        seen_auth.append(request.headers.get("authorization"))
        return {"name": "Unified Training API", "version": "2.0.0"}

    return app


class _ThreadServer:
    """uvicorn on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="error", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "planted server did not start"
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def planted() -> Iterator[tuple[str, list[str | None]]]:
    seen_auth: list[str | None] = []
    with _ThreadServer(_planted_app(seen_auth)) as url:
        yield url, seen_auth


def _run(args: list[str], *, api_key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != contract.API_KEY_ENV_VAR}
    if api_key is not None:
        env[contract.API_KEY_ENV_VAR] = api_key
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_planted_deviations_fail_and_are_named(
    planted: tuple[str, list[str | None]], tmp_path: Path
) -> None:
    url, _ = planted
    build = tmp_path / "build"
    result = _run(
        [
            "--url",
            url,
            "--include-operations",
            "health,healthz",
            "--max-examples",
            "2",
            "--seed",
            "7",
            "--build-dir",
            str(build),
        ]
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    summary = output.split("xorl contract summary", 1)[1]
    assert "FAILED" in summary
    health_line = next(line for line in summary.splitlines() if "GET /health:" in line)
    assert "response_schema_conformance" in health_line
    healthz_line = next(line for line in summary.splitlines() if "GET /api/v1/healthz:" in line)
    assert "not_a_server_error" in healthz_line
    junit = ET.parse(build / "contract-junit.xml").getroot()
    assert int(junit.get("failures", "0")) >= 2


def test_extra_hooks_can_accept_a_known_deviation(
    planted: tuple[str, list[str | None]], tmp_path: Path
) -> None:
    """``--extra-hooks``: a deployment's accepted deviation is dropped, everything else still fails."""
    url, _ = planted
    hooks = tmp_path / "accept_healthz.py"
    hooks.write_text(
        "import schemathesis\n\n\n"
        "@schemathesis.hook\n"
        "def filter_failure(context, failure, case, response):\n"
        "    return case.operation.label != 'GET /api/v1/healthz'\n",
        encoding="utf-8",
    )
    build = tmp_path / "build"
    result = _run(
        [
            "--url",
            url,
            "--include-operations",
            "health,healthz",
            "--max-examples",
            "2",
            "--build-dir",
            str(build),
            "--extra-hooks",
            str(hooks),
        ]
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    summary = output.split("xorl contract summary", 1)[1]
    assert "GET /health:" in summary
    assert "GET /api/v1/healthz" not in summary


def test_api_key_is_sent_as_bearer_and_never_printed(
    planted: tuple[str, list[str | None]], tmp_path: Path
) -> None:
    url, seen_auth = planted
    seen_auth.clear()
    build = tmp_path / "build"
    result = _run(
        [
            "--url",
            url,
            "--include-operations",
            "root",
            "--max-examples",
            "1",
            "--phases",
            "examples,fuzzing",
            "--build-dir",
            str(build),
        ],
        api_key=API_KEY,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert seen_auth and set(seen_auth) == {f"Bearer {API_KEY}"}
    assert API_KEY not in output
    generated = [p for p in build.rglob("*") if p.is_file() and p.suffix in {".toml", ".xml"}]
    assert generated
    for path in generated:
        assert API_KEY not in path.read_text(encoding="utf-8"), path


def test_local_server_passes_and_writes_junit(local_server_url: str, tmp_path: Path) -> None:
    build = tmp_path / "build"
    result = _run(
        [
            "--url",
            local_server_url,
            "--include-operations",
            "create_model,retrieve_future,save_weights,load_weights,weights_info,"
            "list_checkpoints,health,session_info",
            "--max-examples",
            "3",
            "--seed",
            "1",
            "--build-dir",
            str(build),
        ]
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "PASSED" in output.split("xorl contract summary", 1)[1]
    junit_path = build / "contract-junit.xml"
    junit = ET.parse(junit_path).getroot()
    assert junit.get("failures") == "0" and junit.get("errors") == "0"
    names = {testcase.get("name") for testcase in junit.iter("testcase")}
    assert {"POST /api/v1/create_model", "GET /health", "Stateful tests"} <= names
    assert (build / "contract-schemathesis.toml").exists()


def test_defaults_exclude_outward_side_effects_and_sampling(tmp_path: Path) -> None:
    args = contract.build_parser().parse_args(["--url", "http://127.0.0.1:1"])
    command = contract.build_command(args, tmp_path / "c.toml", tmp_path / "j.xml")
    pairs = list(itertools.pairwise(command))
    assert ("--checks", "all") in pairs
    assert ("--phases", "examples,coverage,fuzzing,stateful") in pairs
    for tag in ("inference", "sampling"):
        assert ("--exclude-tag", tag) in pairs
    for operation in ("sleep", "wake_up"):
        assert ("--exclude-operation-id", operation) in pairs
    assert "--seed" not in command
    # Empty values (as `make contract EXCLUDE_TAGS=` passes them) select nothing to exclude.
    args = contract.build_parser().parse_args(
        ["--url", "http://x:1", "--exclude-tags", "", "--exclude-operations", "", "--seed", "3"]
    )
    command = contract.build_command(args, tmp_path / "c.toml", tmp_path / "j.xml")
    assert "--exclude-tag" not in command and "--exclude-operation-id" not in command
    assert ("--seed", "3") in list(itertools.pairwise(command))


def test_generated_config_references_the_key_by_name_only(tmp_path: Path) -> None:
    path = contract.write_config(tmp_path / "c.toml", with_auth=True)
    text = path.read_text(encoding="utf-8")
    assert 'Authorization = "Bearer ${XORL_API_KEY}"' in text
    assert "hooks = " in text
    no_auth = contract.write_config(tmp_path / "n.toml", with_auth=False).read_text("utf-8")
    assert "[headers]" not in no_auth


def test_missing_url_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(contract.BASE_URL_ENV_VAR, raising=False)
    with pytest.raises(SystemExit) as exc:
        contract.main([])
    assert exc.value.code == 2
