"""``SamplingClient``: rollouts from an SGLang (xorl-sglang) inference server's ``POST /generate``.

Why a client of its own: sampling is served by the *inference* server, not by the training
server (see the sampling notes §1). It has its own URL (``XORL_INFERENCE_BASE_URL``), its own
credentials (``XORL_INFERENCE_API_KEY``; the training server's ``XORL_API_KEY`` is never sent
to it), its own retry rule and its own wire shapes. Every HTTP call still goes through the
generated client (``xorl_openapi.api.sampling.generate``) and a :class:`~xorl_client._transport.Transport`.

What it takes care of, so a training loop does not have to:

* **Prompts** as text (sent as ``text``), a :class:`~xorl_client.ModelInput` or a list of token
  ids (sent as ``input_ids``). Completions always come back as token ids (``output_ids``).
* **Three response shapes**: one object, a list, or a dict keyed ``"0"``, ``"1"``, ... are all
  turned into one :class:`~xorl_client.SampleResponse` with ``num_samples`` sequences.
* **finish_reason**: read from ``finish_reason["type"]`` (object form) or the plain string of
  older builds, so a length stop is reported as ``"length"``, not ``"stop"``. An ``"abort"``
  raises :class:`~xorl_client.RequestFailedError` instead of passing a cut-off sequence off as
  a normal one.
* **Logprobs**: with ``return_logprobs=False`` a sequence's ``logprobs`` is ``None``. With
  ``True``, a ``null`` logprob from the server, a missing list, or a list whose token ids do not
  match ``output_ids`` raises :class:`~xorl_client.XorlError`; a null is never turned into
  ``0.0`` (that would be a silently wrong importance ratio in RL).
* **Seeds with several samples**: SGLang gives every copy of an ``n > 1`` request the same
  ``sampling_seed``, which makes all copies identical. With a seed and ``num_samples > 1`` the
  client therefore sends ``num_samples`` rows seeded ``seed, seed + 1, ...`` (so sample 0 is
  the sample ``num_samples=1`` would give); without a seed it sends ``n``.
* **Retries** (:class:`SamplingRetryPolicy`): ``/generate`` has no side effects, so it is
  resent on 502/503/504 and when the connection failed before an answer (refused, reset,
  dropped keep-alive), within the call's deadline. A 4xx is never resent (a 400 is SGLang
  saying the request is wrong, e.g. a prompt longer than the context; the error carries SGLang's
  message); neither is a 500 or a read timeout (the same request would fail the same way).
* **Batches with a deadline** (:meth:`SamplingClient.sample_batch`): requests that have not
  finished when the deadline passes are cancelled and reported in ``cancelled``; nothing (task,
  connection) is left running afterwards. Cancelling closes the HTTP connection, which SGLang
  treats as an abort of that request; the SDK does not call SGLang's ``/abort_request`` (the
  route is not part of ``openapi.yaml``).

Example (the local reference server serves ``/generate`` on the training port)::

    with SamplingClient("http://127.0.0.1:6000") as sampler:
        resp = sampler.sample([256, 104, 105], SamplingParams(max_tokens=8, seed=1)).result()
        seq = resp.sequences[0]
        seq.tokens, seq.logprobs, seq.stop_reason

>>> SamplingClient("http://127.0.0.1:30000", api_key="sk-inference", lora_path="my-adapter")
SamplingClient(base_url='http://127.0.0.1:30000', api_key=***, lora_path='my-adapter')
"""

from xorl_client.sampling.batch import BatchSampleResult
from xorl_client.sampling.client import (
    DEFAULT_SAMPLING_TIMEOUT,
    ENV_INFERENCE_API_KEY,
    ENV_INFERENCE_BASE_URL,
    SamplingClient,
)
from xorl_client.sampling.request import Prompt
from xorl_client.sampling.retry import SamplingRetryPolicy

__all__ = [
    "DEFAULT_SAMPLING_TIMEOUT",
    "ENV_INFERENCE_API_KEY",
    "ENV_INFERENCE_BASE_URL",
    "BatchSampleResult",
    "Prompt",
    "SamplingClient",
    "SamplingRetryPolicy",
]
