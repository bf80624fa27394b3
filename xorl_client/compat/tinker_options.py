"""Tinker's keyword options on xorl: which ones are honoured, which are refused and why.

Tinker's calls take options the xorl server has no counterpart for (checkpoint TTLs, run
metadata, projects, access tokens, ...). The rule is the same for every one of them: the
option's default value is accepted (it asks for nothing), any other value is refused with an
:class:`UnsupportedError` *before anything is sent*, saying what xorl lacks and what to do
instead. Nothing is accepted and then ignored.

:data:`TINKER_OPTIONS` is that table, one entry per call; :func:`check_tinker_options` applies
it. The options xorl *can* honour are converted here too, each by one function:
:func:`lora_structure` (``train_mlp`` / ``train_attn`` / ``train_unembed``) and
:func:`optimizer_settings` (Tinker's ``optimizer=`` config object).

>>> check_tinker_options("save_state", ttl_seconds=None, overwrite=False, user_metadata={})
>>> check_tinker_options("save_state", ttl_seconds=3600)
Traceback (most recent call last):
...
xorl_client.compat.tinker_options.UnsupportedError: save_state(ttl_seconds=3600) is not supported on xorl: xorl checkpoints never expire (the server has no TTL). Pass ttl_seconds=None and delete checkpoints you no longer need with RestClient.delete_checkpoint_from_tinker_path(path).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from xorl_client.errors import DataValidationError, NotSupportedOnXorlError

__all__ = [
    "TINKER_OPTIONS",
    "TINKER_REFUSED_CALLS",
    "Unsupported",
    "UnsupportedError",
    "check_tinker_options",
    "lora_structure",
    "merged_optimizer",
    "optimizer_settings",
    "refuse",
    "refused_call",
]


class UnsupportedError(DataValidationError, NotSupportedOnXorlError):
    """A Tinker option or call that xorl cannot honour; raised before anything is sent.

    The message says what is not supported on xorl and what to do instead. It is a
    :class:`~xorl_client.DataValidationError` (and so a ``ValueError``, which Tinker code
    catches), with ``field`` the option and ``rule`` the reason, and a
    :class:`~xorl_client.NotSupportedOnXorlError`, so one ``except`` catches every refusal of
    a call xorl has no counterpart for, official or Tinker.
    """

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        # The two parents take different keywords; set both attribute sets here.
        Exception.__init__(self, message)
        self.field = field
        self.datum_index = None
        self.rule = rule
        self.feature = field or ""
        self.use_instead = None


def refuse(
    call: str, what: str, reason: str, instead: str, *, field: str | None = None
) -> UnsupportedError:
    """The :class:`UnsupportedError` for ``call(what)``: ``reason`` and ``instead`` in full sentences."""
    return UnsupportedError(
        f"{call}({what}) is not supported on xorl: {reason}. {instead}.",
        field=field or what.split("=", 1)[0] or call,
        rule=reason,
    )


@dataclass(frozen=True)
class Unsupported:
    """An option only its default value of which xorl can honour."""

    default: Any
    reason: str
    instead: str

    def is_default(self, value: Any) -> bool:
        """``value`` asks for nothing: the default itself, or an empty mapping for ``None``."""
        if value is None or self.default is None:
            return value is None or (isinstance(value, Mapping) and not value)
        return type(value) is type(self.default) and bool(value == self.default)


_NO_METADATA: Final = (
    "the xorl server keeps no user metadata (its sessions and training runs have no field for "
    "it: training_runs always report user_metadata as null)"
)
_KEEP_IT_YOURSELF: Final = (
    "Drop user_metadata=... and keep that information in your own logs (e.g. next to the "
    "checkpoint paths you record)"
)
_NO_TTL: Final = "xorl checkpoints never expire (the server has no TTL)"
_DELETE_INSTEAD: Final = (
    "Pass ttl_seconds=None and delete checkpoints you no longer need with "
    "RestClient.delete_checkpoint_from_tinker_path(path)"
)

#: Call -> Tinker option -> why only its default works on xorl.
TINKER_OPTIONS: Final[Mapping[str, Mapping[str, Unsupported]]] = {
    "ServiceClient": {
        "user_metadata": Unsupported(None, _NO_METADATA, _KEEP_IT_YOURSELF),
        "project_id": Unsupported(
            None,
            "xorl has no projects: every session of a server sees all of its checkpoints",
            "Drop project_id=...; use one xorl server (or output directory) per project",
        ),
        "display_name": Unsupported(
            None,
            "the xorl server keeps no session names",
            "Drop display_name=...",
        ),
    },
    "create_lora_training_client": {
        "seed": Unsupported(
            None,
            "the xorl server initialises LoRA adapters itself and takes no per-session seed",
            "Leave seed=None; runs on one server start from the same adapter initialisation "
            "rule, not from a seed you choose",
        ),
        "user_metadata": Unsupported(None, _NO_METADATA, _KEEP_IT_YOURSELF),
    },
    "create_training_client_from_state": {
        "user_metadata": Unsupported(None, _NO_METADATA, _KEEP_IT_YOURSELF),
        "weights_access_token": Unsupported(
            None,
            "xorl has no access tokens: every session of a server can load its checkpoints",
            "Drop weights_access_token=...",
        ),
    },
    "save_state": {
        "ttl_seconds": Unsupported(None, _NO_TTL, _DELETE_INSTEAD),
        "overwrite": Unsupported(
            False,
            "the xorl server cannot replace a checkpoint in one step (delete-then-save would "
            "lose the old checkpoint if the save then failed)",
            "Save under a new name, or delete the old checkpoint first with "
            "RestClient.delete_checkpoint_from_tinker_path(path)",
        ),
        "user_metadata": Unsupported(None, _NO_METADATA, _KEEP_IT_YOURSELF),
    },
    "save_weights_for_sampler": {
        "ttl_seconds": Unsupported(None, _NO_TTL, _DELETE_INSTEAD),
        "user_metadata": Unsupported(None, _NO_METADATA, _KEEP_IT_YOURSELF),
    },
    "create_sampling_client": {
        "retry_config": Unsupported(
            None,
            "Tinker's RetryConfig has no counterpart; xorl-client's retries are client settings",
            "Drop retry_config=... and pass max_retries=..., retry_backoff_base=..., "
            "operation_timeout=... to ServiceClient (or create_sampling_client)",
        ),
        "record_stability_info": Unsupported(
            False,
            "the xorl inference server records no stability information",
            "Leave record_stability_info=False",
        ),
    },
    "sample": {
        "topk_sample_logprobs": Unsupported(
            0,
            "the SDK does not return top-k logprobs of sampled tokens",
            "Leave topk_sample_logprobs=0; sampled tokens always come with their own logprobs",
        ),
        "target_prompt_logprobs": Unsupported(
            None,
            "SGLang cannot score chosen alternative tokens at prompt positions",
            "Leave target_prompt_logprobs=None; use topk_prompt_logprobs=K, or score each "
            "alternative continuation with compute_logprobs",
        ),
        "prompt_alt_tokens_k": Unsupported(
            0,
            "SGLang returns no sampled alternative prompt tokens",
            "Leave prompt_alt_tokens_k=0; topk_prompt_logprobs=K gives the K most likely tokens",
        ),
    },
    "RestClient": {
        "project_id": Unsupported(None, "xorl has no projects", "Drop project_id=..."),
    },
}


def check_tinker_options(call: str, **given: Any) -> None:
    """Refuse the first option in ``given`` whose value is not its default on ``call``.

    Raises:
        UnsupportedError: naming the call, the option and value, why and what to do instead.
        KeyError: ``call`` or an option is not in :data:`TINKER_OPTIONS` (a programming error).
    """
    table = TINKER_OPTIONS[call]
    for name, value in given.items():
        option = table[name]
        if not option.is_default(value):
            raise refuse(call, f"{name}={value!r}", option.reason, option.instead)


#: ``create_lora_training_client``'s Tinker flags and the server-wide LoRA key each one is.
_LORA_FLAGS: Final = ("train_mlp", "train_attn", "train_unembed")


def lora_structure(train_mlp: Any, train_attn: Any, train_unembed: Any) -> dict[str, bool]:
    """The ``lora_config`` keys to send for Tinker's ``train_*`` flags (``{}`` for the defaults).

    Which modules get adapters is a server-wide setting on xorl (``lora.train_mlp`` etc.).
    Tinker's default (all ``True``) asks for nothing and is not sent. A ``False`` is sent: the
    server accepts it only when its own setting is the same, and refuses the session otherwise
    ("may only override rank and alpha"), so the adapter never silently trains other modules.
    """
    flags = {"train_mlp": train_mlp, "train_attn": train_attn, "train_unembed": train_unembed}
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise DataValidationError(
                f"{name} must be True or False, not {value!r}",
                field=name,
                rule=f"{name} is a bool",
            )
    if not any(flags.values()):
        raise DataValidationError(
            "at least one of train_mlp, train_attn and train_unembed must be True",
            field="train_mlp",
            rule="a LoRA adapter trains at least one kind of module",
        )
    return {name: False for name in _LORA_FLAGS if not flags[name]}


def optimizer_settings(optimizer: Any) -> dict[str, Any] | None:
    """Tinker's ``optimizer=`` (``AdamOptimizerConfig`` or a dict) as xorl's ``optimizer_config``.

    ``None`` and Tinker's default ``AdamOptimizerConfig()`` (``type="adamw"``) become
    ``{"type": "adamw"}`` or nothing; any other optimizer is refused (xorl's ``muon`` is not
    Tinker's ``dimuon``).
    """
    if optimizer is None:
        return None
    kind = (
        optimizer.get("type")
        if isinstance(optimizer, Mapping)
        else getattr(optimizer, "type", None)
    )
    if kind == "adamw":
        return {"type": "adamw"}
    raise refuse(
        "create_lora_training_client",
        f"optimizer={optimizer!r}",
        f"xorl offers Tinker's AdamW, not the {kind!r} optimizer",
        "Leave optimizer=None (AdamW), or choose one of xorl's optimizers by name with "
        "optimizer_config={'type': 'adamw' | 'sgd' | 'muon' | ...}",
    )


@dataclass(frozen=True)
class RefusedCall:
    """A Tinker method with no xorl counterpart: why, and what to do instead."""

    reason: str
    instead: str


_NO_PUBLISHING: Final = "xorl has no published checkpoints: every session of a server can load them"
_NO_DOWNLOADS: Final = "the xorl server offers no checkpoint downloads"
_OUTPUT_DIR: Final = (
    "Read the files from the server's output directory: weights/<model_id>/<name> for training "
    "checkpoints, sampler_weights/<name> for sampler exports"
)

#: Tinker methods xorl has no counterpart for; each raises UnsupportedError and sends nothing.
TINKER_REFUSED_CALLS: Final[Mapping[str, RefusedCall]] = {
    "publish_checkpoint_from_tinker_path": RefusedCall(
        _NO_PUBLISHING, "Load the checkpoint from any session of the same server by its path"
    ),
    "unpublish_checkpoint_from_tinker_path": RefusedCall(
        _NO_PUBLISHING,
        "Delete it with delete_checkpoint_from_tinker_path(path) to make it unavailable",
    ),
    "get_checkpoint_archive_url_from_tinker_path": RefusedCall(_NO_DOWNLOADS, _OUTPUT_DIR),
    "get_checkpoint_archive_url": RefusedCall(_NO_DOWNLOADS, _OUTPUT_DIR),
    "get_external_weights_urls": RefusedCall("xorl has no external weights", _OUTPUT_DIR),
    "copy_weights": RefusedCall(
        "xorl has no projects: every session of a server already sees every checkpoint",
        "Use the path as it is",
    ),
    "get_audit_log": RefusedCall(
        "the xorl server keeps no audit log",
        "Keep your own record of the checkpoints you save and delete",
    ),
    "get_session": RefusedCall(
        "xorl has no client sessions grouping training runs",
        "Use RestClient.session_info() (the server's sessions) or list_training_runs()",
    ),
    "list_sessions": RefusedCall(
        "xorl has no client sessions grouping training runs",
        "Use RestClient.session_info() (the server's sessions) or list_training_runs()",
    ),
    "create_custom_loss": RefusedCall(
        "the xorl server runs no user-defined losses",
        "Use TrainingClient.forward_backward_custom(data, loss_fn), which is exact on xorl",
    ),
    "save_weights_external": RefusedCall(
        "xorl has no external (encrypted) weight exports",
        "Use save_weights_for_sampler(name); " + _OUTPUT_DIR[0].lower() + _OUTPUT_DIR[1:],
    ),
}


def refused_call(name: str) -> Callable[..., NoReturn]:
    """A method ``name`` (or ``name_async``) that raises its :data:`TINKER_REFUSED_CALLS` refusal."""
    entry = TINKER_REFUSED_CALLS[name.removesuffix("_async")]

    def error(args: tuple[Any, ...], kwargs: dict[str, Any]) -> UnsupportedError:
        shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
        return refuse(name, shown, entry.reason, entry.instead, field=name)

    if name.endswith("_async"):

        async def refused_async(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
            raise error(args, kwargs)

        method: Callable[..., Any] = refused_async
    else:

        def refused(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
            raise error(args, kwargs)

        method = refused
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Not on xorl ({entry.reason}): raises UnsupportedError. {entry.instead}."
    return method


def merged_optimizer(
    optimizer_config: dict[str, Any] | None, optimizer: Any
) -> dict[str, Any] | None:
    """``optimizer_config`` plus what Tinker's ``optimizer=`` asks for; a clash is refused."""
    tinker = optimizer_settings(optimizer)
    if tinker is None:
        return optimizer_config
    given = dict(optimizer_config or {})
    if given.get("type", tinker["type"]) != tinker["type"]:
        raise DataValidationError(
            f"optimizer={optimizer!r} and optimizer_config={optimizer_config!r} choose different "
            "optimizers; give one",
            field="optimizer",
            rule="one optimizer choice",
        )
    return {**given, **tinker}
