"""The official ``xorl-client==0.1.0`` on the same workloads (run in its own virtual environment).

    build/bench-venv-official/bin/python benchmarks/official_worker.py W1 lists --url URL

It never runs in the project's environment: ``import xorl_client`` here is the official
package. Its size limit per request is raised like the SDK's, so W1 and W6 are one request
each, as for the other contenders. Variants: W1 ``lists``; W2 ``pipelined``; W3 ``batch``
(its ``sample_batch``, which starts every prompt at once); W6 ``numpy`` (its one path for a
rank-2 field: ``TensorData.from_numpy``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from measure import measured, report
from workload_data import RL_LOSS, SIZES, W6_FIELD, Sizes, rank2_field, rl_batch, small_datum
from xorl_client.client import training_client as _official_training

import xorl_client as official  # the official package, in its own virtual environment

_official_training.MAX_CHUNK_BYTES_COUNT = 1 << 40  # type: ignore[attr-defined]


def _service(url: str) -> Any:
    return official.ServiceClient(base_url=url)


def warm_up(tc: Any) -> None:
    """One small forward_backward first (as for the SDK and the floor)."""
    ids, _ = small_datum(8)
    datum = official.Datum(
        model_input=official.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids}
    )
    tc.forward_backward([datum]).result()


def w1(url: str, sizes: Sizes, variant: str) -> None:
    with _service(url) as service:
        tc = service.create_training_client("bench/model")
        warm_up(tc)
        rows = rl_batch(sizes.w1_datums, sizes.w1_tokens)
        with measured() as m:
            data = [
                official.Datum(
                    model_input=official.ModelInput.from_ints(ids),
                    loss_fn_inputs={"target_tokens": tt, "logprobs": lp, "advantages": adv},
                )
                for ids, tt, lp, adv in rows
            ]
            out = tc.forward_backward(data, RL_LOSS).result()
            logprobs = [o["logprobs"] for o in out.loss_fn_outputs]
    assert len(logprobs) == sizes.w1_datums
    report(m, request_bytes=out.info["request_bytes"])


def w2(url: str, sizes: Sizes, variant: str) -> None:
    ids, targets = small_datum(sizes.w2_tokens)
    with _service(url) as service:
        tc = service.create_training_client("bench/model")
        adam = official.AdamParams(learning_rate=1e-4)
        with measured() as m:
            futures = []
            for _ in range(sizes.w2_steps):
                datum = official.Datum(
                    model_input=official.ModelInput.from_ints(ids),
                    loss_fn_inputs={"target_tokens": targets},
                )
                futures.append(tc.forward_backward([datum], "cross_entropy"))
                futures.append(tc.optim_step(adam))
            results = [f.result() for f in futures]
    assert results[-1].metrics["step"] == sizes.w2_steps
    report(m, steps=sizes.w2_steps)


def w3(url: str, sizes: Sizes, variant: str) -> None:
    prompts = [
        official.ModelInput.from_ints([1 + i % 200, 7, 9, 11]) for i in range(sizes.w3_prompts)
    ]
    params = official.SamplingParams(max_tokens=sizes.w3_completion, temperature=1.0)
    sc = official.SamplingClient(url)
    sc.sample(prompts[0], params).result()  # (it opens a new connection per request anyway)
    with measured() as m:
        batch = sc.sample_batch(prompts, params).result()
    assert len(batch.completed) == sizes.w3_prompts, (len(batch.failed), batch.failed[:1])
    report(m)


def w6(url: str, sizes: Sizes, variant: str) -> None:
    with _service(url) as service:
        tc = service.create_training_client("bench/model")
        warm_up(tc)
        hidden = rank2_field(sizes.w6_rows, sizes.w6_cols, numpy=True)
        ids, targets = small_datum(sizes.w6_rows)
        with measured() as m:
            datum = official.Datum(
                model_input=official.ModelInput.from_ints(ids),
                loss_fn_inputs={"target_tokens": targets, W6_FIELD: hidden},
            )
            out = tc.forward_backward([datum], "opd_loss").result()
    assert len(out.loss_fn_outputs) == 1
    report(m, request_bytes=out.info["request_bytes"])


WORKLOADS = {"W1": w1, "W2": w2, "W3": w3, "W6": w6}


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
