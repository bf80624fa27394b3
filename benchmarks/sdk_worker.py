"""The SDK's side of the workloads: one measurement per process, one JSON line out.

    python benchmarks/sdk_worker.py W1 lists --url URL [--size full|smoke]

Variants: W1 ``lists`` / ``numpy``; W2 ``pipelined``; W3 ``batch`` (``sample_batch``) /
``async`` (``sample_async`` in the caller's own event loop); W6 ``lists`` / ``numpy``;
W7 ``paired`` (both settings, alternating blocks in one process). Inputs are built before the measured region (they
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
#: W7 steps per block of one setting before the other setting's block.
W7_BLOCK = 10


def warm_up(tc: xc.TrainingClient) -> None:
    """One small forward_backward first, as the floor's client is warm (the measured call is
    a loop's steady state; the cold import is W4's). Every contender builds its inputs after
    this, as a loop builds batches after connecting: input lists allocated before the
    client's first use leave its modules on top of them in the heap, and the measured peak
    then depends on the order of two setup lines (about 9 MB of W1's, either way)."""
    ids, _ = small_datum(8)
    datum = xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})
    tc.forward_backward([datum]).result()


def w1(url: str, sizes: Sizes, variant: str) -> None:
    with xc.ServiceClient(base_url=url, **ONE_CHUNK) as service:
        tc = service.create_training_client("bench/model")
        warm_up(tc)
        rows = rl_batch(sizes.w1_datums, sizes.w1_tokens, numpy=variant == "numpy")
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
    with xc.ServiceClient(base_url=url, **ONE_CHUNK) as service:
        tc = service.create_training_client("bench/model")
        warm_up(tc)
        hidden = rank2_field(sizes.w6_rows, sizes.w6_cols, numpy=variant == "numpy")
        ids, targets = small_datum(sizes.w6_rows)
        with measured() as m:
            datum = xc.Datum(
                model_input=xc.ModelInput.from_ints(ids),
                loss_fn_inputs={"target_tokens": targets, W6_FIELD: hidden},
            )
            out = tc.forward_backward([datum], "opd_loss").result()
        assert len(out.loss_fn_outputs) == 1
    report(m, request_bytes=out.info["request_bytes"])


def w7(url: str, sizes: Sizes, variant: str) -> None:
    """Both settings in one process, in alternating blocks (A B B A ...), so the machine's
    drift over the run falls on both alike; ``ratio`` is exactly-once steps/s over
    reporting-only steps/s (a separate process per setting measured mostly the noise
    between processes: +-10 % run to run)."""
    ids, _ = small_datum(sizes.w2_tokens)
    batch = [xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})]
    adam = xc.AdamParams(learning_rate=1e-4)
    names = ("exactly_once", "reporting_only")
    blocks = max(2, sizes.w7_steps // W7_BLOCK)
    per_block = max(1, sizes.w7_steps // blocks)
    with (
        xc.ServiceClient(base_url=url) as exactly_once,
        xc.ServiceClient(base_url=url, exactly_once=False) as reporting_only,
    ):
        clients = {
            # one session each (the server counts steps per model_id)
            name: service.create_lora_training_client("bench/model", rank=8, model_id=f"w7-{name}")
            for name, service in (
                ("exactly_once", exactly_once),
                ("reporting_only", reporting_only),
            )
        }

        def step(tc: xc.TrainingClient) -> None:
            fb1 = tc.forward_backward(batch)
            fb2 = tc.forward_backward(batch)
            op = tc.optim_step(adam)
            fb1.result()
            fb2.result()
            op.result()

        for tc in clients.values():
            for _ in range(sizes.w7_warmup):
                step(tc)
        wall = dict.fromkeys(names, 0.0)
        cpu = dict.fromkeys(names, 0.0)
        with measured() as m:
            for block in range(blocks):
                order = names if block % 4 in (0, 3) else names[::-1]
                for name in order:
                    with measured() as one:
                        for _ in range(per_block):
                            step(clients[name])
                    wall[name] += one["wall_s"]
                    cpu[name] += one["client_cpu_s"]
    steps = blocks * per_block
    rates = {name: steps / wall[name] for name in names}
    report(
        m,
        steps=steps,
        blocks=blocks,
        **{f"steps_per_s_{name}": rates[name] for name in names},
        **{f"cpu_per_step_{name}": cpu[name] / steps for name in names},
        ratio=rates["exactly_once"] / rates["reporting_only"],
        cpu_ratio=cpu["exactly_once"] / cpu["reporting_only"],
    )


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
