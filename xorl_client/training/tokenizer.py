"""The tokenizer of a training session's base model (never downloaded at run time)."""

from __future__ import annotations

from typing import Any

from xorl_client.errors import MissingDependencyError, XorlError

__all__ = ["LOCAL_BASE_MODEL", "load_tokenizer"]

#: Base model served by the local reference server; its tokenizer ships with the SDK.
LOCAL_BASE_MODEL = "xorl-local/byte-bigram"


def load_tokenizer(base_model: str) -> Any:
    """Tokenizer for ``base_model``: the byte tokenizer locally, else ``transformers``."""
    if base_model == LOCAL_BASE_MODEL:
        from xorl_client.byte_tokenizer import ByteTokenizer

        return ByteTokenizer()
    try:
        from transformers import AutoTokenizer
    except ImportError as exc:
        raise MissingDependencyError(
            f"get_tokenizer() for {base_model!r}", "tokenizer", "transformers"
        ) from exc
    try:
        return AutoTokenizer.from_pretrained(base_model, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise XorlError(
            f"no local tokenizer found for {base_model!r}: pass a local directory as the base "
            "model, or download it once into the Hugging Face cache (the SDK never downloads "
            f"at run time). Loader said: {exc}"
        ) from exc
