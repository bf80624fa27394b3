"""The maths engine of the local reference server: sessions that train, checkpoint and sample.

The HTTP layer (:mod:`xorl_client.local.app`) owns futures, ordering, sessions by id and
checkpoint paths; it calls this module for everything numeric and gets back dicts already in
the real server's wire shapes (§8.6, §8.7, §4.4 of the server notes), so it can serialise them
unchanged.

Contract with the HTTP layer:

* Every refusal is an :class:`EngineError`; its message is meant to be shown as
  ``"500: Engine error: <message>"`` in the failed future, like the real server. Anything else
  escaping from here is a bug.
* A call that raises leaves the session unchanged (the whole request is validated before any
  gradient is accumulated or any parameter moves).
* Methods are thread-safe per session, but the real server executes one request at a time and
  so should the caller, in ``seq_id`` order.

Gradients accumulate as raw sums over ``forward_backward`` calls; ``optim_step`` divides once by
the valid tokens accumulated since the previous step, so splitting a batch into chunks is
exactly equivalent to sending it whole (§8.5).

Trainer/sampler agreement: :meth:`SamplerWeights.generate` reports, for every chosen token, the
log-softmax of the *raw* logits (temperature 1, no top-k/top-p/min-p filtering), which is exactly
what :meth:`ModelSession.forward` computes for the same token — so an on-policy importance ratio
is 1.0 up to floating point, whatever sampling parameters produced the token.

>>> base = BaseWeights(seed=0, vocab_size=8)
>>> session = ModelSession(base, SessionSpec())
>>> datum = {"model_input": {"input_ids": [1, 2, 3]},
...          "loss_fn_inputs": {"target_tokens": [2, 3, 4]}}
>>> out = session.forward_backward([datum])
>>> out["loss_fn_output_type"], out["loss_fn_outputs"][0]["logprobs"]["shape"]
('CrossEntropyLossReturn', [3])
>>> out["metrics"]["valid_tokens:sum"]
3
>>> session.optim_step(learning_rate=0.1, beta1=0.9, beta2=0.95, eps=1e-8,
...                    weight_decay=0.0, grad_clip=None)["metrics"]["step"]
1
"""

from __future__ import annotations

from xorl_client.local.engine.gradients import loss_and_gradients
from xorl_client.local.engine.sampler import Generation, SamplerWeights
from xorl_client.local.engine.session import ModelSession, datum_digest
from xorl_client.local.engine.specs import (
    ADAPTER_CONFIG_FILE,
    DEFAULT_LORA_ALPHA,
    MODEL_FILE,
    OPTIMIZER_FILE,
    SAMPLER_ADAPTER_FILE,
    SAMPLER_WEIGHTS_FILE,
    SESSION_SPEC_FILE,
    BaseWeights,
    OptimizerConfig,
    SessionSpec,
)
from xorl_client.local.model import BASE_MODEL_NAME, EngineError

__all__ = [
    "ADAPTER_CONFIG_FILE",
    "BASE_MODEL_NAME",
    "DEFAULT_LORA_ALPHA",
    "MODEL_FILE",
    "OPTIMIZER_FILE",
    "SAMPLER_ADAPTER_FILE",
    "SAMPLER_WEIGHTS_FILE",
    "SESSION_SPEC_FILE",
    "BaseWeights",
    "EngineError",
    "Generation",
    "ModelSession",
    "OptimizerConfig",
    "SamplerWeights",
    "SessionSpec",
    "datum_digest",
    "loss_and_gradients",
]
