"""An xorl server that answers at once: the wire protocol without the model, for benchmarks.

Every route a benchmark uses answers with a body of the shape ``openapi.yaml`` gives it (the
shapes of ``tests/fixtures/transcript/exchanges.json``), computed from the request's sizes
only, so a client measured against it is measured alone. It is a raw ASGI app on uvicorn:
no request models, no validation, nothing kept but the results not yet fetched.

* ``create_model`` / ``forward_backward`` / ``forward`` / ``optim_step`` /
  ``abort_gradient_epoch``: phase 1 answers ``{"request_id", "model_id"}`` and the result is
  ready at once; ``retrieve_future`` hands it over on the first poll (never ``try_again``,
  so a client that sleeps after ``try_again`` is not penalised) and answers 404 for an id it
  does not hold. A ``forward_backward`` result has one ``LossFnOutput`` per datum with
  per-token ``logprobs`` (what Tinker-style RL loops read back) and ``info.request_bytes``, the
  size of the request body it answers;
  ``optim_step`` counts steps per session (``create_model`` restarts the count).
* ``POST /generate``: ``max_new_tokens`` tokens per sample (``n`` samples, one row per prompt
  of a batched ``input_ids``), each with ``output_token_logprobs`` when ``return_logprob``.
* ``GET /health``, ``GET /healthz``, ``GET /api/v1/session_info``.

    python benchmarks/instant_server.py [--port 0]    # prints "ready at http://127.0.0.1:PORT"

Anything else answers 404 ``{"detail": "Not Found"}``, like the real server.
"""

from __future__ import annotations

import argparse
import itertools
import random
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

__all__ = ["InstantServer", "main"]

Json = dict[str, Any]
Receive = Callable[[], Awaitable[Json]]
Send = Callable[[Json], Awaitable[None]]

_NOT_FOUND = (404, b'{"detail":"Not Found"}')


class InstantServer:
    """The ASGI app: routes to handlers that return ``(status, body bytes)``."""

    def __init__(self, seed: int = 0) -> None:
        self._results: dict[str, bytes] = {}
        self._steps: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._rng = random.Random(seed)
        self._per_length: dict[int, bytes] = {}  # one datum's LossFnOutput, by length
        self._completions: dict[tuple[int, bool], bytes] = {}  # one /generate row, by length
        self.routes: dict[tuple[str, str], Callable[[bytes], tuple[int, bytes]]] = {
            ("POST", "/api/v1/create_model"): self._create_model,
            ("POST", "/api/v1/forward_backward"): self._forward_backward,
            ("POST", "/api/v1/forward"): self._forward,
            ("POST", "/api/v1/optim_step"): self._optim_step,
            ("POST", "/api/v1/abort_gradient_epoch"): self._abort,
            ("POST", "/api/v1/retrieve_future"): self._retrieve,
            ("POST", "/generate"): self._generate,
            ("GET", "/health"): lambda _: (200, b'{"status":"healthy"}'),
            ("GET", "/healthz"): lambda _: (200, b'{"status":"ok"}'),
            ("GET", "/api/v1/session_info"): lambda _: (200, b'{"sessions":[]}'),
        }

    async def __call__(self, scope: Json, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        handler = self.routes.get((scope["method"], scope["path"]))
        status, body = handler(b"".join(chunks)) if handler is not None else _NOT_FOUND
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    # -- two-phase operations -------------------------------------------------------------

    def _accept(self, model_id: str, result: bytes) -> tuple[int, bytes]:
        request_id = f"future_{next(self._ids):012x}"
        self._results[request_id] = result
        return 200, orjson.dumps({"request_id": request_id, "model_id": model_id})

    def _create_model(self, raw: bytes) -> tuple[int, bytes]:
        model_id = orjson.loads(raw).get("model_id") or "default"
        self._steps[model_id] = 0
        return self._accept(model_id, orjson.dumps({"model_id": model_id, "type": "create_model"}))

    def _forward_backward(self, raw: bytes) -> tuple[int, bytes]:
        return self._batch(raw, "forward_backward_input", "valid_tokens:sum")

    def _forward(self, raw: bytes) -> tuple[int, bytes]:
        return self._batch(raw, "forward_input", "valid_tokens")

    def _batch(self, raw: bytes, key: str, count_key: str) -> tuple[int, bytes]:
        body = orjson.loads(raw)
        model_id = body.get("model_id") or "default"
        lengths = [_length(datum) for datum in body[key]["data"]]
        tokens = sum(lengths)
        metrics = {"loss:sum": 0.6931 * tokens, "loss:mean": 0.6931, count_key: tokens}
        head = orjson.dumps({"metrics": metrics, "loss_fn_output_type": "CrossEntropyLossReturn"})
        outputs = b",".join(self._output(n) for n in lengths)
        info = b'{"request_bytes":%d}' % len(raw)  # what the client sent, for W5/W6
        return self._accept(
            model_id, head[:-1] + b',"loss_fn_outputs":[' + outputs + b'],"info":' + info + b"}"
        )

    def _output(self, length: int) -> bytes:
        cached = self._per_length.get(length)
        if cached is None:
            # float32 values, as a GPU server sends them (printed as the doubles they widen to)
            logprobs = [_f32(-self._rng.expovariate(1.0)) for _ in range(length)]
            tensor = {"dtype": "float32", "shape": [length]}
            cached = orjson.dumps(
                {
                    "logprobs": {"data": logprobs, **tensor},
                }
            )
            self._per_length[length] = cached
        return cached

    def _optim_step(self, raw: bytes) -> tuple[int, bytes]:
        body = orjson.loads(raw)
        model_id = body.get("model_id") or "default"
        step = self._steps.get(model_id, 0) + 1
        self._steps[model_id] = step
        lr = (body.get("adam_params") or {}).get("learning_rate") or body.get("learning_rate")
        metrics = {"grad_norm": 0.5, "learning_rate": lr or 1e-4, "step": step}
        return self._accept(model_id, orjson.dumps({"metrics": metrics, "info": {}}))

    def _abort(self, raw: bytes) -> tuple[int, bytes]:
        model_id = orjson.loads(raw).get("model_id") or "default"
        result = {"model_id": model_id, "aborted": True, "step": self._steps.get(model_id, 0)}
        return self._accept(model_id, orjson.dumps(result))

    def _retrieve(self, raw: bytes) -> tuple[int, bytes]:
        request_id = orjson.loads(raw).get("request_id")
        result = self._results.pop(request_id, None)
        if result is None:
            return 404, orjson.dumps({"detail": f"Request {request_id} not found"})
        return 200, result

    # -- the inference server ---------------------------------------------------------------

    def _generate(self, raw: bytes) -> tuple[int, bytes]:
        body = orjson.loads(raw)
        params = body.get("sampling_params") or {}
        length = int(params.get("max_new_tokens") or 16)
        samples = int(params.get("n") or 1)
        with_logprobs = bool(body.get("return_logprob"))
        ids = body.get("input_ids")
        prompts = len(ids) if ids and isinstance(ids[0], list) else 1
        rows = [self._completion(length, with_logprobs)] * (prompts * samples)
        return 200, (rows[0] if len(rows) == 1 else b"[" + b",".join(rows) + b"]")

    def _completion(self, length: int, with_logprobs: bool) -> bytes:
        cached = self._completions.get((length, with_logprobs))
        if cached is None:
            tokens = [self._rng.randrange(3, 250) for _ in range(length)]
            meta: Json = {
                "id": "instant",
                "finish_reason": {"type": "length", "length": length},
                "prompt_tokens": 8,
                "completion_tokens": length,
                "cached_tokens": 0,
            }
            if with_logprobs:
                meta["output_token_logprobs"] = [
                    [_f32(-self._rng.expovariate(1.0)), t, None] for t in tokens
                ]
            text = bytes(tokens).decode("latin-1")
            cached = orjson.dumps({"text": text, "output_ids": tokens, "meta_info": meta})
            self._completions[(length, with_logprobs)] = cached
        return cached


def _length(datum: Json) -> int:
    """A datum's token count, in the server's form (input_ids) or Tinker's (chunks)."""
    model_input = datum.get("model_input") or {}
    ids = model_input.get("input_ids")
    if ids is not None:
        return len(ids)
    return sum(len(chunk.get("tokens") or ()) for chunk in model_input.get("chunks") or ())


def _f32(value: float) -> float:
    import struct

    return float(struct.unpack("f", struct.pack("f", value))[0])


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    # proto IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so, and uvicorn
    # writes a response's head and body separately (Nagle would hold the body ~40 ms)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    config = uvicorn.Config(
        InstantServer(),
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_keep_alive=600,
        limit_concurrency=None,
        backlog=1024,
    )
    server = uvicorn.Server(config)
    host, port = sock.getsockname()[:2]
    print(f"instant xorl server ready at http://{host}:{port}", flush=True)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
