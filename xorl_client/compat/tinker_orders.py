"""Tinker's positional orders where they differ from the official client's, in one table.

The official xorl-client's positional order always wins. Where Tinker puts something else
in the same position, the two are told apart by the *type* of what was passed, and only when
that is unambiguous (an official argument of that type would be invalid there):

==========================  ================================  ================================
call                        Tinker's order                    recognised when
==========================  ================================  ================================
``ServiceClient(...)``      ``(user_metadata, project_id)``   the first argument is a mapping
                                                              (the official ``base_url`` is a
                                                              string)
``sample(...)``             ``(prompt, num_samples,           the second argument is an int
                            sampling_params, ...)``           (the official ``sampling_params``
                                                              never is)
``create_sampling_client``  ``(model_path, base_model, ...)`` the first argument is an
                                                              ``xorl://`` / ``tinker://`` path
                                                              (never a server URL)
``delete_checkpoint``       ``(training_run_id,               the second argument contains
                            checkpoint_id)``                  ``/`` (an official ``model_id``
                                                              never does)
==========================  ================================  ================================

:func:`tinker_order` applies the table to a method: in Tinker's order the positional
arguments are rebound by Tinker's names (which the method takes as keyword-only parameters),
otherwise the call passes through untouched. The method keeps its official signature.

>>> @tinker_order("sample")
... def sample(self, prompt, sampling_params=None, num_samples=1, *, include_prompt_logprobs=False):
...     return sampling_params, num_samples, include_prompt_logprobs
>>> sample(None, "hi", 4, {"max_tokens": 8}, True)
({'max_tokens': 8}, 4, True)
>>> sample(None, "hi", {"max_tokens": 8}, 2)
({'max_tokens': 8}, 2, False)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar, cast

__all__ = ["TINKER_ORDERS", "TinkerOrder", "tinker_order"]

F = TypeVar("F", bound=Callable[..., Any])


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_model_path(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith(("xorl://", "tinker://"))


def _checkpoint_path(bound: dict[str, Any]) -> dict[str, Any]:
    """Tinker's ``(training_run_id, "weights/<name>")`` as the official path argument."""
    run, checkpoint = bound.pop("training_run_id"), bound.pop("checkpoint_id")
    return {**bound, "checkpoint_id_or_path": f"xorl://{run}/{checkpoint}"}


@dataclass(frozen=True)
class TinkerOrder:
    """Tinker's positional parameter names for one call, and how to recognise that order.

    ``detect`` sees the positional arguments (without ``self``); ``convert``, when given, turns
    the arguments bound by Tinker's names into the method's own keyword arguments.
    """

    detect: Callable[[tuple[Any, ...]], bool]
    names: tuple[str, ...]
    convert: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def bind(self, call: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Keyword arguments for ``args`` in Tinker's order plus ``kwargs`` (a clash is a TypeError)."""
        if len(args) > len(self.names):
            raise TypeError(
                f"{call}() takes at most {len(self.names)} positional arguments in Tinker's "
                f"order ({', '.join(self.names)}), {len(args)} were given"
            )
        bound = dict(kwargs)
        for name, value in zip(self.names, args, strict=False):
            if name in bound:
                raise TypeError(f"{call}() got multiple values for argument {name!r}")
            bound[name] = value
        return self.convert(bound) if self.convert is not None else bound


#: Call -> Tinker's positional order (see the module docstring for why each is unambiguous).
TINKER_ORDERS: Final[Mapping[str, TinkerOrder]] = {
    "ServiceClient": TinkerOrder(
        lambda args: isinstance(args[0], Mapping), ("user_metadata", "project_id")
    ),
    "sample": TinkerOrder(
        lambda args: len(args) >= 2 and _is_int(args[1]),
        (
            "prompt",
            "num_samples",
            "sampling_params",
            "include_prompt_logprobs",
            "topk_prompt_logprobs",
            "topk_sample_logprobs",
            "target_prompt_logprobs",
            "prompt_alt_tokens_k",
            "prompt_logprobs_last_n",
        ),
    ),
    "create_sampling_client": TinkerOrder(
        lambda args: _is_model_path(args[0]),
        ("model_path", "base_model", "retry_config", "record_stability_info"),
    ),
    "delete_checkpoint": TinkerOrder(
        lambda args: len(args) == 2 and isinstance(args[1], str) and "/" in args[1],
        ("training_run_id", "checkpoint_id"),
        _checkpoint_path,
    ),
}


def tinker_order(call: str) -> Callable[[F], F]:
    """Decorate a method so that it also accepts Tinker's positional order for ``call``."""
    order = TINKER_ORDERS[call]

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            if args and order.detect(args):
                return method(self, **order.bind(call, args, kwargs))
            return method(self, *args, **kwargs)

        return cast(F, wrapper)

    return decorate
