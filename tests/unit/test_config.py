"""ClientConfig: where each setting comes from, validation, and that the key never prints."""

from __future__ import annotations

import dataclasses
import logging
import pickle

import httpx
import pytest

from xorl_client._config import (
    DEFAULT_CHUNK_MAX_BYTES,
    DEFAULT_CHUNK_MAX_ITEMS,
    DEFAULT_OPERATION_TIMEOUT,
    ClientConfig,
    Secret,
)
from xorl_client.errors import ConfigurationError

KEY = "sk-live-0123456789abcdef"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "XORL_BASE_URL",
        "XORL_API_KEY",
        "XORL_CLIENT_MAX_CHUNK_ITEMS",
        "XORL_CLIENT_MAX_CHUNK_BYTES",
    ):
        monkeypatch.delenv(name, raising=False)


def test_env_vars_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XORL_BASE_URL", "http://10.0.0.5:6000/")
    monkeypatch.setenv("XORL_API_KEY", KEY)
    cfg = ClientConfig()
    assert cfg.base_url == "http://10.0.0.5:6000"  # trailing slash dropped
    assert isinstance(cfg.api_key, Secret)
    assert cfg.api_key_value() == KEY
    assert ClientConfig.from_env() == cfg


def test_arguments_beat_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XORL_BASE_URL", "http://env-host:1")
    monkeypatch.setenv("XORL_API_KEY", "env-key")
    monkeypatch.setenv("XORL_CLIENT_MAX_CHUNK_ITEMS", "7")
    cfg = ClientConfig.from_env(base_url="http://arg-host:2", api_key="arg-key", chunk_max_items=3)
    assert cfg.base_url == "http://arg-host:2"
    assert cfg.api_key_value() == "arg-key"
    assert cfg.max_chunk_items == 3


def test_missing_base_url_says_how_to_set_it() -> None:
    with pytest.raises(ConfigurationError) as info:
        ClientConfig()
    text = str(info.value)
    assert "XORL_BASE_URL" in text
    assert "base_url=" in text


@pytest.mark.parametrize("bad", ["127.0.0.1:6000", "ftp://host", "   "])
def test_bad_base_url(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        ClientConfig(base_url=bad)


def test_defaults() -> None:
    cfg = ClientConfig(base_url="http://h:1")
    assert cfg.api_key is None and cfg.api_key_value() is None
    t = cfg.http_timeout
    assert (t.connect, t.read, t.write) == (10.0, 75.0, 120.0)
    assert t.read is not None and t.read > 45  # longer than the server's long-poll
    assert cfg.operation_timeout == DEFAULT_OPERATION_TIMEOUT
    assert cfg.max_chunk_items == DEFAULT_CHUNK_MAX_ITEMS == 1024
    assert cfg.max_chunk_bytes == DEFAULT_CHUNK_MAX_BYTES == 5_000_000
    assert cfg.user_agent is not None and cfg.user_agent.startswith("xorl-client/")
    assert cfg.headers()["User-Agent"] == cfg.user_agent
    assert "Authorization" not in cfg.headers()


def test_chunk_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XORL_CLIENT_MAX_CHUNK_ITEMS", "256")
    monkeypatch.setenv("XORL_CLIENT_MAX_CHUNK_BYTES", "1_000_000")
    cfg = ClientConfig(base_url="http://h:1")
    assert (cfg.max_chunk_items, cfg.max_chunk_bytes) == (256, 1_000_000)


def test_bad_chunk_env_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XORL_CLIENT_MAX_CHUNK_BYTES", "lots")
    with pytest.raises(ConfigurationError, match="XORL_CLIENT_MAX_CHUNK_BYTES"):
        ClientConfig(base_url="http://h:1")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"operation_timeout": 0},
        {"operation_timeout": -5},
        {"max_retries": -1},
        {"chunk_max_items": 0},
        {"timeout": "fast"},
        {"timeout": httpx.Timeout(5.0, connect=-1)},
    ],
)
def test_invalid_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        ClientConfig(base_url="http://h:1", **kwargs)  # type: ignore[arg-type]


def test_no_deadline_is_allowed() -> None:
    assert ClientConfig(base_url="http://h:1", operation_timeout=None).operation_timeout is None


def test_number_timeout_and_short_read_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="xorl_client"):
        cfg = ClientConfig(base_url="http://h:1", timeout=30)
    assert cfg.http_timeout.read == 30.0
    assert "long-poll" in caplog.text


def test_unknown_option() -> None:
    with pytest.raises(ConfigurationError, match="unknown ClientConfig option"):
        ClientConfig.from_env(base_url="http://h:1", retries=3)


def test_frozen_and_replace() -> None:
    cfg = ClientConfig(base_url="http://h:1", api_key=KEY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.base_url = "http://other:2"  # type: ignore[misc]
    other = cfg.replace(max_retries=0)
    assert other.max_retries == 0 and other.api_key_value() == KEY


def test_key_is_redacted_everywhere(caplog: pytest.LogCaptureFixture) -> None:
    cfg = ClientConfig(
        base_url="http://user:pw-secret@h:1",
        api_key=KEY,
        extra_headers={"X-Api-Key": KEY, "X-Trace": "visible"},
    )
    logging.getLogger("xorl_client").warning("config %s %r", cfg, cfg)
    for text in (repr(cfg), str(cfg), f"{cfg}", repr(cfg.api_key), str(cfg.api_key), caplog.text):
        assert KEY not in text
        assert "pw-secret" not in text
    assert "***" in repr(cfg)
    assert "visible" in repr(cfg)
    assert cfg.display_url == "http://h:1"


def test_secret_basics() -> None:
    s = Secret(KEY)
    assert repr(s) == str(s) == f"{s}" == "***"
    assert s == Secret(KEY) and s != Secret("other") and s != KEY
    assert pickle.loads(pickle.dumps(s)).get_secret_value() == KEY
    assert not Secret("")
    # An empty key means "no key".
    assert ClientConfig(base_url="http://h:1", api_key="").api_key is None
