"""Every failure the SDK lets a user see, under one root: :class:`XorlError`.

The tree::

    XorlError (= XorlClientError)
    ├── ConfigurationError          bad client settings (no base URL, bad timeout, ...)
    ├── DataValidationError         a batch or name broke a rule; nothing was sent
    ├── APIError                    talking to the server failed (``.message``, ``.url``)
    │   ├── TransportError          the request did not complete at the HTTP level
    │   │   └── APIConnectionError  could not connect / connection dropped
    │   │       └── APITimeoutError the operation's deadline passed
    │   └── APIStatusError          the server answered with a non-2xx status
    │       ├── BadRequestError         400
    │       ├── AuthenticationError     401
    │       ├── PermissionDeniedError   403
    │       ├── NotFoundError           404
    │       ├── ConflictError           409
    │       ├── UnprocessableEntityError 422 (the server's validation list is in ``.detail``)
    │       ├── RateLimitError          429
    │       └── InternalServerError     5xx
    ├── RequestFailedError          an accepted operation failed inside its future
    ├── RetryableException          (official name) parent of:
    │   └── FutureExpiredError      the future is gone (1 h TTL or the session ended)
    ├── FutureCancelledError        the user cancelled the future
    └── MissingDependencyError      an optional extra is not installed

Messages say what happened and what to do next. No exception ever carries the API key.
The official client's names and constructors work too (:mod:`xorl_client.exceptions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .compat.error_forms import (
    AuthenticationForm,
    BadRequestForm,
    ConnectionForm,
    InternalServerForm,
    NotFoundForm,
    TimeoutForm,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "DataValidationError",
    "FutureCancelledError",
    "FutureExpiredError",
    "InternalServerError",
    "MissingDependencyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestFailedError",
    "RetryableException",
    "TransportError",
    "UnprocessableEntityError",
    "XorlClientError",
    "XorlError",
    "status_error_class",
]


class XorlError(Exception):
    """Root of every exception raised by xorl-client."""


XorlClientError = XorlError
"""The official client's name for the root exception."""


class ConfigurationError(XorlError, ValueError):
    """The client was configured with values it cannot use."""


class DataValidationError(XorlError, ValueError):
    """Input broke a rule; raised before any byte was sent.

    Attributes:
        field: the offending field (e.g. ``"loss_fn_inputs.logprobs"``), if any.
        datum_index: index of the offending datum in the batch, if any.
        rule: short statement of the rule that was broken.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        datum_index: int | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.datum_index = datum_index
        self.rule = rule


class APIError(XorlError):
    """Talking to the server failed. ``message`` is the text, ``url`` the request's (if known)."""

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url

    def __str__(self) -> str:
        text = super().__str__()
        if self.url and self.url not in text:
            return f"{text} (url: {self.url})"
        return text


class TransportError(APIError):
    """The HTTP exchange itself did not complete."""


class APIConnectionError(ConnectionForm, TransportError):
    """Could not reach the server, or the connection dropped mid-request.

    Also ``APIConnectionError(url, original_error=None)`` (the official form).
    """


class APITimeoutError(TimeoutForm, APIConnectionError, TimeoutError):
    """An operation's deadline passed before it finished.

    Also ``APITimeoutError(url, timeout, original_error=None)`` (the official form).
    """


class APIStatusError(APIError):
    """The server answered with an error status.

    Attributes:
        status_code: the HTTP status.
        detail: the server's ``detail`` (a string, or the 422 validation list).
        method, url: the request that failed (the URL never contains credentials).
        response_body: the raw body, when known.
    """

    def __init__(
        self,
        message: str,
        url: str | None = None,
        status_code: int | None = None,
        response_body: str | None = None,
        *,
        detail: Any = None,
        method: str | None = None,
    ) -> None:
        super().__init__(message, url)
        self.status_code: int = status_code if status_code is not None else 0
        self.detail = detail
        self.method = method
        self.response_body = response_body


class BadRequestError(BadRequestForm, APIStatusError):
    """400: the server refused the request (bad id, unregistered model, bad path, ...).

    Also ``BadRequestError(url, detail, response_body=None)`` (the official form).
    """


class AuthenticationError(AuthenticationForm, APIStatusError):
    """401: the API key is missing or wrong. Also ``AuthenticationError(url, detail=None)``."""


class PermissionDeniedError(APIStatusError):
    """403: the operation is not allowed (e.g. deleting the reserved checkpoint 000000)."""


class NotFoundError(NotFoundForm, APIStatusError):
    """404: the session, checkpoint or route does not exist. Also ``NotFoundError(url, detail=None)``."""


class ConflictError(APIStatusError):
    """409: the resource already exists."""


class UnprocessableEntityError(APIStatusError):
    """422: the request body did not match the server's schema."""


class RateLimitError(APIStatusError):
    """429: the server asked the client to slow down."""


class InternalServerError(InternalServerForm, APIStatusError):
    """5xx: the server failed; the detail says why when the server said.

    Also ``InternalServerError(url, status_code, detail=None)`` (the official form).
    """


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)


class RequestFailedError(XorlError):
    """An operation the server accepted failed while it ran.

    Also ``RequestFailedError(message, request_id, category=None)`` (the official form).

    Attributes:
        category: the server's classification, ``"user"``, ``"server"`` or ``"unknown"``.
        request_id: the future's id (quote it when asking for help).
        server_message: the server's error text verbatim, e.g.
            ``"409: Checkpoint already exists: xorl://default/weights/ckpt-001. ..."``.
        status_code: the HTTP-like status prefix of ``server_message`` (``409``), if any.
        operation: the SDK operation that failed (``"save_weights"``), if known.
    """

    def __init__(
        self,
        server_message: str,
        request_id: str | None = None,
        category: str | None = None,
        *,
        operation: str | None = None,
    ) -> None:
        self.server_message = server_message
        self.category = category or "unknown"
        self.request_id = request_id
        self.operation = operation
        self.status_code = _leading_status(server_message)
        where = f"{operation} " if operation else ""
        rid = f" (request {request_id})" if request_id else ""
        super().__init__(f"{where}failed on the server [{self.category}]{rid}: {server_message}")


def _leading_status(message: str) -> int | None:
    head, sep, _ = message.partition(":")
    if sep and head.isdigit() and len(head) == 3:
        return int(head)
    return None


class RetryableException(XorlError):  # noqa: N818 - the official client's name
    """The official client's name for "the result is gone, run the operation again".

    The SDK raises its subclass :class:`FutureExpiredError`.
    """


class FutureExpiredError(RetryableException):
    """The server no longer knows this future.

    Futures live for one hour after they are created and are deleted when their session
    is unloaded, killed or cleaned up after being idle. Re-run the operation if its
    result is still needed; for ``forward_backward`` call ``abort_gradient_epoch()`` first
    so no gradient is accumulated twice.
    """

    def __init__(self, request_id: str, *, operation: str | None = None, detail: str | None = None):
        self.request_id = request_id
        self.operation = operation
        what = f"the result of {operation} " if operation else "the result "
        extra = f" Server said: {detail}." if detail else ""
        super().__init__(
            f"{what}(future {request_id}) is no longer available: futures expire one hour after "
            "they are created and are deleted when their session is unloaded, killed or cleaned "
            f"up for being idle. Re-run the operation if you still need its result.{extra}"
        )


class FutureCancelledError(XorlError):
    """The future was cancelled by the user before it finished."""


class MissingDependencyError(XorlError, ImportError):
    """An optional extra is needed for this feature.

    The message names the extra and the pip command that adds it to *this* installation: from a
    checkout ``pip install -e "/path/to/xorl-client[tokenizer]"``, from a wheel ``pip install
    "/path/to/xorl_client-<version>-py3-none-any.whl[tokenizer]"``, from git or an index
    ``pip install "xorl-client[tokenizer] @ git+..."`` / ``pip install "xorl-client[tokenizer]"``.
    """

    def __init__(self, feature: str, extra: str, package: str) -> None:
        self.extra = extra
        self.package = package
        super().__init__(
            f"{feature} needs the optional package {package!r}, which is not installed. "
            f"Install it with: {_install_command(extra)}"
        )


def _install_command(extra: str, direct_url: Mapping[str, Any] | None = None) -> str:
    """The pip command that adds ``extra`` to this installation of xorl-client.

    ``direct_url`` is pip's record of where the package came from (PEP 610, read from the
    installed metadata when not given); without one it came from an index.

    >>> _install_command("local", {"url": "file:///src/xorl-client", "dir_info": {"editable": True}})
    'pip install -e "/src/xorl-client[local]"'
    >>> _install_command("local", {"url": "file:///dist/xorl_client-1.0-py3-none-any.whl"})
    'pip install "/dist/xorl_client-1.0-py3-none-any.whl[local]"'
    """
    source = _direct_url() if direct_url is None else direct_url
    url = str(source.get("url", "")) if source else ""
    if url.startswith("file://"):
        from urllib.parse import urlsplit
        from urllib.request import url2pathname

        path = url2pathname(urlsplit(url).path)
        editable = bool(source.get("dir_info", {}).get("editable")) if source else False
        return f'pip install {"-e " if editable else ""}"{path}[{extra}]"'
    if url:
        vcs = source.get("vcs_info", {}).get("vcs") if source else None
        return f'pip install "xorl-client[{extra}] @ {vcs + "+" if vcs else ""}{url}"'
    return f'pip install "xorl-client[{extra}]"'


def _direct_url() -> Mapping[str, Any] | None:
    # Only read when an extra is missing: importlib.metadata costs import time nobody else pays.
    import json
    from importlib import metadata

    try:
        text = metadata.distribution("xorl-client").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        loaded = json.loads(text) if text else None
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


# -- calls the xorl server cannot serve --------------------------------------------------------


class NotSupportedOnXorlError(XorlError, NotImplementedError):
    """An official client call (or option) the xorl server has no route or feature for.

    Raised before anything is sent; never replaced by a different operation. Which calls, why,
    and what to use instead: :data:`xorl_client.compat.not_on_xorl.NOT_ON_XORL`.

    Attributes:
        feature: the call or option, e.g. ``"save_full_weights_safetensors"``.
        use_instead: what does the job on xorl (``None`` when nothing does).
    """

    def __init__(self, message: str, *, feature: str, use_instead: str | None = None) -> None:
        super().__init__(message)
        self.feature = feature
        self.use_instead = use_instead
