"""An RL loop written the way the tinker-cookbook's ``recipes/rl_loop.py`` is.

Sampling from the current policy each step either through a named sampler export
(``save_weights_for_sampler`` + ``ServiceClient.create_sampling_client``, ``--sampler export``)
or an ephemeral one (``save_weights_and_get_sampling_client``, ``--sampler ephemeral``);
group-relative advantages; ``importance_sampling`` loss on datums built with Tinker's
``TensorData``; ``compute_logprobs`` to check the sampler's logprobs; checkpoints and resume as
in ``sl_loop.py``. ``--mode async`` uses the ``*_async`` calls and the double-await idiom.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import tinker
from loop_utils import MODEL, get_last_checkpoint, report, save_checkpoint, save_checkpoint_async
from tinker import types
from tinker.types.tensor_data import TensorData

PROMPTS = ["the cat ", "a dog ", "we see "]
GROUP_SIZE = 4


def get_reward(tokens: list[int]) -> float:
    """Fraction of vowels in the completion (a smooth reward the byte model can learn)."""
    text = bytes(t for t in tokens if t < 256).decode("latin-1")
    return sum(c in "aeiou" for c in text) / max(len(text), 1)


def build_datums(prompt_tokens: list[int], samples: list[Any]) -> list[types.Datum]:
    rewards = [get_reward(s.sequences[0].tokens) for s in samples]
    mean = sum(rewards) / len(rewards)
    advantages = [r - mean for r in rewards]
    if all(a == 0.0 for a in advantages):
        return []
    datums = []
    for sample, advantage in zip(samples, advantages, strict=True):
        sampled_tokens = sample.sequences[0].tokens
        sampled_logprobs = sample.sequences[0].logprobs
        assert sampled_logprobs is not None and len(sampled_logprobs) == len(sampled_tokens)
        tokens = prompt_tokens + sampled_tokens
        ob_len = len(prompt_tokens) - 1
        input_tokens = tokens[:-1]
        n = len(input_tokens)
        all_logprobs = [0.0] * ob_len + sampled_logprobs
        all_advantages = [0.0] * ob_len + [advantage] * (n - ob_len)
        datums.append(
            types.Datum(
                model_input=types.ModelInput.from_ints(tokens=input_tokens),
                loss_fn_inputs={
                    "target_tokens": TensorData(data=tokens[1:], dtype="int64", shape=[n]),
                    "logprobs": TensorData(data=all_logprobs, dtype="float32", shape=[n]),
                    "advantages": TensorData(data=all_advantages, dtype="float32", shape=[n]),
                },
            )
        )
    return datums


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url")
    parser.add_argument("--log-path", required=True)
    parser.add_argument("--mode", choices=["sync", "async"], default="sync")
    parser.add_argument("--sampler", choices=["export", "ephemeral"], default="export")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--save-every", type=int, default=2)
    parser.add_argument("--stop-after", type=int)
    return parser.parse_args()


def agrees(scored: list[float | None], prompt_len: int, sampled: list[float]) -> bool:
    """compute_logprobs at the completion's positions equals the sampler's own logprobs (T=1)."""
    return scored[0] is None and all(
        abs(a - b) < 1e-6 for a, b in zip(scored[prompt_len:], sampled, strict=True)
    )


def main(config: argparse.Namespace) -> None:
    service_client = tinker.ServiceClient(base_url=config.base_url)
    resume_info = get_last_checkpoint(config.log_path)
    if resume_info:
        training_client = service_client.create_training_client_from_state_with_optimizer(
            resume_info["state_path"]
        )
        start_batch = resume_info["batch"]
    else:
        training_client = service_client.create_lora_training_client(base_model=MODEL, rank=8)
        start_batch = 0
    tokenizer = training_client.get_tokenizer()
    sampling_params = tinker.types.SamplingParams(max_tokens=6, temperature=1.0)
    adam_params = types.AdamParams(learning_rate=0.05, beta1=0.9, beta2=0.95, eps=1e-8)
    checks: list[bool] = []
    sampler_paths = []
    for step in range(start_batch, config.steps):
        if config.save_every > 0 and step % config.save_every == 0 and step > 0:
            save_checkpoint(training_client, f"{step:06d}", config.log_path, {"batch": step})
            if step == config.stop_after:
                report(stopped=step, run_id=training_client.run_id)
                return
        if config.sampler == "ephemeral":
            sampling_client = training_client.save_weights_and_get_sampling_client()
        else:
            sampling_path = (
                training_client.save_weights_for_sampler(name=f"{step:06d}").result().path
            )
            sampler_paths.append(sampling_path)
            sampling_client = service_client.create_sampling_client(model_path=sampling_path)
        training_datums: list[types.Datum] = []
        for text in PROMPTS:
            model_input = types.ModelInput.from_ints(tokenizer.encode(text, add_bos=True))
            prompt_tokens = model_input.to_ints()
            futures = [
                sampling_client.sample(
                    prompt=model_input, num_samples=1, sampling_params=sampling_params
                )
                for _ in range(GROUP_SIZE)
            ]
            samples = [future.result() for future in futures]
            first = samples[0].sequences[0]
            full = types.ModelInput.from_ints(prompt_tokens + first.tokens)
            scored = sampling_client.compute_logprobs(full).result()
            checks.append(agrees(scored, len(prompt_tokens), first.logprobs or []))
            training_datums.extend(build_datums(prompt_tokens, samples))
        if not training_datums:
            continue
        fwd_bwd_future = training_client.forward_backward(
            training_datums, loss_fn="importance_sampling"
        )
        optim_step_future = training_client.optim_step(adam_params)
        fwd_bwd_future.result()
        optim_step_future.result()
    paths = save_checkpoint(
        training_client, "final", config.log_path, {"batch": config.steps}, kind="both"
    )
    report(
        start_batch=start_batch,
        run_id=training_client.run_id,
        sampler_agrees=all(checks) and len(checks) > 0,
        sampler_paths=sampler_paths,
        **paths,
    )


async def main_async(config: argparse.Namespace) -> None:
    service_client = tinker.ServiceClient(base_url=config.base_url)
    resume_info = get_last_checkpoint(config.log_path)
    if resume_info:
        training_client = (
            await service_client.create_training_client_from_state_with_optimizer_async(
                resume_info["state_path"]
            )
        )
        start_batch = resume_info["batch"]
    else:
        training_client = await service_client.create_lora_training_client_async(
            base_model=MODEL, rank=8
        )
        start_batch = 0
    tokenizer = training_client.get_tokenizer()
    sampling_params = tinker.types.SamplingParams(max_tokens=6, temperature=1.0)
    adam_params = types.AdamParams(learning_rate=0.05, beta1=0.9, beta2=0.95, eps=1e-8)
    checks: list[bool] = []
    sampler_paths = []
    for step in range(start_batch, config.steps):
        if config.save_every > 0 and step % config.save_every == 0 and step > 0:
            await save_checkpoint_async(
                training_client, f"{step:06d}", config.log_path, {"batch": step}
            )
            if step == config.stop_after:
                report(stopped=step, run_id=training_client.run_id)
                return
        if config.sampler == "ephemeral":
            sampling_client = await training_client.save_weights_and_get_sampling_client_async()
        else:
            saved = await training_client.save_weights_for_sampler_async(name=f"{step:06d}")
            sampling_path = (await saved.result_async()).path
            sampler_paths.append(sampling_path)
            sampling_client = await service_client.create_sampling_client_async(
                model_path=sampling_path
            )
        training_datums: list[types.Datum] = []
        for text in PROMPTS:
            model_input = types.ModelInput.from_ints(tokenizer.encode(text, add_bos=True))
            prompt_tokens = model_input.to_ints()
            samples = await asyncio.gather(
                *[
                    sampling_client.sample_async(
                        prompt=model_input, num_samples=1, sampling_params=sampling_params
                    )
                    for _ in range(GROUP_SIZE)
                ]
            )
            first = samples[0].sequences[0]
            full = types.ModelInput.from_ints(prompt_tokens + first.tokens)
            scored = await sampling_client.compute_logprobs_async(full)
            checks.append(agrees(scored, len(prompt_tokens), first.logprobs or []))
            training_datums.extend(build_datums(prompt_tokens, list(samples)))
        if not training_datums:
            continue
        fwd_bwd_future = await training_client.forward_backward_async(
            training_datums, loss_fn="importance_sampling"
        )
        optim_future = await training_client.optim_step_async(adam_params)
        await fwd_bwd_future.result_async()
        await optim_future.result_async()
    paths = await save_checkpoint_async(
        training_client, "final", config.log_path, {"batch": config.steps}, kind="both"
    )
    report(
        start_batch=start_batch,
        run_id=training_client.run_id,
        sampler_agrees=all(checks) and len(checks) > 0,
        sampler_paths=sampler_paths,
        **paths,
    )


if __name__ == "__main__":
    args = parse_args()
    if args.mode == "async":
        asyncio.run(main_async(args))
    else:
        main(args)
