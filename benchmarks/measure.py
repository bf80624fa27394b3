"""What a worker measures around one workload: wall time, the process's CPU time, memory.

``client_cpu_s`` is ``time.process_time()``: every thread of the worker process (the SDK's
event-loop thread included), user plus system. ``peak_rss_mb`` is the high-water mark of the
resident set during the measured region (Linux: ``VmHWM``, reset through
``/proc/self/clear_refs`` just before it starts); ``rss_growth_mb`` is that peak minus the
resident set right before the region, i.e. what the workload itself added on top of its
inputs. Standard library only (the official client's worker imports it too).

Every region starts right after a full ``gc.collect()``. CPython runs a full collection after
a count of allocations since the last one, over every live container: with W1's inputs alive
that pass costs about 0.2 s, and whether it falls inside a contender's region depended on how
many containers that process had allocated since it started (its imports, its warm-up), not
on the work measured. Starting every contender from the same collector state keeps that
chance out of the comparison.
"""

from __future__ import annotations

import gc
import json
import os
import re
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Measurement", "measured", "report"]

_MB = 1024 * 1024


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            match = re.search(rf"^{field}:\s+(\d+) kB", fh.read(), re.M)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


class Measurement(dict[str, Any]):
    """The numbers of one measured region (a dict, printed as one JSON line)."""


@contextmanager
def measured() -> Iterator[Measurement]:
    """Measure the ``with`` block; the numbers are in the yielded dict once it exits."""
    result = Measurement()
    gc.collect()
    resettable = _reset_peak()
    before_kb = _status_kb("VmRSS") or 0
    times0 = os.times()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        yield result
    finally:
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        times1 = os.times()
        peak_kb = _status_kb("VmHWM") if resettable else None
        if peak_kb is None:  # no resettable high-water mark: the process's own peak
            peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result.update(
            wall_s=wall,
            client_cpu_s=cpu,
            user_s=times1.user - times0.user,
            sys_s=times1.system - times0.system,
            peak_rss_mb=peak_kb * 1024 / _MB,
            rss_growth_mb=max(peak_kb - before_kb, 0) * 1024 / _MB,
        )


def report(result: dict[str, Any], **extra: Any) -> None:
    """Print the worker's one result line (the orchestrator reads the last line)."""
    print(json.dumps({**result, **extra}), flush=True)
