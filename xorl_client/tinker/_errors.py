"""Tinker's exception names on xorl: each one *is* the xorl-client class for the same failure.

``TinkerError`` is :class:`~xorl_client.XorlError`, the root of everything the SDK raises, so
``except tinker.TinkerError`` catches every xorl-client error. ``BillingError`` (402) and
``APIResponseValidationError`` have no xorl counterpart: they exist for ``except`` clauses and
are never raised (the xorl server bills nothing; an answer the SDK cannot trust raises
:class:`~xorl_client.XorlError` with the reason).
"""

from __future__ import annotations

from xorl_client.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestFailedError,
    UnprocessableEntityError,
    XorlError,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BillingError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestFailedError",
    "TinkerError",
    "UnprocessableEntityError",
]

TinkerError = XorlError


class BillingError(APIStatusError):
    """402 in Tinker; never raised on xorl (the server bills nothing)."""


class APIResponseValidationError(APIError):
    """Tinker's "the answer did not parse"; never raised on xorl (see the module docstring)."""
