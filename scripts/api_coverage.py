"""The coverage map: which facade method exposes each operation of openapi.yaml, and which
facade parameter sets each field of its request - or, for each, the reason there is none.

**This is the one table to edit when openapi.yaml gains a route or a field.** Add one row to
:data:`ROUTES` per new operation (a :class:`Route` naming the facade method(s), with one entry
per request field, or :class:`NotExposed` with the reason), and, if the local reference server
deliberately does not serve it, one row to :data:`LOCAL_SERVER_OMITS`. The field names of an
operation are printed by ``python scripts/api_inventory.py``; ``make regen-report`` lists what
is missing.

Facade names are resolved on the public ``xorl_client`` namespace: ``"TrainingClient.forward"``
is a method, ``"Datum"`` a class (its constructor). A field entry also covers every field below
it (``"optimizer_config"`` covers ``optimizer_config.betas``), so map a container wholesale only
when the facade really passes it through whole.

``tests/contract/test_api_coverage.py`` fails when an operation or a field has neither a
facade counterpart nor a reason, when a row names something the spec no longer has, or when a
named method or parameter does not exist.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "LOCAL_SERVER_OMITS",
    "ROUTES",
    "Because",
    "NotExposed",
    "Param",
    "Route",
    "facade_errors",
    "field_gaps",
    "local_server_gaps",
    "operation_gaps",
    "resolve",
    "stale_rows",
]


@dataclass(frozen=True)
class Param:
    """The facade parameter that sets a field; ``method`` defaults to the route's first one."""

    name: str
    method: str | None = None


@dataclass(frozen=True)
class Because:
    """A field the user does not set directly, and why."""

    reason: str


@dataclass(frozen=True)
class Route:
    """An operation the facade exposes: the method(s) that send it and how each field is set."""

    exposed_by: tuple[str, ...]
    fields: Mapping[str, Param | Because] = field(default_factory=dict)


@dataclass(frozen=True)
class NotExposed:
    """An operation the facade deliberately does not expose, and why."""

    reason: str


# Reasons shared by many rows.
SESSION = Because("the TrainingClient's model_id (ServiceClient.create_*_training_client)")
SEQ_ID = Because("set by the SDK: one process-wide counter, reserved at call time")
BARRIER = Because(
    "not sent: the SDK runs this as a barrier (waits for earlier calls, holds later ones)"
)


def alias(target: str) -> Because:
    """A Tinker-style alias: the SDK always sends the canonical field instead."""
    return Because(f"alias of {target}; the SDK sends {target}")


def _batch_fields(container: str, method: str) -> dict[str, Param | Because]:
    """forward / forward_backward share their DatumInput."""
    return {
        "model_id": SESSION,
        "session_id": alias("model_id"),
        "seq_id": SEQ_ID,
        f"{container}.data.model_input.input_ids": Param("model_input", "Datum"),
        f"{container}.data.model_input.chunks": Because(
            "Tinker's form of model_input: accepted from tinker objects, sent as input_ids"
        ),
        f"{container}.data.loss_fn_inputs": Param("loss_fn_inputs", "Datum"),
        f"{container}.loss_fn": Param("loss_fn", method),
        f"{container}.loss_fn_params": Param("loss_fn_params", method),
        f"{container}.loss_fn_config": Param("loss_fn_config", method),
        # Per datum on the facade; the SDK moves them to the request, in datum order.
        f"{container}.routed_experts": Param("routed_experts", "Datum"),
        f"{container}.routed_expert_logits": Param("routed_expert_logits", "Datum"),
    }


_OPERATOR = "an operator task on the deployment, not part of a training program"

#: operationId -> how the facade covers it. Keep the spec's order; one row per operation.
ROUTES: dict[str, Route | NotExposed] = {
    # -- training ---------------------------------------------------------------------------
    "forward_backward": Route(
        ("TrainingClient.forward_backward",),
        _batch_fields("forward_backward_input", "TrainingClient.forward_backward"),
    ),
    "forward": Route(
        ("TrainingClient.forward",),
        _batch_fields("forward_input", "TrainingClient.forward"),
    ),
    "optim_step": Route(
        ("TrainingClient.optim_step",),
        {
            "model_id": SESSION,
            "session_id": alias("model_id"),
            "seq_id": SEQ_ID,
            "learning_rate": Param("learning_rate"),
            "lr": alias("learning_rate"),
            "gradient_clip": Param("gradient_clip"),
            **{
                f"adam_params.{name}": Param(name, "AdamParams")
                for name in (
                    "learning_rate",
                    "beta1",
                    "beta2",
                    "eps",
                    "weight_decay",
                    "grad_clip_norm",
                )
            },
        },
    ),
    "abort_gradient_epoch": Route(
        ("TrainingClient.abort_gradient_epoch",),
        {"model_id": SESSION, "session_id": alias("model_id"), "seq_id": SEQ_ID},
    ),
    # -- futures ----------------------------------------------------------------------------
    "retrieve_future": Route(
        ("APIFuture.result",),
        {"request_id": Because("the id the submission answered; every APIFuture polls it")},
    ),
    # -- models -----------------------------------------------------------------------------
    "create_model": Route(
        ("ServiceClient.create_training_client", "ServiceClient.create_lora_training_client"),
        {
            "model_id": Param("model_id"),
            "session_id": alias("model_id"),
            "base_model": Param("base_model"),
            "lora_config.lora_rank": Param("rank", "ServiceClient.create_lora_training_client"),
            "lora_config.lora_alpha": Param("alpha", "ServiceClient.create_lora_training_client"),
            "lora_config.rank": alias("lora_config.lora_rank"),
            "lora_config.alpha": alias("lora_config.lora_alpha"),
            # Passed through as given (a dict), so every field of it is set by this parameter.
            "optimizer_config": Param(
                "optimizer_config", "ServiceClient.create_lora_training_client"
            ),
        },
    ),
    "unload_model": Route(
        ("TrainingClient.unload",),
        {
            "model_id": SESSION,
            "session_id": alias("model_id"),
            "type": Because("a constant (`unload_model`); the server's default"),
        },
    ),
    "create_session": NotExposed(
        "the training clients register sessions with create_model, which also takes the "
        "optimizer config and reports failures through its future; create_session is the "
        "Tinker-style duplicate"
    ),
    "session_heartbeat": NotExposed(
        "every request that names a session refreshes its activity on the server, so a "
        "training program never needs a separate heartbeat"
    ),
    "kill_session": Route(
        ("TrainingClient.kill_session",),
        {
            "model_id": SESSION,
            "session_id": alias("model_id"),
            "save_checkpoint": Param("save_checkpoint"),
            "reset_weights": Because(
                "never sent: the server accepts it but does not forward it to the workers"
            ),
        },
    ),
    "session_info": Route(("RestClient.session_info",)),
    # -- weights ----------------------------------------------------------------------------
    "save_weights": Route(
        ("TrainingClient.save_state",),
        {
            "model_id": SESSION,
            "session_id": alias("model_id"),
            "path": Param("name"),
            "seq_id": BARRIER,
        },
    ),
    "load_weights": Route(
        ("TrainingClient.load_state", "TrainingClient.load_state_with_optimizer"),
        {
            "model_id": SESSION,
            "session_id": alias("model_id"),
            "path": Param("path"),
            "optimizer": Because(
                "chosen by the method: load_state sends false, load_state_with_optimizer true"
            ),
            "seq_id": BARRIER,
        },
    ),
    "save_weights_for_sampler": Route(
        ("TrainingClient.save_weights_for_sampler",),
        {"model_id": SESSION, "session_id": alias("model_id"), "name": Param("name")},
    ),
    "list_checkpoints": Route(
        ("RestClient.list_checkpoints", "TrainingClient.list_checkpoints"),
        {"model_id": Param("model_id"), "session_id": alias("model_id")},
    ),
    "delete_checkpoint": Route(
        (
            "RestClient.delete_checkpoint",
            "TrainingClient.delete_checkpoint",
            "TrainingClient.delete_checkpoint_from_xorl_path",
        ),
        {
            "model_id": Because("unused by the server"),
            "session_id": Because("unused by the server"),
            "checkpoint_id": Param("checkpoint_id_or_path"),
        },
    ),
    "weights_info": Route(("RestClient.get_weights_info",), {"xorl_path": Param("xorl_path")}),
    "training_runs": Route(
        ("RestClient.list_training_runs",), {"limit": Param("limit"), "offset": Param("offset")}
    ),
    # -- inference --------------------------------------------------------------------------
    "add_inference_endpoint": Route(
        ("TrainingClient.add_inference_endpoint",),
        {
            name: Param(name)
            for name in (
                "host",
                "port",
                "worker_port",
                "world_size",
                "pool",
                "receiver_kv_cache_dtype",
                "sync_weights",
                "master_address",
                "master_port",
                "group_name",
                "buffer_size_mb",
            )
        },
    ),
    "list_inference_endpoints": Route(("TrainingClient.list_inference_endpoints",)),
    "remove_inference_endpoint": Route(
        ("TrainingClient.remove_inference_endpoint",),
        {"host": Param("host"), "port": Param("port")},
    ),
    "sync_inference_weights": Route(
        (
            "TrainingClient.sync_inference_weights",
            "TrainingClient.sync_weights_to_inference",
            "TrainingClient.save_weights_and_get_sampling_client",
        ),
        {
            "model_id": SESSION,
            "master_address": Param("master_address"),
            "master_port": Param("master_port"),
            "flush_cache": Param("flush_cache"),
            "pools": Param("pools"),
            "weight_version": Param("weight_version"),
            # Passed through as given by the method's **options.
            "group_name": Param("options"),
            "buffer_size_mb": Param("options"),
            "cache_invalidation_mode": Param("options"),
            "pause_mode": Param("options"),
            "quantization": Param("options"),
        },
    ),
    "set_sync_quantization": Route(
        ("TrainingClient.set_sync_quantization",), {"quantization": Param("quantization")}
    ),
    "create_sampling_session": Route(
        (
            "ServiceClient.create_sampling_client",
            "TrainingClient.save_weights_and_get_sampling_client",
        ),
        {"model_id": Param("model_id"), "model_path": Param("model_path")},
    ),
    # -- system -----------------------------------------------------------------------------
    "health": Route(("TrainingClient.health_check",)),
    "healthz": NotExposed("a probe for orchestrators (liveness of the engine)"),
    "root": NotExposed("the server's banner; nothing a client acts on"),
    "sleep": NotExposed(f"freeing accelerator memory is {_OPERATOR}"),
    "wake_up": NotExposed(f"re-acquiring accelerator memory is {_OPERATOR}"),
    # -- sampling (the SGLang server) -------------------------------------------------------
    "generate": Route(
        (
            "SamplingClient.sample",
            "SamplingClient.sample_batch",
            "SamplingClient.generate_batch_native",
            "SamplingClient.score_prompt_logprobs_batch",
        ),
        {
            "text": Param("prompt"),
            "input_ids": Param("prompt"),
            "sampling_params.max_new_tokens": Param("max_tokens", "SamplingParams"),
            "sampling_params.temperature": Param("temperature", "SamplingParams"),
            "sampling_params.top_p": Param("top_p", "SamplingParams"),
            "sampling_params.top_k": Param("top_k", "SamplingParams"),
            "sampling_params.min_p": Param("min_p", "SamplingParams"),
            "sampling_params.stop": Param("stop", "SamplingParams"),
            "sampling_params.stop_token_ids": Param("stop", "SamplingParams"),
            "sampling_params.n": Param("num_samples"),
            "sampling_params.sampling_seed": Param("seed", "SamplingParams"),
            "sampling_params.ignore_eos": Param("ignore_eos", "SamplingParams"),
            "sampling_params.no_stop_trim": Param("no_stop_trim", "SamplingParams"),
            "sampling_params.skip_special_tokens": Because(
                "not exposed: text is decoded without special tokens (the server's default)"
            ),
            "return_logprob": Param("return_logprobs"),
            "logprob_start_len": Param("logprob_start_len"),
            "top_logprobs_num": Param("topk_prompt_logprobs"),
            "lora_path": Param("lora_path", "SamplingClient"),
            "return_routed_experts": Param("return_routed_experts", "SamplingParams"),
            "routed_experts_start_len": Param("routed_experts_start_len", "SamplingParams"),
            "model": Param("model", "SamplingClient"),
            "rid": Because("not sent: the SDK never aborts a single SGLang request by id"),
        },
    ),
    "sglang_health": NotExposed("a probe of the SGLang server for its operators"),
    # SamplingClient(api_format="chat_completions"): sample() and sample_batch() send this.
    "chat_completions": Route(
        ("SamplingClient.sample", "SamplingClient.sample_batch"),
        {
            "model": Param("model", "SamplingClient"),
            "messages": Param("prompt"),
            "max_tokens": Param("max_tokens", "SamplingParams"),
            "max_completion_tokens": alias("max_tokens"),
            **{
                name: Param(name, "SamplingParams")
                for name in (
                    "temperature",
                    "top_p",
                    "top_k",
                    "min_p",
                    "stop",
                    "stop_token_ids",
                    "seed",
                    "ignore_eos",
                    "no_stop_trim",
                    "custom_params",
                    "return_routed_experts",
                    "routed_experts_start_len",
                    "chat_template_kwargs",
                )
            },
            "continue_final_message": Param("chat_continue_final_message", "SamplingParams"),
            "n": Param("num_samples"),
            "logprobs": Param("return_logprobs"),
            "lora_path": Param("lora_path", "SamplingClient"),
            "top_logprobs": Because("not exposed: SampleResponse has no per-token alternatives"),
            "skip_special_tokens": Because(
                "not exposed: text is decoded without special tokens (the server's default)"
            ),
            "min_tokens": Because("not exposed: SamplingParams has no minimum length"),
            "logprob_start_len": Because(
                "refused in chat format (the answer has no field for prompt logprobs); "
                "SamplingClient.score_prompt_logprobs_batch scores through /generate"
            ),
            "return_token_ids": Because("always sent: every sequence needs its token ids"),
            "return_prompt_token_ids": Because(
                "always sent: SampledSequence.prompt_tokens is the rendered prompt"
            ),
            "stream": Because("never sent: the SDK reads whole answers"),
        },
    ),
    "load_lora_adapter": Route(
        ("SamplingClient.load_lora_adapter", "SamplingClient.swap_lora_adapter"),
        {
            "lora_name": Param("lora_name"),
            "lora_path": Param("lora_path"),
            "pinned": Param("pinned"),
        },
    ),
    "unload_lora_adapter": Route(
        ("SamplingClient.unload_lora_adapter", "SamplingClient.swap_lora_adapter"),
        {"lora_name": Param("lora_name")},
    ),
    "flush_cache": Route(
        (
            "SamplingClient.flush_cache",
            "SamplingClient.unload_lora_adapter",
            "SamplingClient.swap_lora_adapter",
        ),
        {"timeout": Param("timeout")},
    ),
}

#: operationId -> why the local reference server (xorl_client/local) does not serve it.
LOCAL_SERVER_OMITS: dict[str, str] = {}


# -------------------------------------------------------------------------------------------
# Checks (used by the tests and by `make regen-report`)
# -------------------------------------------------------------------------------------------


def _covering_entry(name: str, entries: Iterable[str]) -> str | None:
    """The entry that covers field ``name``: itself or its nearest dotted ancestor."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in entries:
            return candidate
    return None


def operation_gaps(operation_ids: Iterable[str]) -> list[str]:
    """Operations of the spec that have no row in :data:`ROUTES`."""
    return [op for op in operation_ids if op not in ROUTES]


def field_gaps(fields_by_operation: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """operationId -> request fields of an exposed operation with no entry (nor an ancestor's)."""
    gaps: dict[str, list[str]] = {}
    for operation_id, fields in fields_by_operation.items():
        row = ROUTES.get(operation_id)
        if not isinstance(row, Route):
            continue
        missing = [f for f in fields if _covering_entry(f, row.fields) is None]
        if missing:
            gaps[operation_id] = missing
    return gaps


def stale_rows(fields_by_operation: Mapping[str, Iterable[str]]) -> list[str]:
    """Rows that name an operation or field the spec no longer has (so the table cannot rot)."""
    stale = [f"{op}: not in openapi.yaml" for op in ROUTES if op not in fields_by_operation]
    stale += [
        f"{op}: not in openapi.yaml (LOCAL_SERVER_OMITS)"
        for op in LOCAL_SERVER_OMITS
        if op not in fields_by_operation
    ]
    for operation_id, fields in fields_by_operation.items():
        row = ROUTES.get(operation_id)
        if not isinstance(row, Route):
            continue
        known = list(fields)
        for entry in row.fields:
            if not any(f == entry or f.startswith(entry + ".") for f in known):
                stale.append(f"{operation_id}: field {entry!r} is not in its request")
    return stale


def resolve(name: str, package: Any = None) -> Any:
    """``"TrainingClient.forward"`` -> that attribute of the public ``xorl_client`` namespace."""
    obj = package if package is not None else importlib.import_module("xorl_client")
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def facade_errors(package: Any = None) -> list[str]:
    """Rows naming a facade method that does not exist, or a parameter it does not take."""
    errors: list[str] = []
    for operation_id, row in ROUTES.items():
        if not isinstance(row, Route):
            continue
        if not row.exposed_by:
            errors.append(f"{operation_id}: a Route needs at least one facade method")
            continue
        for method in row.exposed_by:
            try:
                resolve(method, package)
            except AttributeError:
                errors.append(f"{operation_id}: xorl_client.{method} does not exist")
        for name, entry in row.fields.items():
            if not isinstance(entry, Param):
                continue
            method = entry.method or row.exposed_by[0]
            try:
                target = resolve(method, package)
            except AttributeError:
                errors.append(f"{operation_id}.{name}: xorl_client.{method} does not exist")
                continue
            if entry.name not in inspect.signature(target).parameters:
                errors.append(
                    f"{operation_id}.{name}: xorl_client.{method} has no parameter {entry.name!r}"
                )
    return errors


def local_server_gaps(operation_ids: Iterable[str], served: Iterable[str]) -> list[str]:
    """Operations the local server does not serve and :data:`LOCAL_SERVER_OMITS` does not excuse."""
    served_ids = set(served)
    return [op for op in operation_ids if op not in served_ids and op not in LOCAL_SERVER_OMITS]
