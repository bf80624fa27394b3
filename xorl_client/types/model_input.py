"""``ModelInput`` and its chunks: the tokens a datum or a prompt feeds the model.

Three chunk kinds exist (the official client's and Tinker's): token runs
(:class:`EncodedTextChunk`) and two image kinds (:class:`ImageChunk`,
:class:`ImageAssetPointerChunk`). The xorl server takes ``input_ids`` only, so a model input
holding an image chunk can be built, dumped and measured, but turning it into token ids (what
every training call and every prompt needs) raises :class:`~xorl_client.DataValidationError`
before anything is sent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from xorl_client.errors import DataValidationError
from xorl_client.types._base import XorlModel
from xorl_client.types._common import (
    ListOverArray,
    Tokenizer,
    _as_int_list,
    _numpy_module,
    encodable_array,
)

__all__ = [
    "IMAGE_RULE",
    "EncodedTextChunk",
    "ImageAssetPointerChunk",
    "ImageChunk",
    "ModelInput",
    "ModelInputChunk",
]

ImageFormat: TypeAlias = Literal["png", "jpeg"]

#: The ``rule`` of the error raised when image chunks would have to become token ids.
IMAGE_RULE = "xorl takes token ids only (no image chunks)"


class EncodedTextChunk(ListOverArray, XorlModel):
    """A run of token ids (Tinker's ``encoded_text`` chunk).

    A one-dimensional integer numpy array is kept as it is and sent from the array (orjson
    encodes it natively); ``tokens`` builds the list the first time it is read, and from then on
    the list is what is sent (see :class:`~xorl_client.TensorData`).

    >>> EncodedTextChunk([1, 2]), EncodedTextChunk([1, 2]) == EncodedTextChunk((1, 2))
    (EncodedTextChunk(tokens=[1, 2], type='encoded_text'), True)
    """

    __slots__ = ("_array", "_values", "type")
    __hash__ = None  # type: ignore[assignment]  # mutable value type

    type: Literal["encoded_text"]

    def __init__(
        self, tokens: Sequence[int] | Any, type: Literal["encoded_text"] = "encoded_text"
    ) -> None:
        self.type = type
        array = _id_array(tokens)
        values = None if array is not None else _as_int_list(tokens, "EncodedTextChunk.tokens")
        self._set_values(values, array)

    @property
    def tokens(self) -> list[int]:
        """The token ids as a Python list (built from the array on first use)."""
        return self._listed()

    @tokens.setter
    def tokens(self, values: list[int]) -> None:
        self._set_values(_as_int_list(values, "EncodedTextChunk.tokens"))

    def wire_tokens(self) -> Any:
        """What goes on the wire: the token list, or the integer array it came from."""
        return self._wire_values()

    @property
    def length(self) -> int:
        """Number of tokens."""
        return self._count()

    def to_wire(self) -> dict[str, Any]:
        """Tinker's chunk form ``{"type": "encoded_text", "tokens": [...]}``."""
        return {"type": "encoded_text", "tokens": self.tokens}

    def _dump_fields(self) -> dict[str, Any]:
        return {"tokens": self.tokens, "type": self.type}

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> EncodedTextChunk:
        """The dict form ``{"tokens": [...], "type": "encoded_text"}``."""
        return cls(**{k: v for k, v in d.items() if k in ("tokens", "type")})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EncodedTextChunk):
            return NotImplemented
        return self.type == other.type and self.tokens == other.tokens

    def __repr__(self) -> str:
        return f"EncodedTextChunk(tokens={self.tokens!r}, type={self.type!r})"

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.wire_tokens(), self.type)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        values, self.type = state
        self._set_values(values, None if type(values) is list else values)


def _id_array(tokens: Any) -> Any:
    """``tokens`` as a flat integer array orjson encodes, when it is a 1-D integer ndarray."""
    np = _numpy_module()
    if np is None or not isinstance(tokens, np.ndarray) or tokens.ndim != 1:
        return None
    kind = tokens.dtype.kind
    return encodable_array(np, tokens, kind) if kind in ("i", "u") else None


def _image_length(chunk: ImageChunk | ImageAssetPointerChunk) -> int:
    if chunk.expected_tokens is None:
        raise DataValidationError(
            f"{type(chunk).__name__}.length: expected_tokens needs to be set to know how many "
            "tokens the image takes",
            field="expected_tokens",
            rule="image chunks declare expected_tokens",
        )
    return chunk.expected_tokens


def _check_format(value: object, owner: str) -> None:
    if value not in ("png", "jpeg"):
        raise DataValidationError(
            f"{owner}.format must be 'png' or 'jpeg', not {value!r}",
            field=f"{owner}.format",
            rule="image format is png or jpeg",
        )


@dataclass(slots=True)
class ImageChunk(XorlModel):
    """An inline image (bytes; a base64 string is decoded). Dumped as base64 in JSON mode.

    >>> ImageChunk(data=b"img", format="png", expected_tokens=4).model_dump(mode="json")["data"]
    'aW1n'
    """

    data: bytes
    format: ImageFormat
    expected_tokens: int | None = None
    type: Literal["image"] = "image"

    def __post_init__(self) -> None:
        raw: Any = self.data
        if isinstance(raw, str):
            try:
                raw = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                raise DataValidationError(
                    "ImageChunk.data is a string that is not valid base64",
                    field="ImageChunk.data",
                    rule="image data is bytes or base64 text",
                ) from None
        if not isinstance(raw, bytes | bytearray):
            raise DataValidationError(
                f"ImageChunk.data must be bytes or base64 text, not {type(raw).__name__}",
                field="ImageChunk.data",
                rule="image data is bytes or base64 text",
            )
        self.data = bytes(raw)
        _check_format(self.format, "ImageChunk")

    @property
    def length(self) -> int:
        """The tokens the image takes (``expected_tokens``; raises when it is not set)."""
        return _image_length(self)

    def to_wire(self) -> dict[str, Any]:
        """Tinker's chunk form (JSON-ready); the xorl server itself takes no image chunks."""
        return self.model_dump(mode="json")


@dataclass(slots=True)
class ImageAssetPointerChunk(XorlModel):
    """An image referenced by location instead of inline bytes."""

    format: ImageFormat
    location: str
    expected_tokens: int | None = None
    type: Literal["image_asset_pointer"] = "image_asset_pointer"

    def __post_init__(self) -> None:
        _check_format(self.format, "ImageAssetPointerChunk")

    @property
    def length(self) -> int:
        """The tokens the image takes (``expected_tokens``; raises when it is not set)."""
        return _image_length(self)

    def to_wire(self) -> dict[str, Any]:
        """Tinker's chunk form (JSON-ready); the xorl server itself takes no image chunks."""
        return self.model_dump(mode="json")


ModelInputChunk: TypeAlias = EncodedTextChunk | ImageChunk | ImageAssetPointerChunk
"""Any chunk of a :class:`ModelInput` (told apart by its ``type`` field)."""

_CHUNK_TYPES: dict[str, type[XorlModel]] = {
    "encoded_text": EncodedTextChunk,
    "image": ImageChunk,
    "image_asset_pointer": ImageAssetPointerChunk,
}


def _chunk_from_dict(raw: Mapping[str, Any], index: int) -> ModelInputChunk:
    kind = raw.get("type", "encoded_text")
    cls = _CHUNK_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise DataValidationError(
            f"model_input.chunks[{index}] has unknown type {kind!r}; expected one of "
            f"{sorted(_CHUNK_TYPES)}",
            field=f"model_input.chunks[{index}].type",
            rule="chunk type is known",
        )
    chunk: ModelInputChunk = cls.from_dict(raw)  # type: ignore[assignment]
    return chunk


@dataclass(slots=True)
class ModelInput(XorlModel):
    """The model's input as a list of chunks.

    >>> mi = ModelInput.from_ints([5, 6]).append_int(7)
    >>> mi.to_ints(), mi.length, mi.to_wire()
    ([5, 6, 7], 3, {'input_ids': [5, 6, 7]})
    >>> mi.model_dump()
    {'chunks': [{'tokens': [5, 6, 7], 'type': 'encoded_text'}]}
    >>> ModelInput.empty().length
    0
    """

    chunks: list[ModelInputChunk] = field(default_factory=list)

    @classmethod
    def from_ints(cls, tokens: Sequence[int] | Any) -> ModelInput:
        """One text chunk holding ``tokens`` (a list, tuple or integer array)."""
        if _id_array(tokens) is None:
            tokens = _as_int_list(tokens, "model_input")
        return cls([EncodedTextChunk(tokens)])

    @classmethod
    def empty(cls) -> ModelInput:
        """A model input with no tokens (build it up with :meth:`append_int`)."""
        return cls([])

    @classmethod
    def from_text(cls, text: str, tokenizer: Tokenizer) -> ModelInput:
        """Tokenize ``text`` with ``tokenizer.encode(text)`` (special tokens as that tokenizer adds them)."""
        return cls.from_ints(tokenizer.encode(text))

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> ModelInput:
        """Parse ``{"input_ids": [...]}`` (the server's form) or ``{"chunks": [...]}`` (the dump)."""
        if "input_ids" in d:
            return cls.from_ints(d["input_ids"])
        chunks = d.get("chunks")
        if not isinstance(chunks, list):
            raise DataValidationError(
                f"a model_input dict needs 'input_ids' or a 'chunks' list, got keys {sorted(d)}",
                field="model_input",
                rule="model_input has tokens",
            )
        return cls(
            [
                c if isinstance(c, XorlModel) else _chunk_from_dict(c, i)  # type: ignore[misc]
                for i, c in enumerate(chunks)
            ]
        )

    def ids(self) -> list[int]:
        """The token ids; the chunk's own list (no copy) when there is a single chunk.

        Raises :class:`~xorl_client.DataValidationError` (a ``ValueError``) when a chunk is an
        image: the xorl server takes token ids only.
        """
        if len(self.chunks) == 1 and isinstance(self.chunks[0], EncodedTextChunk):
            return self.chunks[0].tokens
        out: list[int] = []
        for index, chunk in enumerate(self.chunks):
            if not isinstance(chunk, EncodedTextChunk):
                raise DataValidationError(
                    f"model_input.chunks[{index}] is an {type(chunk).__name__}: converting to "
                    "token ids is only supported for ModelInput with EncodedTextChunks, and the "
                    "xorl server cannot train on or sample from images (it takes input_ids only)",
                    field=f"model_input.chunks[{index}]",
                    rule=IMAGE_RULE,
                )
            out.extend(chunk.tokens)
        return out

    def wire_ids(self) -> Any:
        """The ids as sent: :meth:`ids`, or the integer array a single chunk was made from."""
        if len(self.chunks) == 1 and isinstance(self.chunks[0], EncodedTextChunk):
            return self.chunks[0].wire_tokens()
        return self.ids()

    def to_ints(self) -> list[int]:
        """A new list with all tokens of all chunks in order (image chunks raise)."""
        return list(self.ids())

    @property
    def length(self) -> int:
        """Total length in tokens (an image chunk counts its ``expected_tokens``)."""
        return sum(c.length for c in self.chunks)

    def append(self, chunk: ModelInputChunk) -> ModelInput:
        """A new ModelInput with ``chunk`` added at the end (self is unchanged)."""
        return ModelInput([*self.chunks, chunk])

    def append_int(self, token: int) -> ModelInput:
        """A new ModelInput with one more token at the end (self is unchanged)."""
        if self.chunks and isinstance(self.chunks[-1], EncodedTextChunk):
            last = self.chunks[-1]
            return ModelInput([*self.chunks[:-1], EncodedTextChunk([*last.tokens, token])])
        return ModelInput([*self.chunks, EncodedTextChunk([token])])

    def to_wire(self) -> dict[str, list[int]]:
        """The server's form ``{"input_ids": [...]}`` (image chunks raise)."""
        return {"input_ids": self.ids()}
