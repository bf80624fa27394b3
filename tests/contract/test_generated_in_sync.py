"""generated/xorl_openapi is exactly what openapi.yaml + the pinned generator produce.

Runs openapi-python-client with the Makefile's flags into a temporary directory (the post hooks run
ruff from PATH inside the output directory and pick up the ruff.toml next to it, so generated/ruff.toml
is copied beside the temporary output).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated" / "xorl_openapi"
BIN = Path(sys.executable).parent
IGNORED_PARTS = {"__pycache__", ".ruff_cache"}


def _generate(spec: Path, workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "generated" / "ruff.toml", workdir / "ruff.toml")
    output = workdir / "xorl_openapi"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(ROOT / "generator-config.yml"),
            "--custom-template-path",
            str(ROOT / "templates"),
            "--meta",
            "none",
            "--output-path",
            str(output),
            "--fail-on-warning",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower()
    return output


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not IGNORED_PARTS.intersection(path.relative_to(root).parts)
    }


def _differences(expected: dict[str, bytes], actual: dict[str, bytes]) -> list[str]:
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(name for name in set(expected) & set(actual) if expected[name] != actual[name])
    return [f"missing {n}" for n in missing] + [f"extra {n}" for n in extra] + changed


@pytest.fixture(scope="module")
def committed_tree() -> dict[str, bytes]:
    tree = _tree(GENERATED)
    assert "api/futures/retrieve_future.py" in tree
    return tree


@pytest.fixture(scope="module")
def regenerated_tree(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _tree(_generate(ROOT / "openapi.yaml", tmp_path_factory.mktemp("regen")))


@pytest.fixture(scope="module")
def edited_spec_tree(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    workdir = tmp_path_factory.mktemp("edited")
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    spec["components"]["schemas"]["ErrorDetail"]["properties"]["hint"] = {
        "type": "string",
        "description": "An edit the committed client does not know about.",
    }
    edited = workdir / "openapi.yaml"
    edited.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return _tree(_generate(edited, workdir / "out"))


def test_regenerating_from_the_spec_reproduces_generated_exactly(
    committed_tree: dict[str, bytes], regenerated_tree: dict[str, bytes]
) -> None:
    assert _differences(committed_tree, regenerated_tree) == []


def test_a_spec_edit_is_detected_as_drift(
    committed_tree: dict[str, bytes], edited_spec_tree: dict[str, bytes]
) -> None:
    drift = _differences(committed_tree, edited_spec_tree)
    assert "models/error_detail.py" in drift
    assert b"hint" in edited_spec_tree["models/error_detail.py"]
