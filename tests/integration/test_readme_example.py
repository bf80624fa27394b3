"""The README's first code example runs as written against the local server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"

pytestmark = pytest.mark.integration


def test_readme_quickstart_runs(start_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    match = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, "README has no python example"
    code = match.group(1)
    assert "http://127.0.0.1:6000" in code
    url = start_server()
    exec(compile(code.replace("http://127.0.0.1:6000", url), "README.md", "exec"), {})
    printed = capsys.readouterr().out.split()
    loss, step = float(printed[0]), int(printed[1])
    assert loss > 0 and step == 1
    assert printed[-1] == "xorl://default/weights/ckpt-001"
