"""The README's first code example runs as written against the local server, twice in a row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import xorl_client as xc

README = Path(__file__).resolve().parents[2] / "README.md"
CHECKPOINT = re.compile(r"^xorl://default/weights/(ckpt-[0-9a-f]{8})$")

pytestmark = pytest.mark.integration


def test_readme_quickstart_runs_twice_against_one_server(  # type: ignore[no-untyped-def]
    start_server, capsys: pytest.CaptureFixture[str]
) -> None:
    match = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, "README has no python example"
    code = match.group(1)
    assert "http://127.0.0.1:6000" in code
    url = start_server()
    program = compile(code.replace("http://127.0.0.1:6000", url), "README.md", "exec")

    saved, steps = [], []
    for _ in range(2):  # a user running the snippet again must not hit "checkpoint exists"
        exec(program, {})
        printed = capsys.readouterr().out.split()
        loss, step, path = float(printed[0]), int(printed[1]), printed[-1]
        assert loss > 0
        steps.append(step)
        found = CHECKPOINT.match(path)
        assert found, path
        saved.append(found.group(1))

    assert steps == [1, 2]  # the second run trains the same session one step further
    assert saved[0] != saved[1]
    with xc.ServiceClient(base_url=url) as service:
        listed = service.create_rest_client().list_checkpoints().result()
    assert {f"xorl://default/weights/{name}" for name in saved} <= {c.path for c in listed}
