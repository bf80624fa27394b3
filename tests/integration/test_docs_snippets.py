"""Every code snippet of the official "Client SDK Overview" page, run as written.

The snippets below are the page's, character for character except the indentation the page
lost in its ``for`` loop. Only the server URLs and the model name are replaced (by the local
server's and its model's) when they run, in LoRA and in full-weight mode. Names a snippet uses
without defining them (``data``, ``prompts``, ``adam_params``, the datum's inputs) are given by
the test, as a reader would define them. The one line that cannot work on a full-weight server
(``create_lora_training_client``) is checked to fail with a typed error that names the fix.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
from typing import Any

import pytest

import xorl_client as xc
from tests.integration.conftest import ServerFactory

DOC_URL = "http://localhost:6000"
DOC_SAMPLER_URL = "http://localhost:30000"
DOC_MODEL = "Qwen/Qwen3-8B"
BASE_MODEL = "xorl-local/byte-bigram"

SERVICE = """\
import xorl_client
service = xorl_client.ServiceClient(base_url="http://localhost:6000")
"""

TRAINING = """\
client = service.create_lora_training_client(
base_model="Qwen/Qwen3-8B", rank=32
)
# Non-blocking pipeline: both submitted immediately
fwd = client.forward_backward(data, loss_fn="importance_sampling")
opt = client.optim_step(xorl_client.AdamParams(learning_rate=1e-5))
# Collect results
result = fwd.result()
opt.result()
print(f"logprobs={result.loss_fn_outputs[0]['logprobs']}")
"""

DATUM = """\
datum = xorl_client.Datum(
model_input=xorl_client.ModelInput.from_ints(input_ids),
loss_fn_inputs={"labels": labels, "logprobs": old_logprobs, "advantages": advantages},
)
"""

SAMPLING = """\
sampler = xorl_client.SamplingClient(base_url="http://localhost:30000")
# Single sample
response = sampler.sample(
"What is 2+2?",
xorl_client.SamplingParams(max_tokens=64),
).result()
# Batch sampling with timeout-based straggler handling
result = sampler.sample_batch(
prompts,
xorl_client.SamplingParams(max_tokens=64),
timeout=30.0,
).result()
# result.completed, result.failed, result.cancelled
"""

REST = """\
rest = service.create_rest_client()
# List checkpoints
checkpoints = rest.list_checkpoints().result()
for cp in checkpoints.checkpoints:
    print(f"{cp.checkpoint_id}: {cp.checkpoint_type}")
# Delete a checkpoint
rest.delete_checkpoint("my_checkpoint").result()
# Get checkpoint metadata
info = rest.get_weights_info("xorl://default/weights/step_42").result()
"""

FUTURES = """\
# Sync usage
result = client.forward_backward(data, "causallm_loss").result()
# Async usage
result = await client.forward_backward(data, "causallm_loss")
# Pipeline: submit all, then wait
fwd = client.forward_backward(data, "policy_loss")
opt = client.optim_step(adam_params)
fwd_result = fwd.result() # blocks until forward_backward completes
opt.result() # blocks until optim_step completes
"""


def run_snippet(source: str, namespace: dict[str, Any], url: str) -> None:
    """Run ``source`` as written (top-level ``await`` included) with the local URL and model."""
    text = source.replace(DOC_URL, url).replace(DOC_SAMPLER_URL, url).replace(DOC_MODEL, BASE_MODEL)
    code = compile(text, "<docs snippet>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    outcome = eval(code, namespace)  # a coroutine when the snippet awaits
    if inspect.iscoroutine(outcome):
        asyncio.run(outcome)


def reader_inputs() -> dict[str, Any]:
    """What a reader defines before the datum snippet: a sequence and its RL inputs."""
    input_ids = list(b"What is 2+2? 4.")
    n = len(input_ids)
    # HF labels form: the server shifts labels and advantages; logprobs are already shifted.
    return {
        "input_ids": input_ids,
        "labels": input_ids,
        "old_logprobs": [-1.5] * (n - 1),
        "advantages": [0.0] * 12 + [1.0] * (n - 12),
    }


@pytest.mark.parametrize("lora", [True, False], ids=["lora", "full-weight"])
def test_docs_page_snippets_run_as_written(
    start_server: ServerFactory, lora: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    url = start_server(lora=lora)
    ns: dict[str, Any] = {}
    run_snippet(SERVICE, ns, url)
    service: xc.ServiceClient = ns["service"]
    try:
        ns.update(reader_inputs())
        run_snippet(DATUM, ns, url)
        ns["data"] = [ns["datum"]]
        n = len(ns["input_ids"])

        if lora:
            run_snippet(TRAINING, ns, url)
            assert ns["client"].model_id.startswith("lora-")
        else:
            # A full-weight server has no LoRA: the line fails, typed, and says what to call.
            with pytest.raises(xc.RequestFailedError) as info:
                run_snippet(TRAINING, ns, url)
            assert any("create_training_client" in note for note in info.value.__notes__)
            ns["client"] = service.create_training_client(BASE_MODEL)
            run_snippet(TRAINING.split("\n", 3)[3], ns, url)  # the rest of it, as written
        assert len(ns["result"].loss_fn_outputs[0]["logprobs"]) == n - 1
        assert ns["opt"].result().step == 1
        assert "logprobs=TensorData(" in capsys.readouterr().out

        ns["adam_params"] = xc.AdamParams(learning_rate=1e-5)
        run_snippet(FUTURES, ns, url)
        assert isinstance(ns["result"], xc.ForwardBackwardOutput) and ns["result"].loss > 0
        assert ns["opt"].result().step == 2

        ns["prompts"] = ["the cat", "a dog", [256, 104, 105]]
        run_snippet(SAMPLING, ns, url)
        assert 0 < len(ns["response"].tokens) <= 64
        assert len(ns["response"].logprobs) == len(ns["response"].tokens)
        batch = ns["result"]
        assert [i for i, _ in batch.completed] == [0, 1, 2]
        assert batch.failed == [] and batch.cancelled == []
        ns["sampler"].close()

        owner = service.create_training_client(BASE_MODEL)  # the "default" session
        owner.save_state("my_checkpoint").result()
        owner.save_state("step_42").result()
        run_snippet(REST, ns, url)
        listed = capsys.readouterr().out.splitlines()
        assert "weights/default/my_checkpoint: training" in listed
        assert "weights/default/step_42: training" in listed
        remaining = {c.checkpoint_id for c in ns["rest"].list_checkpoints().result()}
        assert "weights/default/my_checkpoint" not in remaining
        assert ns["info"].base_model == BASE_MODEL and ns["info"].is_lora is lora
    finally:
        service.close()


@pytest.mark.parametrize("lora", [True, False], ids=["lora", "full-weight"])
def test_docs_method_tables_work_as_listed(start_server: ServerFactory, lora: bool) -> None:
    """The calls of the page's method tables, with the arguments the tables show."""
    url = start_server(lora=lora)
    with xc.ServiceClient(base_url=url) as service:
        tc = (
            service.create_lora_training_client(BASE_MODEL, 8)
            if lora
            else service.create_training_client(BASE_MODEL)
        )
        tok = tc.get_tokenizer()
        ids = tok.encode("tables are fine")
        data = [xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})]
        before = tc.forward(data, "causallm_loss").result().loss
        tc.forward_backward(data, "causallm_loss", None).result()
        tc.optim_step(xc.AdamParams(learning_rate=0.05)).result()
        path = tc.save_state("tables").result().path
        assert tc.forward(data, "causallm_loss").result().loss < before
        tc.load_state(path).result()
        assert tc.forward(data, "causallm_loss").result().loss < before
        sampler_path = tc.save_weights_for_sampler("tables-sampler").result().path
        assert sampler_path.endswith("/sampler_weights/tables-sampler")
        assert tc.sync_inference_weights("").result().success

        with service.create_sampling_client(url, sampler_path) as sampler:
            assert sampler.lora_path == "tables-sampler"
            assert sampler.sample(ids, xc.SamplingParams(max_tokens=3)).result().tokens
        resumed = service.create_training_client_from_state(path)
        exact = service.create_training_client_from_state_with_optimizer(path)
        assert resumed.model_id == exact.model_id == tc.model_id
        rest = service.create_rest_client(tc.model_id)
        assert path in {c.path for c in rest.list_checkpoints().result().checkpoints}
