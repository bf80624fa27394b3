"""Client settings, resolved once from arguments and environment variables.

Every knob the SDK has lives in :class:`ClientConfig` so a user can see (``repr``) and
change them in one place. Arguments win over environment variables, which win over
defaults. The API key is kept in a :class:`Secret` so it never shows up in a ``repr``,
a log line or an exception message.

Environment variables:

``XORL_BASE_URL``
    The training server, e.g. ``http://127.0.0.1:6000``. Required unless passed. Tinker's
    ``TINKER_BASE_URL`` is read when it is unset.
``XORL_API_KEY``
    Optional; sent as ``Authorization: Bearer <key>`` (the open-source server ignores it,
    a gateway in front of it may not). Tinker's ``TINKER_API_KEY`` is read when it is unset
    and the URL came from ``TINKER_BASE_URL`` (never for another server).
``XORL_CLIENT_MAX_CHUNK_ITEMS`` / ``XORL_CLIENT_MAX_CHUNK_BYTES``
    Split ``forward``/``forward_backward`` batches above this many datums / estimated bytes.
    The official client's names ``XORL_CLIENT_MAX_CHUNK_LEN`` / ``XORL_CLIENT_MAX_CHUNK_BYTES_COUNT``
    work too (:data:`xorl_client.compat.official.ENV_ALIASES`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

import httpx

from .chunking import DEFAULT_MAX_CHUNK_BYTES, DEFAULT_MAX_CHUNK_ITEMS
from .compat.official import ENV_FALLBACKS
from .compat.official import env_int as _env_int  # the official variable names are aliases
from .compat.official import env_setting as _env_setting
from .errors import ConfigurationError

__all__ = [
    "DEFAULT_CHUNK_MAX_BYTES",
    "DEFAULT_CHUNK_MAX_ITEMS",
    "DEFAULT_OPERATION_TIMEOUT",
    "DEFAULT_SETTLE_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_MAX_CHUNK_BYTES",
    "ENV_MAX_CHUNK_ITEMS",
    "MAX_API_KEY_LENGTH",
    "SERVER_LONG_POLL_SECONDS",
    "ClientConfig",
    "Secret",
]

logger = logging.getLogger("xorl_client")

ENV_BASE_URL: Final = "XORL_BASE_URL"
ENV_API_KEY: Final = "XORL_API_KEY"
ENV_MAX_CHUNK_ITEMS: Final = "XORL_CLIENT_MAX_CHUNK_ITEMS"
ENV_MAX_CHUNK_BYTES: Final = "XORL_CLIENT_MAX_CHUNK_BYTES"

#: How long the server holds a ``retrieve_future`` request before answering ``try_again``.
SERVER_LONG_POLL_SECONDS: Final = 45.0

#: Per-HTTP-request limits. ``read`` must exceed the server's 45 s long-poll, otherwise every
#: poll of a slow operation would be cut off client-side and re-sent. ``write`` is generous
#: because a large ``forward_backward`` body can be tens of MB. ``pool`` bounds the wait for a
#: free connection when many long-polls are in flight (a pool timeout is always safe to retry).
DEFAULT_TIMEOUT: Final = httpx.Timeout(connect=10.0, read=75.0, write=120.0, pool=120.0)

#: Overall deadline of one operation (submit + every poll + every retry). The real server
#: gives up on an engine operation after its ``operation_timeout`` (1800 s by default) and
#: reports that as a failed future; the client waits a minute longer so that the server's
#: explicit failure, which says what timed out, normally arrives before the client's own.
DEFAULT_OPERATION_TIMEOUT: Final = 1860.0

#: Chunking limits (the same defaults as Tinker's SDK).
DEFAULT_CHUNK_MAX_ITEMS: Final = DEFAULT_MAX_CHUNK_ITEMS  # defined once, in chunking.py
DEFAULT_CHUNK_MAX_BYTES: Final = DEFAULT_MAX_CHUNK_BYTES

#: How long the SDK keeps asking the server whether an operation whose own deadline passed
#: took effect (``abort_gradient_epoch``'s step counter), before it reports it as unknown.
DEFAULT_SETTLE_TIMEOUT: Final = 120.0

#: Longest API key accepted. Servers and gateways refuse request headers beyond ~8 KB (often
#: with a bare connection reset, which would look like a network failure).
MAX_API_KEY_LENGTH: Final = 4096

_SENSITIVE_HEADER_WORDS = ("authorization", "key", "token", "secret", "cookie", "password")


class Secret:
    """A string that refuses to be printed.

    ``str()``, ``repr()`` and f-strings all give ``***``; the value is only reachable through
    :meth:`get_secret_value`, which makes every place that uses the real key easy to find.

    >>> s = Secret("sk-123")
    >>> s, str(s), f"{s}"
    (***, '***', '***')
    >>> s.get_secret_value()
    'sk-123'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The real value. Never log or format it."""
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickling (e.g. to a worker process) keeps the value but not through __dict__ dumps.
        return (Secret, (self._value,))


def _default_user_agent() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        try:
            sdk = version("xorl-client")
        except PackageNotFoundError:
            sdk = "0+unknown"
    except ImportError:  # pragma: no cover - importlib.metadata is stdlib since 3.8
        sdk = "0+unknown"
    return f"xorl-client/{sdk} python/{platform.python_version()} httpx/{httpx.__version__}"


def _check_positive(name: str, value: float | None, *, allow_none: bool) -> None:
    if value is None:
        if not allow_none:
            raise ConfigurationError(f"{name} must be a number, not None")
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not value > 0
    ):
        none = " (None means no limit)" if allow_none else ""
        raise ConfigurationError(f"{name} must be a positive, finite number{none}, got {value!r}")


def _check_int(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ConfigurationError(f"{name} must be >= {minimum}, got {value}")
    return value


def _header_problem(text: str) -> str | None:
    """Why ``text`` cannot be an HTTP header value (without quoting it), or ``None``."""
    for position, char in enumerate(text):
        if ord(char) > 0x7E:
            return f"a non-ASCII character at position {position}"
        if ord(char) < 0x20:
            return f"a control character (such as CR or LF) at position {position}"
    return None


def _check_api_key(key: str) -> None:
    """Refuse a key that cannot travel in a header, naming the problem but never the key."""
    if len(key) > MAX_API_KEY_LENGTH:
        raise ConfigurationError(
            f"api_key is {len(key)} characters long; servers refuse headers beyond a few KB "
            f"(limit {MAX_API_KEY_LENGTH}). Check that XORL_API_KEY holds the key, not a file."
        )
    problem = _header_problem(key)
    if problem is not None:
        raise ConfigurationError(
            f"api_key has {problem}, which cannot be sent in an HTTP header; check how the "
            "key was copied (a trailing newline from a file is stripped, inner ones are not)"
        )


@dataclass(frozen=True, repr=False)
class ClientConfig:
    """Everything the SDK needs to talk to one xorl server.

    Fields left as ``None`` are filled from the environment (``XORL_BASE_URL``,
    ``XORL_API_KEY``, ``XORL_CLIENT_MAX_CHUNK_ITEMS``, ``XORL_CLIENT_MAX_CHUNK_BYTES``) and
    then from the defaults. The instance is immutable; use :meth:`replace` to derive one.

    Attributes:
        base_url: server root, e.g. ``http://127.0.0.1:6000`` (no trailing slash kept).
        api_key: optional bearer token, stored as a :class:`Secret` (pass a plain ``str``).
        timeout: per-HTTP-request ``httpx.Timeout`` (a number sets every phase).
        operation_timeout: seconds one whole operation may take, submit and polls and
            retries included; ``None`` waits forever (not recommended: a lost operation then
            hangs the caller).
        max_retries: resends after the first attempt (only when resending is safe, see
            ``_retry.py``).
        retry_backoff_base / retry_backoff_max: exponential backoff between resends.
        chunk_max_items / chunk_max_bytes: batch splitting limits for training calls.
        user_agent: the ``User-Agent`` header.
        extra_headers: sent with every request (values of credential-like headers are
            redacted in ``repr``).
        httpx_transport: an ``httpx.AsyncBaseTransport`` to use instead of the network
            (``httpx.MockTransport`` in tests).
        max_connections: connection pool size; each in-flight operation holds one
            connection while it long-polls, so this bounds useful pipelining.
        exactly_once: keep every ``forward_backward`` counted once through faults
            (``docs/reliability.md``): each epoch's payloads are held until its
            ``optim_step`` is settled, and ambiguous failures are repaired with
            ``abort_gradient_epoch`` and a replay. ``False`` reports them instead.
        settle_timeout: seconds the SDK may keep asking the server whether an operation
            whose deadline passed took effect, before reporting it as unknown.

    The instance pickles (the key included, as it is meant to reach worker processes),
    unless ``httpx_transport`` is set.
    """

    base_url: str | None = None
    api_key: Secret | str | None = None
    timeout: httpx.Timeout | float = field(default_factory=lambda: DEFAULT_TIMEOUT, hash=False)
    operation_timeout: float | None = DEFAULT_OPERATION_TIMEOUT
    max_retries: int = 5
    retry_backoff_base: float = 0.25
    retry_backoff_max: float = 8.0
    chunk_max_items: int | None = None
    chunk_max_bytes: int | None = None
    user_agent: str | None = None
    extra_headers: Mapping[str, str] = field(default_factory=dict, hash=False)
    httpx_transport: httpx.AsyncBaseTransport | None = field(
        default=None, hash=False, compare=False
    )
    max_connections: int = 64
    exactly_once: bool = True
    settle_timeout: float = DEFAULT_SETTLE_TIMEOUT

    def __post_init__(self) -> None:
        set_ = object.__setattr__

        base_url = self.base_url
        url_variable = None
        if base_url is None and (found := _env_setting(ENV_BASE_URL)) is not None:
            url_variable, base_url = found
        if base_url is not None and not isinstance(base_url, str):
            raise ConfigurationError(
                f"base_url must be a string such as 'http://127.0.0.1:6000', got "
                f"{type(base_url).__name__}"
            )
        if base_url is None or not base_url.strip():
            raise ConfigurationError(
                "no server URL configured: pass base_url='http://HOST:PORT' (e.g. "
                "ServiceClient(base_url='http://127.0.0.1:6000')) or set the environment "
                f"variable {ENV_BASE_URL}=http://HOST:PORT"
            )
        base_url = base_url.strip().rstrip("/")
        try:
            url = httpx.URL(base_url)
        except Exception as exc:
            raise ConfigurationError(f"base_url {base_url!r} is not a valid URL: {exc}") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise ConfigurationError(
                f"base_url must look like http://HOST:PORT or https://HOST, got {_strip_userinfo(url)!r}"
            )
        if url.port is not None and not 1 <= url.port <= 65535:
            raise ConfigurationError(
                f"base_url port must be in 1..65535, got {url.port} (in {_strip_userinfo(url)!r})"
            )
        set_(self, "base_url", base_url)

        key = self.api_key
        if key is None:
            # Tinker's key goes only to the server Tinker's URL variable named.
            tinker_url = url_variable == ENV_FALLBACKS[ENV_BASE_URL]
            found_key = _env_setting(ENV_API_KEY, fallback=tinker_url)
            key = found_key[1] if found_key is not None else None
        if isinstance(key, str):
            key = Secret(key.strip())
        if key is not None and not isinstance(key, Secret):
            raise ConfigurationError(f"api_key must be a string, got {type(key).__name__}")
        if key:
            _check_api_key(key.get_secret_value())
        set_(self, "api_key", key if key else None)

        timeout = self.timeout
        if isinstance(timeout, int | float) and not isinstance(timeout, bool):
            _check_positive("timeout", timeout, allow_none=False)
            timeout = httpx.Timeout(float(timeout))
        if not isinstance(timeout, httpx.Timeout):
            raise ConfigurationError(
                f"timeout must be an httpx.Timeout or a number of seconds, got {timeout!r}"
            )
        for phase in ("connect", "read", "write", "pool"):
            _check_positive(f"timeout.{phase}", getattr(timeout, phase), allow_none=True)
        if timeout.read is not None and timeout.read <= SERVER_LONG_POLL_SECONDS:
            logger.warning(
                "timeout.read=%.1fs is not longer than the server's %.0fs long-poll: polls for "
                "slow operations will be cut off and re-sent; use at least %.0fs",
                timeout.read,
                SERVER_LONG_POLL_SECONDS,
                SERVER_LONG_POLL_SECONDS + 15,
            )
        set_(self, "timeout", timeout)

        _check_positive("operation_timeout", self.operation_timeout, allow_none=True)
        _check_int("max_retries", self.max_retries, minimum=0)
        _check_positive("retry_backoff_base", self.retry_backoff_base, allow_none=False)
        _check_positive("retry_backoff_max", self.retry_backoff_max, allow_none=False)
        _check_int("max_connections", self.max_connections, minimum=1)
        _check_positive("settle_timeout", self.settle_timeout, allow_none=False)
        if not isinstance(self.exactly_once, bool):
            raise ConfigurationError(
                f"exactly_once must be True or False, got {self.exactly_once!r}"
            )

        items = self.chunk_max_items
        if items is None:
            items = _env_int(ENV_MAX_CHUNK_ITEMS) or DEFAULT_CHUNK_MAX_ITEMS
        nbytes = self.chunk_max_bytes
        if nbytes is None:
            nbytes = _env_int(ENV_MAX_CHUNK_BYTES) or DEFAULT_CHUNK_MAX_BYTES
        set_(self, "chunk_max_items", _check_int("chunk_max_items", items, minimum=1))
        set_(self, "chunk_max_bytes", _check_int("chunk_max_bytes", nbytes, minimum=1))

        agent = self.user_agent or _default_user_agent()
        if not isinstance(agent, str) or _header_problem(agent):
            raise ConfigurationError(f"user_agent must be a printable ASCII string, got {agent!r}")
        set_(self, "user_agent", agent)
        if not isinstance(self.extra_headers, Mapping):
            raise ConfigurationError(
                f"extra_headers must be a mapping of header names to values, got "
                f"{type(self.extra_headers).__name__}"
            )
        headers = dict(self.extra_headers)
        for name, value in headers.items():
            if not isinstance(name, str) or not isinstance(value, str) or _header_problem(name):
                raise ConfigurationError(
                    f"extra_headers must map strings to strings; {name!r} does not"
                )
            problem = _header_problem(value)
            if problem is not None:  # the value may be a credential: never quote it
                raise ConfigurationError(f"extra_headers[{name!r}] has {problem}")
        set_(self, "extra_headers", MappingProxyType(headers))

    # -- pickling (worker processes get the same settings, key included) -------------------

    def __getstate__(self) -> dict[str, Any]:
        if self.httpx_transport is not None:
            raise TypeError(
                "a ClientConfig with an httpx_transport cannot be pickled; replace(httpx_transport"
                "=None) first and give the worker its own transport"
            )
        state = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        state["extra_headers"] = dict(self.extra_headers)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "extra_headers", MappingProxyType(dict(self.extra_headers)))

    # -- constructors -------------------------------------------------------------------

    @classmethod
    def from_env(cls, **overrides: Any) -> ClientConfig:
        """Build a config from the environment; keyword arguments override it.

        ``ClientConfig(...)`` already falls back to the environment for fields left as
        ``None``; this spelling just makes that explicit at the call site.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise ConfigurationError(
                f"unknown ClientConfig option(s): {', '.join(unknown)}; "
                f"valid options: {', '.join(sorted(names))}"
            )
        return cls(**overrides)

    def replace(self, **changes: Any) -> ClientConfig:
        """A copy with some fields changed (the API key stays redacted)."""
        return dataclasses.replace(self, **changes)

    # -- derived values -----------------------------------------------------------------

    @property
    def url(self) -> str:
        """``base_url`` as a string (always set after construction)."""
        assert self.base_url is not None
        return self.base_url

    @property
    def display_url(self) -> str:
        """``base_url`` without any ``user:password@`` part, safe for messages and logs."""
        return _strip_userinfo(httpx.URL(self.url))

    @property
    def http_timeout(self) -> httpx.Timeout:
        """``timeout`` with its type narrowed (always an ``httpx.Timeout`` after construction)."""
        assert isinstance(self.timeout, httpx.Timeout)
        return self.timeout

    def api_key_value(self) -> str | None:
        """The real API key, or ``None``. Only the transport should call this."""
        key = self.api_key
        return key.get_secret_value() if isinstance(key, Secret) else None

    @property
    def max_chunk_items(self) -> int:
        """``chunk_max_items`` with its type narrowed."""
        assert self.chunk_max_items is not None
        return self.chunk_max_items

    @property
    def max_chunk_bytes(self) -> int:
        """``chunk_max_bytes`` with its type narrowed."""
        assert self.chunk_max_bytes is not None
        return self.chunk_max_bytes

    def headers(self) -> dict[str, str]:
        """Headers sent with every request, without the ``Authorization`` header."""
        out = {"User-Agent": self.user_agent or _default_user_agent()}
        out.update(self.extra_headers)
        return out

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "extra_headers":
                value = {
                    k: ("***" if any(w in k.lower() for w in _SENSITIVE_HEADER_WORDS) else v)
                    for k, v in value.items()
                }
            elif f.name == "base_url":
                value = self.display_url
            elif f.name == "api_key":
                value = None if value is None else Secret("")  # repr is ***
            parts.append(f"{f.name}={value!r}")
        return f"ClientConfig({', '.join(parts)})"


def _strip_userinfo(url: httpx.URL) -> str:
    if not url.userinfo:
        return str(url)
    return str(url.copy_with(username=None, password=None))
