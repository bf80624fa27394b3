"""The ``sampling`` operations of openapi.yaml against the local server, every answer validated.

``test_schemathesis_local.py`` leaves the ``sampling`` tag out of its fuzzing (those routes belong
to another server, the inference server). The local server serves them on its own port, so here
each one is driven through schemathesis with chosen bodies - positive cases and the documented
errors - and ``call_and_validate`` applies every check (status code, content type, response
schema) to the answers, as for the training routes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from xorl_client.local import LocalServerConfig, serve_in_thread

pytestmark = [pytest.mark.contract, pytest.mark.usefixtures("scratch_cwd")]

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 15.0


class Sampler:
    """Calls the sampling operations on the local server through schemathesis."""

    def __init__(self, base_url: str) -> None:
        config = SchemathesisConfig.from_path(ROOT / "scripts" / "schemathesis.toml")
        self.schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml", config=config).include(
            tag="sampling"
        )
        self.base_url = base_url

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        status: int = 200,
        query: dict[str, Any] | None = None,
    ) -> Any:
        operation = self.schema[path][method]
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs["body"] = body
        if query is not None:
            kwargs["query"] = query
        response = operation.Case(**kwargs).call_and_validate(
            base_url=self.base_url, timeout=TIMEOUT
        )
        assert response.status_code == status, response.text
        return response


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A local server and its output directory (adapter loads take a filesystem path)."""
    output_dir = tmp_path_factory.mktemp("sampling-contract")
    with serve_in_thread(LocalServerConfig(host="127.0.0.1", port=0, output_dir=output_dir)) as url:
        yield url, output_dir.resolve()


def test_sampling_operations_answer_as_the_spec_says(server: tuple[str, Path]) -> None:
    sampler = Sampler(server[0])
    # Batch /generate with per-row starts, prompt logprobs and routing.
    rows = sampler.call(
        "POST",
        "/generate",
        {
            "input_ids": [[256, 104, 105], [256, 111]],
            "sampling_params": [{"max_new_tokens": 3, "sampling_seed": 1}, {"max_new_tokens": 2}],
            "return_logprob": True,
            "logprob_start_len": [0, 1],
            "return_routed_experts": True,
            "routed_experts_start_len": 0,
        },
    ).json()
    assert len(rows) == 2 and rows[0]["meta_info"]["input_token_logprobs"][0][0] is None
    sampler.call("POST", "/generate", {"input_ids": [1], "lora_path": "missing"}, 400)

    chat = sampler.call(
        "POST",
        "/v1/chat/completions",
        {
            "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 4,
            "seed": 3,
            "logprobs": True,
            "return_token_ids": True,
            "return_prompt_token_ids": True,
            "return_routed_experts": True,
        },
    ).json()
    assert chat["choices"][0]["token_ids"] and chat["sglext"]["routed_experts"]
    sampler.call("POST", "/v1/chat/completions", {"messages": [], "max_tokens": 1}, 400)

    sampler.call("GET", "/health_generate")
    flushed = sampler.call("POST", "/flush_cache", query={"timeout": 1.5})
    assert flushed.text.startswith("Cache flushed.")


def test_adapter_operations_answer_as_the_spec_says(server: tuple[str, Path]) -> None:
    url, output_dir = server
    sampler = Sampler(url)
    with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
        submitted = client.post(
            "/api/v1/save_weights_for_sampler", json={"model_id": "default", "name": "contract-s"}
        ).json()
        while True:
            result = client.post("/api/v1/retrieve_future", json=submitted).json()
            if result.get("type") != "try_again":
                break
    assert result == {"path": "xorl://default/sampler_weights/contract-s"}
    export = str(output_dir / "sampler_weights" / "contract-s")

    body = {"lora_name": "contract-s", "lora_path": export}
    loaded = sampler.call("POST", "/load_lora_adapter", body).json()
    assert loaded["loaded_adapters"] == {"contract-s": export}
    again = sampler.call("POST", "/load_lora_adapter", body, 400).json()
    assert "already loaded" in again["error_message"]
    sampler.call("POST", "/load_lora_adapter", {"lora_path": export}, 422)
    sampler.call("POST", "/unload_lora_adapter", {"lora_name": "contract-s"})
    sampler.call("POST", "/unload_lora_adapter", {"lora_name": "contract-s"}, 400)
    sampler.call("POST", "/unload_lora_adapter", {}, 422)
