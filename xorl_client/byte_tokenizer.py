"""Byte-level tokenizer for the local reference server's model (``xorl-local/byte-bigram``).

The local server trains a tiny model whose vocabulary is the 256 byte values plus four special
tokens, so any text round-trips without a trained tokenizer, a download or a dependency. The
class mimics the handful of Hugging Face tokenizer attributes that training scripts actually
touch (``eos_token_id``, ``vocab_size``, ``decode(..., skip_special_tokens=...)``), which lets
the same script run against the local server and a real one.

>>> tok = ByteTokenizer()
>>> tok.encode("hi")
[104, 105]
>>> tok.encode("hi", add_bos=True)
[256, 104, 105]
>>> tok.decode([256, 104, 105, 257])
'hi'
>>> tok.decode([256, 104, 105, 257], skip_special_tokens=False)
'<bos>hi<eos>'
>>> tok.decode(tok.encode("héllo ✓"))
'héllo ✓'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "BOS_ID",
    "EOS_ID",
    "NUM_BYTES",
    "PAD_ID",
    "SPECIAL_TOKENS",
    "UNK_ID",
    "VOCAB_SIZE",
    "ByteTokenizer",
]

NUM_BYTES = 256
BOS_ID = 256
EOS_ID = 257
PAD_ID = 258
UNK_ID = 259
VOCAB_SIZE = 260

#: Text form of each special id; used by ``decode(skip_special_tokens=False)`` and
#: ``convert_ids_to_tokens`` so logs show which special token was produced.
SPECIAL_TOKENS: dict[int, str] = {
    BOS_ID: "<bos>",
    EOS_ID: "<eos>",
    PAD_ID: "<pad>",
    UNK_ID: "<unk>",
}


class ByteTokenizer:
    """UTF-8 bytes as token ids, with HF-style attribute names so scripts need no branching.

    Ids outside ``[0, VOCAB_SIZE)`` cannot come from this model; ``decode`` renders them as
    ``<unk>`` (or drops them with ``skip_special_tokens``) instead of raising, because decoding
    is usually for display and should not crash a training loop.

    >>> tok = ByteTokenizer()
    >>> (tok.vocab_size, tok.bos_token_id, tok.eos_token_id, tok.pad_token_id)
    (260, 256, 257, 258)
    >>> tok.convert_ids_to_tokens([72, 257])
    ['H', '<eos>']
    >>> tok.convert_ids_to_tokens(10)
    '\\n'
    >>> tok.decode([0xE2, 0x9C])  # a truncated multi-byte character is replaced, not raised
    '�'
    """

    name_or_path: str = "xorl-local/byte-bigram"
    vocab_size: int = VOCAB_SIZE
    bos_token_id: int = BOS_ID
    eos_token_id: int = EOS_ID
    pad_token_id: int = PAD_ID
    unk_token_id: int = UNK_ID
    bos_token: str = SPECIAL_TOKENS[BOS_ID]
    eos_token: str = SPECIAL_TOKENS[EOS_ID]
    pad_token: str = SPECIAL_TOKENS[PAD_ID]
    unk_token: str = SPECIAL_TOKENS[UNK_ID]

    def __len__(self) -> int:
        """HF tokenizers report their vocabulary size through ``len()``; so does this one."""
        return VOCAB_SIZE

    def __repr__(self) -> str:
        return f"ByteTokenizer(name_or_path={self.name_or_path!r}, vocab_size={VOCAB_SIZE})"

    def encode(self, text: str, add_bos: bool = False) -> list[int]:
        """Token ids of ``text``: its UTF-8 bytes, optionally after ``<bos>``.

        >>> ByteTokenizer().encode("é")
        [195, 169]
        """
        ids = list(text.encode("utf-8"))
        return [BOS_ID, *ids] if add_bos else ids

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = True) -> str:
        """Text of ``ids``; invalid UTF-8 becomes U+FFFD so sampled garbage still prints.

        Special tokens are dropped by default (as HF chat scripts expect for display) or
        rendered as ``<bos>``-style markers when ``skip_special_tokens`` is false.

        >>> ByteTokenizer().decode([104, 258, 105, 999], skip_special_tokens=False)
        'h<pad>i<unk>'
        """
        parts: list[str] = []
        buffer = bytearray()
        for raw in ids:
            token = int(raw)
            if 0 <= token < NUM_BYTES:
                buffer.append(token)
                continue
            if skip_special_tokens:
                continue
            if buffer:
                parts.append(buffer.decode("utf-8", errors="replace"))
                buffer.clear()
            parts.append(SPECIAL_TOKENS.get(token, SPECIAL_TOKENS[UNK_ID]))
        if buffer:
            parts.append(buffer.decode("utf-8", errors="replace"))
        return "".join(parts)

    def convert_ids_to_tokens(self, ids: int | Sequence[int]) -> str | list[str]:
        """Readable form of one id or a list of ids (bytes as latin-1 characters, like HF).

        A lone byte of a multi-byte character cannot be decoded on its own, so bytes map to
        ``chr(byte)``; this keeps a one-to-one, lossless id ↔ token-string mapping.

        >>> ByteTokenizer().convert_ids_to_tokens([195, 169, 259])
        ['Ã', '©', '<unk>']
        """
        if isinstance(ids, int):
            return self._token(ids)
        return [self._token(int(i)) for i in ids]

    @staticmethod
    def _token(token: int) -> str:
        if 0 <= token < NUM_BYTES:
            return chr(token)
        return SPECIAL_TOKENS.get(token, SPECIAL_TOKENS[UNK_ID])
