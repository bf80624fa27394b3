"""Tinker's idioms (tinker-api.md) against the local server, through ``xorl_client.tinker``.

Tinker-shaped inputs are duck-typed stand-ins (``tests.tinker_reference``); the clients are
xorl-client's, reached by Tinker's names. The loops that use them together are
``test_tinker_loops.py``.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import xorl_client as xc
import xorl_client.tinker as tinker
from tests import tinker_reference as tk
from xorl_client.byte_tokenizer import VOCAB_SIZE, ByteTokenizer

from .conftest import ServerFactory

pytestmark = pytest.mark.integration

MODEL = "xorl-local/byte-bigram"
TOKENS = ByteTokenizer().encode("the cat sat on the mat", add_bos=True)
REPO_ROOT = Path(__file__).resolve().parents[2]


def train_datum(tokens: list[int] = TOKENS) -> tk.Datum:
    """Tinker-shaped: input ``tokens[:-1]``, ``target_tokens`` the next tokens, unit weights."""
    return tk.tinker_datum(tokens[:-1], target_tokens=tokens[1:], weights=[1.0] * (len(tokens) - 1))


def forward_logprobs(tc: xc.TrainingClient, tokens: list[int] = TOKENS) -> list[float]:
    datum = tinker.Datum(
        model_input=tinker.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:]},
    )
    result = tc.forward([datum], "cross_entropy").result()
    values: list[float] = result.loss_fn_outputs[0]["logprobs"].tolist()
    return values


def step(tc: xc.TrainingClient, lr: float = 0.1) -> None:
    fb = tc.forward_backward([train_datum()], loss_fn="cross_entropy")
    op = tc.optim_step(tk.AdamParams(learning_rate=lr, eps=1e-8))
    fb.result()
    op.result()


def close(a: list[float | None], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        x is not None and abs(x - y) < 1e-9 for x, y in zip(a, b, strict=True)
    )


def test_sampling_idioms_agree_with_the_trainer(start_server: ServerFactory) -> None:
    with tinker.ServiceClient(base_url=start_server(lora=True)) as service_client:
        training_client = service_client.create_lora_training_client(base_model=MODEL, rank=8)
        assert training_client.result() is training_client
        step(training_client)
        path = training_client.save_weights_for_sampler(name="000001").result().path
        sampling_client = service_client.create_sampling_client(model_path=path)
        scored = sampling_client.compute_logprobs(tinker.ModelInput.from_ints(TOKENS)).result()
        assert scored[0] is None and close(scored[1:], forward_logprobs(training_client))
        # From the training client, and pickled for a worker: the same numbers.
        own = training_client.create_sampling_client(path)
        assert own.compute_logprobs(TOKENS).result() == scored
        assert asyncio.run(own.compute_logprobs_async(TOKENS)) == scored
        assert own.get_base_model() == sampling_client.get_base_model() == MODEL
        named = service_client.create_sampling_client(model_path=path, base_model=MODEL)
        assert (
            named.lora_path == own.lora_path and named.compute_logprobs(TOKENS).result() == scored
        )
        assert sampling_client.get_tokenizer().encode("the") == ByteTokenizer().encode("the")
        # Top-k over the whole vocabulary: the prompt token is there with its logprob.
        response = sampling_client.sample(
            TOKENS,
            1,
            tinker.SamplingParams(max_tokens=2, seed=1),
            include_prompt_logprobs=True,
            topk_prompt_logprobs=VOCAB_SIZE,
        ).result()
        assert response.prompt_logprobs == scored
        topk = response.topk_prompt_logprobs
        assert topk is not None and topk[0] is None and len(topk) == len(TOKENS)
        for position, row in enumerate(topk[1:], start=1):
            assert row is not None and [lp for _, lp in row] == sorted(
                (lp for _, lp in row), reverse=True
            )
            assert abs(dict(row)[TOKENS[position]] - (scored[position] or 0.0)) < 1e-12


def test_the_base_model_is_sampled_without_an_adapter_on_lora_servers(
    start_server: ServerFactory,
) -> None:
    with tinker.ServiceClient(base_url=start_server(lora=True)) as service_client:
        fresh = service_client.create_lora_training_client(base_model=MODEL, rank=8)
        base = service_client.create_sampling_client(base_model=MODEL)
        assert base.lora_path is None and base.get_base_model() == MODEL
        # An untrained adapter changes nothing: the base model's logprobs are the trainer's.
        assert close(base.compute_logprobs(TOKENS).result()[1:], forward_logprobs(fresh))
        with pytest.raises(xc.DataValidationError, match="serves 'xorl-local/byte-bigram'"):
            service_client.create_sampling_client(base_model="Qwen/Qwen3-8B")


def test_the_base_model_cannot_be_promised_on_full_weight_servers(
    start_server: ServerFactory,
) -> None:
    with (
        tinker.ServiceClient(base_url=start_server()) as service_client,
        pytest.raises(xc.UnsupportedError, match="full-weight"),
    ):
        service_client.create_sampling_client(base_model=MODEL)


def test_capabilities_are_the_servers_model_on_the_tinker_surface_only(
    start_server: ServerFactory,
) -> None:
    url = start_server()
    with tinker.ServiceClient(base_url=url) as service_client:
        capabilities = service_client.get_server_capabilities()
        assert [m.model_name for m in capabilities.supported_models] == [MODEL]
        assert asyncio.run(service_client.get_server_capabilities_async()) == capabilities
        rest = service_client.create_rest_client()
        assert rest.get_server_capabilities().result() == capabilities
    with xc.ServiceClient(base_url=url) as official, pytest.raises(NotImplementedError):
        official.get_server_capabilities()


def test_isolated_runs_share_a_full_weight_server_without_colliding(
    start_server: ServerFactory,
) -> None:
    url = start_server()
    paths = []
    for _ in range(2):  # the same script, twice, on one server
        with tinker.ServiceClient(base_url=url) as service_client:
            training_client = service_client.create_training_client(MODEL)
            step(training_client)
            paths.append(training_client.save_state("final").result().path)
            paths.append(training_client.save_weights_for_sampler("final").result().path)
    assert len(set(paths)) == 4 and all(p.endswith("-final") for p in paths)
    # Without isolation the second run's names are the first run's: the server refuses.
    with xc.ServiceClient(base_url=url) as official:
        tc = official.create_training_client(MODEL)
        tc.save_state("final").result()
        with pytest.raises(xc.RequestFailedError, match="409"):
            tc.save_state("final").result()


def test_resuming_with_optimizer_continues_exactly_as_a_new_run(
    start_server: ServerFactory,
) -> None:
    with tinker.ServiceClient(base_url=start_server(lora=True)) as service_client:
        original = service_client.create_lora_training_client(base_model=MODEL, rank=8)
        step(original)
        step(original)
        state = original.save_state("000002").result().path
        resumed = service_client.create_training_client_from_state_with_optimizer(state)
        weights_only = asyncio.run(service_client.create_training_client_from_state_async(state))
        assert len({original.model_id, resumed.model_id, weights_only.model_id}) == 3
        assert len({original.run_id, resumed.run_id, weights_only.run_id}) == 3
        assert close(list(forward_logprobs(resumed)), forward_logprobs(original))
        for client in (original, resumed, weights_only):
            step(client)
            step(client)
        assert close(list(forward_logprobs(resumed)), forward_logprobs(original))
        # A fresh optimizer (weights only) takes other steps from the same weights.
        assert not close(list(forward_logprobs(weights_only)), forward_logprobs(original))
        again = resumed.save_state("000002").result().path
        assert again != state


def test_rest_client_tinker_names(start_server: ServerFactory) -> None:
    with tinker.ServiceClient(base_url=start_server(lora=True)) as service_client:
        training_client = service_client.create_lora_training_client(base_model=MODEL, rank=8)
        state = training_client.save_state("000001").result().path
        sampler = training_client.save_weights_for_sampler("000001").result().path
        extra = training_client.save_state("extra").result().path
        rest = service_client.create_rest_client()
        run = rest.get_training_run_by_tinker_path(state).result()
        assert (run.training_run_id, run.base_model, run.is_lora) == (
            training_client.model_id,
            MODEL,
            True,
        )
        tinker_path = state.replace("xorl://", "tinker://")
        by_tinker_path = asyncio.run(rest.get_training_run_by_tinker_path_async(tinker_path))
        assert by_tinker_path.training_run_id == run.training_run_id
        assert rest.get_weights_info_by_tinker_path(tinker_path).result().lora_rank == 8
        listed = [c.tinker_path for c in rest.list_user_checkpoints().result()]
        assert state in listed and sampler.split("/", 3)[-1] in listed
        assert rest.set_checkpoint_ttl_from_tinker_path(state, None).result() is None
        with pytest.raises(xc.UnsupportedError, match="never expire"):
            rest.set_checkpoint_ttl_from_tinker_path(state, 3600)
        for refused in (
            rest.publish_checkpoint_from_tinker_path,
            rest.unpublish_checkpoint_from_tinker_path,
            rest.get_checkpoint_archive_url_from_tinker_path,
        ):
            with pytest.raises(xc.UnsupportedError, match="not supported on xorl"):
                refused(state)
        asyncio.run(rest.delete_checkpoint_from_tinker_path_async(tinker_path))
        rest.delete_checkpoint(
            training_client.model_id, "weights/" + extra.rsplit("/", 1)[-1]
        ).result()
        remaining = [c.path for c in rest.list_checkpoints(training_client.model_id).result()]
        assert state not in remaining and extra not in remaining
        assert rest.list_training_runs(access_scope="accessible").result().training_runs


def test_a_pickled_sampling_client_samples_in_another_process(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    with tinker.ServiceClient(base_url=start_server()) as service_client:
        sampling_client = service_client.create_sampling_client(api_key="sk-WORKER-SECRET")
        params = tinker.SamplingParams(max_tokens=8, seed=11)
        here = sampling_client.sample(TOKENS, 1, params).result().sequences[0].tokens
        blob = tmp_path / "sampler.pkl"
        blob.write_bytes(pickle.dumps((sampling_client, params)))
        code = (
            "import pickle, sys\n"
            f"client, params = pickle.loads(open({str(blob)!r}, 'rb').read())\n"
            f"print(repr(client), client.sample({TOKENS!r}, 1, params).result().sequences[0].tokens)\n"
        )
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        proc = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith(str(here))
    assert "sk-WORKER-SECRET" not in proc.stdout + proc.stderr
