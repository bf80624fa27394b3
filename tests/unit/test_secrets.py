"""The API key never appears in any text, repr, vars() or chained exception (issue defect 7)."""

from __future__ import annotations

import traceback
from typing import Any

import httpx
import orjson
import pytest

import xorl_client as xc
from xorl_client import _runtime
from xorl_client._config import ClientConfig
from xorl_client._transport import Transport

BASE = "http://xorl.test:6000"
KEY = "sk-live-7f3a9c2e5d1b4a8f"


def everything_about(error: BaseException) -> str:
    """The error's text, repr, notes, traceback and every chained exception's."""
    parts = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), *getattr(current, "__notes__", [])]
        parts += traceback.format_exception(current)
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


@pytest.mark.parametrize(
    "key", [f"{KEY}\r\nX-Evil: 1", f"{KEY}\n", f"sk-\u00e9{KEY}", f"{KEY}\x00"]
)
def test_a_key_that_cannot_travel_in_a_header_is_a_configuration_error(key: str) -> None:
    if key == f"{KEY}\n":  # a trailing newline (a key read from a file) is stripped
        assert ClientConfig(base_url=BASE, api_key=key).api_key_value() == KEY
        return
    with pytest.raises(xc.ConfigurationError) as info:
        xc.ServiceClient(base_url=BASE, api_key=key)
    assert KEY not in everything_about(info.value)
    assert "connect" not in str(info.value)  # nothing was sent: not a connection failure


def test_an_unparseable_result_quoting_the_key_is_scrubbed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/retrieve_future"):  # an odd server echoing the header back
            return httpx.Response(200, content=orjson.dumps({"weird": f"Bearer {KEY}"}))
        return httpx.Response(
            200, content=orjson.dumps({"request_id": "future_1", "model_id": "m"})
        )

    with (
        xc.ServiceClient(
            base_url=BASE, api_key=KEY, httpx_transport=httpx.MockTransport(handler)
        ) as service,
        pytest.raises(xc.XorlError) as info,
    ):
        service.create_training_client("m")
    assert "could not parse" in str(info.value)
    assert KEY not in everything_about(info.value)


def test_vars_and_reprs_of_the_transport_and_config_hide_the_key() -> None:
    transport = Transport(ClientConfig(base_url=f"http://user:pw-{KEY}@h.test:1", api_key=KEY))

    async def bind() -> Any:
        return transport.client

    _runtime.run_coroutine(bind()).result(timeout=10)  # the generated client exists now
    for text in (repr(vars(transport)), repr(transport), repr(transport.config)):
        assert KEY not in text
    assert KEY not in transport.scrub(f"Authorization: Bearer {KEY} pw-{KEY}")
    _runtime.run_coroutine(transport.aclose()).result(timeout=10)


def test_a_connection_error_whose_text_holds_the_key_is_not_chained() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError(f"illegal header value b'Bearer {KEY}'", request=request)

    transport = Transport(
        ClientConfig(base_url=BASE, api_key=KEY, httpx_transport=httpx.MockTransport(handler))
    )
    from xorl_openapi.api.system import health

    async def call() -> Any:
        return await transport.call(health, operation="health", idempotent=False, deadline=None)

    with pytest.raises(xc.APIConnectionError) as info:
        _runtime.run_coroutine(call()).result(timeout=10)
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert KEY not in everything_about(info.value)
    _runtime.run_coroutine(transport.aclose()).result(timeout=10)
