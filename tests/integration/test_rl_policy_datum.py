"""The RL helpers end to end on the local server: sample, GRPO advantages, policy datums, train."""

from __future__ import annotations

import pytest

import xorl_client as xc
from xorl_client.rl import build_policy_datum, compute_grpo_advantages, learning_rate_at_step

pytestmark = pytest.mark.integration

BASE_MODEL = "xorl-local/byte-bigram"
PROMPTS = [[256, *b"the "], [256, *b"Q: "]]
GROUP = 6
LETTERS = frozenset(b"abcdefghijklmnopqrstuvwxyz")


def reward(tokens: list[int]) -> float:
    return sum(t in LETTERS for t in tokens) / len(tokens)


def test_policy_datums_train_on_the_local_server(service: xc.ServiceClient) -> None:
    tc = service.create_training_client(BASE_MODEL)
    with service.create_sampling_client() as sampler:
        params = xc.SamplingParams(max_tokens=10, temperature=1.0, seed=11)
        responses = [sampler.sample(p, params, num_samples=GROUP).result(60) for p in PROMPTS]
    prompts, sequences = [], []
    for prompt, response in zip(PROMPTS, responses, strict=True):
        for seq in response.sequences:
            prompts.append(prompt)
            sequences.append(seq)
    rewards = [reward(s.tokens) for s in sequences]
    advantages = compute_grpo_advantages(
        rewards, group_ids=[i // GROUP for i in range(len(rewards))]
    )
    assert any(a > 0 for a in advantages) and any(a < 0 for a in advantages)
    data = [
        build_policy_datum(
            prompt_tokens=p, output_tokens=s.tokens, old_logprobs=s.logprobs or [], advantage=a
        )
        for p, s, a in zip(prompts, sequences, advantages, strict=True)
    ]

    # On-policy: the trainer scores every output token exactly as the sampler did, and the
    # IGNORE_INDEX prompt positions are masked (0.0).
    before = tc.forward(data, "importance_sampling").result(60)
    for p, s, lps in zip(prompts, sequences, before.per_datum_logprobs(), strict=True):
        assert len(lps) == len(p) + len(s.tokens) - 1
        assert lps[: len(p) - 1] == [0.0] * (len(p) - 1)
        assert lps[len(p) - 1 :] == pytest.approx(s.logprobs, abs=1e-5, rel=0)
    trained = sum(len(s.tokens) for s, a in zip(sequences, advantages, strict=True) if a != 0.0)
    assert before.metrics["valid_tokens"] == trained

    # The same samples through build_rl_datum give the same loss: both train the same positions.
    ours = [
        xc.build_rl_datum(p, s, a) for p, s, a in zip(prompts, sequences, advantages, strict=True)
    ]
    assert tc.forward(ours, "importance_sampling").result(60).loss == pytest.approx(before.loss)

    lr = learning_rate_at_step(base_learning_rate=0.05, step=1, total_steps=1)
    fb = tc.forward_backward(data, "importance_sampling").result(60)
    assert fb.metrics["valid_tokens:sum"] == trained
    tc.optim_step(xc.AdamParams(learning_rate=lr)).result(60)
    after = tc.forward(data, "importance_sampling").result(60)
    # One step on -mean(ratio * A) lowers it: likelier positive-advantage outputs, rarer others.
    assert after.loss < before.loss


def test_a_batch_of_only_zero_advantages_is_refused_before_sending(
    service: xc.ServiceClient,
) -> None:
    tc = service.create_training_client(BASE_MODEL)
    tied = compute_grpo_advantages([0.5, 0.5, 0.5], group_ids=[0, 0, 0])
    data = [
        build_policy_datum(
            prompt_tokens=[256, 104, 105],
            output_tokens=[106, 107],
            old_logprobs=[-5.5, -5.5],
            advantage=a,
        )
        for a in tied
    ]
    # The real (and the local) server fails such a request inside its future ("Invalid batch
    # structure after packing", tests/local); the SDK refuses it before sending.
    with pytest.raises(xc.DataValidationError, match="no datum of the batch"):
        tc.forward_backward(data, "importance_sampling")
