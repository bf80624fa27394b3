"""The ``xorl-client`` command line.

``xorl-client serve`` starts the local reference server (needs the ``local`` extra). The server
modules are imported only when ``serve`` runs, so ``xorl-client --help`` and ``--version`` work
with the core install and a missing extra produces an install hint instead of a traceback.

``xorl-client tinker-run script.py ARGS`` (or ``-m package.module ARGS``) runs a program written
for Tinker with ``import tinker`` resolving to xorl-client (:mod:`xorl_client.tinker_shim`).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

from xorl_client._version import __version__
from xorl_client.errors import MissingDependencyError

__all__ = ["build_parser", "main"]


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows ``(default: ...)`` for options that take a value and have a default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.nargs == 0 or action.default is None:  # flags; "unset" is said in the help
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xorl-client", description="Tools of the xorl-client SDK."
    )
    parser.add_argument("--version", action="version", version=f"xorl-client {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the local reference xorl server (tiny CPU model, same wire protocol)",
        description=(
            "Run the local reference server: the xorl training API and SGLang's /generate on one "
            "port, backed by a byte-level bigram model trained with numpy."
        ),
        formatter_class=_DefaultsFormatter,
    )
    serve.set_defaults(command_parser=serve)
    serve.add_argument("--port", type=int, default=6000, help="TCP port (0 = any free port)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind")
    serve.add_argument(
        "--lora",
        action="store_true",
        help="LoRA mode: multi-tenant adapters (otherwise full-weight)",
    )
    serve.add_argument(
        "--output-dir",
        type=Path,
        default=Path("outputs"),
        help="checkpoint root: weights/<model_id>/<name>/ and sampler_weights/<name>/",
    )
    serve.add_argument("--seed", type=int, default=0, help="seed of the base weights")
    serve.add_argument(
        "--long-poll-timeout",
        type=_positive_float,
        default=45.0,
        help="seconds retrieve_future holds a poll before try_again (real server: 45)",
    )
    serve.add_argument(
        "--future-ttl",
        type=_positive_float,
        default=3600.0,
        help="seconds a future stays retrievable (real server: 3600)",
    )
    serve.add_argument(
        "--learning-rate",
        type=_positive_float,
        default=None,
        help="server train-config learning rate used when optim_step sends none "
        "(default: unset, like the stock real server)",
    )
    serve.add_argument(
        "--log-level",
        default="warning",
        type=str.lower,
        choices=LOG_LEVELS,
        help="server log level (case-insensitive)",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log one line per HTTP request (client, method, path, status) to stderr",
    )
    tinker_run = commands.add_parser(
        "tinker-run",
        help="run a program written for Tinker, with `import tinker` resolving to xorl-client",
        description=(
            "Install xorl-client's tinker namespace (xorl_client.tinker_shim), then run the "
            "script or module as __main__ with the remaining arguments."
        ),
    )
    tinker_run.set_defaults(command_parser=tinker_run)
    tinker_run.add_argument("-m", dest="module", action="store_true", help="TARGET is a module")
    tinker_run.add_argument("target", metavar="TARGET", help="script path (or module with -m)")
    tinker_run.add_argument("args", nargs=argparse.REMAINDER, help="the program's arguments")
    return parser


def _tinker_run(args: argparse.Namespace) -> int:
    from xorl_client.tinker_shim import run

    try:
        run(args.target, args.args, module=args.module)
    except SystemExit as exc:  # the program's own exit status
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def _serve(args: argparse.Namespace) -> int:
    try:
        from xorl_client.local.config import LocalServerConfig
        from xorl_client.local.server import run
    except ImportError as exc:
        package = getattr(exc, "name", None) or "fastapi"
        raise MissingDependencyError("xorl-client serve", "local", package) from exc
    config = LocalServerConfig(
        host=args.host,
        port=args.port,
        lora=args.lora,
        output_dir=args.output_dir,
        seed=args.seed,
        long_poll_timeout=args.long_poll_timeout,
        future_ttl=args.future_ttl,
        learning_rate=args.learning_rate,
    )
    # uvicorn re-raises SIGINT after its graceful shutdown; that is a normal exit here.
    with contextlib.suppress(KeyboardInterrupt):
        run(config, log_level=args.log_level, access_log=args.access_log)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``xorl-client`` console script; returns the exit status."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command == "tinker-run":
        return _tinker_run(args)
    if unknown:
        # Report it with the usage of the command it was given to, not the top-level one.
        command_parser: argparse.ArgumentParser = getattr(args, "command_parser", parser)
        command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command == "serve":
        try:
            return _serve(args)
        except MissingDependencyError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:  # e.g. the port is taken
            print(f"error: cannot start the server: {exc}", file=sys.stderr)
            return 1
        except ValueError as exc:  # a setting LocalServerConfig refuses, e.g. --port 70000
            print(f"error: {exc}", file=sys.stderr)
            return 2
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
