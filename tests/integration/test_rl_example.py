"""examples/rl_loop.py against the local server: the mean reward rises by the stated margin."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from xorl_client.local import LocalServerConfig, serve_in_thread

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rl_loop.py"


@pytest.fixture(scope="module")
def rl_loop() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rl_loop_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    config = LocalServerConfig(port=0, output_dir=tmp_path, long_poll_timeout=1.0)
    with serve_in_thread(config) as base_url:
        yield base_url


def test_reward_rises_by_the_stated_margin(rl_loop: ModuleType, url: str) -> None:
    rewards = rl_loop.run(url, steps=20, group_size=8, seed=0, verbose=False)
    assert len(rewards) == 20 and all(0.0 <= r <= 1.0 for r in rewards)
    first, last = sum(rewards[:2]) / 2, sum(rewards[-2:]) / 2
    # The stated margin: +0.2 (share of positions holding a lowercase letter), first two
    # steps against the last two. The untrained model starts near 0.1.
    assert rl_loop.MARGIN == 0.2 and rl_loop.WINDOW == 2
    assert first < 0.2
    assert last - first >= rl_loop.MARGIN, rewards
    assert rl_loop.improved(rewards)


def test_main_exits_zero_and_reports_the_curve(
    rl_loop: ModuleType, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = rl_loop.main(["--base-url", url, "--seed", "1", "--form", "labels"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.count("mean reward") == 21  # 20 steps + the summary line
    assert "reached" in out and "NOT reached" not in out
