"""One line that makes Tinker code run on xorl: ``import xorl_client.tinker_shim``.

Importing this module (before anything imports ``tinker``) registers :mod:`xorl_client.tinker`
and every module under it as ``tinker`` / ``tinker.*``, so ``import tinker``,
``from tinker import types``, ``import tinker.types``,
``from tinker.types.tensor_data import TensorData`` and
``from tinker.lib.public_interfaces import APIFuture`` all give xorl-client's classes, in every
module of the program. A ``tinker.*`` module this SDK does not provide fails to import with a
message that says so (``ModuleNotFoundError``).

If the real ``tinker`` package is already imported, installing is refused with a
:class:`~xorl_client.ConfigurationError`: two different ``tinker`` modules in one process would
mix Tinker's clients with xorl's. Without changing any code, ``xorl-client tinker-run
script.py ARGS`` (or ``-m package.module``) installs the shim and runs the program.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import runpy
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

import xorl_client.tinker as namespace
from xorl_client.errors import ConfigurationError

__all__ = ["install", "installed", "run"]

_PREFIX = "xorl_client.tinker"


class _MissingTinkerModules(MetaPathFinder):
    """Answers every ``tinker.*`` module the SDK does not provide with a clear error."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname != "tinker" and not fullname.startswith("tinker."):
            return None
        raise ModuleNotFoundError(
            f"{fullname} is not provided on xorl: xorl-client's Tinker namespace "
            "(xorl_client.tinker, installed as 'tinker') has tinker, tinker.types, "
            "tinker.types.tensor_data, tinker.types.image_chunk and tinker.lib.public_interfaces "
            "(see docs/tinker.md)",
            name=fullname,
        )


def _our_modules() -> dict[str, ModuleType]:
    """Every module of the namespace package, under its ``tinker`` name."""
    modules = {"tinker": namespace}
    for info in pkgutil.walk_packages(namespace.__path__, f"{_PREFIX}."):
        modules["tinker" + info.name[len(_PREFIX) :]] = importlib.import_module(info.name)
    return modules


def installed() -> bool:
    """Whether ``tinker`` currently resolves to xorl-client's namespace."""
    return sys.modules.get("tinker") is namespace


def install() -> None:
    """Make ``tinker`` and ``tinker.*`` resolve to :mod:`xorl_client.tinker` (idempotent).

    Raises:
        ConfigurationError: the real ``tinker`` package (or one of its modules) is already
            imported in this process.
    """
    if installed():
        return
    foreign = sorted(
        name
        for name, module in sys.modules.items()
        if (name == "tinker" or name.startswith("tinker.")) and module is not None
    )
    if foreign:
        origin = getattr(sys.modules.get(foreign[0]), "__file__", None) or "unknown location"
        raise ConfigurationError(
            f"the real tinker package is already imported ({foreign[0]} from {origin}), so "
            "'tinker' cannot be switched to xorl-client: import xorl_client.tinker_shim before "
            "anything imports tinker, or run the program with `xorl-client tinker-run`"
        )
    sys.modules.update(_our_modules())
    if not any(isinstance(finder, _MissingTinkerModules) for finder in sys.meta_path):
        sys.meta_path.insert(0, _MissingTinkerModules())


def run(target: str, args: Sequence[str], *, module: bool = False) -> None:
    """Install the shim, then run ``target`` (a script path, or a module with ``module=True``)
    as ``__main__`` with ``sys.argv = [target, *args]``.

    ``sys.path[0]`` is what ``python script.py`` / ``python -m module`` would make it: the
    script's directory, or the current directory for a module.
    """
    install()
    sys.argv = [target, *args]
    sys.path.insert(0, os.getcwd() if module else os.path.dirname(os.path.abspath(target)))
    if module:
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        runpy.run_path(target, run_name="__main__")


install()
