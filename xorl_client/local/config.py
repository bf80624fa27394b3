"""Settings of the local reference server, in one frozen-by-convention dataclass.

The defaults copy the real xorl server where the real server has a default (45 s long-poll,
1 h future TTL, 60 s sweep, 2 h idle-session timeout, LoRA rank 32 / alpha 16 / max rank 64,
``./outputs``), so a client tuned against the local server behaves the same against a real one.
Tests shrink the timing knobs (a 0.2 s long-poll, a tiny TTL) instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LocalServerConfig"]


@dataclass
class LocalServerConfig:
    """Everything ``create_app`` / ``serve_in_thread`` / ``xorl-client serve`` need.

    Attributes:
        host: interface to bind; loopback by default because the server has no auth (like the
            real one).
        port: TCP port; ``0`` picks a free port (``serve_in_thread`` reports the bound one).
        lora: ``False`` = full-weight mode (single tenant ``default``); ``True`` = LoRA mode
            (multi-tenant adapters, per-session rank/alpha/optimizer).
        output_dir: root of ``weights/<M>/<N>/`` and ``sampler_weights/<N>/``. Nothing is ever
            written outside it.
        seed: seeds the base weights, LoRA initialisations and unseeded sampling, so two
            servers with the same seed start from identical weights.
        max_lora_rank: LoRA mode rank cap (create_model above it fails with the real text).
        lora_rank / lora_alpha: LoRA defaults for sessions that do not override them.
        learning_rate: the server "train config" learning rate used by ``optim_step`` when the
            request, ``adam_params`` and the session's ``optimizer_config`` give none. ``None``
            (the default) behaves like the stock real mock, which has no train-config lr: a
            full-weight ``optim_step`` without a learning rate then falls back to ``1e-4`` once
            the id has a stored config (``create_model``/``create_session``) and fails with the
            real ``"400: optim_step: no learning_rate ..."`` text otherwise. In LoRA mode it is
            also the default ``optimizer_config.learning_rate`` of new sessions (``None`` =
            the engine's ``OptimizerConfig`` default).
        max_grad_norm: gradient clipping used when ``optim_step`` sends no ``gradient_clip``
            (the real server's ``max_grad_norm`` train-config default is 1.0); ``<= 0`` disables.
        long_poll_timeout: how long ``retrieve_future`` holds a poll before ``try_again``.
        future_ttl: seconds from creation after which a future reports ``Request <id> expired``.
        sweep_interval: period of the background sweep that deletes finished, expired futures
            (they then answer 404) and idle sessions.
        idle_timeout: sessions without activity for this long are cleaned up by the sweep
            (``default`` stays registered; in LoRA mode it is never cleaned).
        max_concurrent_futures: futures processed at once; the rest report ``paused_capacity``
            (the real ``XORL_FUTURE_STORE_MAX_CONCURRENT``).
        max_adapters_per_model: sampling adapters kept per model id (LRU), like
            ``XORL_MAX_ADAPTERS_PER_MODEL``.
    """

    host: str = "127.0.0.1"
    port: int = 6000
    lora: bool = False
    output_dir: str | Path = field(default_factory=lambda: Path("outputs"))
    seed: int = 0
    max_lora_rank: int = 64
    lora_rank: int = 32
    lora_alpha: int = 16
    learning_rate: float | None = None
    max_grad_norm: float = 1.0
    long_poll_timeout: float = 45.0
    future_ttl: float = 3600.0
    sweep_interval: float = 60.0
    idle_timeout: float = 7200.0
    max_concurrent_futures: int = 128
    max_adapters_per_model: int = 32

    def __post_init__(self) -> None:
        """Reject settings that would make the protocol misbehave later in a confusing way."""
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be in 0..65535, got {self.port}")
        for name in ("long_poll_timeout", "future_ttl", "sweep_interval", "idle_timeout"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        if self.max_lora_rank <= 0 or self.lora_rank <= 0 or self.lora_alpha <= 0:
            raise ValueError("max_lora_rank, lora_rank and lora_alpha must be positive")
        if self.lora_rank > self.max_lora_rank:
            raise ValueError(
                f"lora_rank={self.lora_rank} exceeds max_lora_rank={self.max_lora_rank}"
            )
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate!r}")
        if self.max_concurrent_futures <= 0 or self.max_adapters_per_model <= 0:
            raise ValueError("max_concurrent_futures and max_adapters_per_model must be positive")
        self.output_dir = Path(self.output_dir)
