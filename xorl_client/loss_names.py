"""The loss names the xorl server knows: one table, checked before anything is sent.

The server's API does not check ``loss_fn``; an unknown name travels to the workers and fails
there (``Unknown loss_fn: ...``), after the batch was queued behind others. The names come
from the server's own dispatch (``xorl.server.runner.model_runner``: the branches of the
forward/backward loop and ``_PP_FORWARD_ONLY_LOSS_FNS``; the functions in
``xorl/ops/loss/``). Tinker's names are mapped to these by
:data:`xorl_client.tinker_compat.LOSS_FN_ALIASES` first.
"""

from __future__ import annotations

from typing import Final

from xorl_client.errors import DataValidationError

__all__ = ["FORWARD_ONLY_LOSS_FNS", "SERVER_LOSS_FNS", "check_loss_fn"]

#: Loss names ``forward`` and ``forward_backward`` accept, with what each computes.
SERVER_LOSS_FNS: Final[dict[str, str]] = {
    "causallm_loss": "cross-entropy of the labels (SFT); the server's default",
    "cross_entropy": "the same as causallm_loss",
    "importance_sampling": "off-policy policy gradient with importance weights (no clipping)",
    "cispo": "clipped importance-sampling policy optimisation",
    "policy_loss": "PPO clipped objective (optionally TIS / dual clip / IcePop)",
    "drgrpo": "Dr. GRPO with an optional KL term",
    "opd_loss": "on-policy distillation against a teacher",
}

#: Losses only ``forward`` accepts (they compute no gradient).
FORWARD_ONLY_LOSS_FNS: Final[dict[str, str]] = {
    "teacher_hidden_cache": "writes a teacher's hidden states to the distillation cache",
}


def check_loss_fn(name: str, operation: str) -> str:
    """``name`` if the server knows it for ``operation``; a ``DataValidationError`` if not.

    >>> check_loss_fn("policy_loss", "forward_backward")
    'policy_loss'
    >>> check_loss_fn("dpo", "forward_backward")
    Traceback (most recent call last):
    ...
    xorl_client.errors.DataValidationError: forward_backward: unknown loss_fn 'dpo'; the xorl server knows causallm_loss, cross_entropy, importance_sampling, cispo, policy_loss, drgrpo, opd_loss (and Tinker's ppo)
    """
    known = dict(SERVER_LOSS_FNS)
    if operation == "forward":
        known.update(FORWARD_ONLY_LOSS_FNS)
    if name in known:
        return name
    hint = ""
    if name in FORWARD_ONLY_LOSS_FNS:
        hint = f" ({name} computes no gradient: use forward)"
    raise DataValidationError(
        f"{operation}: unknown loss_fn {name!r}{hint}; the xorl server knows "
        f"{', '.join(known)} (and Tinker's ppo)",
        field="loss_fn",
        rule="loss_fn is one the server knows",
    )
