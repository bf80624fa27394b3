"""``make bench-smoke``: the whole benchmark harness at tiny sizes, so it cannot rot.

No timing is asserted (the numbers of a tiny run mean nothing): only that every workload and
contender ran against the instant server and that build/bench.json has its documented shape.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    "W1": {"sdk", "sdk_numpy", "floor", "floor_sync"},
    "W2": {"sdk", "floor", "floor_sync"},
    "W3": {"sdk", "sdk_async", "floor"},
    "W4": {"sdk", "sdk_first_use", "floor"},
    "W5": {"sdk", "sdk_numpy", "floor", "floor_sync"},
    "W6": {"sdk", "sdk_numpy", "floor", "floor_numpy"},
    "W7": {"sdk_paired"},
}


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_bench_smoke_runs_every_workload(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        ["make", "-s", "bench-smoke", f"VENV={sys.prefix}", f"BENCH_SMOKE_OUT={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    document = json.loads(out.read_text())
    for workload, contenders in EXPECTED.items():
        assert set(document[workload]) == contenders, workload
        for row in document[workload].values():
            for key in ("wall_s", "client_cpu_s", "peak_rss_mb"):
                assert isinstance(row[key], float) and row[key] >= 0, (workload, key)
    paired = document["W7"]["sdk_paired"]
    # both settings ran in the one process, and the ratio is theirs
    assert paired["steps_per_s_exactly_once"] > 0 and paired["steps_per_s_reporting_only"] > 0
    assert paired["ratio"] == pytest.approx(
        paired["steps_per_s_exactly_once"] / paired["steps_per_s_reporting_only"]
    )
    # the SDK sent the numpy field no bigger than orjson encodes it (the answer says the size)
    assert document["W6"]["sdk_numpy"]["request_bytes"] > 0
    ratios = document["ratios"]
    assert {"W1", "W2", "W3", "W4", "W5", "W6", "W6-body", "W7"} <= set(ratios)
    # (a tiny run may grow the resident set by nothing at all: W5 can be 0)
    assert all(isinstance(r["met"], bool) and r["ratio"] >= 0 for r in ratios.values())
    assert document["meta"]["size"] == "smoke"
