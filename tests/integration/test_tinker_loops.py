"""Tinker-style loops (tests/integration/tinker_loops/) run on the local server with
``import tinker`` switched to xorl-client (``xorl-client tinker-run``), each twice in a row on
one server and once more resuming from the first run's state: no name collides, the resumed
run is a new run, and the sampler's logprobs are the trainer's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import xorl_client as xc

from .conftest import ServerFactory

pytestmark = pytest.mark.integration

LOOPS = Path(__file__).resolve().parent / "tinker_loops"
REPO_ROOT = Path(__file__).resolve().parents[2]
EPHEMERAL = pytest.mark.skipif(
    not hasattr(xc.TrainingClient, "save_weights_and_get_sampling_client"),
    reason="TrainingClient.save_weights_and_get_sampling_client is not in this build yet; the "
    "export variant of the RL loop (save_weights_for_sampler + create_sampling_client) runs",
)


def run_loop(script: str, url: str, log: Path, *args: str) -> dict[str, Any]:
    log.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    for name in ("XORL_BASE_URL", "XORL_API_KEY", "TINKER_BASE_URL", "TINKER_API_KEY"):
        env.pop(name, None)
    command = [sys.executable, "-m", "xorl_client.cli", "tinker-run", str(LOOPS / script)]
    proc = subprocess.run(
        [*command, "--base-url", url, "--log-path", str(log), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (line,) = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


def saved_paths(log: Path) -> list[str]:
    rows = [json.loads(line) for line in (log / "checkpoints.jsonl").read_text().splitlines()]
    return [row[key] for row in rows for key in ("state_path", "sampler_path") if key in row]


def twice_and_resumed(
    script: str, url: str, tmp_path: Path, *args: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    first = run_loop(script, url, tmp_path / "a", *args)
    second = run_loop(script, url, tmp_path / "b", *args)
    resumed = run_loop(script, url, tmp_path / "a", *args, "--steps", "6")
    assert first["start_batch"] == second["start_batch"] == 0
    assert resumed["start_batch"] == first_steps(script)
    assert len({first["run_id"], second["run_id"], resumed["run_id"]}) == 3
    # Same names in three runs on one server, all saved and all different.
    paths = saved_paths(tmp_path / "a") + saved_paths(tmp_path / "b")
    assert len(paths) == len(set(paths))
    assert {p.rsplit("-", 1)[-1] for p in paths} >= {"final", "000002"}
    return first, second, resumed


def first_steps(script: str) -> int:
    return 4 if script == "sl_loop.py" else 3


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_supervised_loop_twice_then_resumed(
    start_server: ServerFactory, tmp_path: Path, mode: str
) -> None:
    url = start_server(lora=True)
    first, second, resumed = twice_and_resumed("sl_loop.py", url, tmp_path, "--mode", mode)
    for run in (first, second, resumed):
        assert run["agrees"] is True and run["base_model"] == "xorl-local/byte-bigram"
    assert first["nlls"][-1] < first["nlls"][0]
    assert resumed["model_id"] != first["model_id"]  # a new run, in its own session
    assert resumed["state_path"] != first["state_path"]


def test_supervised_loop_interrupted_and_resumed(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    url = start_server(lora=True)
    stopped = run_loop("sl_loop.py", url, tmp_path, "--stop-after", "2")
    resumed = run_loop("sl_loop.py", url, tmp_path)
    assert stopped["stopped"] == 2 and resumed["start_batch"] == 2
    assert len(resumed["nlls"]) == 2 and resumed["agrees"] is True
    assert len(set(saved_paths(tmp_path))) == len(saved_paths(tmp_path))


@pytest.mark.parametrize(
    ("mode", "sampler"),
    [
        ("sync", "export"),
        ("async", "export"),
        pytest.param("sync", "ephemeral", marks=EPHEMERAL),
        pytest.param("async", "ephemeral", marks=EPHEMERAL),
    ],
)
def test_rl_loop_twice_then_resumed(
    start_server: ServerFactory, tmp_path: Path, mode: str, sampler: str
) -> None:
    url = start_server(lora=True)
    first, second, resumed = twice_and_resumed(
        "rl_loop.py", url, tmp_path, "--mode", mode, "--sampler", sampler
    )
    for run in (first, second, resumed):
        assert run["sampler_agrees"] is True
    if sampler == "export":
        exports = first["sampler_paths"] + second["sampler_paths"] + resumed["sampler_paths"]
        assert len(exports) == 3 + 3 + 3 and len(set(exports)) == len(exports)
    else:
        assert first["sampler_paths"] == []
