"""`xorl-client serve`: starts on loopback, answers, and stops cleanly on SIGTERM / Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

READY = re.compile(r"ready at (http://127\.0\.0\.1:\d+)")


def start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xorl_client.local",
            "--port",
            "0",
            "--output-dir",
            str(tmp_path),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # the ready line comes once the socket accepts connections
        match = READY.search(line)
        if match:
            return proc, match.group(1)
    proc.wait(timeout=30)
    raise AssertionError(f"server exited with {proc.returncode} before it was ready")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_then_shuts_down_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    proc, url = start(tmp_path, "--lora")
    try:
        health = httpx.get(f"{url}/health", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "healthy"
        info = httpx.get(f"{url}/api/v1/session_info", timeout=10).json()
        assert info["registered_models"] == ["default"]
    finally:
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 0
    assert (tmp_path / "weights" / "default" / "000000").is_dir()


def test_serve_refuses_a_taken_port(tmp_path: Path) -> None:
    proc, url = start(tmp_path / "a")
    try:
        port = url.rsplit(":", 1)[1]
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "xorl_client.local",
                "--port",
                port,
                "--output-dir",
                str(tmp_path / "b"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "cannot start the server" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_serve_reports_a_bad_setting_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "xorl_client.local",
            "--port",
            "70000",
            "--output-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "port must be in 0..65535" in result.stderr
    assert "Traceback" not in result.stderr


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xorl_client.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version_is_the_package_version() -> None:
    import xorl_client

    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"xorl-client {xorl_client.__version__}"


def test_serve_help_shows_the_defaults() -> None:
    result = cli("serve", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # argparse wraps lines
    for default in ("(default: 6000)", "(default: 127.0.0.1)", "(default: outputs)"):
        assert default in text
    assert "(default: 45.0)" in text and "(default: warning)" in text
    assert "--access-log" in text


def test_an_unknown_serve_option_prints_the_serve_usage() -> None:
    result = cli("serve", "--bogus")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: xorl-client serve ")
    assert "xorl-client serve: error: unrecognized arguments: --bogus" in result.stderr


def test_log_level_is_case_insensitive(tmp_path: Path) -> None:
    proc, url = start(tmp_path, "--log-level", "INFO")
    try:
        assert httpx.get(f"{url}/health", timeout=10).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    assert "invalid choice" not in (proc.stdout.read() if proc.stdout else "")


def test_access_log_prints_one_line_per_request(tmp_path: Path) -> None:
    proc, url = start(tmp_path, "--access-log")
    try:
        assert httpx.get(f"{url}/health", timeout=10).status_code == 200
        assert httpx.get(f"{url}/api/v1/session_info", timeout=10).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.stdout is not None
    log = proc.stdout.read()  # stderr is merged into stdout by start()
    assert re.search(r'"GET /health HTTP/1\.1" 200', log), log
    assert re.search(r'"GET /api/v1/session_info HTTP/1\.1" 200', log), log
