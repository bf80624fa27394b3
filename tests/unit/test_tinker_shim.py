"""The one-line switch for Tinker code bases (``import xorl_client.tinker_shim``,
``xorl-client tinker-run``). Each case runs in a fresh interpreter: the switch changes
``sys.modules`` for the whole process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def run(code: str, *args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    paths = [str(REPO_ROOT), *([str(pythonpath)] if pythonpath else []), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    command = [sys.executable, *(["-c", textwrap.dedent(code)] if code else []), *args]
    return subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_every_import_form_of_the_cookbook_resolves_to_xorl_client() -> None:
    proc = run(
        """
        import xorl_client.tinker_shim
        import tinker
        import tinker.types
        from tinker import types, TensorData, ModelInput, SamplingClient, AdamParams
        from tinker.types import LossFnType, SamplingParams, ModelInputChunk, StopReason
        from tinker.types.tensor_data import TensorData as TD
        from tinker.types.image_chunk import ImageChunk
        from tinker.lib.public_interfaces import APIFuture
        from tinker.lib.public_interfaces.rest_client import RestClient
        import xorl_client as xc
        import xorl_client.tinker_shim  # a second import changes nothing
        assert tinker.TensorData is tinker.types.TensorData is TD is xc.TensorData
        assert tinker.types is types and tinker.types.tensor_data.TensorData is TD
        assert APIFuture is xc.APIFuture and RestClient is xc.RestClient
        assert tinker.TrainingClient is xc.TrainingClient and SamplingClient is xc.SamplingClient
        assert issubclass(tinker.ServiceClient, xc.ServiceClient)
        assert tinker.TinkerError is xc.XorlError and tinker.BadRequestError is xc.BadRequestError
        assert issubclass(tinker.APITimeoutError, tinker.APIConnectionError)
        assert types.ImageChunk is ImageChunk is tinker.types.image_chunk.ImageChunk
        assert tinker.types.ParsedCheckpointTinkerPath is xc.types.ParsedCheckpointTinkerPath
        version = tinker.__version__
        assert tuple(int(x) for x in version.split("+")[0].split(".")) >= (0, 19, 0)
        print(version)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith("0.38.0+xorl.")


def test_a_tinker_module_that_is_not_provided_fails_with_a_clear_message() -> None:
    proc = run(
        """
        import xorl_client.tinker_shim
        try:
            import tinker.lib.retry_handler
        except ModuleNotFoundError as exc:
            print(exc.name, "|", exc)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("tinker.lib.retry_handler | ")
    assert "not provided on xorl" in proc.stdout


def test_the_switch_is_refused_when_the_real_tinker_is_already_imported(tmp_path: Path) -> None:
    fake = tmp_path / "tinker"
    fake.mkdir()
    (fake / "__init__.py").write_text("REAL = True\n")
    proc = run(
        """
        import tinker
        from xorl_client.errors import ConfigurationError
        try:
            import xorl_client.tinker_shim
        except ConfigurationError as exc:
            print("refused:", exc)
        import tinker as again
        assert again.REAL  # nothing was replaced
        """,
        pythonpath=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "refused: the real tinker package is already imported" in proc.stdout


def test_the_switch_shadows_an_installed_but_not_yet_imported_tinker(tmp_path: Path) -> None:
    fake = tmp_path / "tinker"
    fake.mkdir()
    (fake / "__init__.py").write_text("REAL = True\n")
    proc = run(
        "import xorl_client.tinker_shim, tinker; print(hasattr(tinker, 'REAL'))",
        pythonpath=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_tinker_run_runs_a_script_and_a_module_with_their_arguments(tmp_path: Path) -> None:
    script = tmp_path / "recipe.py"
    script.write_text(
        "import sys, tinker\n"
        "print(tinker.ServiceClient.__module__, sys.argv[1:])\n"
        "raise SystemExit(3 if '--fail' in sys.argv else 0)\n"
    )
    proc = run("", "-m", "xorl_client.cli", "tinker-run", str(script), "--lr", "1e-4")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "xorl_client.tinker._service ['--lr', '1e-4']"
    failed = run("", "-m", "xorl_client.cli", "tinker-run", str(script), "--fail")
    assert failed.returncode == 3
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "main.py").write_text(script.read_text())
    as_module = run(
        "", "-m", "xorl_client.cli", "tinker-run", "-m", "pkg.main", "x", pythonpath=tmp_path
    )
    assert as_module.returncode == 0, as_module.stderr
    assert as_module.stdout.strip().endswith("['x']")
