"""Atomic checkpoint file I/O (npz arrays, JSON)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from xorl_client.local.model import (
    EngineError,
    FloatArray,
)

__all__ = [
    "load_npz",
    "save_json",
    "save_npz",
    "write_atomic",
]


def write_atomic(path: Path, write: Any) -> None:
    """Write through a temporary file + rename so a crash never leaves a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_npz(path: Path, arrays: Mapping[str, FloatArray]) -> None:
    savez: Any = np.savez  # numpy's stub types **kwds like its keyword options
    write_atomic(path, lambda f: savez(f, **arrays))


def save_json(path: Path, obj: Any) -> None:
    write_atomic(path, lambda f: f.write((json.dumps(obj, indent=2) + "\n").encode()))


def load_npz(path: Path) -> dict[str, FloatArray]:
    if not path.is_file():
        raise EngineError(f"checkpoint file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: np.array(npz[key], dtype=np.float64) for key in npz.files}
    except (OSError, ValueError) as exc:
        raise EngineError(f"cannot read {path}: {exc}") from exc
