"""A full RL iteration with ``save_weights_and_get_sampling_client`` against the local server.

What an RL loop relies on: the sampler the call returns samples the weights the trainer has
*now* - its logprobs of a fixed completion equal the trainer's ``forward`` logprobs after the
step and differ from before it - and, for a LoRA session, a sampler from an earlier iteration
keeps sampling its own (older) adapter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

import xorl_client as xc
from tests.integration.conftest import ServerFactory

pytestmark = pytest.mark.integration

BASE_MODEL = "xorl-local/byte-bigram"
PROMPT = [256, *b"Q: name a fruit. A: "]
COMPLETION = list(b"apple")
FULL = PROMPT + COMPLETION
TOL = {"abs": 1e-5, "rel": 0}  # the sampler check's tolerance (test_sampling_local.py)


def trainer_logprobs(tc: xc.TrainingClient) -> list[float]:
    """The trainer's logprob of every token of FULL after the first (forward, no masks)."""
    datum = xc.Datum(FULL[:-1], {"target_tokens": FULL[1:]})
    out = tc.forward([datum], "cross_entropy").result(timeout=60)
    return list(out.loss_fn_outputs[0]["logprobs"].data)


def sampler_logprobs(sampler: xc.SamplingClient) -> list[float]:
    """The sampler's logprob of the same tokens (prompt scoring; entry 0 has none)."""
    (scores,) = sampler.score_prompt_logprobs_batch([FULL]).result(timeout=60)
    assert scores[0] is None and None not in scores[1:]
    return [float(s) for s in scores[1:] if s is not None]


def rl_step(tc: xc.TrainingClient, sampler: xc.SamplingClient) -> None:
    """Sample a group, reward lowercase letters, one importance-sampling step."""
    params = xc.SamplingParams(max_tokens=6, temperature=1.0, seed=17)
    response = sampler.sample(PROMPT, params, num_samples=4).result(timeout=60)
    rewards = [sum(97 <= t <= 122 for t in s.tokens) / len(s.tokens) for s in response.sequences]
    if len(set(rewards)) == 1:
        rewards[0] += 1.0  # the step must move the weights; the reward shape is irrelevant here
    advantages = xc.group_advantages(rewards, group_size=len(rewards))
    data = [
        xc.build_rl_datum(PROMPT, seq, adv, loss_fn="importance_sampling")
        for seq, adv in zip(response.sequences, advantages, strict=True)
    ]
    tc.forward_backward(data, "importance_sampling")
    tc.optim_step(xc.AdamParams(learning_rate=0.5)).result(timeout=60)


@pytest.fixture
def lora_tc(start_server: ServerFactory) -> Iterator[xc.TrainingClient]:
    with xc.ServiceClient(base_url=start_server(lora=True)) as service:
        yield service.create_lora_training_client(BASE_MODEL, rank=8)


@pytest.fixture
def full_tc(start_server: ServerFactory) -> Iterator[xc.TrainingClient]:
    with xc.ServiceClient(base_url=start_server()) as service:
        yield service.create_training_client(BASE_MODEL)


def test_lora_iteration_samples_the_new_adapter_and_old_samplers_keep_theirs(
    lora_tc: xc.TrainingClient,
) -> None:
    tc = lora_tc
    with tc.save_weights_and_get_sampling_client() as before:
        assert before.lora_path and before.model_path.endswith(
            f"/sampler_weights/{before.lora_path}"
        )
        old = sampler_logprobs(before)
        assert old == pytest.approx(trainer_logprobs(tc), **TOL)
        rl_step(tc, before)
        with tc.save_weights_and_get_sampling_client() as after:
            assert after.lora_path != before.lora_path
            new = sampler_logprobs(after)
            assert new == pytest.approx(trainer_logprobs(tc), **TOL)
            assert new != pytest.approx(old, **TOL)  # the step changed what is sampled
        # The earlier sampler is bound to its own export: still the old weights.
        assert sampler_logprobs(before) == pytest.approx(old, **TOL)


def test_full_weight_iteration_pushes_the_new_weights_to_the_sampler(
    full_tc: xc.TrainingClient,
) -> None:
    tc = full_tc
    with tc.save_weights_and_get_sampling_client() as before:
        assert before.lora_path is None
        old = sampler_logprobs(before)
        assert old == pytest.approx(trainer_logprobs(tc), **TOL)
        rl_step(tc, before)
    with tc.save_weights_and_get_sampling_client() as after:
        new = sampler_logprobs(after)
        assert new == pytest.approx(trainer_logprobs(tc), **TOL)
        assert new != pytest.approx(old, **TOL)
    exports = [c.checkpoint_id for c in tc.list_checkpoints().result(timeout=60).checkpoints]
    assert sum(c.startswith("sampler_weights/sampler-") for c in exports) == 2


def test_the_async_call_gives_the_same_sampler(lora_tc: xc.TrainingClient) -> None:
    tc = lora_tc

    async def iteration() -> list[float]:
        sampler = await tc.save_weights_and_get_sampling_client_async("async-0")
        async with sampler:
            scores = await sampler.score_prompt_logprobs_batch_async([FULL])
        return [float(s) for s in scores[0][1:] if s is not None]

    assert asyncio.run(iteration()) == pytest.approx(trainer_logprobs(tc), **TOL)
    with pytest.raises(xc.RequestFailedError):  # the name is taken: saving over it fails
        tc.save_weights_and_get_sampling_client("async-0")
