"""The official client's two-phase wire types (its ``tests/test_two_phase_types.py``)."""

from __future__ import annotations

import pytest

from xorl_client.types import (
    CreateModelResponse,
    ForwardBackwardOutput,
    FutureRetrieveRequest,
    LossFnOutput,
    OptimStepResponse,
    QueueState,
    RequestErrorCategory,
    RequestFailedResponse,
    RequestID,
    SaveWeightsResponse,
    TensorData,
    TryAgainResponse,
    UnloadModelResponse,
    UntypedAPIFuture,
    parse_future_retrieve_response,
)


def test_request_id_is_a_string_alias() -> None:
    request_id: RequestID = "future_abc123"
    assert isinstance(request_id, str)


def test_untyped_api_future() -> None:
    assert UntypedAPIFuture(request_id="f1").model_id is None
    with_model = UntypedAPIFuture(request_id="f2", model_id="model-123")
    assert with_model.to_dict() == {"request_id": "f2", "model_id": "model-123"}
    assert UntypedAPIFuture(request_id="f3").to_dict() == {"request_id": "f3"}
    parsed = UntypedAPIFuture.from_dict({"request_id": "x", "model_id": "m", "extra": 1})
    assert (parsed.request_id, parsed.model_id) == ("x", "m")
    assert UntypedAPIFuture.from_dict({"request_id": "x"}).model_id is None
    with pytest.raises(KeyError, match="request_id"):
        UntypedAPIFuture.from_dict({"model_id": "m"})


@pytest.mark.parametrize("state", ["active", "paused_capacity", "paused_rate_limit"])
def test_try_again_response(state: str) -> None:
    response = TryAgainResponse(request_id="f", queue_state=state)  # type: ignore[arg-type]
    assert response.type == "try_again" and response.queue_state == state
    assert isinstance(response.queue_state, QueueState)
    d = response.to_dict()
    assert (d["type"], d["request_id"], d["queue_state"]) == ("try_again", "f", state)
    back = TryAgainResponse.from_dict(
        {"type": "try_again", "request_id": "f", "queue_state": state}
    )
    assert back == response


def test_unknown_queue_state_is_unknown_not_an_error() -> None:
    assert TryAgainResponse("f", "warming").queue_state is QueueState.UNKNOWN  # type: ignore[arg-type]


def test_request_error_category_values() -> None:
    assert RequestErrorCategory.Unknown == "unknown"
    assert RequestErrorCategory.Server == "server"
    assert RequestErrorCategory.User == "user"


def test_request_failed_response() -> None:
    response = RequestFailedResponse(error="boom", category=RequestErrorCategory.Server)
    assert (response.error, response.category) == ("boom", RequestErrorCategory.Server)
    assert RequestFailedResponse("x", RequestErrorCategory.Unknown).to_dict() == {
        "error": "x",
        "category": "unknown",
    }
    assert (
        RequestFailedResponse.from_dict({"error": "e", "category": "server"}).category == "server"
    )
    unknown = RequestFailedResponse.from_dict({"error": "e", "category": "invalid_category"})
    assert unknown.category is RequestErrorCategory.Unknown


def test_future_retrieve_request() -> None:
    assert FutureRetrieveRequest(request_id="f").to_dict() == {"request_id": "f"}
    assert FutureRetrieveRequest.from_dict({"request_id": "g"}).request_id == "g"


def test_parse_future_retrieve_response_picks_the_type() -> None:
    assert isinstance(
        parse_future_retrieve_response(
            {"type": "try_again", "request_id": "f", "queue_state": "active"}
        ),
        TryAgainResponse,
    )
    failed = parse_future_retrieve_response({"error": "Something failed", "category": "server"})
    assert isinstance(failed, RequestFailedResponse) and failed.error == "Something failed"
    fb = parse_future_retrieve_response(
        {
            "loss_fn_output_type": "cross_entropy",
            "loss_fn_outputs": [{"loss": 0.5}],
            "metrics": {"loss:mean": 0.5},
        }
    )
    assert isinstance(fb, ForwardBackwardOutput)
    assert fb.loss_fn_output_type == "cross_entropy" and fb.metrics["loss:mean"] == 0.5
    assert isinstance(
        parse_future_retrieve_response({"metrics": {"grad_norm": 1.0}}), OptimStepResponse
    )
    assert isinstance(
        parse_future_retrieve_response({"path": "xorl://m/weights/a", "model_path": "x"}),
        SaveWeightsResponse,
    )
    created = parse_future_retrieve_response({"model_id": "m", "type": "create_model"})
    assert isinstance(created, CreateModelResponse) and created.model_id == "m"
    assert isinstance(parse_future_retrieve_response({"model_id": "m"}), UnloadModelResponse)
    odd = parse_future_retrieve_response({"surprise": 1})
    assert isinstance(odd, RequestFailedResponse) and "surprise" in odd.error


def test_forward_backward_output_of_loss_fn_outputs() -> None:
    output = ForwardBackwardOutput(
        loss_fn_output_type="cross_entropy",
        loss_fn_outputs=[LossFnOutput(loss=0.5)],
        metrics={"loss:mean": 0.5},
    )
    assert len(output.loss_fn_outputs) == 1 and output.loss_fn_outputs[0].loss == 0.5
    d = output.to_dict()
    assert d["loss_fn_output_type"] == "cross_entropy" and d["metrics"]["loss:mean"] == 0.5
    back = ForwardBackwardOutput.from_dict(
        {
            "loss_fn_output_type": "cross_entropy",
            "loss_fn_outputs": [{"loss": 0.3}],
            "metrics": {"loss:mean": 0.3},
        }
    )
    assert back.loss_fn_outputs[0].loss == 0.3 and back.metrics["loss:mean"] == 0.3


def test_loss_fn_output_attributes() -> None:
    output = LossFnOutput(loss=0.5)
    assert output.loss == 0.5
    assert output.logprobs is None and output.elementwise_loss is None
    full = LossFnOutput(loss=0.5, logprobs={"data": [-1.0, -2.0]}, elementwise_loss={"data": [0.3]})
    assert full.logprobs is not None and full.elementwise_loss is not None
    d = LossFnOutput(loss=0.5).to_dict()
    assert "loss" in d and "logprobs" not in d and "elementwise_loss" not in d
    parsed = LossFnOutput.from_dict({"loss": 0.7, "logprobs": {"data": [-1.5]}})
    assert parsed.loss == 0.7
    assert isinstance(parsed.logprobs, TensorData) and parsed.logprobs.data == [-1.5]
    assert parsed.elementwise_loss is None


def test_loss_fn_output_mapping_behaviour() -> None:
    out = LossFnOutput(logprobs=[-1.0], state_values=[0.25])
    assert out["state_values"].data == [0.25] and out.state_values is out["state_values"]
    assert out["loss"] is None  # a known output that is absent
    with pytest.raises(KeyError):
        out["nonsense"]
    assert "logprobs" in out and "loss" not in out
    assert out.get("loss", "fallback") == "fallback"
    assert set(out.keys()) == {"logprobs", "state_values"}
    assert [k for k, _ in out.items()] == ["logprobs", "state_values"]
    # Tinker code iterates it like the dict it is (the official class has no iteration).
    assert sorted(out) == ["logprobs", "state_values"]
