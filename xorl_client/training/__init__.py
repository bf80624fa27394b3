"""``TrainingClient`` and what it is made of (see :mod:`xorl_client.training.client`)."""

from xorl_client.training.client import TrainingClient
from xorl_client.training.tokenizer import LOCAL_BASE_MODEL, load_tokenizer

__all__ = ["LOCAL_BASE_MODEL", "TrainingClient", "load_tokenizer"]
