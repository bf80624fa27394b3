"""The official pooled-HTTP knobs become the limits of the sampler's one connection pool."""

from __future__ import annotations

import importlib.util

import httpx
import pytest

import xorl_client as xc
from xorl_client._http11 import LeanHTTPTransport
from xorl_client.errors import ConfigurationError, MissingDependencyError

URL = "http://sglang.test:30000"
VARIABLES = (
    "XORL_SAMPLING_HTTP_CLIENT_MODE",
    "XORL_SAMPLING_HTTP_MAX_CONNECTIONS",
    "XORL_SAMPLING_HTTP_MAX_KEEPALIVE_CONNECTIONS",
    "XORL_SAMPLING_HTTP_KEEPALIVE_EXPIRY",
    "XORL_SAMPLING_HTTP2",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*VARIABLES, "XORL_INFERENCE_BASE_URL", "XORL_INFERENCE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def pool_limits(sampler: xc.SamplingClient) -> tuple[int | None, int | None, float | None]:
    """The limits of the pool the sampler's requests go through."""
    transport = sampler.config.httpx_transport
    assert isinstance(transport, LeanHTTPTransport)
    limits = transport.limits  # what its slots and idle connections are counted against
    return limits.max_connections, limits.max_keepalive_connections, limits.keepalive_expiry


def test_default_is_one_reused_pool() -> None:
    with xc.SamplingClient(URL) as sampler:
        assert sampler.http_client_mode == "pooled"
        assert pool_limits(sampler) == (64, 64, 5.0)
        assert sampler.http2 is False


def test_arguments_set_the_pool_limits() -> None:
    with xc.SamplingClient(
        URL,
        http_client_mode="pooled",
        http_max_connections=8,
        http_max_keepalive_connections=2,
        http_keepalive_expiry=1.5,
    ) as sampler:
        assert pool_limits(sampler) == (8, 2, 1.5)
        assert sampler.config.max_connections == 8  # also sample_batch's default concurrency
        assert (sampler.http_max_connections, sampler.http_max_keepalive_connections) == (8, 2)


def test_the_positional_order_is_the_officials() -> None:
    with xc.SamplingClient(URL, "", None, None, None, 3, 1.0, "chat", "request", 4) as sampler:
        assert (sampler.api_format, sampler.http_client_mode) == ("chat_completions", "request")
        assert sampler.http_max_connections == 4


def test_request_mode_keeps_no_connection_alive() -> None:
    with xc.SamplingClient(URL, http_client_mode="request") as sampler:
        assert pool_limits(sampler)[:2] == (64, 0)
    with pytest.raises(ConfigurationError, match="pooled"):
        xc.SamplingClient(URL, http_client_mode="request", http_max_keepalive_connections=4)


def test_environment_variables_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XORL_SAMPLING_HTTP_MAX_CONNECTIONS", "12")
    monkeypatch.setenv("XORL_SAMPLING_HTTP_MAX_KEEPALIVE_CONNECTIONS", "3")
    monkeypatch.setenv("XORL_SAMPLING_HTTP_KEEPALIVE_EXPIRY", "0.5")
    monkeypatch.setenv("XORL_SAMPLING_HTTP2", "off")
    with xc.SamplingClient(URL) as sampler:
        assert pool_limits(sampler) == (12, 3, 0.5)
    with xc.SamplingClient(URL, http_max_connections=2) as sampler:  # the argument wins
        assert pool_limits(sampler)[0] == 2


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("XORL_SAMPLING_HTTP_CLIENT_MODE", "per-request"),
        ("XORL_SAMPLING_HTTP_MAX_CONNECTIONS", "many"),
        ("XORL_SAMPLING_HTTP_KEEPALIVE_EXPIRY", "soon"),
        ("XORL_SAMPLING_HTTP2", "maybe"),
    ],
)
def test_bad_environment_values_are_refused_not_ignored(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        xc.SamplingClient(URL)


@pytest.mark.parametrize(
    "settings",
    [
        {"http_max_connections": 0},
        {"http_max_keepalive_connections": -1},
        {"http_keepalive_expiry": -1.0},
        {"http2": "yes"},
        {"http_client_mode": "sometimes"},
    ],
)
def test_bad_arguments_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        xc.SamplingClient(URL, **settings)  # type: ignore[arg-type]


def test_an_injected_transport_cannot_take_pool_arguments() -> None:
    mock = httpx.MockTransport(lambda r: httpx.Response(200))
    with xc.SamplingClient(URL, httpx_transport=mock) as sampler:
        assert sampler.config.httpx_transport is mock
    with pytest.raises(ConfigurationError, match="httpx_transport"):
        xc.SamplingClient(URL, httpx_transport=mock, http_max_connections=3)


@pytest.mark.skipif(importlib.util.find_spec("h2") is not None, reason="h2 is installed")
def test_http2_without_its_extra_names_the_extra() -> None:
    with pytest.raises(MissingDependencyError, match=r"\[http2\]"):
        xc.SamplingClient(URL, http2=True)
