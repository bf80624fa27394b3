"""``make bench``: the SDK against the floor and the official client, W1-W7, interleaved.

    python benchmarks/bench.py                 # full sizes, 5 rounds -> build/bench.json
    python benchmarks/bench.py --smoke         # tiny sizes, 1 round, no venvs (make bench-smoke)
    python benchmarks/bench.py --only W2,W7 --rounds 7

Every measurement runs in a fresh worker process (``sdk_worker.py``, ``floor_worker.py``,
``official_worker.py``) against one instant server (``instant_server.py``), so only client
work is measured. Each round runs every (workload, contender) once, in a shuffled order, so
load from elsewhere on the machine hits all contenders alike; the report gives medians over
the rounds and the ratios of medians that the targets are about (see RESULTS.md).

Two virtual environments are built under ``build/`` when missing (not with ``--smoke``):
``bench-venv-core`` (this project installed from its own files with its core dependencies
only: W4's cold import) and ``bench-venv-official`` (``xorl-client==0.1.0`` from PyPI; never a
dependency of this project). If the official client cannot be installed, its rows are left
out and the reason is recorded in the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD = ROOT / "build"
CORE_VENV = BUILD / "bench-venv-core"
OFFICIAL_VENV = BUILD / "bench-venv-official"
OFFICIAL_REQUIREMENT = "xorl-client==0.1.0"
JOB_TIMEOUT = 900


@dataclass(frozen=True)
class Job:
    """One (workload, contender): the worker command that measures it once."""

    workload: str
    contender: str
    argv: tuple[str, ...]


# -- environments --------------------------------------------------------------------------


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *args], check=True)


def ensure_core_venv() -> Path:
    """This project (its current files) with its core dependencies only."""
    python = _venv_python(CORE_VENV)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CORE_VENV)], check=True)
    _pip(python, str(ROOT))  # a local directory is rebuilt and reinstalled every time
    return python


def ensure_official_venv() -> tuple[Path | None, str]:
    """The official client in a venv of its own: (its python or None, what happened)."""
    python = _venv_python(OFFICIAL_VENV)
    marker = OFFICIAL_VENV / ".installed"
    if marker.exists():
        return python, marker.read_text().strip()
    started = time.perf_counter()
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(OFFICIAL_VENV)], check=True)
        _pip(python, OFFICIAL_REQUIREMENT)
    except subprocess.CalledProcessError as exc:
        return None, f"pip install {OFFICIAL_REQUIREMENT} failed ({exc})"
    size = sum(f.stat().st_size for f in OFFICIAL_VENV.rglob("*") if f.is_file()) / 1e9
    note = (
        f"{OFFICIAL_REQUIREMENT} installed from PyPI in {time.perf_counter() - started:.0f}s, "
        f"venv {size:.1f} GB"
    )
    marker.write_text(note + "\n")
    return python, note


# -- the instant server ----------------------------------------------------------------------


@contextmanager
def instant_server() -> Iterator[str]:
    server = subprocess.Popen(
        [sys.executable, str(HERE / "instant_server.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        match = re.search(r"ready at (http://\S+)", line)
        if not match:
            raise SystemExit(f"the instant server did not start: {line!r}")
        yield match.group(1)
    finally:
        server.terminate()
        server.wait(timeout=30)


# -- jobs ------------------------------------------------------------------------------------

#: workload -> contender -> (worker script, variant); "python" picks the interpreter below.
SDK_ROWS = {
    "W1": {"sdk": "lists", "sdk_numpy": "numpy"},
    "W2": {"sdk": "pipelined"},
    "W3": {"sdk": "batch", "sdk_async": "async"},
    "W6": {"sdk": "lists", "sdk_numpy": "numpy"},
    "W7": {"sdk_paired": "paired"},
}
FLOOR_ROWS = {
    "W1": {"floor": "async", "floor_sync": "sync"},
    "W2": {"floor": "async", "floor_sync": "sync"},
    "W3": {"floor": "async"},
    "W6": {"floor": "async", "floor_numpy": "numpy"},
}
OFFICIAL_ROWS = {
    "W1": {"official": "lists"},
    "W2": {"official": "pipelined"},
    "W3": {"official": "batch"},
    "W6": {"official_numpy": "numpy"},
}

#: W4: the statement each contender imports, cold, in a new interpreter.
IMPORTS = {
    "sdk": "import xorl_client",
    # the names load on first use: what a program that starts a training loop pays
    "sdk_first_use": "import xorl_client; xorl_client.ServiceClient; xorl_client.Datum",
    "floor": "import httpx, orjson",
}
_IMPORT_PROBE = """
import json, os, time
c0, w0 = time.process_time(), time.perf_counter()
{statement}
print(json.dumps({{"wall_s": time.perf_counter() - w0, "client_cpu_s": time.process_time() - c0,
                  "peak_rss_mb": int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20}}))
"""


def build_jobs(
    url: str,
    size: str,
    only: set[str],
    core_python: Path,
    official_python: Path | None,
) -> list[Job]:
    jobs = []
    worker_args = ("--url", url, "--size", size)
    for script, rows, python in (
        ("sdk_worker.py", SDK_ROWS, Path(sys.executable)),
        ("floor_worker.py", FLOOR_ROWS, Path(sys.executable)),
        ("official_worker.py", OFFICIAL_ROWS, official_python),
    ):
        if python is None:
            continue
        for workload, contenders in rows.items():
            if workload not in only:
                continue
            for contender, variant in contenders.items():
                argv = (str(python), str(HERE / script), workload, variant, *worker_args)
                jobs.append(Job(workload, contender, argv))
    if "W4" in only:
        probes = [(c, core_python, s) for c, s in IMPORTS.items()]
        if official_python is not None:
            probes.append(("official", official_python, IMPORTS["sdk_first_use"]))
        for contender, python, statement in probes:
            code = _IMPORT_PROBE.format(statement=statement)
            jobs.append(Job("W4", contender, (str(python), "-I", "-c", code)))
    return jobs


def run_job(job: Job) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as cwd:  # never import the checkout by accident
        done = subprocess.run(
            job.argv, capture_output=True, text=True, timeout=JOB_TIMEOUT, cwd=cwd
        )
    if done.returncode != 0:
        raise SystemExit(
            f"{job.workload}/{job.contender} failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- summary ---------------------------------------------------------------------------------

Runs = dict[str, dict[str, list[dict[str, Any]]]]


def summarize(runs: Runs) -> dict[str, Any]:
    """Medians per (workload, contender); W5 is W1's memory against its encoded body."""
    out: dict[str, Any] = {}
    for workload, contenders in runs.items():
        table = out.setdefault(workload, {})
        for contender, samples in contenders.items():
            keys = sorted({k for s in samples for k in s if isinstance(s[k], int | float)})
            row = {k: statistics.median(s[k] for s in samples if k in s) for k in keys}
            row["rounds"] = len(samples)
            table[contender] = row
    w1 = out.get("W1", {})
    body = w1.get("floor", {}).get("body_bytes")
    if body:
        out["W5"] = {
            name: {
                "wall_s": row["wall_s"],
                "client_cpu_s": row["client_cpu_s"],
                "peak_rss_mb": row["peak_rss_mb"],
                "rss_growth_mb": row["rss_growth_mb"],
                "body_mb": body / 2**20,
                "growth_per_body": row["rss_growth_mb"] / (body / 2**20),
                "rounds": row["rounds"],
            }
            for name, row in w1.items()
        }
    return out


@dataclass(frozen=True)
class Target:
    """One target of the issue: ``numerator / denominator`` of ``metric`` against ``limit``."""

    key: str
    text: str
    workload: str
    metric: str
    numerator: str
    denominator: str
    limit: float
    at_least: bool = False  # True: the ratio must be >= limit


TARGETS = (
    Target("W1", "W1 client CPU, SDK (lists) / floor", "W1", "client_cpu_s", "sdk", "floor", 1.15),
    Target(
        "W1-numpy",
        "W1 client CPU, SDK (numpy) / floor (lists)",
        "W1",
        "client_cpu_s",
        "sdk_numpy",
        "floor",
        1.0,
    ),
    Target(
        "W2",
        "W2 client CPU per step, SDK / sync floor",
        "W2",
        "client_cpu_s",
        "sdk",
        "floor_sync",
        1.5,
    ),
    Target("W3", "W3 client CPU, sample_batch / floor", "W3", "client_cpu_s", "sdk", "floor", 1.1),
    Target(
        "W3-async",
        "W3 client CPU, async API / floor",
        "W3",
        "client_cpu_s",
        "sdk_async",
        "floor",
        1.1,
    ),
    Target(
        "W4", "W4 cold import CPU, SDK / httpx+orjson", "W4", "client_cpu_s", "sdk", "floor", 1.4
    ),
    Target(
        "W5", "W5 RSS growth of W1 (SDK) / encoded body", "W5", "growth_per_body", "sdk", "", 1.5
    ),
    Target("W6", "W6 client CPU, SDK (lists) / floor", "W6", "client_cpu_s", "sdk", "floor", 1.3),
    Target(
        "W6-body",
        "W6 body bytes, SDK (numpy) / orjson numpy",
        "W6",
        "request_bytes",
        "sdk_numpy",
        "floor_numpy",
        1.0,
    ),
    Target(
        "W7",
        "W7 steps/s, exactly-once / reporting only",
        "W7",
        "ratio",
        "sdk_paired",
        "",
        0.95,
        at_least=True,
    ),
    Target(
        "W1-official",
        "W1 client CPU, official / SDK",
        "W1",
        "client_cpu_s",
        "official",
        "sdk",
        3.0,
        at_least=True,
    ),
    Target(
        "W3-official",
        "W3 client CPU, official / SDK",
        "W3",
        "client_cpu_s",
        "official",
        "sdk",
        3.0,
        at_least=True,
    ),
)


def evaluate(summary: dict[str, Any]) -> dict[str, Any]:
    ratios: dict[str, Any] = {}
    for t in TARGETS:
        table = summary.get(t.workload, {})
        top = table.get(t.numerator, {}).get(t.metric)
        bottom = 1.0 if not t.denominator else table.get(t.denominator, {}).get(t.metric)
        if top is None or not bottom:
            continue
        ratio = top / bottom
        met = ratio >= t.limit if t.at_least else ratio <= t.limit
        ratios[t.key] = {
            "what": t.text,
            "ratio": ratio,
            "target": f"{'>=' if t.at_least else '<='} {t.limit}",
            "met": met,
        }
    return ratios


def print_table(summary: dict[str, Any], ratios: dict[str, Any]) -> None:
    print(
        f"\n{'workload':<8} {'contender':<20} {'wall s':>9} {'client CPU s':>13} {'peak RSS MB':>12}"
    )
    for workload in sorted(k for k in summary if re.fullmatch(r"W\d", k)):
        for contender, row in summary[workload].items():
            print(
                f"{workload:<8} {contender:<20} {row['wall_s']:>9.4f} {row['client_cpu_s']:>13.4f} "
                f"{row['peak_rss_mb']:>12.1f}"
            )
    print(f"\n{'target':<46} {'ratio':>8}  {'wanted':<8} status")
    for value in ratios.values():
        status = "met" if value["met"] else "MISSED"
        print(f"{value['what']:<46} {value['ratio']:>8.3f}  {value['target']:<8} {status}")


# -- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one round, no venvs")
    parser.add_argument("--rounds", type=int, default=None, help="default 5 (smoke: 1)")
    parser.add_argument("--only", default="W1,W2,W3,W4,W6,W7", help="workloads (W5 comes with W1)")
    parser.add_argument("--out", default=str(BUILD / "bench.json"))
    parser.add_argument("--no-official", action="store_true", help="leave the official client out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    size = "smoke" if args.smoke else "full"
    rounds = args.rounds or (1 if args.smoke else 5)
    only = {w.strip() for w in args.only.split(",") if w.strip()}
    if "W5" in only:
        only.add("W1")
    meta: dict[str, Any] = {
        "size": size,
        "rounds": rounds,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if args.smoke:
        core_python, official_python = Path(sys.executable), None
        meta["official"] = "left out (--smoke)"
    else:
        core_python = ensure_core_venv() if "W4" in only else Path(sys.executable)
        official_python, meta["official"] = (
            (None, "left out (--no-official)") if args.no_official else ensure_official_venv()
        )
    rng = random.Random(args.seed)
    runs: Runs = {}
    with instant_server() as url:
        jobs = build_jobs(url, size, only, core_python, official_python)
        for round_no in range(rounds):
            order = list(jobs)
            rng.shuffle(order)
            for job in order:
                result = run_job(job)
                runs.setdefault(job.workload, {}).setdefault(job.contender, []).append(result)
            print(f"round {round_no + 1}/{rounds} done", file=sys.stderr, flush=True)
    summary = summarize(runs)
    ratios = evaluate(summary)
    document = {**summary, "ratios": ratios, "meta": meta, "runs": runs}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print_table(summary, ratios)
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
