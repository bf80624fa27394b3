"""LoRA adapter calls on the inference server: bodies, "already loaded" semantics, order."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from tests.unit.test_sampling import client, json_response
from xorl_client.errors import BadRequestError, DataValidationError

PATH = "/srv/out/sampler_weights/step-1"


class SGLang:
    """Just enough of SGLang's adapter routes: a registry of name -> path."""

    def __init__(self, loaded: dict[str, str] | None = None) -> None:
        self.loaded = dict(loaded or {})
        self.calls: list[tuple[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/flush_cache":
            self.calls.append((path, request.url.params.get("timeout")))
            return httpx.Response(200, text="Cache flushed.\n")
        body = orjson.loads(request.content)
        self.calls.append((path, body))
        name = body["lora_name"]
        if path == "/load_lora_adapter":
            if name in self.loaded:
                return self._answer(f"LoRA adapter '{name}' is already loaded")
            self.loaded[name] = body["lora_path"]
            return self._answer(None)
        if path == "/unload_lora_adapter":
            if self.loaded.pop(name, None) is None:
                return self._answer(f"LoRA adapter '{name}' is not loaded")
            return self._answer(None)
        raise AssertionError(path)

    def _answer(self, error: str | None) -> httpx.Response:
        body = {"success": error is None, "error_message": error, "loaded_adapters": self.loaded}
        return json_response(body, 200 if error is None else 400)


def test_load_sends_the_body_and_becomes_the_default_adapter() -> None:
    server = SGLang()
    with client(server) as sampler:
        answer = sampler.load_lora_adapter(lora_name="step-1", lora_path=PATH, pinned=True).result()
        assert sampler.lora_path == "step-1"
    assert server.calls == [
        ("/load_lora_adapter", {"lora_name": "step-1", "lora_path": PATH, "pinned": True})
    ]
    assert answer["success"] is True and "already_loaded" not in answer


def test_already_loaded_from_the_same_path_counts_as_success() -> None:
    server = SGLang({"step-1": PATH + "/"})  # the same directory, written differently
    with client(server) as sampler:
        answer = sampler.load_lora_adapter(lora_name="step-1", lora_path=PATH).result()
        assert sampler.lora_path == "step-1"
    assert answer["success"] is True and answer["already_loaded"] is True


def test_the_same_name_from_another_path_is_a_clash() -> None:
    server = SGLang({"step-1": "/srv/out/sampler_weights/other"})
    with client(server) as sampler:
        with pytest.raises(BadRequestError, match="already loaded") as caught:
            sampler.load_lora_adapter(lora_name="step-1", lora_path=PATH).result()
        assert sampler.lora_path is None
    assert "a different adapter under the same name" in "".join(caught.value.__notes__)


def test_unload_flushes_first_and_clears_the_default() -> None:
    server = SGLang({"step-1": PATH})
    with client(server, lora_path="step-1") as sampler:
        sampler.unload_lora_adapter(lora_name="step-1").result()
        assert sampler.lora_path is None
    assert [c[0] for c in server.calls] == ["/flush_cache", "/unload_lora_adapter"]


def test_unload_without_flush_and_of_an_absent_adapter() -> None:
    server = SGLang()
    with client(server) as sampler, pytest.raises(BadRequestError, match="not loaded"):
        sampler.unload_lora_adapter(lora_name="gone", flush_before=False).result()
    assert [c[0] for c in server.calls] == ["/unload_lora_adapter"]


def test_swap_flushes_unloads_then_loads() -> None:
    server = SGLang({"old": "/srv/out/sampler_weights/old"})
    with client(server, lora_path="old") as sampler:
        answer = sampler.swap_lora_adapter(
            current_lora_name="old", lora_name="new", lora_path=PATH
        ).result()
        assert sampler.lora_path == "new"
    assert [c[0] for c in server.calls] == [
        "/flush_cache",
        "/unload_lora_adapter",
        "/load_lora_adapter",
    ]
    assert answer["success"] is True and server.loaded == {"new": PATH}


def test_flush_returns_the_text_and_passes_the_wait() -> None:
    server = SGLang()
    with client(server) as sampler:
        assert sampler.flush_cache(timeout=2.5).result() == {
            "success": True,
            "message": "Cache flushed.",
        }
    assert server.calls == [("/flush_cache", "2.5")]


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.load_lora_adapter(lora_name="", lora_path=PATH),
        lambda s: s.load_lora_adapter(lora_name="a", lora_path=None),
        lambda s: s.unload_lora_adapter(lora_name=3),
        lambda s: s.flush_cache(timeout=-1),
    ],
    ids=["empty name", "no path", "bad name", "negative wait"],
)
def test_bad_arguments_are_refused_before_sending(call: Any) -> None:
    server = SGLang()
    with client(server) as sampler, pytest.raises(DataValidationError):
        call(sampler)
    assert server.calls == []


def test_async_twins_give_the_answer() -> None:
    import asyncio

    server = SGLang()

    async def main() -> dict[str, Any]:
        with client(server) as sampler:
            return await sampler.load_lora_adapter_async(lora_name="step-1", lora_path=PATH)

    assert asyncio.run(main())["success"] is True
