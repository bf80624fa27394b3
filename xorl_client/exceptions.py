"""The official client's exception module: the same names, the same tree, one set of classes.

Every name here *is* the SDK's own class (from :mod:`xorl_client.errors`), not a copy, so one
``except`` clause catches an error whichever module the name came from::

    from xorl_client.exceptions import APIConnectionError, NotFoundError

    try:
        rest.get_weights_info("xorl://default/weights/missing").result()
    except NotFoundError as exc:          # == xorl_client.NotFoundError
        print(exc.status_code, exc.url)

The official constructors work as well (``NotFoundError(url, detail)``,
``APIConnectionError(url, original_error)``, ``APITimeoutError(url, timeout)``,
``InternalServerError(url, status_code, detail)``, ``RequestFailedError(message, request_id,
category)``, ...). The tree::

    XorlClientError
    ├── APIError(message, url=None)                   .message, .url
    │   ├── APIConnectionError                        (via TransportError)
    │   │   └── APITimeoutError
    │   └── APIStatusError(message, url, status_code, response_body=None)
    │       ├── BadRequestError        400
    │       ├── AuthenticationError    401
    │       ├── NotFoundError          404
    │       └── InternalServerError    5xx
    ├── RequestFailedError(message, request_id, category=None)
    └── RetryableException(message)                   (the SDK raises FutureExpiredError)

The SDK adds more classes (``PermissionDeniedError``, ``ConflictError``, ``RateLimitError``,
``DataValidationError``, ...; see :mod:`xorl_client.errors`), all under the same root.

>>> import xorl_client
>>> XorlClientError is xorl_client.XorlError, NotFoundError is xorl_client.NotFoundError
(True, True)
>>> issubclass(APITimeoutError, APIConnectionError)
True
"""

from xorl_client.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    RequestFailedError,
    RetryableException,
    XorlClientError,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "InternalServerError",
    "NotFoundError",
    "RequestFailedError",
    "RetryableException",
    "XorlClientError",
]
