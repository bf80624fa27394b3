"""Every failure the SDK lets a user see, under one root: :class:`XorlError`.

The tree::

    XorlError (= XorlClientError)
    ├── NotSentError                outcome NOT_SENT: nothing reached the server's app
    │   ├── ConfigurationError      bad client settings (no base URL, bad timeout, ...)
    │   ├── DataValidationError     a batch or name broke a rule; nothing was sent
    │   ├── MissingDependencyError  an optional extra is not installed
    │   ├── NotSupportedOnXorlError an official/Tinker call the xorl server has no route for
    │   └── ClientForkedError       a TrainingClient used in a forked child process
    ├── SentAndFailedError          outcome FAILED: it reached the server and took no effect
    ├── OutcomeUnknownError         outcome UNKNOWN: it may or may not have taken effect
    │   ├── FutureExpiredError      the future is gone (1 h TTL or the session ended); also a
    │   │                           RetryableException (the official name)
    │   ├── FutureCancelledError    the user cancelled the future
    │   └── StepOutcomeUnknownError nobody could tell whether an optim_step was applied
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
    ├── RetryableException          (official name) parent of FutureExpiredError
    ├── EpochAbortedError           nothing of a gradient epoch counts: replay it
    ├── SessionStateError           the session is not in the state this client built
    └── StepIntegrityError          an optim_step was applied, but not to the epoch called

**Outcomes.** Every error the SDK raises says what became of its request, as the attribute
``outcome`` (an :class:`Outcome`) *and* as a class, so code can branch on either:
``except OutcomeUnknownError`` or ``if err.outcome is Outcome.UNKNOWN``. Classes whose outcome
depends on the case (``APIConnectionError``, ``APITimeoutError``, every ``APIStatusError``,
``EpochAbortedError``, ``SessionStateError``, ``RequestFailedError``) are raised as one of
their outcome variants,
e.g. ``APITimeoutError.Unknown``: a subclass of both ``APITimeoutError`` and
``OutcomeUnknownError`` (see :func:`with_outcome`), so ``except APITimeoutError`` still works.

Messages say what happened and what to do next. No exception ever carries the API key.
The official client's names and constructors work too (:mod:`xorl_client.exceptions`).
"""

from __future__ import annotations

import enum
from typing import Any, Final, TypeVar

from ._install_hint import install_command
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
    "ClientForkedError",
    "ConfigurationError",
    "ConflictError",
    "DataValidationError",
    "EpochAbortedError",
    "FutureCancelledError",
    "FutureExpiredError",
    "InternalServerError",
    "MissingDependencyError",
    "NotFoundError",
    "NotSentError",
    "Outcome",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestFailedError",
    "RetryableException",
    "SentAndFailedError",
    "SessionStateError",
    "StepIntegrityError",
    "StepOutcomeUnknownError",
    "TransportError",
    "UnprocessableEntityError",
    "XorlClientError",
    "XorlError",
    "status_error_class",
    "with_outcome",
]

E = TypeVar("E", bound="XorlError")


class Outcome(enum.Enum):
    """What became of the request an error is about.

    >>> Outcome.UNKNOWN.value
    'unknown'
    """

    #: It never reached the server's app: nothing changed on the server.
    NOT_SENT = "not_sent"
    #: It reached the server and provably took no effect (the server said so).
    FAILED = "failed"
    #: It reached the server, or may have: whether it took effect is not known.
    UNKNOWN = "unknown"
    #: It took effect, but not the way the call promised (see :class:`StepIntegrityError`).
    APPLIED = "applied"


class XorlError(Exception):
    """Root of every exception raised by xorl-client.

    Attributes:
        outcome: what became of the request (:class:`Outcome`); ``None`` only for errors
            not about a request the SDK made.
    """

    outcome: Outcome | None = None


XorlClientError = XorlError
"""The official client's name for the root exception."""


class NotSentError(XorlError):
    """The request never reached the server's app, so the server state is unchanged."""

    outcome = Outcome.NOT_SENT


class SentAndFailedError(XorlError):
    """The request reached the server and took no effect there."""

    outcome = Outcome.FAILED


class OutcomeUnknownError(XorlError):
    """The request reached the server (or may have); whether it took effect is unknown."""

    outcome = Outcome.UNKNOWN


class ConfigurationError(NotSentError, ValueError):
    """The client was configured with values it cannot use."""


class DataValidationError(NotSentError, ValueError):
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
    Raised as ``RequestFailedError.Failed``, or as ``RequestFailedError.Unknown`` when the
    failure is the server's own timeout (``"504: ... timeout after ..."``): the API server
    stopped waiting, but its engine may still run the request.

    Attributes:
        category: the server's classification, ``"user"``, ``"server"`` or ``"unknown"``.
        request_id: the future's id (quote it when asking for help).
        server_message: the server's error text verbatim, e.g.
            ``"409: Checkpoint already exists: xorl://default/weights/ckpt-001. ..."``.
        status_code: the HTTP-like status prefix of ``server_message`` (``409``), if any.
        operation: the SDK operation that failed (``"save_weights"``), if known.
    """

    outcome = Outcome.FAILED

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

    @staticmethod
    def outcome_for(server_message: str) -> Outcome:
        """``UNKNOWN`` for the server's timeouts (the engine may still run it), else ``FAILED``.

        >>> RequestFailedError.outcome_for("504: Forward-backward timeout after 1800.0s").value
        'unknown'
        """
        timed_out = _leading_status(server_message) == 504 or "timeout" in server_message.lower()
        return Outcome.UNKNOWN if timed_out else Outcome.FAILED


def _leading_status(message: str) -> int | None:
    head, sep, _ = message.partition(":")
    if sep and head.isdigit() and len(head) == 3:
        return int(head)
    return None


class RetryableException(XorlError):  # noqa: N818 - the official client's name
    """The official client's name for "the result is gone, run the operation again".

    The SDK raises its subclass :class:`FutureExpiredError`.
    """


class FutureExpiredError(RetryableException, OutcomeUnknownError):
    """The server no longer knows this future.

    Futures live for one hour after they are created and are deleted when their session
    is unloaded, killed or cleaned up after being idle (or lost in a server restart), so
    whether the operation ran is unknown. The TrainingClient settles a lost
    ``forward_backward`` / ``optim_step`` itself (``docs/reliability.md``); re-run other
    operations if their result is still needed.
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


class FutureCancelledError(OutcomeUnknownError):
    """The future was cancelled by the user before it finished (it may have been sent)."""


class MissingDependencyError(NotSentError, ImportError):
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
            f"Install it with: {install_command(extra)}"
        )


# -- calls the xorl server cannot serve --------------------------------------------------------


class NotSupportedOnXorlError(NotSentError, NotImplementedError):
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


class ClientForkedError(NotSentError, RuntimeError):
    """A ``TrainingClient`` was used in a process forked from the one that created it.

    Its call order and gradient epoch belong to the parent; two processes driving one
    session cannot keep every batch counted once. Create a new ``ServiceClient`` (and
    session) in the child instead.
    """


class EpochAbortedError(XorlError):
    """Nothing of this gradient epoch counts: replay its batches, then call ``optim_step``.

    Raised by the calls of an epoch the SDK gave up on (a ``forward_backward`` failed, or
    its outcome could not be repaired in time, or the ``optim_step`` was not applied). The
    SDK has discarded the epoch's gradients on the server with ``abort_gradient_epoch``, or
    does so before it sends anything else; calls made after this error start a fresh epoch.
    Raised as ``EpochAbortedError.NotSent`` (this call was never sent) or
    ``EpochAbortedError.Failed`` (it was sent and its effect was discarded).

    Attributes:
        operation: the call that raised it (``"optim_step"``).
        server_step: the server's optimizer step count reported by the abort, if it ran.
    """

    def __init__(
        self, message: str, *, operation: str | None = None, server_step: int | None = None
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.server_step = server_step


class SessionStateError(XorlError):
    """The server's session is not in the state this client built (it restarted, or
    another client stepped it). Load a checkpoint (``load_state_with_optimizer``) to go on,
    or call ``abort_gradient_epoch()`` to accept the server's state as it is.

    Attributes:
        expected_step: the optimizer step count this client had reached.
        server_step: the step count the server reports (``None``: it could not be asked).
    """

    def __init__(
        self, message: str, *, expected_step: int | None = None, server_step: int | None = None
    ) -> None:
        super().__init__(message)
        self.expected_step = expected_step
        self.server_step = server_step


class StepIntegrityError(XorlError):
    """An ``optim_step`` was applied, but not to the epoch it was called for.

    A ``forward_backward`` of its epoch failed on the server after the step had already
    been queued behind it, so the step used part of the epoch (or the step counter shows a
    step this client did not send). The weights now differ from an exactly-once run; load
    the last checkpoint to undo it.

    Attributes:
        step: the step count the server reported for this ``optim_step``.
        expected_step: the step count it should have reported, if known.
    """

    outcome = Outcome.APPLIED

    def __init__(
        self, message: str, *, step: int | None = None, expected_step: int | None = None
    ) -> None:
        super().__init__(message)
        self.step = step
        self.expected_step = expected_step


class StepOutcomeUnknownError(OutcomeUnknownError):
    """Whether an ``optim_step`` was applied could not be found out.

    Attributes:
        last_known_step: the server's step count before this step, if the client knew it.
        server_step: the step count the server reported afterwards, if it could be asked.
    """

    def __init__(
        self, message: str, *, last_known_step: int | None = None, server_step: int | None = None
    ) -> None:
        super().__init__(message)
        self.last_known_step = last_known_step
        self.server_step = server_step


# -- outcome variants ----------------------------------------------------------------------

_MARKERS: Final[dict[Outcome, type[XorlError]]] = {
    Outcome.NOT_SENT: NotSentError,
    Outcome.FAILED: SentAndFailedError,
    Outcome.UNKNOWN: OutcomeUnknownError,
}
_SUFFIXES: Final[dict[Outcome, str]] = {
    Outcome.NOT_SENT: "NotSent",
    Outcome.FAILED: "Failed",
    Outcome.UNKNOWN: "Unknown",
}
_variants: dict[tuple[type[XorlError], Outcome], type[XorlError]] = {}


def with_outcome(cls: type[E], outcome: Outcome) -> type[E]:
    """The subclass of ``cls`` that also derives from ``outcome``'s class.

    It is reachable as an attribute of ``cls`` (``APITimeoutError.Unknown``), which is also
    its ``__qualname__``, so tracebacks name it and pickle finds it.

    >>> err = with_outcome(APITimeoutError, Outcome.UNKNOWN)("deadline passed mid-submission")
    >>> isinstance(err, APITimeoutError), isinstance(err, OutcomeUnknownError), err.outcome.value
    (True, True, 'unknown')
    >>> type(err).__qualname__
    'APITimeoutError.Unknown'
    """
    marker = _MARKERS[outcome]
    if issubclass(cls, marker):
        return cls
    if issubclass(marker, cls):  # XorlError itself: the marker class is the variant
        return marker  # type: ignore[return-value]
    key = (cls, outcome)
    variant = _variants.get(key)
    if variant is None:
        suffix = _SUFFIXES[outcome]
        variant = type(
            cls.__name__,
            (cls, marker),
            {
                "__module__": cls.__module__,
                "__qualname__": f"{cls.__qualname__}.{suffix}",
                "__doc__": f"{cls.__name__} whose outcome is {outcome.name}.",
                "outcome": outcome,
            },
        )
        _variants[key] = variant
        setattr(cls, suffix, variant)
    return variant  # type: ignore[return-value]


# Created at import so an unpickling process finds them (``APITimeoutError.Unknown``).
_VARIABLE_OUTCOME: tuple[type[XorlError], ...] = (
    TransportError,
    APIConnectionError,
    APITimeoutError,
    *(status_error_class(code) for code in (400, 401, 403, 404, 409, 422, 429, 500, 599)),
    APIStatusError,
    EpochAbortedError,
    SessionStateError,
    RequestFailedError,
)
for _cls in _VARIABLE_OUTCOME:
    for _outcome in _SUFFIXES:
        with_outcome(_cls, _outcome)
