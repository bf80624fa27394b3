"""The floor: raw httpx + orjson sending the SDK's bodies and long-polling the futures by hand.

    python benchmarks/floor_worker.py W1 async --url URL [--size full|smoke]

No checks, no retries, no bookkeeping: the least a client can do to get the same answers
over the same wire. Variants: ``async`` (an ``httpx.AsyncClient``, the SDK's stack) and
``sync`` (an ``httpx.Client``); W6 also ``numpy`` (orjson's own numpy encoding of the field).
W3 is async only (64 requests in flight). Parsing ends where the SDK's does: the per-token
logprobs as lists of floats.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
from measure import Measurement, measured, report
from workload_data import RL_LOSS, SIZES, W6_FIELD, Sizes, rank2_field, rl_batch, small_datum

JSON = {"content-type": "application/json"}
ADAM = {
    "learning_rate": 1e-4,
    "beta1": 0.9,
    "beta2": 0.95,
    "eps": 1e-12,
    "weight_decay": 0.0,
    "grad_clip_norm": 0.0,
}


def _fb_body(seq_id: int, data: list[Any], loss: str) -> dict[str, Any]:
    return {
        "forward_backward_input": {"data": data, "loss_fn": loss},
        "model_id": "default",
        "seq_id": seq_id,
    }


def _optim_body(seq_id: int) -> dict[str, Any]:
    return {"model_id": "default", "seq_id": seq_id, "adam_params": ADAM}


# -- the two phases, by hand -------------------------------------------------------------------


def _result_or_none(content: bytes) -> Any:
    parsed = orjson.loads(content)
    return None if parsed.get("type") == "try_again" else parsed


def call_sync(client: httpx.Client, path: str, content: bytes) -> Any:
    answer = client.post(path, content=content, headers=JSON)
    answer.raise_for_status()
    poll = orjson.dumps({"request_id": orjson.loads(answer.content)["request_id"]})
    while True:
        got = client.post("/api/v1/retrieve_future", content=poll, headers=JSON)
        got.raise_for_status()
        result = _result_or_none(got.content)
        if result is not None:
            return result


async def submit(client: httpx.AsyncClient, path: str, content: bytes) -> str:
    answer = await client.post(path, content=content, headers=JSON)
    answer.raise_for_status()
    return str(orjson.loads(answer.content)["request_id"])


async def wait(client: httpx.AsyncClient, request_id: str) -> Any:
    poll = orjson.dumps({"request_id": request_id})
    while True:
        got = await client.post("/api/v1/retrieve_future", content=poll, headers=JSON)
        got.raise_for_status()
        result = _result_or_none(got.content)
        if result is not None:
            return result


def _logprobs(result: dict[str, Any]) -> list[list[float]]:
    return [o["logprobs"]["data"] for o in result["loss_fn_outputs"]]


_CREATE = b'{"base_model":"bench/model"}'
#: a small forward_backward before the measured region (the SDK's and the official client's
#: workers send the same one)
_WARM_UP = orjson.dumps(
    _fb_body(
        0,
        [
            {
                "model_input": {"input_ids": small_datum(8)[0]},
                "loss_fn_inputs": {"labels": small_datum(8)[0]},
            }
        ],
        "causallm_loss",
    )
)


def _nothing() -> None:
    return None


def measure_sync(
    url: str, work: Callable[[httpx.Client], Any], prepare: Callable[[], None] = _nothing
) -> tuple[Any, Measurement]:
    """``work(client)`` measured, on a client already connected (as the SDK's is); ``prepare()``
    builds the inputs after the warm-up, as the SDK's worker does."""
    with httpx.Client(base_url=url, timeout=600) as client:
        call_sync(client, "/api/v1/create_model", _CREATE)
        call_sync(client, "/api/v1/forward_backward", _WARM_UP)
        prepare()
        with measured() as m:
            result = work(client)
    return result, m


def measure_async(
    url: str,
    work: Callable[[httpx.AsyncClient], Awaitable[Any]],
    limit: int,
    prepare: Callable[[], None] = _nothing,
) -> tuple[Any, Measurement]:
    """``await work(client)`` measured, on a client already connected (as the SDK's is)."""

    async def main() -> tuple[Any, Measurement]:
        limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=600) as client:
            await wait(client, await submit(client, "/api/v1/create_model", _CREATE))
            await wait(client, await submit(client, "/api/v1/forward_backward", _WARM_UP))
            prepare()
            with measured() as m:
                result = await work(client)
        return result, m

    return asyncio.run(main())


# -- workloads ---------------------------------------------------------------------------------


def _one_fb(
    url: str,
    variant: str,
    data: Callable[[], list[Any]],
    loss: str,
    prepare: Callable[[], None],
) -> tuple[Any, Measurement, int]:
    """Send one forward_backward built by ``data()``: the result, its measurement, body size."""
    sizes: list[int] = []

    def body() -> bytes:
        option = orjson.OPT_SERIALIZE_NUMPY if variant == "numpy" else 0
        content = orjson.dumps(_fb_body(1, data(), loss), option=option)
        sizes.append(len(content))
        return content

    def parsed(result: Any) -> Any:
        _logprobs(result)  # where the SDK's parsing ends
        return result

    if variant == "sync":
        result, m = measure_sync(
            url,
            lambda client: parsed(call_sync(client, "/api/v1/forward_backward", body())),
            prepare,
        )
    else:

        async def work(client: httpx.AsyncClient) -> Any:
            request_id = await submit(client, "/api/v1/forward_backward", body())
            return parsed(await wait(client, request_id))

        result, m = measure_async(url, work, 1, prepare)
    return result, m, sizes[0]


def w1(url: str, sizes: Sizes, variant: str) -> None:
    rows: list[Any] = []

    def prepare() -> None:
        rows.extend(rl_batch(sizes.w1_datums, sizes.w1_tokens))

    def data() -> list[Any]:
        return [
            {
                "model_input": {"input_ids": ids},
                "loss_fn_inputs": {"target_tokens": tt, "logprobs": lp, "advantages": adv},
            }
            for ids, tt, lp, adv in rows
        ]

    result, m, body_bytes = _one_fb(url, variant, data, RL_LOSS, prepare)
    logprobs = _logprobs(result)
    assert len(logprobs) == sizes.w1_datums and len(logprobs[-1]) == sizes.w1_tokens
    report(m, body_bytes=body_bytes, request_bytes=result["info"]["request_bytes"])


def w2(url: str, sizes: Sizes, variant: str) -> None:
    ids, targets = small_datum(sizes.w2_tokens)

    def fb(seq_id: int) -> bytes:
        datum = {"model_input": {"input_ids": ids}, "loss_fn_inputs": {"target_tokens": targets}}
        return orjson.dumps(_fb_body(seq_id, [datum], "cross_entropy"))

    seq = itertools.count(1)
    if variant == "sync":

        def steps(client: httpx.Client) -> list[Any]:
            results = []
            for _ in range(sizes.w2_steps):
                results.append(call_sync(client, "/api/v1/forward_backward", fb(next(seq))))
                optim = orjson.dumps(_optim_body(next(seq)))
                results.append(call_sync(client, "/api/v1/optim_step", optim))
            return results

        results, m = measure_sync(url, steps)
    else:

        async def work(client: httpx.AsyncClient) -> list[Any]:
            polls = []
            for _ in range(sizes.w2_steps):  # submitted ahead, in order; polled concurrently
                fb_id = await submit(client, "/api/v1/forward_backward", fb(next(seq)))
                polls.append(asyncio.ensure_future(wait(client, fb_id)))
                optim = orjson.dumps(_optim_body(next(seq)))
                op_id = await submit(client, "/api/v1/optim_step", optim)
                polls.append(asyncio.ensure_future(wait(client, op_id)))
            return list(await asyncio.gather(*polls))

        results, m = measure_async(url, work, 64)
    assert results[-1]["metrics"]["step"] == sizes.w2_steps
    report(m, steps=sizes.w2_steps)


def w3(url: str, sizes: Sizes, variant: str) -> None:
    params = {
        "max_new_tokens": sizes.w3_completion,
        "temperature": 1.0,
        "top_p": 1.0,
        "top_k": -1,
        "min_p": 0.0,
    }
    prompts = [[1 + i % 200, 7, 9, 11] for i in range(sizes.w3_prompts)]

    async def work(client: httpx.AsyncClient) -> list[Any]:
        gate = asyncio.Semaphore(sizes.w3_concurrency)

        async def one(ids: list[int]) -> tuple[list[int], list[float]]:
            body = {"input_ids": ids, "sampling_params": params, "return_logprob": True}
            async with gate:
                answer = await client.post("/generate", content=orjson.dumps(body), headers=JSON)
            answer.raise_for_status()
            row = orjson.loads(answer.content)
            entries = row["meta_info"]["output_token_logprobs"]
            return row["output_ids"], [e[0] for e in entries]

        return list(await asyncio.gather(*(one(p) for p in prompts)))

    results, m = measure_async(url, work, sizes.w3_concurrency)
    assert len(results) == sizes.w3_prompts and len(results[-1][1]) == sizes.w3_completion
    report(m)


def w6(url: str, sizes: Sizes, variant: str) -> None:
    inputs: dict[str, Any] = {}

    def prepare() -> None:
        inputs["hidden"] = rank2_field(sizes.w6_rows, sizes.w6_cols, numpy=variant == "numpy")
        inputs["ids"], inputs["targets"] = small_datum(sizes.w6_rows)

    def data() -> list[Any]:
        hidden, ids, targets = inputs["hidden"], inputs["ids"], inputs["targets"]
        if variant == "numpy":
            flat: Any = hidden.reshape(-1)
        else:
            flat = list(itertools.chain.from_iterable(hidden))
        field = {"data": flat, "dtype": "float32", "shape": [sizes.w6_rows, sizes.w6_cols]}
        lfi = {"target_tokens": targets, W6_FIELD: field}
        return [{"model_input": {"input_ids": ids}, "loss_fn_inputs": lfi}]

    result, m, body_bytes = _one_fb(url, variant, data, "opd_loss", prepare)
    assert len(result["loss_fn_outputs"]) == 1
    report(m, body_bytes=body_bytes, request_bytes=result["info"]["request_bytes"])


WORKLOADS = {"W1": w1, "W2": w2, "W3": w3, "W6": w6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("variant", choices=("async", "sync", "numpy"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    args = parser.parse_args(argv)
    WORKLOADS[args.workload](args.url, SIZES[args.size], args.variant)
    return 0


if __name__ == "__main__":
    sys.exit(main())
