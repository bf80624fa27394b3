"""A supervised loop written the way the tinker-cookbook's ``recipes/sl_loop.py`` is.

Only the model name differs from a Tinker run; the program runs with ``import tinker``
resolving to xorl-client (``xorl-client tinker-run sl_loop.py ...``). ``--mode async`` is the
same loop with the ``*_async`` calls and the double-await idiom. ``--stop-after N`` ends the
process after step N's checkpoint, as an interrupted run would; running again with the same
``--log-path`` resumes from it.
"""

from __future__ import annotations

import argparse
import asyncio

import tinker
from loop_utils import (
    MODEL,
    get_last_checkpoint,
    mean_nll,
    report,
    sampler_agrees_with_trainer,
    save_checkpoint,
    save_checkpoint_async,
)
from tinker import types

TEXTS = ["the cat sat on the mat. ", "a dog ate the bone. ", "the sun is hot today. "]


def conversation_to_datum(tokenizer: object, text: str) -> types.Datum:
    """Right-shifted input, left-shifted targets, weights normalised per datum (reduction="mean")."""
    tokens = tokenizer.encode(text * 2, add_bos=True)  # type: ignore[attr-defined]
    weights = [0.0] * 4 + [1.0] * (len(tokens) - 5)
    total = sum(weights)
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": tinker.TensorData(
                data=tokens[1:], dtype="int64", shape=[len(tokens) - 1]
            ),
            "weights": tinker.TensorData(
                data=[w / total for w in weights], dtype="float32", shape=[len(weights)]
            ),
        },
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url")
    parser.add_argument("--log-path", required=True)
    parser.add_argument("--mode", choices=["sync", "async"], default="sync")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--save-every", type=int, default=2)
    parser.add_argument("--stop-after", type=int)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    return parser.parse_args()


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
    batch = [conversation_to_datum(tokenizer, text) for text in TEXTS]
    nlls = []
    for step in range(start_batch, config.steps):
        if step % config.save_every == 0 and step > 0:
            save_checkpoint(training_client, f"{step:06d}", config.log_path, {"batch": step})
            if step == config.stop_after:
                report(stopped=step, run_id=training_client.run_id)
                return
        lr = config.learning_rate * max(0.0, 1.0 - step / config.steps)
        adam_params = tinker.AdamParams(learning_rate=lr, beta1=0.9, beta2=0.95, eps=1e-8)
        fwd_bwd_future = training_client.forward_backward(batch, loss_fn="cross_entropy")
        optim_step_future = training_client.optim_step(adam_params)
        fwd_bwd_result = fwd_bwd_future.result()
        optim_step_future.result()
        train_logprobs = [x["logprobs"] for x in fwd_bwd_result.loss_fn_outputs]
        nlls.append(mean_nll(train_logprobs, [d.loss_fn_inputs["weights"] for d in batch]))
    paths = save_checkpoint(
        training_client, "final", config.log_path, {"batch": config.steps}, kind="both"
    )
    sampling_client = service_client.create_sampling_client(model_path=paths["sampler_path"])
    agrees = sampler_agrees_with_trainer(
        sampling_client, training_client, batch[0].model_input.to_ints()
    )
    report(
        start_batch=start_batch,
        run_id=training_client.run_id,
        model_id=training_client.get_info().model_id,
        nlls=nlls,
        agrees=agrees,
        base_model=sampling_client.get_base_model(),
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
    batch = [conversation_to_datum(tokenizer, text) for text in TEXTS]
    nlls = []
    for step in range(start_batch, config.steps):
        if step % config.save_every == 0 and step > 0:
            await save_checkpoint_async(
                training_client, f"{step:06d}", config.log_path, {"batch": step}
            )
            if step == config.stop_after:
                report(stopped=step, run_id=training_client.run_id)
                return
        lr = config.learning_rate * max(0.0, 1.0 - step / config.steps)
        adam_params = tinker.AdamParams(learning_rate=lr, beta1=0.9, beta2=0.95, eps=1e-8)
        fwd_bwd_future = await training_client.forward_backward_async(batch, "cross_entropy")
        optim_future = await training_client.optim_step_async(adam_params)
        fwd_bwd_result = await fwd_bwd_future.result_async()
        await optim_future.result_async()
        train_logprobs = [x["logprobs"] for x in fwd_bwd_result.loss_fn_outputs]
        nlls.append(mean_nll(train_logprobs, [d.loss_fn_inputs["weights"] for d in batch]))
    paths = await save_checkpoint_async(
        training_client, "final", config.log_path, {"batch": config.steps}, kind="both"
    )
    sampling_client = await training_client.create_sampling_client_async(paths["sampler_path"])
    full = tinker.ModelInput.from_ints(batch[0].model_input.to_ints())
    logprobs = await sampling_client.compute_logprobs_async(full)
    agrees = logprobs[0] is None and sampler_agrees_with_trainer(
        sampling_client, training_client, full.to_ints()
    )
    report(
        start_batch=start_batch,
        run_id=training_client.run_id,
        model_id=(await training_client.get_info_async()).model_id,
        nlls=nlls,
        agrees=agrees,
        base_model=await sampling_client.get_base_model_async(),
        **paths,
    )


if __name__ == "__main__":
    args = parse_args()
    if args.mode == "async":
        asyncio.run(main_async(args))
    else:
        main(args)
