"""The one base every public type shares: ``to_dict`` / ``from_dict`` / ``model_dump``.

Code written for the official xorl-client calls ``to_dict()`` / ``from_dict()`` on its types,
and code written for Tinker (pydantic models) calls ``model_dump()`` / ``model_validate()``.
Both spellings work on every type here through :class:`XorlModel`, so no type carries its own
copy of the plumbing:

* ``model_dump(mode="python" | "json", exclude_none=False)``: the type's fields by attribute
  name, nested types dumped the same way (pydantic's meaning). ``mode="json"`` turns bytes into
  base64 text, enums into their values and tuples into lists.
* ``to_dict()``: the official client's dict form. It is ``model_dump()`` unless a type's official
  form differs (``TensorData`` always carries ``shape``; ``SamplingParams`` gives SGLang's names;
  ``Datum`` gives ``model_input.input_ids``), in which case that type overrides it.
* ``from_dict(d)`` / ``model_validate(obj)``: the reverse; a type with a ``from_wire`` parser
  uses it, any other takes its init fields from ``d`` and ignores unknown keys (as the official
  client does).

>>> from dataclasses import dataclass
>>> @dataclass
... class Point(XorlModel):
...     x: int
...     y: int = 0
>>> Point.from_dict({"x": 1, "extra": True}).to_dict()
{'x': 1, 'y': 0}
"""

from __future__ import annotations

import base64
import dataclasses
import enum
from collections.abc import Mapping
from typing import Any, Literal, Self, TypeAlias

from xorl_client.errors import DataValidationError

__all__ = [
    "LossFnType",
    "ModelID",
    "RequestID",
    "StrictBase",
    "TensorDtype",
    "XorlModel",
    "dump_value",
]

#: The official client's type aliases (all plain strings).
TensorDtype: TypeAlias = str
ModelID: TypeAlias = str
LossFnType: TypeAlias = str
RequestID: TypeAlias = str

DumpMode = Literal["python", "json"]


def dump_value(value: Any, mode: DumpMode = "python", exclude_none: bool = False) -> Any:
    """``value`` as plain data: nested :class:`XorlModel` objects dumped, containers copied."""
    if isinstance(value, XorlModel):
        return value.model_dump(mode=mode, exclude_none=exclude_none)
    if isinstance(value, enum.Enum):
        return value.value if mode == "json" else value
    if isinstance(value, bytes) and mode == "json":
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {
            k: dump_value(v, mode, exclude_none)
            for k, v in value.items()
            if not (exclude_none and v is None)
        }
    if isinstance(value, list | tuple):
        return [dump_value(v, mode, exclude_none) for v in value]
    return value


class XorlModel:
    """Mixin giving a dataclass ``to_dict``, ``from_dict``, ``model_dump`` and ``model_validate``."""

    __slots__ = ()

    def _dump_fields(self) -> dict[str, Any]:
        """The values ``model_dump`` serialises, by name (dataclass fields by default)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def model_dump(
        self, *, mode: DumpMode = "python", exclude_none: bool = False
    ) -> dict[str, Any]:
        """The fields as a dict (pydantic's ``model_dump``); ``mode="json"`` gives JSON-ready values."""
        dumped: dict[str, Any] = dump_value(self._dump_fields(), mode, exclude_none)
        return dumped

    def to_dict(self) -> dict[str, Any]:
        """The official xorl-client dict form of this object."""
        return self.model_dump()

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Self:
        """Build the object from its dict form (unknown keys are ignored)."""
        return cls.model_validate(d)

    @classmethod
    def model_validate(cls, obj: Any) -> Self:
        """``obj`` itself if it already is one, else :meth:`from_dict` of a mapping."""
        if isinstance(obj, cls):
            return obj
        if not isinstance(obj, Mapping):
            raise DataValidationError(
                f"{cls.__name__}.model_validate() needs a dict, not {type(obj).__name__}",
                field=cls.__name__,
                rule="a dict of the type's fields",
            )
        from_wire = getattr(cls, "from_wire", None)
        if from_wire is not None:
            parsed: Self = from_wire(obj)
            return parsed
        names = {f.name for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in obj.items() if k in names})


StrictBase = XorlModel
"""The official client's name for the base of its types."""
