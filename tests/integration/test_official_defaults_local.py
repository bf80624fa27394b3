"""Why some official defaults are not this SDK's, shown against the local server.

The local server answers ``create_model`` as the xorl server does (session spec rules, the
reserved LoRA ``default`` session, full-weight single tenancy), so these tests show the
official client's requests failing where this SDK's succeed.
"""

from __future__ import annotations

from typing import Any

import pytest

import xorl_client as xc
from tests.integration.conftest import ServerFactory
from xorl_client._sessions import create_model as send_create_model

BASE_MODEL = "xorl-local/byte-bigram"

#: What xorl-client 0.1.0 sends for ``create_lora_training_client(base)`` and
#: ``create_training_client(base)`` (model_id ``"default"`` in both).
OFFICIAL_LORA_BODY = {
    "model_id": "default",
    "base_model": BASE_MODEL,
    "lora_config": {"rank": 32, "dropout": 0.0},
}
OFFICIAL_FULL_BODY = {"model_id": "default", "base_model": BASE_MODEL, "lora_config": {"rank": 32}}


def create_model(service: xc.ServiceClient, body: dict[str, Any]) -> Any:
    return send_create_model(service._transport, body, None).result(timeout=60)


def test_the_official_lora_request_is_refused_and_ours_is_not(start_server: ServerFactory) -> None:
    with xc.ServiceClient(base_url=start_server(lora=True)) as service:
        with pytest.raises(xc.RequestFailedError, match="dropout"):
            create_model(service, OFFICIAL_LORA_BODY)
        assert service.create_lora_training_client(BASE_MODEL).lora_rank == 32


def test_the_official_full_weight_request_is_refused_and_ours_is_not(
    start_server: ServerFactory,
) -> None:
    with xc.ServiceClient(base_url=start_server()) as service:
        with pytest.raises(xc.RequestFailedError, match="not supported in full-weight"):
            create_model(service, OFFICIAL_FULL_BODY)
        assert service.create_training_client(BASE_MODEL).model_id == "default"


def test_lora_sessions_get_fresh_ids_because_default_is_shared(start_server: ServerFactory) -> None:
    """model_id=None: a new ``lora-<hex>`` session per call (official: ``"default"``, the
    server's shared session, whose rank and alpha are fixed)."""
    with xc.ServiceClient(base_url=start_server(lora=True)) as service:
        a = service.create_lora_training_client(BASE_MODEL, 8)
        b = service.create_lora_training_client(BASE_MODEL, 8)
        assert a.model_id != b.model_id and a.model_id.startswith("lora-")
        with pytest.raises(xc.RequestFailedError, match="different session spec"):
            service.create_lora_training_client(BASE_MODEL, 8, model_id="default")
        shared = service.create_lora_training_client(BASE_MODEL, 32, model_id="default")
        assert shared.model_id == "default"  # the server's own rank: the shared session
