"""The local reference server: the xorl wire protocol on one CPU with a tiny real model.

It speaks the real xorl training server's HTTP API (the training routes of openapi.yaml, two-phase futures with
long-poll, ``seq_id`` scheduling, sessions in full-weight or LoRA mode, ``xorl://`` checkpoints,
the real status codes and error texts) plus the inference server's routes on the same port
(SGLang's ``/generate`` with batches, prompt logprobs and routed experts,
``/v1/chat/completions``, ``/load_lora_adapter`` / ``/unload_lora_adapter``), backed by a
byte-level bigram model (``xorl-local/byte-bigram``) trained with numpy. Use it to develop and
test clients offline, in CI, or to learn the protocol::

    xorl-client serve --port 6000 [--lora] [--output-dir DIR]

or from Python (tests, notebooks)::

    from xorl_client.local import LocalServerConfig, serve_in_thread

    with serve_in_thread(LocalServerConfig(port=0, output_dir=tmp)) as base_url:
        ...

Needs the ``local`` extra (fastapi, uvicorn, numpy). Deliberate differences from the real
server are listed in the docstrings of :mod:`~xorl_client.local.inference` (implicit local
inference endpoint, loopback-only endpoints), :mod:`~xorl_client.local.checkpoints` (names
validated, nothing escapes ``output_dir``), :mod:`~xorl_client.local.scheduler` (a replaced
duplicate ``seq_id`` fails at once instead of timing out), :mod:`~xorl_client.local.chat` (the
byte-level chat template) and :mod:`~xorl_client.local.routing` (a fixed MoE routing layout).
"""

from __future__ import annotations

from xorl_client.local.app import create_app
from xorl_client.local.config import LocalServerConfig
from xorl_client.local.server import run, serve_in_thread

__all__ = ["LocalServerConfig", "create_app", "run", "serve_in_thread"]
