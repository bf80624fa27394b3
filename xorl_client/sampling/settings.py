"""``SamplingClient`` settings in the official client's spellings: request format and HTTP pool.

* **Request format** (``api_format`` / ``$XORL_INFERENCE_API_FORMAT``): ``"generate"``
  (SGLang's ``/generate``, the default) or ``"chat_completions"`` (``/v1/chat/completions``),
  with the official aliases in :data:`API_FORMAT_ALIASES`.
* **Connections** (``http_client_mode``, ``http_max_connections``,
  ``http_max_keepalive_connections``, ``http_keepalive_expiry``, ``http2`` and their
  ``$XORL_SAMPLING_HTTP_*`` variables) become the limits of the client's one connection pool.
  The official client's ``"pooled"`` mode keeps one httpx client per event loop; this SDK sends
  every request from its own single loop, so one pool is always safe and ``"pooled"`` is the
  default. ``"request"`` (the official default, a new httpx client per request) is mapped to
  what it means on the wire: every request opens a fresh connection and closes it afterwards
  (no keep-alive), without the cost of building a client each time.

A setting given both as an argument and in the environment takes the argument; a bad
environment value raises :class:`~xorl_client.ConfigurationError` (it is not ignored).
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx

from xorl_client._config import ClientConfig
from xorl_client._http11 import LeanHTTPTransport
from xorl_client._pool import lean_transport
from xorl_client.compat.official import env_int, env_value
from xorl_client.errors import ConfigurationError, MissingDependencyError

__all__ = [
    "API_FORMAT_ALIASES",
    "HTTP_CLIENT_MODES",
    "HttpSettings",
    "api_format_from",
    "http_settings_from",
    "inherited_settings",
]

#: Official spellings of the two request formats (after trimming, lower-casing, ``-`` -> ``_``).
API_FORMAT_ALIASES: Final[Mapping[str, str]] = {
    "generate": "generate",
    "sglang": "generate",
    "native": "generate",
    "chat_completions": "chat_completions",
    "chat_completion": "chat_completions",
    "chat": "chat_completions",
    "openai": "chat_completions",
    "openai_chat": "chat_completions",
}

HTTP_CLIENT_MODES: Final = ("pooled", "request")
_KEEPALIVE_EXPIRY: Final = 5.0  # httpx's default
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})

#: SamplingClient argument -> the ClientConfig field of a training server it inherits (headers
#: and credentials are deliberately absent: they belong to the training server).
_INHERITED: Final[Mapping[str, str]] = {
    "operation_timeout": "operation_timeout",
    "max_retries": "max_retries",
    "retry_delay": "retry_backoff_base",
    "retry_backoff_max": "retry_backoff_max",
    "max_connections": "max_connections",
    "user_agent": "user_agent",
    "httpx_transport": "httpx_transport",
}


def inherited_settings(config: ClientConfig) -> dict[str, Any]:
    """SamplingClient arguments taken over from a training server's :class:`ClientConfig`."""
    return {argument: getattr(config, name) for argument, name in _INHERITED.items()}


def api_format_from(value: str | None) -> str:
    """``"generate"`` or ``"chat_completions"`` from an official spelling (or the environment).

    >>> api_format_from("OpenAI-Chat"), api_format_from("sglang")
    ('chat_completions', 'generate')
    """
    source = "api_format"
    if value is None:
        found = env_value("XORL_INFERENCE_API_FORMAT")
        if found is None:
            return "generate"
        source, value = found
    if not isinstance(value, str):
        raise ConfigurationError(f"api_format must be a string, not {value!r}")
    canonical = API_FORMAT_ALIASES.get(value.strip().lower().replace("-", "_"))
    if canonical is None:
        raise ConfigurationError(
            f"{source}={value!r} is not a request format; use 'generate' (SGLang /generate) or "
            f"'chat_completions' (/v1/chat/completions); aliases: {sorted(API_FORMAT_ALIASES)}"
        )
    return canonical


@dataclass(frozen=True)
class HttpSettings:
    """The resolved connection settings of one SamplingClient."""

    mode: str
    max_connections: int
    max_keepalive_connections: int
    keepalive_expiry: float
    http2: bool

    def transport(self) -> httpx.AsyncBaseTransport:
        """The transport whose pool has these limits (HTTP/1.1 to an ``http://`` server:
        ``xorl_client._http11``; otherwise, or with ``http2``, httpx's own)."""
        if self.http2 and importlib.util.find_spec("h2") is None:
            raise MissingDependencyError("HTTP/2 sampling connections", "http2", "h2")
        limits = httpx.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_keepalive_connections,
            keepalive_expiry=self.keepalive_expiry,
        )

        def httpx_transport() -> httpx.AsyncBaseTransport:
            return lean_transport(httpx.AsyncHTTPTransport(limits=limits, http2=self.http2))

        if self.http2:
            return httpx_transport()
        return LeanHTTPTransport(limits, httpx_transport)


def http_settings_from(
    settings: dict[str, Any],
    *,
    mode: str | None,
    max_connections: int | None,
    max_keepalive_connections: int | None,
    keepalive_expiry: float | None,
    http2: bool | None,
) -> HttpSettings:
    """Resolve the official HTTP knobs and put the pool into ``settings`` (ClientConfig fields).

    ``settings["max_connections"]`` becomes the pool size; ``settings["httpx_transport"]``
    a transport with these limits, unless one was given (a test's ``httpx.MockTransport``):
    then explicit ``http_*`` arguments are refused, since they could not apply.
    """
    chosen_mode = _mode(mode)
    if max_connections is not None and "max_connections" in settings:
        raise ConfigurationError("give http_max_connections or max_connections, not both")
    if max_connections is None and "max_connections" in settings:
        pool = settings["max_connections"]
    else:
        pool = _whole("http_max_connections", max_connections, "XORL_SAMPLING_HTTP_MAX_CONNECTIONS")
    if pool is None:
        pool = ClientConfig.max_connections
    if isinstance(pool, bool) or not isinstance(pool, int) or pool < 1:
        raise ConfigurationError(f"http_max_connections must be an integer >= 1, not {pool!r}")
    keep = _whole(
        "http_max_keepalive_connections",
        max_keepalive_connections,
        "XORL_SAMPLING_HTTP_MAX_KEEPALIVE_CONNECTIONS",
    )
    if chosen_mode == "request":
        if max_keepalive_connections:
            raise ConfigurationError(
                "http_client_mode='request' opens a new connection per request, so "
                f"http_max_keepalive_connections={max_keepalive_connections} cannot apply; "
                "use http_client_mode='pooled'"
            )
        keep = 0
    elif keep is None:
        keep = pool
    if keep < 0:
        raise ConfigurationError(f"http_max_keepalive_connections must be >= 0, not {keep}")
    expiry = _seconds(keepalive_expiry)
    flag = _flag(http2)
    resolved = HttpSettings(chosen_mode, pool, min(keep, pool), expiry, flag)
    settings["max_connections"] = pool
    explicit = any(
        v is not None for v in (mode, max_connections, max_keepalive_connections, keepalive_expiry)
    ) or bool(http2)
    if settings.get("httpx_transport") is None:
        settings["httpx_transport"] = resolved.transport()
    elif explicit:
        raise ConfigurationError(
            "httpx_transport was given, so the http_* connection settings cannot apply; "
            "configure the pool on that transport instead"
        )
    return resolved


def _mode(value: str | None) -> str:
    source = "http_client_mode"
    if value is None:
        found = env_value("XORL_SAMPLING_HTTP_CLIENT_MODE")
        if found is None:
            return "pooled"
        source, value = found
    mode = value.strip().lower() if isinstance(value, str) else value
    if mode not in HTTP_CLIENT_MODES:
        raise ConfigurationError(f"{source}={value!r} must be 'pooled' or 'request'")
    return str(mode)


def _whole(name: str, value: int | None, variable: str) -> int | None:
    if value is None:
        return env_int(variable)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"{name} must be an integer, not {value!r}")
    return value


def _seconds(value: float | None) -> float:
    source = "http_keepalive_expiry"
    raw: Any = value
    if value is None:
        found = env_value("XORL_SAMPLING_HTTP_KEEPALIVE_EXPIRY")
        if found is None:
            return _KEEPALIVE_EXPIRY
        source, raw = found
        try:
            raw = float(raw)
        except ValueError:
            raise ConfigurationError(f"{source}={found[1]!r} is not a number of seconds") from None
    if (
        isinstance(raw, bool)
        or not isinstance(raw, int | float)
        or not math.isfinite(raw)
        or raw < 0
    ):
        raise ConfigurationError(f"{source} must be a number of seconds >= 0, not {raw!r}")
    return float(raw)


def _flag(value: bool | None) -> bool:
    if value is not None:
        if not isinstance(value, bool):
            raise ConfigurationError(f"http2 must be True or False, not {value!r}")
        return value
    found = env_value("XORL_SAMPLING_HTTP2")
    if found is None:
        return False
    name, raw = found
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigurationError(f"{name}={raw!r} must be one of 1/true/yes/on or 0/false/no/off")
