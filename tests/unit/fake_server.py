"""A scripted stand-in for the xorl server behind ``httpx.MockTransport``.

It speaks just enough of the two-phase protocol for facade tests: every async route answers a
future handle, ``retrieve_future`` answers ``try_again`` a configurable number of times and then
the operation's result. Tests can hold a route (``gate``) to control timing without sleeping.

It also keeps the gradient bookkeeping of a real engine, executing each accepted submission at
once (the SDK sends in seq_id order): ``forward_backward`` adds its batch to ``accumulated``,
``optim_step`` moves the accumulated batches into ``applied`` and counts ``step``,
``abort_gradient_epoch`` clears them. ``lose`` / ``drop`` make the n-th submission of an
operation fail on the wire after / before it was executed; ``fail`` makes it fail inside its
future (accepted, never executed).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from xorl_client._config import ClientConfig
from xorl_client._retry import RetryPolicy
from xorl_client._transport import Transport
from xorl_client.training import TrainingClient

ASYNC_ROUTES = {
    "forward_backward",
    "forward",
    "optim_step",
    "abort_gradient_epoch",
    "save_weights",
    "load_weights",
    "save_weights_for_sampler",
    "create_model",
    "unload_model",
}


@dataclass
class Submission:
    operation: str
    body: dict[str, Any]
    request_id: str
    headers: dict[str, str]
    result: dict[str, Any] | None = None


@dataclass
class FakeXorl:
    """Records submissions in arrival order and answers polls from ``results``."""

    try_again_polls: int = 1
    submissions: list[Submission] = field(default_factory=list)
    polls: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    gates: dict[str, asyncio.Event] = field(default_factory=dict)
    failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    script: list[httpx.Response] = field(default_factory=list)
    accumulated: list[Any] = field(default_factory=list)
    applied: list[list[Any]] = field(default_factory=list)
    step: int = 0
    lose: dict[str, set[int]] = field(default_factory=dict)
    drop: dict[str, set[int]] = field(default_factory=dict)
    fail: dict[str, set[int]] = field(default_factory=dict)  # accepted, then failed inside
    time_out: dict[str, set[int]] = field(default_factory=dict)  # executed, future timed out
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _pending_polls: dict[str, int] = field(default_factory=dict)
    _ops: dict[str, Submission] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def execute(self, sub: Submission, nth: int = 0) -> None:
        """The engine's effect of an accepted submission (done at once, in arrival order)."""
        op = sub.operation
        if nth in self.fail.get(op, ()):
            sub.result = {"error": f"500: Engine error: {op} failed", "category": "server"}
            return
        if op not in self.failures:
            if op == "forward_backward":
                self.accumulated.append(batch_key(sub.body))
            elif op == "optim_step":
                self.applied.append(self.accumulated)
                self.accumulated = []
                self.step += 1
            elif op == "abort_gradient_epoch":
                self.accumulated = []
        sub.result = self.result_for(sub)
        if nth in self.time_out.get(op, ()):  # the API side stopped waiting; the engine ran it
            sub.result = {"error": f"504: {op} timeout after 120.0s", "category": "server"}

    def result_for(self, sub: Submission) -> dict[str, Any]:
        op = sub.operation
        if op in self.failures:
            return self.failures[op]
        if op in ("forward_backward", "forward"):
            data = sub.body[f"{op}_input"]["data"]
            outputs = []
            for datum in data:
                n = len(datum["model_input"]["input_ids"]) - 1
                lp = {"data": [-0.5] * n, "dtype": "float32", "shape": [n]}
                outputs.append({"logprobs": lp, "elementwise_loss": lp | {"data": [0.5] * n}})
            tokens = sum(len(d["model_input"]["input_ids"]) - 1 for d in data)
            suffix = ":sum" if op == "forward_backward" else ""
            return {
                "loss_fn_output_type": "CrossEntropyLossReturn",
                "loss_fn_outputs": outputs,
                "metrics": {
                    "loss:sum": 0.5 * tokens,
                    "loss:mean": 0.5,
                    f"valid_tokens{suffix}": tokens,
                    f"execution_time{suffix}": 0.0,
                    "executor_total_s": 0.01,
                },
                "info": {},
            }
        if op == "optim_step":
            return {
                "metrics": {"grad_norm": 1.0, "learning_rate": 1e-4, "step": self.step},
                "info": {},
            }
        if op == "save_weights":
            name = sub.body.get("path") or "checkpoint-1"
            return {"path": f"xorl://{sub.body['model_id']}/weights/{name}"}
        if op == "load_weights":
            return {"path": sub.body["path"]}
        if op == "create_model":
            return {"model_id": sub.body["model_id"], "type": "create_model"}
        if op == "abort_gradient_epoch":
            return {
                "success": True,
                "model_id": sub.body["model_id"],
                "step": self.step,
                "forward_backward_step": 0,
                "info": {},
            }
        raise AssertionError(f"no result scripted for {op}")

    async def handler(self, request: httpx.Request) -> httpx.Response:
        if self.script:
            return self.script.pop(0)
        path = request.url.path
        body = orjson.loads(request.content) if request.content else {}
        op = path.rsplit("/", 1)[-1]
        if op == "retrieve_future":
            rid = body["request_id"]
            self.polls.append(rid)
            sub = self._ops[rid]
            gate = self.gates.get(f"result:{sub.operation}")
            if gate is not None:
                await gate.wait()
            left = self._pending_polls.get(rid, 0)
            if left > 0:
                self._pending_polls[rid] = left - 1
                return _json(
                    {
                        "type": "try_again",
                        "request_id": rid,
                        "queue_state": "active",
                        "queue_state_reason": None,
                    }
                )
            self.events.append(f"done:{sub.operation}")
            return _json(sub.result if sub.result is not None else self.result_for(sub))
        if op in ASYNC_ROUTES:
            gate = self.gates.get(f"submit:{op}")
            if gate is not None:
                await gate.wait()
            nth = self._counts[op] = self._counts.get(op, 0) + 1
            if nth in self.drop.get(op, ()):
                self.events.append(f"dropped:{op}")
                raise httpx.RemoteProtocolError("peer closed the connection", request=request)
            rid = f"future_{next(self._ids):012x}"
            sub = Submission(op, body, rid, dict(request.headers))
            self.submissions.append(sub)
            self.events.append(f"submit:{op}")
            self._ops[rid] = sub
            self._pending_polls[rid] = self.try_again_polls
            self.execute(sub, nth)
            if nth in self.lose.get(op, ()):
                self.events.append(f"lost:{op}")
                raise httpx.ReadError(
                    "connection reset after the request was sent", request=request
                )
            return _json({"request_id": rid, "model_id": body.get("model_id", "default")})
        raise AssertionError(f"unexpected route {path}")

    def seq_ids(self, operation: str | None = None) -> list[int]:
        return [
            s.body["seq_id"]
            for s in self.submissions
            if operation is None or s.operation == operation
        ]


def batch_key(body: dict[str, Any]) -> Any:
    """What identifies a forward_backward batch: its datums' first input ids."""
    data = body["forward_backward_input"]["data"]
    return tuple(d["model_input"]["input_ids"][0] for d in data)


def datum_for_tests(n: int = 4) -> Any:
    """A small valid datum in the HF labels form."""
    import xorl_client as xc

    ids = list(range(1, n + 1))
    return xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})


def _json(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=orjson.dumps(body), headers={"content-type": "application/json"}
    )


class NoSleep:
    """Injected into RetryPolicy so retries never wait for real."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_training_client(
    server: FakeXorl,
    *,
    model_id: str = "default",
    sleep: Callable[[float], Any] | None = None,
    **config: Any,
) -> TrainingClient:
    cfg = ClientConfig(
        base_url="http://xorl.test", httpx_transport=httpx.MockTransport(server.handler), **config
    )
    policy = RetryPolicy(sleep=sleep or NoSleep())
    transport = Transport(cfg, policy)
    return TrainingClient(
        transport=transport, model_id=model_id, base_model="xorl-local/byte-bigram"
    )
