"""SamplingClient against the local reference server over 127.0.0.1.

What RL relies on: seeded sampling is reproducible, the sampler's logprobs are exactly what the
trainer's ``forward`` computes for the same tokens (in both datum forms), LoRA adapters load and
change the samples, and a batch deadline cancels stragglers without leaving anything behind.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

import xorl_client as xc
from xorl_client import _runtime
from xorl_client.local import LocalServerConfig, serve_in_thread
from xorl_client.sampling import SamplingRetryPolicy

pytestmark = pytest.mark.integration

BASE_MODEL = "xorl-local/byte-bigram"
TEXT = "the cat sat on the mat. the dog sat on the log. a small model learns one byte at a time."
PROMPTS = [[256, *b"the "], [256, *b"a dog"], [256, *b"Q: "]]


@pytest.fixture
def full_url(tmp_path: Path) -> Iterator[str]:
    config = LocalServerConfig(port=0, output_dir=tmp_path / "full", long_poll_timeout=1.0)
    with serve_in_thread(config) as url:
        yield url


@pytest.fixture
def lora_url(tmp_path: Path) -> Iterator[str]:
    config = LocalServerConfig(
        port=0, output_dir=tmp_path / "lora", lora=True, long_poll_timeout=1.0
    )
    with serve_in_thread(config) as url:
        yield url


def sft(tc: xc.TrainingClient, steps: int, lr: float = 0.1) -> None:
    """A few supervised steps so the weights move away from the base model."""
    ids = xc.ByteTokenizer().encode(TEXT)
    batch = [xc.Datum(ids[i : i + 32], {"labels": ids[i : i + 32]}) for i in range(0, 48, 16)]
    for _ in range(steps):
        tc.forward_backward(batch, "cross_entropy")
        tc.optim_step(xc.AdamParams(learning_rate=lr)).result(timeout=60)


def trainer_logprobs(
    tc: xc.TrainingClient, prompt: list[int], seqs: list[xc.SampledSequence], form: Any
) -> list[list[float]]:
    """The trainer's logprob of every completion token, via forward on build_rl_datum data."""
    data = [xc.build_rl_datum(prompt, s, advantage=1.0, form=form) for s in seqs]
    per_datum = tc.forward(data, "importance_sampling").result(timeout=60).per_datum_logprobs()
    out = []
    for seq, lps in zip(seqs, per_datum, strict=True):
        assert len(lps) == len(prompt) + len(seq.tokens) - 1  # one per predicted token
        assert lps[: len(prompt) - 1] == [0.0] * (len(prompt) - 1)  # prompt positions masked
        out.append(lps[len(prompt) - 1 :])
    return out


def test_same_seed_gives_the_same_samples(full_url: str) -> None:
    params = xc.SamplingParams(max_tokens=12, seed=1234)
    with xc.SamplingClient(full_url) as sampler:
        first = sampler.sample(PROMPTS[0], params, num_samples=3).result(timeout=60)
        again = sampler.sample(PROMPTS[0], params, num_samples=3).result(timeout=60)
        other = sampler.sample(
            PROMPTS[0], xc.SamplingParams(max_tokens=12, seed=99), num_samples=3
        ).result(timeout=60)
        batch = sampler.sample_batch(PROMPTS, params, num_samples=3, timeout=60).result()
    assert first == again
    assert [s.tokens for s in first.sequences] != [s.tokens for s in other.sequences]
    # The three samples of one request differ from one another (seed, seed+1, seed+2).
    assert len({tuple(s.tokens) for s in first.sequences}) == 3
    assert batch.ok and batch.completed[0][1] == first
    for seq in first.sequences:
        assert seq.stop_reason in ("length", "stop")
        assert seq.logprobs is not None and len(seq.logprobs) == len(seq.tokens)
        assert seq.stop_reason == "stop" or len(seq.tokens) == 12


def test_sampler_logprobs_equal_forward_logprobs_in_both_datum_forms(full_url: str) -> None:
    with xc.ServiceClient(base_url=full_url) as service:
        tc = service.create_training_client(BASE_MODEL)
        sft(tc, steps=3)
        with service.create_sampling_client() as sampler:
            params = xc.SamplingParams(max_tokens=16, temperature=0.8, top_k=50, seed=5)
            # Before the sync the sampler still serves the base weights: logprobs must differ
            # (otherwise the comparison below would prove nothing).
            stale = sampler.sample(PROMPTS[0], params, num_samples=2).result(timeout=60)
            stale_lps = trainer_logprobs(tc, PROMPTS[0], stale.sequences, "target_tokens")
            assert any(
                abs(a - b) > 1e-3
                for seq, lps in zip(stale.sequences, stale_lps, strict=True)
                for a, b in zip(seq.logprobs or [], lps, strict=True)
            )
            assert tc.sync_inference_weights().result(timeout=60).success
            for prompt in PROMPTS:
                response = sampler.sample(prompt, params, num_samples=4).result(timeout=60)
                for form in ("target_tokens", "labels"):
                    got = trainer_logprobs(tc, prompt, response.sequences, form)
                    for seq, lps in zip(response.sequences, got, strict=True):
                        assert seq.logprobs is not None
                        assert lps == pytest.approx(seq.logprobs, abs=1e-5, rel=0)


def test_lora_adapter_from_create_sampling_client_samples_differently(lora_url: str) -> None:
    params = xc.SamplingParams(max_tokens=24, seed=42)
    with xc.ServiceClient(base_url=lora_url) as service:
        tc = service.create_lora_training_client(BASE_MODEL, rank=8)
        sft(tc, steps=5, lr=0.2)
        path = tc.save_weights_for_sampler("rl-adapter").result(timeout=60).path
        assert path.endswith("/sampler_weights/rl-adapter")
        with (
            service.create_sampling_client(model_path=path) as adapted,
            service.create_sampling_client() as base,
        ):
            assert adapted.lora_path == "rl-adapter"
            tuned = adapted.sample(PROMPTS[1], params, num_samples=2).result(timeout=60)
            plain = base.sample(PROMPTS[1], params, num_samples=2).result(timeout=60)
            assert [s.tokens for s in tuned.sequences] != [s.tokens for s in plain.sequences]
            # The adapter's sampler and the LoRA trainer agree on the logprobs.
            got = trainer_logprobs(tc, PROMPTS[1], tuned.sequences, "target_tokens")
            for seq, lps in zip(tuned.sequences, got, strict=True):
                assert lps == pytest.approx(seq.logprobs, abs=1e-5, rel=0)
        with pytest.raises(xc.NotFoundError):
            service.create_sampling_client(model_path="xorl://default/sampler_weights/missing")


def test_server_rejections_come_back_as_not_retried_4xx(full_url: str) -> None:
    with (
        xc.SamplingClient(full_url, lora_path="never-loaded") as sampler,
        pytest.raises(xc.BadRequestError, match="never-loaded' is not loaded") as info,
    ):
        sampler.sample(PROMPTS[0]).result(timeout=60)
    assert info.value.status_code == 400
    with xc.SamplingClient(full_url) as sampler:
        resp = sampler.sample("hello", xc.SamplingParams(max_tokens=4, seed=1)).result(timeout=60)
        assert 1 <= len(resp.sequences[0].tokens) <= 4
        result = sampler.sample_batch(
            [PROMPTS[0], [1, 2, 999]], xc.SamplingParams(max_tokens=2)
        ).result()
    assert [i for i, _ in result.completed] == [0]
    assert [i for i, _ in result.failed] == [1]
    assert "outside the vocabulary" in str(result.failed[0][1])


# -- the batch deadline ------------------------------------------------------------------------


@pytest.fixture
def process_url(tmp_path: Path) -> Iterator[str]:
    """A local server in a child process.

    Two reasons: the local server keeps generating after the client disconnects (it has no
    abort), so the deliberately endless generations below must die with their process; and
    with no server threads in this process, "no thread left behind" can be checked exactly.
    """
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xorl_client.local",
            "--port",
            "0",
            "--output-dir",
            str(tmp_path / "proc"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # "xorl local server ready at http://127.0.0.1:PORT (...)"
            if "ready at http://" in line:
                break
        else:
            raise RuntimeError(f"the local server exited with code {proc.wait()}")
        yield line.split("ready at ", 1)[1].split()[0]
    finally:
        proc.kill()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


class Watch(httpx.AsyncBaseTransport):
    """Real loopback HTTP, plus bookkeeping for the test.

    Slow requests (huge ``max_new_tokens``) are marked; once ``fast`` other responses have been
    read, the batch deadline (``sleep``) is released, so "the deadline passes" exactly when
    every request that can finish has finished - no wall-clock timing involved.
    """

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.fast_left = 0
        self.release: asyncio.Event | None = None
        self.slow_sent = 0
        self.slow_cancelled = 0

    def expect(self, fast: int) -> None:
        self.fast_left = fast
        self.release = None

    def _release(self) -> asyncio.Event:
        if self.release is None:
            self.release = asyncio.Event()
        return self.release

    async def sleep(self, seconds: float) -> None:
        await self._release().wait()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        params = orjson.loads(request.content)["sampling_params"]
        slow = isinstance(params, dict) and params.get("max_new_tokens", 0) > 1_000_000
        if slow:
            self.slow_sent += 1
            try:
                return await self.inner.handle_async_request(request)
            except asyncio.CancelledError:
                self.slow_cancelled += 1
                raise
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.fast_left -= 1
        if self.fast_left == 0:
            self._release().set()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def sdk_task_count() -> int:
    async def count() -> int:
        return len(asyncio.all_tasks()) - 1  # minus this one

    return _runtime.run_coroutine(count()).result(10)


def busy_connections(watch: Watch) -> int:
    # httpx keeps its httpcore pool private; a leaked request shows as a connection in use.
    pool = watch.inner._pool
    return sum(1 for c in pool.connections if not (c.is_idle() or c.is_closed()))


def test_sample_batch_deadline_cancels_stragglers_and_leaks_nothing(process_url: str) -> None:
    watch = Watch()
    sampler = xc.SamplingClient(
        process_url, httpx_transport=watch, retry_policy=SamplingRetryPolicy(sleep=watch.sleep)
    )
    quick = xc.SamplingParams(max_tokens=4, seed=3)
    # Greedy decoding of the base model cycles without ever producing <eos>: 50M tokens would
    # take minutes, far beyond the deadline below.
    endless = xc.SamplingParams(max_tokens=50_000_000, temperature=0.0)
    prompts = [PROMPTS[0], [1, 2], PROMPTS[1], [255], PROMPTS[2]]
    params = [quick, endless, quick, endless, quick]
    with sampler:
        watch.expect(fast=1)
        assert sampler.sample(PROMPTS[0], quick).result(timeout=60).sequences  # warm up
        tasks_before = sdk_task_count()
        threads_before = set(threading.enumerate())

        watch.expect(fast=3)
        result = sampler.sample_batch(prompts, params, timeout=30.0).result()

        assert result.cancelled == [1, 3]
        assert [i for i, _ in result.completed] == [0, 2, 4]
        assert result.failed == []
        assert (watch.slow_sent, watch.slow_cancelled) == (2, 2)  # in flight, then cancelled
        assert sdk_task_count() == tasks_before
        assert set(threading.enumerate()) == threads_before
        assert busy_connections(watch) == 0
        # The client (and the server) still work afterwards.
        watch.expect(fast=1)
        assert sampler.sample(PROMPTS[2], quick).result(timeout=60).sequences
    assert sdk_task_count() == tasks_before
