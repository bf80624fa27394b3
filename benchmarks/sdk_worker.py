"""The SDK's side of the workloads: one measurement per process, one JSON line out.

    python benchmarks/sdk_worker.py W1 lists --url URL [--size full|smoke]

Variants: W1 ``lists`` / ``numpy``; W2 ``pipelined``; W3 ``batch`` (``sample_batch``) /
``async`` (``sample_async`` in the caller's own event loop); W6 ``lists`` / ``numpy``;
W7 ``exactly_once`` / ``reporting_only``. Inputs are built before the measured region (they
are the caller's data); the region runs from the call to the parsed result.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from measure import measured, report
from workload_data import RL_LOSS, SIZES, W6_FIELD, Sizes, rank2_field, rl_batch, small_datum

import xorl_client as xc

#: One request per call, as the floor sends (the default 5 MB chunks would split W1 in nine).
ONE_CHUNK = {"chunk_max_bytes": 1 << 40, "chunk_max_items": 1 << 20}


def warm_up(tc: xc.TrainingClient) -> None:
    """One small forward_backward first, as the floor's client is warm (the measured call is
    a loop's steady state; the cold import is W4's)."""
    ids, _ = small_datum(8)
    datum = xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})
    tc.forward_backward([datum]).result()


def w1(url: str, sizes: Sizes, variant: str) -> None:
    rows = rl_batch(sizes.w1_datums, sizes.w1_tokens, numpy=variant == "numpy")
    with xc.ServiceClient(base_url=url, **ONE_CHUNK) as service:
        tc = service.create_training_client("bench/model")
        warm_up(tc)
        with measured() as m:
            data = [
                xc.Datum(
                    model_input=xc.ModelInput.from_ints(ids),
                    loss_fn_inputs={"target_tokens": tt, "logprobs": lp, "advantages": adv},
                )
                for ids, tt, lp, adv in rows
            ]
            out = tc.forward_backward(data, RL_LOSS).result()
            logprobs = [o["logprobs"] for o in out.loss_fn_outputs]
        assert len(logprobs) == sizes.w1_datums and len(logprobs[-1]) == sizes.w1_tokens
    report(m, request_bytes=out.info["request_bytes"])


def w2(url: str, sizes: Sizes, variant: str) -> None:
    ids, targets = small_datum(sizes.w2_tokens)
    with xc.ServiceClient(base_url=url) as service:
        tc = service.create_training_client("bench/model")
        adam = xc.AdamParams(learning_rate=1e-4)
        with measured() as m:
            futures = []
            for _ in range(sizes.w2_steps):
                datum = xc.Datum(
                    model_input=xc.ModelInput.from_ints(ids),
                    loss_fn_inputs={"target_tokens": targets},
                )
                futures.append(tc.forward_backward([datum], "cross_entropy"))
                futures.append(tc.optim_step(adam))
            results = [f.result() for f in futures]
        assert results[-1].metrics["step"] == sizes.w2_steps
    report(m, steps=sizes.w2_steps)


def w3(url: str, sizes: Sizes, variant: str) -> None:
    prompts = [xc.ModelInput.from_ints([1 + i % 200, 7, 9, 11]) for i in range(sizes.w3_prompts)]
    params = xc.SamplingParams(max_tokens=sizes.w3_completion, temperature=1.0)
    sc = xc.SamplingClient(url)
    try:
        sc.sample(prompts[0], params).result()  # connected, as the floor's client is
        if variant == "batch":
            with measured() as m:
                batch = sc.sample_batch(
                    prompts, params, max_concurrency=sizes.w3_concurrency
                ).result()
                responses = [r for _, r in batch.completed]
        else:

            async def run() -> list[Any]:
                gate = asyncio.Semaphore(sizes.w3_concurrency)

                async def one(prompt: xc.ModelInput) -> Any:
                    async with gate:
                        return await sc.sample_async(prompt, params)

                return await asyncio.gather(*(one(p) for p in prompts))

            with measured() as m:
                responses = asyncio.run(run())
    finally:
        sc.close()
    assert len(responses) == sizes.w3_prompts
    assert len(responses[-1].sequences[0].logprobs) == sizes.w3_completion
    report(m)


def w6(url: str, sizes: Sizes, variant: str) -> None:
    hidden = rank2_field(sizes.w6_rows, sizes.w6_cols, numpy=variant == "numpy")
    ids, targets = small_datum(sizes.w6_rows)
    with xc.ServiceClient(base_url=url, **ONE_CHUNK) as service:
        tc = service.create_training_client("bench/model")
        warm_up(tc)
        with measured() as m:
            datum = xc.Datum(
                model_input=xc.ModelInput.from_ints(ids),
                loss_fn_inputs={"target_tokens": targets, W6_FIELD: hidden},
            )
            out = tc.forward_backward([datum], "opd_loss").result()
        assert len(out.loss_fn_outputs) == 1
    report(m, request_bytes=out.info["request_bytes"])


def w7(url: str, sizes: Sizes, variant: str) -> None:
    settings = {} if variant == "exactly_once" else {"exactly_once": False}
    ids, _ = small_datum(sizes.w2_tokens)
    with xc.ServiceClient(base_url=url, **settings) as service:
        tc = service.create_training_client("bench/model")
        batch = [xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})]
        adam = xc.AdamParams(learning_rate=1e-4)

        def step() -> None:
            fb1 = tc.forward_backward(batch)
            fb2 = tc.forward_backward(batch)
            op = tc.optim_step(adam)
            fb1.result()
            fb2.result()
            op.result()

        for _ in range(sizes.w7_warmup):
            step()
        with measured() as m:
            for _ in range(sizes.w7_steps):
                step()
    report(m, steps=sizes.w7_steps, steps_per_s=sizes.w7_steps / m["wall_s"])


WORKLOADS = {"W1": w1, "W2": w2, "W3": w3, "W6": w6, "W7": w7}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("variant")
    parser.add_argument("--url", required=True)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    args = parser.parse_args(argv)
    WORKLOADS[args.workload](args.url, SIZES[args.size], args.variant)
    return 0


if __name__ == "__main__":
    sys.exit(main())
