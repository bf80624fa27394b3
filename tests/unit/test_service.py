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


def test_calls_after_close_fail_with_a_connection_error() -> None:
    from .fake_server import FakeXorl, datum_for_tests, make_training_client

    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    tc.forward([datum_for_tests()]).result(timeout=10)
    from xorl_client import _runtime

    _runtime.run_coroutine(tc._transport.aclose()).result(timeout=10)
    with pytest.raises(xc.APIConnectionError, match="was closed"):
        tc.forward([datum_for_tests()]).result(timeout=10)
    assert len(server.submissions) == 1


def test_a_forked_child_rebinds_instead_of_reusing_the_parents_pool() -> None:
    import asyncio

    from xorl_client import _runtime
    from xorl_client._config import ClientConfig
    from xorl_client._transport import Transport

    transport = Transport(ClientConfig(base_url="http://127.0.0.1:9"))

    async def bind() -> object:
        return transport.client

    parent_client = _runtime.run_coroutine(bind()).result(timeout=10)
    with pytest.raises(RuntimeError, match="another event loop"):
        asyncio.run(bind())  # same process, other loop: a usage error
    assert transport._generated is not None
    transport._generated.pid = -1  # what a forked child sees: the pool of another process
    child_client = asyncio.run(bind())
    assert child_client is not parent_client
