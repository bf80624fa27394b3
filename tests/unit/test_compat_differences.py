"""The deliberate differences from the official client, each asserting this SDK's behaviour.

``docs/compatibility.md`` lists every difference with its reason and the test that holds it;
the ones not here live next to the behaviour they change (retries, chunking, sampling, the
docs page and the local-server checks).
"""

from __future__ import annotations

import httpx
import pytest

import xorl_client as xc
from xorl_client._config import DEFAULT_TIMEOUT
from xorl_client.chunking import DEFAULT_MAX_CHUNK_BYTES, DEFAULT_MAX_CHUNK_ITEMS
from xorl_client.errors import ConfigurationError, DataValidationError
from xorl_client.rest import checkpoint_id_to_delete
from xorl_client.sampling import DEFAULT_SAMPLING_TIMEOUT

from .fake_server import FakeXorl, make_training_client

URL = "http://127.0.0.1:9"


def test_timeouts_default_to_per_phase_limits() -> None:
    """Official: 1800 s for every phase of every request. Here: a 10 s connect timeout and a
    read timeout above the server's 45 s long-poll; ``operation_timeout`` bounds the whole."""
    with xc.ServiceClient(URL) as service:
        assert service.config.http_timeout == DEFAULT_TIMEOUT
        assert service.config.operation_timeout == 1860.0
    with xc.SamplingClient(URL) as sampler:
        assert sampler.timeout == DEFAULT_SAMPLING_TIMEOUT
    with xc.ServiceClient(URL, timeout=1800.0) as official:  # the official value still works
        assert official.config.http_timeout == httpx.Timeout(1800.0)


def test_the_sampling_key_is_never_exposed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Official: ``SamplingClient.api_key`` is the raw key. Here keys are never readable as
    plain attributes (nor in ``repr``, logs or errors)."""
    monkeypatch.delenv("XORL_INFERENCE_API_KEY", raising=False)
    with xc.SamplingClient(URL, "", None, "sk-inference") as sampler:
        assert not hasattr(sampler, "api_key")
        assert "sk-inference" not in repr(sampler) and "***" in repr(sampler)
        assert sampler.config.api_key_value() == "sk-inference"


def test_a_malformed_model_path_is_refused() -> None:
    """Official: ``xorl://d/x`` silently samples the base weights. Here it is an error."""
    with pytest.raises(ConfigurationError, match="xorl://<model_id>/sampler_weights"):
        xc.SamplingClient(URL, "xorl://d/x")
    with pytest.raises(ConfigurationError, match="different adapters"):
        xc.SamplingClient(URL, "sampler_weights/a", lora_path="b")


def test_model_path_names_the_adapter_sampled_from() -> None:
    with xc.SamplingClient(URL, "xorl://run-1/sampler_weights/step-9") as sampler:
        assert (sampler.lora_path, sampler.model_path) == (
            "step-9",
            "xorl://run-1/sampler_weights/step-9",
        )
    with xc.SamplingClient(URL, "") as base:
        assert base.lora_path is None


def test_adam_params_do_not_clip_by_default() -> None:
    """Official 0.1.0: ``grad_clip_norm=5.0``. Here 0.0 (no clipping), Tinker's default."""
    assert xc.AdamParams().grad_clip_norm == 0.0
    assert xc.AdamParams(grad_clip_norm=5.0).to_dict()["grad_clip_norm"] == 5.0


def test_forward_backward_output_positional_order_is_tinkers() -> None:
    """Official dataclass order: (loss_fn_outputs, metrics, loss_fn_output_type, info).
    Here Tinker's: (loss_fn_output_type, loss_fn_outputs, metrics, info); keywords work in
    both."""
    out = xc.ForwardBackwardOutput("cross_entropy", [xc.LossFnOutput(loss=1.0)], {"m": 1.0})
    assert (out.loss_fn_output_type, out.metrics) == ("cross_entropy", {"m": 1.0})
    by_name = xc.ForwardBackwardOutput(loss_fn_outputs=[], metrics={}, loss_fn_output_type="x")
    assert by_name.loss_fn_output_type == "x"


def test_loss_fn_output_items_are_tensors_and_it_iterates() -> None:
    """Official: ``out["loss"]`` is a float and iterating raises ``KeyError(0)``. Here an output
    is Tinker's ``dict[str, TensorData]``: ``out["loss"]`` is the server's one-element tensor
    (``out.loss`` is the float) and iteration gives the names."""
    out = xc.LossFnOutput(loss=0.25, logprobs=[-1.0])
    assert out["loss"] == xc.TensorData([0.25]) and out.loss == 0.25
    assert list(out) == ["loss", "logprobs"]
    assert out.to_dict()["loss"] == {"data": [0.25], "dtype": "float32", "shape": [1]}


def test_environment_is_read_when_the_client_is_created(monkeypatch: pytest.MonkeyPatch) -> None:
    """Official: the chunk variables are read on every call, bad values ignored with a warning.
    Here: read once per client (one configuration, visible in its repr); a bad value is an
    error, not silently the default."""
    monkeypatch.setenv("XORL_CLIENT_MAX_CHUNK_LEN", "7")
    with xc.ServiceClient(URL) as service:
        monkeypatch.setenv("XORL_CLIENT_MAX_CHUNK_LEN", "9")
        assert service.config.max_chunk_items == 7
    monkeypatch.setenv("XORL_CLIENT_MAX_CHUNK_LEN", "many")
    with pytest.raises(ConfigurationError, match="XORL_CLIENT_MAX_CHUNK_LEN='many'"):
        xc.ServiceClient(URL)


def test_chunk_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Official: 2048 datums / 5 MB (512 MiB on a branch). Here Tinker's 1024 / 5 MB."""
    for name in ("XORL_CLIENT_MAX_CHUNK_ITEMS", "XORL_CLIENT_MAX_CHUNK_LEN"):
        monkeypatch.delenv(name, raising=False)
    assert (DEFAULT_MAX_CHUNK_ITEMS, DEFAULT_MAX_CHUNK_BYTES) == (1024, 5_000_000)
    with xc.ServiceClient(URL) as service:
        assert service.config.max_chunk_items == 1024


def test_training_and_rest_clients_come_from_the_service() -> None:
    """Official: ``TrainingClient(holder, model_id, base_model)`` over an HTTP holder. Here the
    clients are made by ``ServiceClient`` factories; there is no public holder."""
    with pytest.raises(TypeError):
        xc.TrainingClient("holder", "default", "base")  # type: ignore[misc]
    with xc.ServiceClient(URL) as service:
        assert not hasattr(service, "holder")
        assert service.create_rest_client("run-1").model_id == "run-1"


def test_delete_checkpoint_reads_short_forms_as_this_sessions_checkpoints() -> None:
    """Official: ``weights/<name>`` and bare names are sent as they are (the server refuses
    them). Here both mean the training checkpoint of the client's ``model_id``."""
    assert checkpoint_id_to_delete("my_checkpoint", "default") == "weights/default/my_checkpoint"
    assert checkpoint_id_to_delete("weights/step_1", "run-2") == "weights/run-2/step_1"
    assert checkpoint_id_to_delete("xorl://run-3/weights/a", "default") == "weights/run-3/a"
    assert checkpoint_id_to_delete("sampler_weights/s", "x") == "sampler_weights/s"
    with pytest.raises(DataValidationError):
        checkpoint_id_to_delete("../escape", "default")


def test_the_seed_is_sent_as_sglangs_sampling_seed_only() -> None:
    """Official: ``seed`` is sent as ``seed`` and ``sampling_seed`` as ``sampling_seed``. Here
    both are one setting, sent under SGLang's name."""
    sent = xc.SamplingParams(seed=3).to_dict()
    assert sent["sampling_seed"] == 3 and "seed" not in sent


def test_routing_replay_needs_every_datum_or_none() -> None:
    """Official: a chunk where some datum lacks ``routed_experts`` silently loses its routing.
    Here such a batch is refused before sending; a complete one is sent per request."""
    server = FakeXorl(try_again_polls=0)
    tc = make_training_client(server)
    with_routing = xc.Datum([1, 2, 3], {"labels": [1, 2, 3]}, routed_experts=[[[0]], [[1]], [[0]]])
    without = xc.Datum([1, 2, 3], {"labels": [1, 2, 3]})
    with pytest.raises(DataValidationError, match="datum 1 has no routed_experts") as info:
        tc.forward_backward([with_routing, without], "cross_entropy")
    assert info.value.datum_index == 1 and server.submissions == []
    tc.forward_backward([with_routing, with_routing], "cross_entropy").result()
    sent = server.submissions[0].body["forward_backward_input"]
    assert sent["routed_experts"] == [with_routing.routed_experts] * 2
    assert "routed_experts" not in sent["data"][0]
