"""What a user gets from `pip install xorl-client`: the generated client lives in `xorl_openapi`."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_generated_client_as_xorl_openapi_not_generated(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("xorl_client-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/", 1)[0] for name in names if "/" in name}
    assert "generated" not in top_level
    assert {"xorl_client", "xorl_openapi"} <= top_level
    assert "xorl_openapi/api/training/forward_backward.py" in names
    assert "xorl_client/py.typed" in names
    assert not any(
        name.startswith("xorl_client/tests") or name.startswith("tests/") for name in names
    )
