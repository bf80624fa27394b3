"""The core modules import without numpy (it is an optional extra).

Runs in a fresh interpreter: this test process has numpy loaded already.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

LIGHT_MODULES = [
    "xorl_client",
    "xorl_client.sampling",
    "xorl_client.rl",
    "xorl_client.types",
    "xorl_client.validation",
    "xorl_client.chunking",
    "xorl_client.tinker_compat",
    "xorl_client.tinker",
]

HEAVY = ["numpy", "torch", "transformers", "tinker"]


def _run(code: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_core_modules_do_not_import_numpy() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in LIGHT_MODULES)
        + "[getattr(xorl_client, name) for name in xorl_client.__all__]\n"
        + f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        + "print(heavy)\n"
        + "raise SystemExit(1 if heavy else 0)\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, f"stdout={proc.stdout!r} stderr={proc.stderr!r}"


def test_types_work_without_numpy_loaded() -> None:
    code = (
        "import sys\n"
        "from xorl_client.types import Datum\n"
        "from xorl_client.validation import validate_batch\n"
        "from xorl_client.chunking import split_batch\n"
        "d = Datum([1, 2, 3], {'labels': [1, 2, 3], 'weights': [0, 1, 1]})\n"
        "validate_batch([d], 'causallm_loss')\n"
        "assert split_batch([d]) == [[d]]\n"
        "assert d.to_wire()['loss_fn_inputs']['labels'] == [1, 2, 3]\n"
        "assert 'numpy' not in sys.modules, 'numpy was imported'\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, f"stdout={proc.stdout!r} stderr={proc.stderr!r}"


def test_public_names_load_on_first_use() -> None:
    """``import xorl_client`` is cheap; each name loads its module when first used, and every
    name in ``__all__`` resolves (also through ``from xorl_client import *``)."""
    code = (
        "import sys\n"
        "import xorl_client\n"
        "assert 'httpx' not in sys.modules and 'xorl_client.service' not in sys.modules\n"
        "assert xorl_client.__version__\n"
        "from xorl_client import Datum\n"
        "assert 'xorl_client.service' not in sys.modules\n"
        "assert xorl_client.ServiceClient.__name__ == 'ServiceClient'\n"
        "ns = {}\n"
        "exec('from xorl_client import *', ns)\n"
        "missing = [n for n in xorl_client.__all__ if n not in ns]\n"
        "assert not missing, missing\n"
        "assert set(xorl_client.__all__) <= set(dir(xorl_client))\n"
        "assert xorl_client.types.Datum is Datum\n"
        "try:\n"
        "    xorl_client.NoSuchName\n"
        "except AttributeError as exc:\n"
        "    assert 'NoSuchName' in str(exc)\n"
        "else:\n"
        "    raise SystemExit('no AttributeError')\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, f"stdout={proc.stdout!r} stderr={proc.stderr!r}"
