"""Training-sample preparation (the xorl shift rule) and the losses, with analytic gradients.

Everything the real server does to a wire ``Datum`` before the model sees it happens here, with
one deliberate difference: where the real packer *silently misaligns* a field of the wrong length
(§8.2 of the server notes), the local server refuses the request with a message that says which
field, which sample and which length was expected. A reference server that tolerates a misaligned
batch would hide exactly the bug it exists to catch.

Every loss is a sum over valid positions of a term that depends on the position's logprob
``lp_t`` only, so a loss is described by its value per position and by ``dloss_t / dlp_t``
(the *coefficient*); :func:`xorl_client.local.model.coefficient_gradient` turns coefficients
into parameter gradients. Sums are never normalised here: the server divides the accumulated
gradient by the accumulated valid-token count once, at ``optim_step`` (§8.5).

Where the local model is simpler than the real server, it says so rather than pretending:

* Logprobs are always computed at temperature 1 without top-k/top-p/min-p filtering, which is
  also what the local sampler reports; per-token ``logprob_*`` fields and ``sampling_*``
  metadata are checked for alignment and otherwise ignored, and so is
  ``loss_fn_params.logprob_temperature``. Trainer and sampler logprobs therefore agree exactly.
* ``policy_loss`` with ``use_tis`` or ``icepop_beta`` and the ``drgrpo``/``opd_loss`` losses are
  refused with an explanation; optional statistics switches (``compute_kl_stats``, ...) are
  accepted and ignored (the ``is_*`` KL metrics are always reported).

>>> sample = prepare_sample(
...     {"model_input": {"input_ids": [1, 2, 3]}, "loss_fn_inputs": {"labels": [1, 2, 3]}}
... )
>>> sample.inputs.tolist(), sample.targets.tolist()
([1, 2], [2, 3])
>>> sample = prepare_sample(
...     {"model_input": {"input_ids": [1, 2, 3]},
...      "loss_fn_inputs": {"target_tokens": [2, 3, 4], "weights": [0, 1, 1]}}
... )
>>> sample.inputs.tolist(), sample.targets.tolist()
([1, 2, 3], [-100, 3, 4])
"""

from __future__ import annotations

from xorl_client.local.losses.batch import (
    DEFAULT_MAX_SEQ_LEN,
    PreparedBatch,
    PreparedSample,
    prepare_batch,
    prepare_sample,
)
from xorl_client.local.losses.functions import (
    LOSSES,
    LossEvaluation,
    LossSpec,
    LossTerms,
    evaluate_loss,
    get_loss,
)

__all__ = [
    "DEFAULT_MAX_SEQ_LEN",
    "LOSSES",
    "LossEvaluation",
    "LossSpec",
    "LossTerms",
    "PreparedBatch",
    "PreparedSample",
    "evaluate_loss",
    "get_loss",
    "prepare_batch",
    "prepare_sample",
]
