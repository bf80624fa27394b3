"""``tinker.types.image_chunk``: :class:`~xorl_client.ImageChunk` (xorl refuses images at send time)."""

from xorl_client.types import ImageChunk

__all__ = ["ImageChunk"]
