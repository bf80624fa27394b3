"""Request models of the local server: the real xorl server's pydantic models, field for field.

Why copy them instead of accepting ``dict``: FastAPI derives its 422 bodies from these models, and
a client must see the same ``{"detail": [{"type", "loc", "msg", "input", "ctx"}]}`` items from the
local server as from the real one (``"seq_id": "seven"`` → ``int_parsing`` at
``["body", "seq_id"]``, a wrong ``unload_model.type`` → ``literal_error``, a removed config key →
``value_error`` at ``["body"]``).

Aliases are "before" model validators, exactly like the real server (reference §11), so they stay
invisible in the OpenAPI document: ``session_id`` ⇒ ``model_id`` (and the reverse on
``create_session`` / ``session_heartbeat``), ``loss_fn_config`` ⇒ ``loss_fn_params``, Tinker
``model_input.chunks[].tokens`` ⇒ ``model_input.input_ids``, ``lr`` and
``adam_params.learning_rate`` / ``.grad_clip_norm`` ⇒ ``learning_rate`` / ``gradient_clip``,
``rank`` / ``alpha`` ⇒ ``lora_rank`` / ``lora_alpha``, ``target_modules`` ⇒
``lora_target_modules``. Unknown keys are ignored everywhere; ``LoRAConfigRequest`` and
``OptimizerConfigRequest`` keep them (``extra="allow"``) so the session normaliser can reject
unsupported overrides with the real message.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AbortGradientEpochRequest",
    "AdamParams",
    "AddInferenceEndpointRequest",
    "CreateModelRequest",
    "CreateSamplingSessionRequest",
    "CreateSessionRequest",
    "Datum",
    "DatumInput",
    "DeleteCheckpointRequest",
    "ForwardBackwardRequest",
    "ForwardRequest",
    "FutureRetrieveRequest",
    "GenerateRequest",
    "GenerateSamplingParams",
    "InputType",
    "KillSessionRequest",
    "ListCheckpointsRequest",
    "LoRAConfigRequest",
    "LoadLoraAdapterRequest",
    "LoadWeightsRequest",
    "OptimStepRequest",
    "OptimizerConfigRequest",
    "RemoveInferenceEndpointRequest",
    "SaveWeightsForSamplerRequest",
    "SaveWeightsRequest",
    "SessionHeartbeatRequest",
    "SetSyncQuantizationRequest",
    "SyncInferenceWeightsRequest",
    "TensorData",
    "UnloadLoraAdapterRequest",
    "UnloadModelRequest",
    "WeightsInfoRequest",
    "find_removed_fields",
]

_IGNORE = ConfigDict(extra="ignore")
_ALLOW = ConfigDict(extra="allow")

# ---------------------------------------------------------------------------------------------
# Alias helpers (each returns a new dict; the caller's body is never mutated)
# ---------------------------------------------------------------------------------------------


def _copy_alias(data: Any, source: str, target: str) -> Any:
    """``source`` ⇒ ``target`` when the ``target`` key is absent, as the real validators do.

    An explicit ``null`` target is kept (and then fails validation where the field is a
    string, like on the real server).
    """
    if isinstance(data, dict) and target not in data and source in data:
        data = dict(data)
        data[target] = data[source]
    return data


_ZORL_REASON = (
    "ZORL was removed; remove this field and migrate training to forward_backward plus optim_step"
)
#: Removed configuration keys (reference §9.6) and why. Only the ZORL text is verified against
#: the real server; the others are written in the same style.
_REMOVED_KEYS: dict[str, str] = {
    "enable_zorl": _ZORL_REASON,
    "zorl": _ZORL_REASON,
    "zorl_config": _ZORL_REASON,
    "adapter_gradient_ownership_mode": (
        "adapter gradient ownership modes were removed; remove this field"
    ),
    "adapter_gradient_ownership_shadow_canary": (
        "adapter gradient ownership modes were removed; remove this field"
    ),
    "fp8_cfg": "FP8 training configuration was removed; remove this field",
    "externalize_r3_payloads": "R3 payloads are externalized automatically now; remove this field",
    "keep_r3_payloads": "R3 payloads are externalized automatically now; remove this field",
}


def _removed_reason(key: str) -> str | None:
    if key in _REMOVED_KEYS:
        return _REMOVED_KEYS[key]
    if key.startswith("zorl_"):
        return _ZORL_REASON
    return None


def find_removed_fields(data: Any, prefix: str = "") -> list[str]:
    """Every removed configuration key anywhere in ``data``, as ``"dotted.path: reason"``.

    >>> find_removed_fields({"optimizer_config": {"zorl": {}}})[0].split(":")[0]
    'optimizer_config.zorl'
    """
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            reason = _removed_reason(str(key))
            if reason is not None:
                found.append(f"{path}: {reason}")
            else:
                found.extend(find_removed_fields(value, path))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found.extend(find_removed_fields(item, f"{prefix}[{index}]"))
    return found


def _reject_removed(data: Any, request_name: str) -> None:
    removed = find_removed_fields(data)
    if removed:
        raise ValueError(
            f"{request_name} request contains removed configuration field(s): " + "; ".join(removed)
        )


class _SessionAliased(BaseModel):
    """Base for requests whose ``session_id`` (Tinker) means ``model_id``."""

    model_config = _IGNORE

    @model_validator(mode="before")
    @classmethod
    def _session_id_alias(cls, data: Any) -> Any:
        return _copy_alias(data, "session_id", "model_id")


# ---------------------------------------------------------------------------------------------
# Training data
# ---------------------------------------------------------------------------------------------


class TensorData(BaseModel):
    """Tinker's tensor wrapper: a flat ``data`` list plus ``shape`` (``dtype`` is not checked)."""

    data: list[int | float | str]
    dtype: str = "float32"
    shape: list[int]


#: A field of ``model_input`` / ``loss_fn_inputs``; order matters (pydantic smart union keeps
#: ``[1, 2]`` as ints and ``[1, 0.5]`` as floats).
InputType = list[int] | list[float] | list[str] | TensorData


class Datum(BaseModel):
    """One training example; the Tinker ``chunks`` form is flattened into ``input_ids``."""

    model_config = _IGNORE

    model_input: dict[str, InputType]
    loss_fn_inputs: dict[str, InputType]

    @model_validator(mode="before")
    @classmethod
    def _tinker_chunks(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        model_input = data.get("model_input")
        if isinstance(model_input, dict) and isinstance(model_input.get("chunks"), list):
            ids: list[Any] = []
            for chunk in model_input["chunks"]:
                if isinstance(chunk, dict) and isinstance(chunk.get("tokens"), list):
                    ids.extend(chunk["tokens"])
            # The chunks replace the whole model_input (an input_ids key too); image chunks and
            # any other keys are dropped, like the real server.
            data = {**data, "model_input": {"input_ids": ids}}
        return data


class DatumInput(BaseModel):
    """The batch of a ``forward`` / ``forward_backward`` request."""

    model_config = _IGNORE

    data: list[Datum]
    loss_fn: str = "causallm_loss"
    loss_fn_params: dict[str, Any] | None = None
    routed_experts: list[Any] | None = None
    routed_expert_logits: list[Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _loss_fn_config_alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and "loss_fn_config" in data:
            data = dict(data)
            config = data.pop("loss_fn_config")
            data.setdefault("loss_fn_params", config)
        return data


class ForwardBackwardRequest(_SessionAliased):
    model_id: str = "default"
    seq_id: int | None = None
    forward_backward_input: DatumInput


class ForwardRequest(_SessionAliased):
    model_id: str = "default"
    seq_id: int | None = None
    forward_input: DatumInput


class AdamParams(BaseModel):
    """Tinker's legacy optimizer block; ``weight_decay`` is accepted but unused (as on the real server)."""

    learning_rate: float = 1e-4
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-12
    weight_decay: float = 0.0
    grad_clip_norm: float = 0.0


class OptimStepRequest(_SessionAliased):
    model_id: str = "default"
    seq_id: int | None = None
    learning_rate: float | None = None
    gradient_clip: float | None = None
    adam_params: AdamParams | None = None

    @model_validator(mode="before")
    @classmethod
    def _lr_aliases(cls, data: Any) -> Any:
        data = _copy_alias(data, "lr", "learning_rate")
        if isinstance(data, dict) and isinstance(data.get("adam_params"), dict):
            adam = data["adam_params"]
            data = dict(data)
            if data.get("learning_rate") is None and adam.get("learning_rate") is not None:
                data["learning_rate"] = adam["learning_rate"]
            if data.get("gradient_clip") is None and "grad_clip_norm" in adam:
                data["gradient_clip"] = adam["grad_clip_norm"]
        return data


class AbortGradientEpochRequest(_SessionAliased):
    model_id: str = "default"
    seq_id: int | None = None


class FutureRetrieveRequest(BaseModel):
    request_id: str


# ---------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------


class LoRAConfigRequest(BaseModel):
    """Per-session LoRA overrides. Extra keys are kept so the normaliser can refuse them."""

    model_config = _ALLOW

    lora_rank: int | None = Field(default=None, validation_alias=AliasChoices("lora_rank", "rank"))
    lora_alpha: int | None = Field(
        default=None, validation_alias=AliasChoices("lora_alpha", "alpha")
    )

    @model_validator(mode="before")
    @classmethod
    def _target_modules_alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and "target_modules" in data:
            data = dict(data)
            value = data.pop("target_modules")
            data.setdefault("lora_target_modules", value)
        return data


class OptimizerConfigRequest(BaseModel):
    """Per-session optimizer overrides (LoRA mode); unset fields come from the server defaults."""

    model_config = _ALLOW

    type: Literal["adamw", "anyprecision_adamw", "sgd", "signsgd", "muon"] | None = None
    learning_rate: float | None = Field(default=None, gt=0)
    weight_decay: float | None = Field(default=None, ge=0)
    optimizer_dtype: Literal["fp32", "bf16"] | None = None
    betas: list[float] | None = Field(default=None, min_length=2, max_length=2)
    eps: float | None = None
    optimizer_kwargs: dict[str, Any] | None = None


class CreateModelRequest(_SessionAliased):
    model_id: str = "default"
    base_model: str
    lora_config: LoRAConfigRequest | None = None
    optimizer_config: OptimizerConfigRequest | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_removed_fields(cls, data: Any) -> Any:
        _reject_removed(data, "create_model")
        return data


class UnloadModelRequest(_SessionAliased):
    model_id: str
    type: Literal["unload_model"] = "unload_model"


class KillSessionRequest(_SessionAliased):
    model_id: str
    save_checkpoint: bool = True
    reset_weights: bool = False


class CreateSessionRequest(BaseModel):
    model_config = _IGNORE

    session_id: str | None = None
    base_model: str | None = None
    lora_config: LoRAConfigRequest | None = None

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        _reject_removed(data, "create_session")
        return _copy_alias(data, "model_id", "session_id")


class SessionHeartbeatRequest(BaseModel):
    model_config = _IGNORE

    session_id: str

    @model_validator(mode="before")
    @classmethod
    def _model_id_alias(cls, data: Any) -> Any:
        return _copy_alias(data, "model_id", "session_id")


# ---------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------


class SaveWeightsRequest(_SessionAliased):
    model_id: str = "default"
    path: str | None = None
    seq_id: int | None = None


class LoadWeightsRequest(_SessionAliased):
    model_id: str = "default"
    path: str
    optimizer: bool = True
    seq_id: int | None = None


class SaveWeightsForSamplerRequest(_SessionAliased):
    model_id: str = "default"
    name: str


class ListCheckpointsRequest(_SessionAliased):
    model_id: str = "default"


class DeleteCheckpointRequest(_SessionAliased):
    model_id: str = "default"
    checkpoint_id: str


class WeightsInfoRequest(BaseModel):
    xorl_path: str


# ---------------------------------------------------------------------------------------------
# Inference integration
# ---------------------------------------------------------------------------------------------


class AddInferenceEndpointRequest(BaseModel):
    host: str
    port: int
    worker_port: int | None = None
    world_size: int = 1
    pool: str = "default"
    receiver_kv_cache_dtype: Literal["auto", "fp8", "fp8_e4m3"] | None = None
    sync_weights: bool = False
    master_address: str | None = None
    master_port: int = 0
    group_name: str = "weight_sync_group"
    buffer_size_mb: int = 1024


class RemoveInferenceEndpointRequest(BaseModel):
    host: str
    port: int


class SyncInferenceWeightsRequest(BaseModel):
    model_id: str | None = None
    master_address: str = ""
    master_port: int = 0
    group_name: str = "weight_sync_group"
    buffer_size_mb: int = 1024
    flush_cache: bool = False
    cache_invalidation_mode: Literal["auto", "flush", "none"] = "auto"
    pause_mode: Literal["retract", "abort", "in_place"] = "retract"
    weight_version: str | None = None
    quantization: dict[str, Any] | None = None
    pools: list[str] | None = None


class SetSyncQuantizationRequest(BaseModel):
    quantization: dict[str, Any] | None = None


class CreateSamplingSessionRequest(BaseModel):
    model_id: str | None = None
    model_path: str


# ---------------------------------------------------------------------------------------------
# SGLang-compatible /generate
# ---------------------------------------------------------------------------------------------


class GenerateSamplingParams(BaseModel):
    """The subset of SGLang's ``sampling_params`` the local sampler honours (others ignored)."""

    model_config = _ALLOW

    max_new_tokens: int | None = Field(default=128, ge=0)
    temperature: float = Field(default=1.0, ge=0)
    top_p: float = Field(default=1.0, gt=0, le=1)
    top_k: int = -1
    min_p: float = Field(default=0.0, ge=0, le=1)
    stop: str | list[str] | None = None
    stop_token_ids: list[int] | None = None
    n: int = Field(default=1, ge=1)
    seed: int | None = None
    sampling_seed: int | None = None
    ignore_eos: bool = False
    no_stop_trim: bool = False
    skip_special_tokens: bool = True


class GenerateRequest(BaseModel):
    """SGLang's native ``/generate`` body: exactly one of ``text`` / ``input_ids``."""

    model_config = _ALLOW

    text: str | list[str] | None = None
    input_ids: list[int] | list[list[int]] | None = None
    sampling_params: GenerateSamplingParams | list[GenerateSamplingParams] | None = None
    return_logprob: bool = False
    logprob_start_len: int | list[int] = -1
    top_logprobs_num: int = 0
    return_routed_experts: bool = False
    routed_experts_start_len: int | list[int] = 0
    return_expert_logits: bool = False
    lora_path: str | list[str | None] | None = None
    stream: bool = False
    rid: str | list[str] | None = None


class LoadLoraAdapterRequest(BaseModel):
    """SGLang's ``/load_lora_adapter`` body."""

    lora_name: str
    lora_path: str
    pinned: bool = False


class UnloadLoraAdapterRequest(BaseModel):
    """SGLang's ``/unload_lora_adapter`` body."""

    lora_name: str
