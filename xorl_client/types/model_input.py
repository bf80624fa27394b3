"""``ModelInput`` and its chunks: the tokens a datum or a prompt feeds the model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from xorl_client.types._common import Tokenizer, _as_int_list

__all__ = ["EncodedTextChunk", "ModelInput"]


@dataclass(slots=True)
class EncodedTextChunk:
    """A run of token ids (Tinker's ``encoded_text`` chunk)."""

    tokens: list[int]
    type: ClassVar[Literal["encoded_text"]] = "encoded_text"

    def __post_init__(self) -> None:
        self.tokens = _as_int_list(self.tokens, "EncodedTextChunk.tokens")

    @property
    def length(self) -> int:
        """Number of tokens."""
        return len(self.tokens)

    def to_wire(self) -> dict[str, Any]:
        """Tinker's chunk form ``{"type": "encoded_text", "tokens": [...]}``."""
        return {"type": "encoded_text", "tokens": self.tokens}


@dataclass(slots=True)
class ModelInput:
    """The model's input tokens as a list of chunks (only text chunks are supported).

    >>> mi = ModelInput.from_ints([5, 6]).append_int(7)
    >>> mi.to_ints(), mi.length, mi.to_wire()
    ([5, 6, 7], 3, {'input_ids': [5, 6, 7]})
    >>> ModelInput.empty().length
    0
    """

    chunks: list[EncodedTextChunk] = field(default_factory=list)

    @classmethod
    def from_ints(cls, tokens: Sequence[int] | Any) -> ModelInput:
        """One text chunk holding ``tokens`` (a list, tuple or integer array)."""
        return cls([EncodedTextChunk(_as_int_list(tokens, "model_input"))])

    @classmethod
    def empty(cls) -> ModelInput:
        """A model input with no tokens (build it up with :meth:`append_int`)."""
        return cls([])

    @classmethod
    def from_text(cls, text: str, tokenizer: Tokenizer) -> ModelInput:
        """Tokenize ``text`` with ``tokenizer.encode(text)`` (special tokens as that tokenizer adds them)."""
        return cls.from_ints(tokenizer.encode(text))

    def ids(self) -> list[int]:
        """The token ids; the chunk's own list (no copy) when there is a single chunk."""
        if len(self.chunks) == 1:
            return self.chunks[0].tokens
        out: list[int] = []
        for chunk in self.chunks:
            out.extend(chunk.tokens)
        return out

    def to_ints(self) -> list[int]:
        """A new list with all tokens of all chunks in order."""
        return list(self.ids())

    @property
    def length(self) -> int:
        """Total number of tokens."""
        return sum(len(c.tokens) for c in self.chunks)

    def append(self, chunk: EncodedTextChunk) -> ModelInput:
        """A new ModelInput with ``chunk`` added at the end (self is unchanged)."""
        return ModelInput([*self.chunks, chunk])

    def append_int(self, token: int) -> ModelInput:
        """A new ModelInput with one more token at the end (self is unchanged)."""
        if self.chunks:
            last = self.chunks[-1]
            return ModelInput([*self.chunks[:-1], EncodedTextChunk([*last.tokens, token])])
        return ModelInput([EncodedTextChunk([token])])

    def to_wire(self) -> dict[str, list[int]]:
        """The server's form ``{"input_ids": [...]}``."""
        return {"input_ids": self.ids()}
