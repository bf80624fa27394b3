"""Steps per second of the README's pipelined loop, with and without the exactly-once bookkeeping.

The loop is ``fb1 = forward_backward(a); fb2 = forward_backward(b); op = optim_step(...)`` and
then the three results, against the local server in a child process. Variants run in worker
processes, interleaved round by round so that load on the machine hits them alike; the report
gives each variant's median steps/s and its ratio to the first variant. Absolute numbers
depend on the machine; compare ratios.

    python benchmarks/pipelined_steps.py                       # exactly_once on vs off
    python benchmarks/pipelined_steps.py --baseline-src DIR    # also an older source tree

``--baseline-src`` takes a checkout of another revision (e.g. ``git archive <rev> | tar -x -C
DIR``); its ``xorl_client`` and ``generated/`` are put first on ``PYTHONPATH`` for that variant.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = ("exactly_once", "reporting_only")


def worker(url: str, steps: int, warmup: int, variant: str) -> None:
    import xorl_client as xc

    settings = {} if variant in ("exactly_once", "baseline") else {"exactly_once": False}
    with xc.ServiceClient(base_url=url, **settings) as service:
        tc = service.create_training_client("xorl-local/byte-bigram")
        tok = tc.get_tokenizer()
        batches = []
        for k in range(2):
            ids = tok.encode(f"part {k}: the quick brown fox jumps over the lazy dog. " * 2)
            batches.append(
                [xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})]
            )
        adam = xc.AdamParams(learning_rate=1e-3)

        def step() -> None:
            fb1 = tc.forward_backward(batches[0])
            fb2 = tc.forward_backward(batches[1])
            op = tc.optim_step(adam)
            fb1.result()
            fb2.result()
            op.result()

        for _ in range(warmup):
            step()
        started = time.perf_counter()
        for _ in range(steps):
            step()
        elapsed = time.perf_counter() - started
    print(json.dumps({"variant": variant, "steps_per_s": steps / elapsed}))


def start_server(output_dir: str) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "xorl_client.local", "--port", "0", "--output-dir", output_dir],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert server.stdout is not None
    for line in server.stdout:
        match = re.search(r"ready at (http://\S+)", line)
        if match:
            return server, match.group(1)
    raise SystemExit("the local server did not start")


def run_worker(url: str, variant: str, args: argparse.Namespace) -> float:
    env = dict(os.environ)
    if variant == "baseline":
        src = Path(args.baseline_src).resolve()
        env["PYTHONPATH"] = os.pathsep.join([str(src), str(src / "generated")])
    command = [sys.executable, __file__, "--worker", "--url", url, "--variant", variant]
    command += ["--steps", str(args.steps), "--warmup", str(args.warmup)]
    out = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["steps_per_s"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline-src", default=None)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--variant", default="exactly_once", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.url, args.steps, args.warmup, args.variant)
        return 0
    variants = list(VARIANTS) + (["baseline"] if args.baseline_src else [])
    results: dict[str, list[float]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        server, url = start_server(tmp)
        try:
            for _ in range(args.rounds):
                for variant in variants:
                    results[variant].append(run_worker(url, variant, args))
        finally:
            server.terminate()
            server.wait()
    first = statistics.median(results[variants[0]])
    print(f"{'variant':<16} {'median steps/s':>15} {'ratio':>7}   per round")
    for variant in variants:
        median = statistics.median(results[variant])
        rounds = " ".join(f"{v:.1f}" for v in results[variant])
        print(f"{variant:<16} {median:>15.1f} {median / first:>7.3f}   {rounds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
