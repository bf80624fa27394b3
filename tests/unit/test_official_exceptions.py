"""The official exception module (its ``tests/test_exceptions.py``): names, tree, constructors.

The official names are this SDK's own classes, so an ``except`` written for either catches what
the SDK raises; these tests also check that the SDK's own construction keeps working.
"""

from __future__ import annotations

import pytest

import xorl_client as xc
from xorl_client import errors
from xorl_client.exceptions import (
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

URL = "http://localhost:6000/api/v1/create_model"


def test_root_is_a_plain_exception() -> None:
    err = XorlClientError("test error")
    assert isinstance(err, Exception) and str(err) == "test error"


def test_api_error_message_and_url() -> None:
    err = APIError("Something went wrong", url=URL)
    assert "Something went wrong" in str(err) and URL in str(err)
    assert (err.message, err.url) == ("Something went wrong", URL)
    assert str(APIError("Something went wrong")) == "Something went wrong"


def test_connection_error_says_what_to_check() -> None:
    text = str(APIConnectionError(URL))
    assert "localhost:6000" in text
    assert "XoRL server is running" in text and "server address is correct" in text
    original = ConnectionRefusedError("Connection refused")
    err = APIConnectionError("http://localhost:6000/api", original)
    assert "ConnectionRefusedError" in str(err) and err.__cause__ is original


def test_timeout_error_is_a_connection_error() -> None:
    err = APITimeoutError("http://localhost:6000/api/v1/forward_backward", 300.0)
    text = str(err)
    assert "timed out" in text and "300" in text and "timeout" in text.lower()
    assert isinstance(err, APIConnectionError) and isinstance(err, APIError)
    assert isinstance(err, TimeoutError)  # the SDK's addition: also the builtin


def test_status_errors_official_constructors() -> None:
    err = APIStatusError("Not found", "http://localhost:6000/api", 404, "response body")
    assert (err.status_code, err.response_body) == (404, "response body")
    assert "Not found" in str(err)
    bad = BadRequestError("http://localhost:6000/api", "Invalid model_id format", '{"detail": 1}')
    assert bad.status_code == 400 and "Invalid model_id format" in str(bad)
    assert bad.response_body == '{"detail": 1}' and bad.detail == "Invalid model_id format"
    auth = AuthenticationError("http://localhost:6000/api")
    assert auth.status_code == 401 and "Authentication failed" in str(auth)
    assert "API key" in str(auth)
    missing = NotFoundError("http://localhost:6000/api/v1/model/abc", "Model not found")
    assert missing.status_code == 404 and "not found" in str(missing).lower()
    for status in (500, 502):
        server = InternalServerError("http://localhost:6000/api", status, "Bad gateway")
        assert server.status_code == status
        assert str(status) in str(server) and "Bad gateway" in str(server)


def test_request_failed_and_retryable() -> None:
    err = RequestFailedError("Request failed: worker died", "req-1", "server")
    assert (err.request_id, err.category) == ("req-1", "server")
    assert "worker died" in str(err) and "req-1" in str(err)
    assert RequestFailedError("x", "req-2").category == "unknown"
    assert issubclass(errors.FutureExpiredError, RetryableException)
    assert str(RetryableException("Promise expired")) == "Promise expired"


def test_tree() -> None:
    everything = [
        APIError("test"),
        APIConnectionError("http://localhost:6000"),
        APITimeoutError("http://localhost:6000", 60.0),
        APIStatusError("test", "http://localhost:6000", 400),
        BadRequestError("http://localhost:6000", "test"),
        AuthenticationError("http://localhost:6000"),
        NotFoundError("http://localhost:6000"),
        InternalServerError("http://localhost:6000", 500),
        RequestFailedError("m", "r"),
        RetryableException("m"),
    ]
    assert all(isinstance(e, XorlClientError) for e in everything)
    status = [e for e in everything if isinstance(e, APIStatusError)]
    assert [type(e) for e in status] == [
        APIStatusError,
        BadRequestError,
        AuthenticationError,
        NotFoundError,
        InternalServerError,
    ]


def test_official_names_are_the_sdks_classes() -> None:
    assert XorlClientError is xc.XorlError
    for name in ("APIConnectionError", "APITimeoutError", "APIStatusError", "BadRequestError"):
        assert getattr(xc.exceptions, name) is getattr(xc, name) is getattr(errors, name)
    assert errors.status_error_class(401) is AuthenticationError
    assert errors.status_error_class(503) is InternalServerError


def test_the_sdks_own_construction_still_works() -> None:
    ours = NotFoundError(
        "load_weights failed: the server answered 404 Not Found to POST http://x/api",
        status_code=404,
        detail="Checkpoint not found",
        method="POST",
        url="http://x/api",
    )
    assert ours.status_code == 404 and ours.detail == "Checkpoint not found"
    assert str(ours).startswith("load_weights failed") and "(url:" not in str(ours)
    dropped = APIConnectionError("forward: lost the connection (ReadError)")
    assert str(dropped) == "forward: lost the connection (ReadError)" and dropped.url is None
    failed = RequestFailedError("409: exists", category="user", request_id="r", operation="save")
    assert (failed.status_code, failed.operation) == (409, "save")


def test_one_except_clause_catches_both_spellings() -> None:
    with pytest.raises(xc.exceptions.NotFoundError):
        raise errors.NotFoundError("x failed", status_code=404)
    with pytest.raises(xc.APIConnectionError):
        raise xc.exceptions.APITimeoutError("http://h:1/api", 5.0)
