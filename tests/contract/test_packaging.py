"""What a package index and a user get: a wheel and an sdist that pass ``twine check --strict``.

The generated client ships as ``xorl_openapi`` (never as ``generated``), both packages are typed,
the license travels with every artifact, and the version is written in one place.
"""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.message import Message
from pathlib import Path

import pytest

import xorl_client
from xorl_client._install_hint import install_command
from xorl_client.errors import MissingDependencyError

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make dist``'s artifacts: the wheel (as pip builds it) and the sdist (hatchling)."""
    out = tmp_path_factory.mktemp("dist")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip_wheel, "--no-build-isolation", "--wheel-dir", str(out), str(ROOT)], check=True
    )
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "--target", "sdist", "--directory", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return out


def _wheel(dist: Path) -> zipfile.ZipFile:
    (wheel,) = dist.glob("xorl_client-*.whl")
    return zipfile.ZipFile(wheel)


def _wheel_metadata(dist: Path) -> Message:
    wheel = _wheel(dist)
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.message_from_bytes(wheel.read(name))


def test_wheel_ships_generated_client_as_xorl_openapi_not_generated(dist: Path) -> None:
    names = _wheel(dist).namelist()
    top_level = {name.split("/", 1)[0] for name in names if "/" in name}
    assert "generated" not in top_level
    assert {"xorl_client", "xorl_openapi"} <= top_level
    assert "xorl_openapi/api/training/forward_backward.py" in names
    assert not any(
        name.startswith("xorl_client/tests") or name.startswith("tests/") for name in names
    )


def test_both_packages_are_typed(dist: Path) -> None:
    names = _wheel(dist).namelist()
    assert {"xorl_client/py.typed", "xorl_openapi/py.typed"} <= set(names)


def test_the_license_is_in_the_repository_the_wheel_and_the_sdist(dist: Path) -> None:
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    wheel = _wheel(dist)
    (in_wheel,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
    assert wheel.read(in_wheel).decode() == license_text
    (sdist,) = dist.glob("xorl_client-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert any(name.endswith("/LICENSE") for name in names)
    assert any(name.endswith("/generated/xorl_openapi/py.typed") for name in names)


def test_metadata_is_ready_for_an_index(dist: Path) -> None:
    metadata = _wheel_metadata(dist)
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Version"] == xorl_client.__version__
    assert metadata["Requires-Python"] == ">=3.11"
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Source", "Issues", "Documentation"} <= set(urls)
    assert all(url.startswith("https://github.com/togethercomputer/") for url in urls.values())
    assert metadata.get_content_type() == "text/plain"  # the header block; the body is README
    assert metadata["Description-Content-Type"] == "text/markdown"


def test_classifiers_name_every_supported_python() -> None:
    """From requires-python's minimum to the newest listed, every minor version is declared."""
    classifiers = PYPROJECT["project"]["classifiers"]
    minors = sorted(
        int(c.rsplit(".", 1)[1])
        for c in classifiers
        if c.startswith("Programming Language :: Python :: 3.")
    )
    minimum = int(PYPROJECT["project"]["requires-python"].removeprefix(">=3."))
    assert minors[0] == minimum and minors == list(range(minimum, minors[-1] + 1))
    assert minors[-1] >= 13
    assert not any(c.startswith("License ::") for c in classifiers)  # the SPDX field says it


def test_twine_check_strict_passes(dist: Path) -> None:
    twine = shutil.which("twine", path=str(Path(sys.executable).parent))
    if twine is None:
        pytest.skip("twine is part of the dev extra; run make install")
    artifacts = sorted(str(p) for p in dist.iterdir())
    result = subprocess.run(
        [twine, "check", "--strict", *artifacts], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_the_version_is_written_once() -> None:
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "xorl_client/_version.py"
    from importlib.metadata import version

    assert version("xorl-client") == xorl_client.__version__


def test_importing_the_package_does_not_read_installed_metadata() -> None:
    code = "import sys, xorl_client; print('importlib.metadata' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# -- installing this package: the README's commands and MissingDependencyError's hint agree ----


def _readme_install_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Install\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize(
    ("direct_url", "extra", "readme_form"),
    [
        ({"url": ROOT.as_uri(), "dir_info": {}}, "local", 'pip install ".[local]"'),
        (
            {"url": ROOT.as_uri(), "dir_info": {"editable": True}},
            "dev",
            'pip install -e ".[dev]"',
        ),
        (
            {"url": (ROOT / "dist" / "xorl_client-<version>-py3-none-any.whl").as_uri()},
            "local",
            'pip install "dist/xorl_client-<version>-py3-none-any.whl[local]"',
        ),
        (
            {
                "url": "https://github.com/togethercomputer/xorl-client.git",
                "vcs_info": {"vcs": "git", "commit_id": "0" * 40},
            },
            "local",
            'pip install "xorl-client[local] @ git+https://github.com/togethercomputer/'
            'xorl-client.git"',
        ),
    ],
)
def test_the_missing_extra_hint_uses_the_readme_install_forms(
    direct_url: dict[str, object], extra: str, readme_form: str
) -> None:
    """Installed from a checkout, a wheel or git, the hint is the README's command for it."""
    hint = install_command(extra, direct_url)
    assert hint.replace(f"{ROOT}/", "").replace(str(ROOT), ".") == readme_form
    assert readme_form in _readme_install_section()


def test_the_hint_without_a_direct_url_names_the_index_package() -> None:
    assert install_command("tokenizer", {}) == 'pip install "xorl-client[tokenizer]"'
    error = MissingDependencyError("get_tokenizer()", "tokenizer", "transformers")
    assert "Install it with: pip install" in str(error) and "[tokenizer]" in str(error)


def test_a_built_wheel_installs_with_an_extra_as_the_readme_says(dist: Path) -> None:
    (wheel,) = dist.glob("xorl_client-*.whl")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-deps",
            "--no-index",
            "--quiet",
            f"{wheel}[local]",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
