"""The official client's exception constructors, as mixins of the SDK's own exception classes.

The official client builds its errors from a URL (``NotFoundError(url, detail)``,
``APIConnectionError(url, original_error)``, ``InternalServerError(url, status_code,
detail)``, ...) and writes the message itself; the SDK builds the same classes from a finished
message (``NotFoundError(message, status_code=404, detail=..., url=...)``). Each mixin here
accepts both, told apart by one rule: **the official form's first argument is a bare URL**
(``http://...`` or ``https://...`` without spaces), which no SDK message ever is. Either way
the instance has the same attributes (``message``, ``url``, ``status_code``, ``detail``,
``response_body``).

This module imports nothing from the SDK, so ``xorl_client.errors`` can use the mixins as
bases (``class NotFoundError(NotFoundForm, APIStatusError)``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "AuthenticationForm",
    "BadRequestForm",
    "ConnectionForm",
    "InternalServerForm",
    "NotFoundForm",
    "TimeoutForm",
    "is_bare_url",
]


def is_bare_url(value: object) -> bool:
    """True for ``http(s)://...`` text without whitespace (the official constructors' first argument).

    >>> is_bare_url("http://localhost:6000/api"), is_bare_url("forward failed: http://x")
    (True, False)
    """
    return (
        isinstance(value, str)
        and value.startswith(("http://", "https://"))
        and not any(ch.isspace() for ch in value)
    )


def _server_address(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def _official(args: tuple[Any, ...], kwargs: dict[str, Any], names: tuple[str, ...]) -> bool:
    """Whether a call is the official form: a bare URL first and only official parameter names."""
    first = args[0] if args else kwargs.get("url")
    return is_bare_url(first) and set(kwargs) <= set(names)


def _bind(args: tuple[Any, ...], kwargs: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    values = dict(zip(names, args, strict=False))
    values.update(kwargs)
    return values


_CONNECTION_NAMES = ("url", "original_error")
_TIMEOUT_NAMES = ("url", "timeout", "original_error")


class ConnectionForm:
    """``APIConnectionError(url, original_error=None)``: a message saying what to check."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not _official(args, kwargs, _CONNECTION_NAMES):
            super().__init__(*args, **kwargs)
            return
        v = _bind(args, kwargs, _CONNECTION_NAMES)
        url, original = v["url"], v.get("original_error")
        message = (
            f"Failed to connect to XoRL server at {_server_address(url)}.\n"
            "Please check that:\n"
            "  1. the XoRL server is running\n"
            "  2. the server address is correct (ServiceClient(base_url=...) or XORL_BASE_URL)\n"
            "  3. no firewall or proxy blocks the connection"
        )
        if original is not None:
            message += f"\nOriginal error: {type(original).__name__}"
        super().__init__(message, url)  # type: ignore[call-arg]
        if original is not None:
            self.__cause__ = original


class TimeoutForm:
    """``APITimeoutError(url, timeout, original_error=None)``: how long it waited, what to raise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not _official(args, kwargs, _TIMEOUT_NAMES):
            super().__init__(*args, **kwargs)
            return
        v = _bind(args, kwargs, _TIMEOUT_NAMES)
        url, timeout, original = v["url"], v.get("timeout"), v.get("original_error")
        message = (
            f"Request to XoRL server at {_server_address(url)} timed out after {timeout} "
            "seconds.\nThe server may be busy with a long operation; raise the timeout with "
            "ServiceClient(timeout=...) (per HTTP request) or operation_timeout=... (whole "
            "operation)."
        )
        super().__init__(message, url)  # type: ignore[call-arg]
        self.timeout = timeout
        if original is not None:
            self.__cause__ = original


class _StatusForm:
    """Shared part of the status-error forms: build the message, then the SDK's own init."""

    _NAMES: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not _official(args, kwargs, self._NAMES):
            super().__init__(*args, **kwargs)
            return
        v = _bind(args, kwargs, self._NAMES)
        message, status = self._official_message(v)
        super().__init__(  # type: ignore[call-arg]
            message,
            v["url"],
            status,
            v.get("response_body"),
            detail=v.get("detail"),
        )

    def _official_message(self, v: dict[str, Any]) -> tuple[str, int]:
        raise NotImplementedError


class BadRequestForm(_StatusForm):
    """``BadRequestError(url, detail, response_body=None)``: status 400."""

    _NAMES = ("url", "detail", "response_body")

    def _official_message(self, v: dict[str, Any]) -> tuple[str, int]:
        return f"Bad request: {v.get('detail')}", 400


class AuthenticationForm(_StatusForm):
    """``AuthenticationError(url, detail=None)``: status 401."""

    _NAMES = ("url", "detail")

    def _official_message(self, v: dict[str, Any]) -> tuple[str, int]:
        detail = v.get("detail")
        extra = f" Detail: {detail}" if detail else ""
        return f"Authentication failed. Please check your API key.{extra}", 401


class NotFoundForm(_StatusForm):
    """``NotFoundError(url, detail=None)``: status 404."""

    _NAMES = ("url", "detail")

    def _official_message(self, v: dict[str, Any]) -> tuple[str, int]:
        detail = v.get("detail")
        extra = f" - {detail}" if detail else ""
        return f"Resource not found: {v['url']}{extra}", 404


class InternalServerForm(_StatusForm):
    """``InternalServerError(url, status_code, detail=None)``: any 5xx status."""

    _NAMES = ("url", "status_code", "detail")

    def _official_message(self, v: dict[str, Any]) -> tuple[str, int]:
        status = int(v.get("status_code") or 500)
        detail = v.get("detail")
        extra = f": {detail}" if detail else ""
        return f"Server error (HTTP {status}){extra}", status
