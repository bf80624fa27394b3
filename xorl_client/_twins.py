"""``*_async`` twins and blocking twins of the client methods, built from one function each.

Every operation is written once, as a method that validates its arguments, schedules the work
on the SDK's loop and returns an :class:`~xorl_client.APIFuture` at once (it never waits).
The other spellings are derived from that method here, so they cannot drift from it:

* :func:`future_twin` - ``async def x_async(...)`` returning the ``APIFuture`` itself (await it
  a second time for the result). The official client's convention for ``TrainingClient``, and
  Tinker's "double await".
* :func:`value_twin` - ``async def x_async(...)`` returning the result (the ``RestClient``,
  ``SamplingClient`` and ``ServiceClient`` factory convention).
* :func:`blocking_twin` - the plain method that waits for the result (``ServiceClient``
  factories return clients, not futures).

Awaiting an ``APIFuture`` uses ``asyncio.wrap_future``: it never blocks the caller's event
loop and costs no thread. The twins keep the original's signature (``inspect.signature``
follows ``__wrapped__``) and docstring.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from xorl_client.futures import APIFuture

__all__ = ["blocking_twin", "future_twin", "value_twin"]

P = ParamSpec("P")
S = TypeVar("S")
T = TypeVar("T")


def _named(
    twin: Callable[..., Any],
    method: Callable[..., Any],
    name: str,
    note: str,
    *,
    unwrap_result: bool = False,
) -> None:
    signature = inspect.signature(method)
    result = signature.return_annotation
    if unwrap_result and isinstance(result, str) and result.startswith("APIFuture["):
        signature = signature.replace(return_annotation=result[len("APIFuture[") : -1])
    twin.__signature__ = signature  # type: ignore[attr-defined]
    twin.__wrapped__ = method  # type: ignore[attr-defined]
    twin.__module__ = method.__module__
    twin.__name__ = name
    twin.__qualname__ = method.__qualname__.rsplit(".", 1)[0] + "." + name
    base = name.removesuffix("_async")
    summary = (
        f"Async twin of ``{base}``: {note}" if note else "Blocks until the server has answered."
    )
    first, _, rest = inspect.cleandoc(method.__doc__ or "").partition("\n")
    twin.__doc__ = f"{first}\n\n{summary}\n{rest}" if first else summary


def future_twin(
    method: Callable[Concatenate[S, P], APIFuture[T]], name: str | None = None
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, APIFuture[T]]]:
    """``async`` version of ``method`` whose value is the ``APIFuture`` (await it again)."""

    async def twin(self: S, /, *args: P.args, **kwargs: P.kwargs) -> APIFuture[T]:
        return method(self, *args, **kwargs)

    public = name or f"{method.__name__}_async"
    note = "it submits, and its value is the APIFuture (``fut = await ...``; ``await fut``)."
    _named(twin, method, public, note)
    return twin


def value_twin(
    method: Callable[Concatenate[S, P], APIFuture[T]],
    name: str | None = None,
    *,
    cancel_with_caller: bool = False,
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """``async`` version of ``method`` whose value is the operation's result.

    Cancelling the awaiting task leaves the operation running (other code may wait on it),
    unless ``cancel_with_caller``: then the operation is cancelled too (for side-effect-free
    work such as sampling, where nobody else can be waiting).
    """

    async def twin(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        future = method(self, *args, **kwargs)
        try:
            return await future
        except asyncio.CancelledError:
            if cancel_with_caller:
                future.cancel()
            raise

    public = name or f"{method.__name__}_async"
    note = "its value is the result (it waits without blocking the event loop)."
    _named(twin, method, public, note, unwrap_result=True)
    return twin


def blocking_twin(
    method: Callable[Concatenate[S, P], APIFuture[T]], name: str
) -> Callable[Concatenate[S, P], T]:
    """The version of ``method`` that waits for the result and returns it."""

    def twin(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return method(self, *args, **kwargs).result()

    _named(twin, method, name, "", unwrap_result=True)
    return twin
