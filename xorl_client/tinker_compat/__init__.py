"""Tinker code on xorl: Tinker-shaped inputs accepted, Tinker's meaning kept or refused.

Users porting Tinker code pass ``tinker.Datum`` objects, ``tinker.AdamParams``, Tinker loss
names and ``loss_fn_config``. Everything works by duck typing, so the ``tinker`` package is
never needed, and wherever Tinker and xorl compute different things the SDK either converts
to the exact xorl form or refuses with a typed error before anything is sent
(``docs/tinker.md`` lists every case):

* :mod:`.coerce` - datums, batches and ``AdamParams`` (a per-step ``weight_decay`` is
  refused: the server takes the decay from the session);
* :mod:`.losses` - loss names (``ppo`` → ``policy_loss``, ``dro`` refused) and the per-loss
  table of option keys the server reads, with Tinker's keys converted (PPO's ratio bounds →
  the server's offsets);
* :mod:`.weights` - fractional and negative cross-entropy weights in an exact
  per-token-coefficient form, and which output positions the server really computed;
* :mod:`.request` - the one step that applies all of the above to a request;
* :mod:`.outputs` - results and datums as Tinker's plain dicts;
* :mod:`.server_model` - the server's one model (Tinker's capabilities, ``base_model`` checks);
* :mod:`.rest_methods` - ``RestClient``'s Tinker names (runs, checkpoints by ``tinker://`` path).

The call-level surface (Tinker's keyword options and positional orders) is in
:mod:`xorl_client.compat.tinker_options` and :mod:`xorl_client.compat.tinker_orders`; the
``tinker`` namespace itself is :mod:`xorl_client.tinker` (:mod:`xorl_client.tinker_shim`).

>>> resolve_loss_fn("ppo")
'policy_loss'
"""

from xorl_client.tinker_compat.coerce import (
    check_weight_decay,
    coerce_adam_params,
    coerce_batch,
    coerce_datum,
)
from xorl_client.tinker_compat.losses import (
    COMMON_CONFIG_KEYS,
    COMMON_CONFIG_PREFIXES,
    CROSS_ENTROPY_LOSSES,
    LOSS_CONFIG_KEYS,
    LOSS_FN_ALIASES,
    REFUSED_LOSSES,
    TINKER_CONFIG_KEYS,
    TinkerKey,
    resolve_loss_fn,
    resolve_loss_fn_params,
    translate_loss_params,
)
from xorl_client.tinker_compat.outputs import datum_to_tinker_dict, to_tinker_dict
from xorl_client.tinker_compat.request import LossRequest, prepare_loss_request
from xorl_client.tinker_compat.weights import (
    COEFFICIENT_LOSS,
    COEFFICIENT_PARAMS,
    coefficient_datum,
    has_fractional_weights,
    has_trained_position,
    trained_positions,
)

__all__ = [
    "COEFFICIENT_LOSS",
    "COEFFICIENT_PARAMS",
    "COMMON_CONFIG_KEYS",
    "COMMON_CONFIG_PREFIXES",
    "CROSS_ENTROPY_LOSSES",
    "LOSS_CONFIG_KEYS",
    "LOSS_FN_ALIASES",
    "REFUSED_LOSSES",
    "TINKER_CONFIG_KEYS",
    "LossRequest",
    "TinkerKey",
    "check_weight_decay",
    "coefficient_datum",
    "coerce_adam_params",
    "coerce_batch",
    "coerce_datum",
    "datum_to_tinker_dict",
    "has_fractional_weights",
    "prepare_loss_request",
    "resolve_loss_fn",
    "resolve_loss_fn_params",
    "to_tinker_dict",
    "has_trained_position",
    "trained_positions",
    "translate_loss_params",
]
