"""ServiceClient lifecycle: what it opens, it closes."""

from __future__ import annotations

import httpx
import pytest

import xorl_client as xc


def test_closing_the_service_closes_the_sampling_clients_it_created() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected, got {request.url}")

    service = xc.ServiceClient(
        base_url="http://127.0.0.1:9", httpx_transport=httpx.MockTransport(handler)
    )
    sampler = service.create_sampling_client(base_url="http://127.0.0.1:10")
    with service:
        pass
    assert service._closed and sampler._closed
    service.close()  # a second close is harmless


def test_sampling_client_never_inherits_the_training_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XORL_INFERENCE_API_KEY", raising=False)
    with xc.ServiceClient(base_url="http://127.0.0.1:9", api_key="sk-training") as service:
        sampler = service.create_sampling_client()
        assert sampler.config.api_key_value() is None


def test_generated_client_repr_hides_the_key() -> None:
    """Tracebacks that print local variables show the generated client: no key in it."""
    from xorl_client import _runtime

    key = "sk-in-a-traceback-local"
    with xc.ServiceClient(base_url="http://127.0.0.1:9", api_key=key) as service:

        async def generated_client() -> object:
            return service._transport.client

        client = _runtime.run_coroutine(generated_client()).result(timeout=10)
        assert type(client).__name__ == "AuthenticatedClient"
        assert key not in repr(client)
