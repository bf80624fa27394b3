"""Reinforcement learning against an xorl server, end to end: sample, score, train, sync, repeat.

Each step samples `--group-size` completions for each of a few prompts from the inference
server's current weights (fixed seeds, so a run is reproducible), scores every completion with
a simple reward - the share of its `--max-tokens` positions holding a lowercase ASCII letter -,
turns rewards into group advantages (reward minus the group's mean), trains one
`importance_sampling` step on the datums `build_rl_datum` builds, and pushes the new weights to
the sampler with `sync_inference_weights`. It prints the mean reward per step and exits 0 when
the mean reward of the last two steps is at least 0.2 above that of the first two:

    python examples/rl_loop.py --base-url http://127.0.0.1:6000 --steps 20

Meant for the local server (`xorl-client serve`, full-weight mode): its untrained byte-level
model writes a lowercase letter about one byte in ten, and 20 steps (a few seconds on 2 cores)
take that to about 0.45; after `examples/sft.py` it starts near 0.6 and ends near 1.0. Against
a real deployment pass --base-model and make sure an inference endpoint is registered.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import xorl_client as xc
from xorl_client.rl import DatumForm

#: The rewarded bytes: lowercase ASCII letters (26 of the model's 260 tokens).
TARGET = frozenset(b"abcdefghijklmnopqrstuvwxyz")
#: Prompts the policy completes (byte level; the local model only looks at the last byte).
PROMPTS = ("Say a: ", "The cat ", "banana", "Q: 2+2? A:")
#: The run succeeds when the mean reward of the last `WINDOW` steps exceeds that of the first
#: `WINDOW` steps by at least `MARGIN` (an absolute share of positions, 0..1).
MARGIN = 0.2
WINDOW = 2


def reward(tokens: Sequence[int], max_tokens: int) -> float:
    """Share of the `max_tokens` positions holding a lowercase ASCII letter.

    Dividing by `max_tokens` rather than by the completion's length means that stopping early
    (an end-of-sequence token) earns nothing for the missing positions, so the policy cannot
    raise its reward by writing one letter and stopping.

    >>> reward([ord("h"), ord("i"), ord("!")], max_tokens=4)
    0.5
    """
    return sum(1 for t in tokens if t in TARGET) / max_tokens


def improved(rewards: Sequence[float], *, margin: float = MARGIN, window: int = WINDOW) -> bool:
    """Did the mean reward of the last `window` steps beat the first `window` steps' by `margin`?

    >>> improved([0.1, 0.1, 0.2, 0.4, 0.4]), improved([0.1, 0.1, 0.2, 0.2])
    (True, False)
    """
    if len(rewards) < 2 * window:
        return False
    first = sum(rewards[:window]) / window
    last = sum(rewards[-window:]) / window
    return last - first >= margin


def run(
    base_url: str | None,
    *,
    steps: int = 20,
    group_size: int = 8,
    num_prompts: int = len(PROMPTS),
    max_tokens: int = 16,
    learning_rate: float = 1.0,
    seed: int = 0,
    base_model: str = "xorl-local/byte-bigram",
    form: DatumForm = "target_tokens",
    verbose: bool = True,
) -> list[float]:
    """Run the loop; returns the mean reward of every step (measured before that step's update)."""
    prompts = PROMPTS[:num_prompts]
    adam = xc.AdamParams(learning_rate=learning_rate)
    history: list[float] = []
    with xc.ServiceClient(base_url=base_url) as service:
        tc = service.create_training_client(base_model)
        tokenizer = tc.get_tokenizer()
        prompt_ids = [list(tokenizer.encode(p)) for p in prompts]
        # Make the sampler serve exactly the weights being trained (an earlier run may have
        # trained this session without syncing), so the first step is on-policy too.
        tc.sync_inference_weights().result()
        with service.create_sampling_client() as sampler:
            for step in range(steps):
                started = time.perf_counter()
                # One seed per prompt; sample j of prompt i uses seed + j, so the streams of
                # different prompts and steps never overlap.
                params = [
                    xc.SamplingParams(
                        max_tokens=max_tokens,
                        temperature=1.0,
                        seed=seed * 1_000_000 + step * 1_000 + i * group_size,
                    )
                    for i in range(len(prompts))
                ]
                batch = sampler.sample_batch(
                    prompt_ids, params, num_samples=group_size, timeout=120.0
                ).result()
                if not batch.ok:
                    reason = batch.failed[0][1] if batch.failed else "the deadline passed"
                    raise xc.XorlError(f"step {step + 1}: sampling did not complete: {reason}")
                data: list[xc.Datum] = []
                rewards_this_step: list[float] = []
                for index, response in batch.completed:
                    rewards = [reward(s.tokens, max_tokens) for s in response.sequences]
                    rewards_this_step.extend(rewards)
                    advantages = xc.group_advantages(rewards, group_size)
                    for sequence, advantage in zip(response.sequences, advantages, strict=True):
                        # A zero advantage trains nothing (the server masks it): skip the datum.
                        if advantage != 0.0 and sequence.tokens:
                            data.append(
                                xc.build_rl_datum(prompt_ids[index], sequence, advantage, form=form)
                            )
                mean_reward = sum(rewards_this_step) / len(rewards_this_step)
                history.append(mean_reward)
                if data:  # every group tied: no learning signal this step
                    fb = tc.forward_backward(data, "importance_sampling")
                    op = tc.optim_step(adam)  # pipelined behind fb
                    fb.result()
                    op.result()
                    tc.sync_inference_weights().result()
                if verbose:
                    print(
                        f"step {step + 1:3d}  mean reward {mean_reward:.3f}  "
                        f"datums {len(data):3d}  {time.perf_counter() - started:.2f}s",
                        flush=True,
                    )
    return history


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=None, help="server URL (default: $XORL_BASE_URL)")
    parser.add_argument("--base-model", default="xorl-local/byte-bigram")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument(
        "--group-size",
        "--batch-size",
        dest="group_size",
        type=int,
        default=8,
        help="completions per prompt, i.e. the group of the group advantages",
    )
    parser.add_argument("--num-prompts", type=int, default=len(PROMPTS))
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--form", choices=("target_tokens", "labels"), default="target_tokens")
    args = parser.parse_args(argv)

    rewards = run(
        args.base_url,
        steps=args.steps,
        group_size=args.group_size,
        num_prompts=args.num_prompts,
        max_tokens=args.max_tokens,
        learning_rate=args.learning_rate,
        seed=args.seed,
        base_model=args.base_model,
        form=args.form,
    )
    ok = improved(rewards)
    print(
        f"mean reward {rewards[0]:.3f} -> {rewards[-1]:.3f} over {len(rewards)} steps; needed "
        f"+{MARGIN} from the first {WINDOW} steps to the last {WINDOW}: "
        f"{'reached' if ok else 'NOT reached'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
