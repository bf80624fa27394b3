"""get_tokenizer(): the local model's byte tokenizer, or Hugging Face's from local files only."""

from __future__ import annotations

import sys

import pytest

import xorl_client as xc
from xorl_client.training import load_tokenizer


def test_local_model_gets_the_byte_tokenizer() -> None:
    tok = load_tokenizer("xorl-local/byte-bigram")
    assert isinstance(tok, xc.ByteTokenizer)
    assert tok.decode(tok.encode("héllo")) == "héllo"


def test_missing_transformers_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)  # makes `import transformers` fail
    with pytest.raises(xc.MissingDependencyError) as info:
        load_tokenizer("Qwen/Qwen3-8B")
    # The command fits how xorl-client was installed (checkout, wheel, git or index).
    assert "Install it with: pip install" in str(info.value)
    assert '[tokenizer]"' in str(info.value) and info.value.extra == "tokenizer"
    assert isinstance(info.value, ImportError)
