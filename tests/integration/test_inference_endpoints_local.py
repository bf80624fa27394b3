"""The inference-endpoint registry and weight sync, with a second local server as the endpoint.

The local server answers like a real one whose outbound allowlist is loopback; it cannot push
weights into another process (that endpoint is reported with ``success`` false) but does load
adapters on registered endpoints through their ``/load_lora_adapter``, so a second server that
shares its output directory serves the trainer's exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import xorl_client as xc
from xorl_client.local import LocalServerConfig, serve_in_thread

pytestmark = pytest.mark.integration

BASE_MODEL = "xorl-local/byte-bigram"
IDS = [256, *b"the cat sat"]


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A LoRA training server and a second server sharing its output directory."""
    shared = tmp_path / "shared"
    make = lambda: LocalServerConfig(  # noqa: E731
        port=0, output_dir=shared, lora=True, long_poll_timeout=1.0
    )
    with serve_in_thread(make()) as trainer, serve_in_thread(make()) as inference:
        yield trainer, inference


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_add_list_sync_remove(two_servers: tuple[str, str]) -> None:
    trainer, inference = two_servers
    port = port_of(inference)
    with xc.ServiceClient(base_url=trainer) as service:
        tc = service.create_lora_training_client(BASE_MODEL, rank=4)
        added = tc.add_inference_endpoint("localhost", port, pool="eval").result(timeout=60)
        assert added.success and added.endpoint is not None
        assert (added.endpoint.host, added.endpoint.port, added.endpoint.pool) == (
            "127.0.0.1",
            port,
            "eval",
        )
        assert added.endpoint.server_info is not None
        assert added.endpoint.server_info.model_path == BASE_MODEL
        again = tc.add_inference_endpoint("localhost", port, pool="eval").result(timeout=60)
        assert not again.success and "already registered" in again.message

        listed = tc.list_inference_endpoints().result(timeout=60)
        assert [(e.host, e.port, e.pool) for e in listed.endpoints] == [("127.0.0.1", port, "eval")]
        assert listed.count == 1

        everywhere = tc.sync_inference_weights().result(timeout=60)
        by_port = {e.port: e for e in everywhere.endpoints_synced}
        assert everywhere.success and by_port[port_of(trainer)].success  # the trainer's own
        assert not by_port[port].success and "cannot push" in by_port[port].message
        eval_only = tc.sync_weights_to_inference(pools=["eval"]).result(timeout=60)
        assert not eval_only.success
        assert [e.port for e in eval_only.endpoints_synced] == [port]
        nowhere = tc.sync_inference_weights(pools=["nope"]).result(timeout=60)
        assert not nowhere.success and "nope" in nowhere.message

        removed = tc.remove_inference_endpoint(added.endpoint.host, port).result(timeout=60)
        assert removed.success
        assert tc.list_inference_endpoints().result(timeout=60).endpoints == []
        assert not tc.remove_inference_endpoint("127.0.0.1", port).result(timeout=60).success


def test_hosts_outside_the_allowlist_are_refused(two_servers: tuple[str, str]) -> None:
    trainer, _ = two_servers
    with xc.ServiceClient(base_url=trainer) as service:
        tc = service.create_lora_training_client(BASE_MODEL, rank=4)
        with pytest.raises(xc.BadRequestError, match="ALLOWLIST"):
            tc.add_inference_endpoint("192.0.2.1", 30000).result(timeout=60)


def test_set_sync_quantization_is_the_servers_default(two_servers: tuple[str, str]) -> None:
    trainer, _ = two_servers
    with xc.ServiceClient(base_url=trainer) as service:
        tc = service.create_lora_training_client(BASE_MODEL, rank=4)
        fp8 = tc.set_sync_quantization({"quant_method": "fp8"}).result(timeout=60)
        assert fp8.quantization is not None and fp8.quantization["quant_method"] == "fp8"
        assert tc.set_sync_quantization(None).result(timeout=60).quantization is None
        with pytest.raises(xc.BadRequestError):
            tc.set_sync_quantization({"quant_method": "awq"}).result(timeout=60)


def test_a_registered_endpoint_samples_the_new_adapter(two_servers: tuple[str, str]) -> None:
    trainer, inference = two_servers
    with xc.ServiceClient(base_url=trainer) as service:
        tc = service.create_lora_training_client(BASE_MODEL, rank=4)
        ids = xc.ByteTokenizer().encode("the cat sat on the mat")
        tc.forward_backward([xc.Datum(ids, {"labels": ids})], "cross_entropy")
        tc.optim_step(xc.AdamParams(learning_rate=0.3)).result(timeout=60)
        assert tc.add_inference_endpoint("127.0.0.1", port_of(inference)).result(timeout=60).success
        with tc.save_weights_and_get_sampling_client(inference_base_url=inference) as sampler:
            assert sampler.base_url == inference
            (scores,) = sampler.score_prompt_logprobs_batch([IDS]).result(timeout=60)
        trainer_view = tc.forward([xc.Datum(IDS[:-1], {"target_tokens": IDS[1:]})], "cross_entropy")
        expected = trainer_view.result(timeout=60).loss_fn_outputs[0]["logprobs"].data
        assert scores[1:] == pytest.approx(list(expected), abs=1e-5, rel=0)
