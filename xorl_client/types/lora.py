"""``LoraConfig``: the LoRA settings of a session, and what of them the xorl server takes.

A LoRA server decides the adapter's structure itself; a session may only choose its rank and
alpha (``lora_rank`` / ``lora_alpha``, rank at most the server's ``max_lora_rank``). Target
modules are server-wide: sent, they are accepted only when they equal the server's. There is no
LoRA dropout in xorl, so any dropout other than 0.0 is refused here, before anything is sent
(the official client 0.1.0 always sent ``"dropout": 0.0``, which the server refuses as an
unsupported override).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xorl_client.errors import DataValidationError
from xorl_client.types._base import XorlModel

__all__ = ["LoraConfig"]


def _positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DataValidationError(
            f"lora_config.{name} must be a positive integer, not {value!r}",
            field=f"lora_config.{name}",
            rule=f"{name} >= 1",
        )


@dataclass(slots=True)
class LoraConfig(XorlModel):
    """LoRA settings: ``rank``, ``alpha`` (``None`` = the server's), ``dropout``, ``target_modules``.

    >>> LoraConfig(rank=16, alpha=32).to_dict()
    {'rank': 16, 'dropout': 0.0, 'alpha': 32}
    >>> LoraConfig(rank=16, alpha=32).to_wire()
    {'lora_rank': 16, 'lora_alpha': 32}
    """

    rank: int = 32
    alpha: int | None = None
    dropout: float = 0.0
    target_modules: list[str] | None = None

    def __post_init__(self) -> None:
        _positive_int("rank", self.rank)
        if self.alpha is not None:
            _positive_int("alpha", self.alpha)
        if (
            isinstance(self.dropout, bool)
            or not isinstance(self.dropout, int | float)
            or not 0.0 <= self.dropout < 1.0
        ):
            raise DataValidationError(
                f"lora_config.dropout must be a number in [0, 1), not {self.dropout!r}",
                field="lora_config.dropout",
                rule="0 <= dropout < 1",
            )
        if self.target_modules is not None:
            modules: Any = self.target_modules
            if isinstance(modules, str) or not all(isinstance(m, str) for m in modules):
                raise DataValidationError(
                    f"lora_config.target_modules must be a list of module names, not {modules!r}",
                    field="lora_config.target_modules",
                    rule="target_modules is a list of strings",
                )
            self.target_modules = list(modules)

    def to_dict(self) -> dict[str, Any]:
        """The official client's form: ``rank`` and ``dropout``, plus ``alpha`` and ``target_modules`` when set."""
        out: dict[str, Any] = {"rank": self.rank, "dropout": self.dropout}
        if self.alpha is not None:
            out["alpha"] = self.alpha
        if self.target_modules is not None:
            out["target_modules"] = list(self.target_modules)
        return out

    def to_wire(self) -> dict[str, Any]:
        """The server's ``lora_config`` (what a LoRA server lets a session choose).

        Raises :class:`~xorl_client.DataValidationError` for a dropout other than 0.0: xorl
        trains LoRA adapters without dropout.
        """
        if self.dropout != 0.0:
            raise DataValidationError(
                f"lora_config.dropout={self.dropout!r}: the xorl server trains LoRA adapters "
                "without dropout; leave dropout at 0.0",
                field="lora_config.dropout",
                rule="xorl has no LoRA dropout (dropout == 0.0)",
            )
        out: dict[str, Any] = {"lora_rank": self.rank}
        if self.alpha is not None:
            out["lora_alpha"] = self.alpha
        if self.target_modules is not None:
            # Server-wide setting: accepted only when equal to the server's lora_target_modules.
            out["target_modules"] = list(self.target_modules)
        return out
