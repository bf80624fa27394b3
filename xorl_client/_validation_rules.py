"""The rules a :class:`~xorl_client.errors.DataValidationError` names (``xorl_client.validation.Rule``)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Rule"]


class Rule(StrEnum):
    """The rule a :class:`DataValidationError` reports in ``.rule`` (compare with these)."""

    NON_EMPTY_BATCH = "the batch has at least one datum"
    DATUM_TYPE = "every item is a Datum holding TensorData values"
    MIN_TOKENS = "a datum has at least 1 input token (2 when 'labels' is given)"
    MAX_SEQ_LEN = "len(input_ids) <= max_seq_len"
    TOKEN_IDS = "token ids are non-negative integers (-100 allowed in labels/target_tokens)"
    EXCLUSIVE_TARGETS = "'labels' and 'target_tokens' are not both given"
    SHIFT = "per-token field lengths follow the shift rule"
    WEIGHTS_BINARY = "weights are 0 or 1"
    PER_TOKEN_RANK = "per-token loss inputs are rank 1 (one value per position)"
    NUMERIC = "values are numbers"
    DTYPE = "dtype is a real integer or floating-point type"
    ONE_DIM = "per-token fields are 1-D"
    FINITE = "values are finite (no NaN or Inf)"
    REQUIRED_INPUT = "the loss function's required inputs are present"
    LOSS_FN = "loss_fn is a non-empty string"
    MODEL_ID = "model_id matches ^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$"
    CHECKPOINT_NAME = (
        "checkpoint names match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$ and contain no '..'"
    )
    CHECKPOINT_PATH = "checkpoint paths use one of the xorl:// or relative forms"
