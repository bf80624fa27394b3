"""``TrainingClient``: one training session (``model_id``) on an xorl server.

Every method returns an :class:`~xorl_client.futures.APIFuture` at once, so calls pipeline::

    fb = tc.forward_backward(batch, "cross_entropy")
    op = tc.optim_step(AdamParams(learning_rate=1e-4))   # leaves right behind fb
    fb.result(); op.result()

Each method has an ``*_async`` twin for async code. As in the official client (and Tinker),
its value is the ``APIFuture`` itself, so the request is submitted by the first ``await`` and
the result arrives with the second: ``fut = await tc.forward_backward_async(batch)`` then
``out = await fut``.

How order is kept: each call takes a submission ticket synchronously, at call time; submissions
leave in ticket order, each taking its ``seq_id`` s when its turn comes, and the server runs
queued ``seq_id`` requests lowest first, so ``optim_step`` never overtakes the
``forward_backward`` called before it. Every batch counts once through faults
(``docs/reliability.md``). Requests the server schedules without a ``seq_id``
(save/load/export/sync/unload) are *barriers*: they wait until
everything called earlier on this client has finished, and everything called later waits for
them, so ``save_state()`` captures exactly the state the calls before it produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xorl_client._checks import check_finite_tree, check_number
from xorl_client._twins import future_twin
from xorl_client.errors import DataValidationError
from xorl_client.futures import APIFuture
from xorl_client.tinker_compat import coerce_adam_params
from xorl_client.training.checkpoints import CheckpointsMixin
from xorl_client.training.custom_loss import CustomLossMixin
from xorl_client.training.sampler_bridge import SamplerBridgeMixin
from xorl_client.training.tinker_methods import TinkerTrainingMixin
from xorl_client.training.tokenizer import load_tokenizer
from xorl_client.training.wire import wire_dict
from xorl_client.types import (
    AbortGradientEpochOutput,
    AdamParams,
    Datum,
    EncodedTextChunk,
    ForwardBackwardOutput,
    LoadWeightsResponse,
    OptimStepOutput,
    SaveWeightsForSamplerResponse,
    SaveWeightsResponse,
    UnloadModelResponse,
)
from xorl_client.types.model_input import IMAGE_RULE
from xorl_client.validation import validate_checkpoint_path

__all__ = ["TrainingClient"]


class TrainingClient(CustomLossMixin, TinkerTrainingMixin, CheckpointsMixin, SamplerBridgeMixin):
    """Drives one training session. Create it with :class:`~xorl_client.ServiceClient`.

    >>> import xorl_client as xc
    >>> service = xc.ServiceClient(base_url=start_local_server())
    >>> tc = service.create_training_client("xorl-local/byte-bigram")
    >>> ids = tc.get_tokenizer().encode("the cat sat on the mat")
    >>> datum = xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})
    >>> fb = tc.forward_backward([datum], "cross_entropy")   # returns at once
    >>> op = tc.optim_step(xc.AdamParams(learning_rate=0.1))  # queued right behind it
    >>> loss, step = fb.result().loss, op.result().step
    >>> step, round(loss, 2) == round(fb.result().metrics["loss:mean"], 2)
    (1, True)
    >>> tc.forward([datum]).result().loss < loss              # the step lowered the loss
    True
    >>> tc.save_state("doc-ckpt").result().path
    'xorl://default/weights/doc-ckpt'
    >>> service.close()

    Beyond training: checkpoints and the session (:mod:`~xorl_client.training.checkpoints`),
    inference endpoints and weight sync (:mod:`~xorl_client.training.inference_endpoints`),
    and :meth:`save_weights_and_get_sampling_client`
    (:mod:`~xorl_client.training.sampler_bridge`).

    Attributes:
        model_id: the server-side session id every call is addressed to.
        base_model: the model the session trains.
    """

    # -- training ---------------------------------------------------------------------------

    def forward_backward(
        self,
        data: Sequence[Any],
        loss_fn: str = "cross_entropy",
        loss_fn_params: dict[str, Any] | None = None,
        *,
        loss_fn_config: dict[str, Any] | None = None,
    ) -> APIFuture[ForwardBackwardOutput]:
        """Run forward + backward on ``data`` and accumulate the gradients on the server.

        The whole batch is validated before anything is sent; a large batch is split into
        chunks (each its own ``seq_id``) and the outputs come back concatenated in order with
        metrics merged, as one future.

        Normalisation differs from Tinker: gradients add up over datums and calls as raw sums,
        but ``optim_step`` divides the sum by N, the valid tokens of every ``forward_backward``
        since the last step (the sum of their ``valid_tokens:sum``). So ``[d, d]`` steps like
        ``[d]``, and Tinker's gradient is N times xorl's (use ``grad_clip_norm / N`` for
        Tinker's clip). Per-datum ``logprobs`` are ``0.0`` placeholders at masked positions
        (target -100, weight 0, advantage 0); ``forward`` without masks gives every logprob.
        ``docs/tinker.md`` has the details.

        Args:
            data: :class:`~xorl_client.Datum` objects, Tinker ``Datum`` objects or wire dicts.
                Cross-entropy ``weights`` may be any real numbers (sent in an exact form);
                other losses take 0/1 weights.
            loss_fn: ``"cross_entropy"``/``"causallm_loss"``, ``"importance_sampling"``,
                ``"policy_loss"`` (Tinker's ``"ppo"``), ``"cispo"``, ...
            loss_fn_params: loss options (``loss_fn_config`` is Tinker's name for it); keys
                the server does not read for ``loss_fn`` are refused, and Tinker's PPO
                ``clip_low_threshold``/``clip_high_threshold`` are converted.
        """
        _refuse_images(data)
        return self._run_batch("forward_backward", data, loss_fn, loss_fn_params, loss_fn_config)

    def forward(
        self,
        data: Sequence[Any],
        loss_fn: str = "cross_entropy",
        loss_fn_params: dict[str, Any] | None = None,
        *,
        loss_fn_config: dict[str, Any] | None = None,
    ) -> APIFuture[ForwardBackwardOutput]:
        """Forward pass only (logprobs and loss; no gradient is accumulated)."""
        _refuse_images(data)
        return self._run_batch("forward", data, loss_fn, loss_fn_params, loss_fn_config)

    def optim_step(
        self,
        adam_params: AdamParams | Any | None = None,
        *,
        learning_rate: float | None = None,
        gradient_clip: float | None = None,
    ) -> APIFuture[OptimStepOutput]:
        """Apply the gradients accumulated since the last step.

        Args:
            adam_params: :class:`~xorl_client.AdamParams` (or Tinker's); its betas and eps
                are applied to the optimizer, ``grad_clip_norm`` becomes the clip. A non-zero
                ``weight_decay`` is refused: the server takes the decay from the session.
            learning_rate: overrides ``adam_params.learning_rate``.
            gradient_clip: max global L2 norm (``<= 0`` disables); overrides
                ``adam_params.grad_clip_norm``.
        """
        body: dict[str, Any] = {"model_id": self.model_id}
        if adam_params is not None:
            body["adam_params"] = coerce_adam_params(adam_params).to_wire()
            check_finite_tree(body["adam_params"], "adam_params")
        if learning_rate is not None:
            body["learning_rate"] = check_number("learning_rate", learning_rate, minimum=0.0)
        if gradient_clip is not None:
            body["gradient_clip"] = check_number("gradient_clip", gradient_clip)
        return self._optim_step(body)

    def abort_gradient_epoch(self) -> APIFuture[AbortGradientEpochOutput]:
        """Discard every gradient accumulated since the last successful ``optim_step``.

        The SDK does this itself when a ``forward_backward`` or ``optim_step`` ends in doubt
        (``docs/reliability.md``); call it to start an epoch over, or to accept the server's
        state after a :class:`~xorl_client.SessionStateError`.
        """
        return self._abort_epoch(lambda p: AbortGradientEpochOutput.from_wire(wire_dict(p)))

    # -- weights ----------------------------------------------------------------------------

    def save_state(
        self,
        name: str | None = None,
        *,
        ttl_seconds: int | None = None,
        overwrite: bool = False,
        user_metadata: dict[str, str] | None = None,
    ) -> APIFuture[SaveWeightsResponse]:
        """Save model + optimizer state as ``xorl://<model_id>/weights/<name>``.

        ``name`` defaults to the server's ``checkpoint-<unix time>``; with isolated runs it
        is prefixed with :attr:`run_id`. Saving over an existing name fails with a
        ``RequestFailedError`` (status 409): delete it first. Tinker's ``ttl_seconds``,
        ``overwrite`` and ``user_metadata`` are accepted only at their defaults (xorl
        checkpoints never expire, cannot be replaced in one step and carry no metadata).
        """
        self._tinker_save_options("save_state", ttl_seconds, user_metadata, overwrite=overwrite)
        body: dict[str, Any] = {"model_id": self.model_id}
        if name is not None:
            body["path"] = self._checkpoint_name(name)
        return self._barrier(
            "save_weights", body, lambda p: SaveWeightsResponse.from_wire(wire_dict(p))
        )

    def load_state(self, path: str) -> APIFuture[LoadWeightsResponse]:
        """Load model weights from a checkpoint (optimizer state is left as it is)."""
        return self._load(path, optimizer=False)

    def load_state_with_optimizer(self, path: str) -> APIFuture[LoadWeightsResponse]:
        """Load model weights and optimizer state, to resume a run exactly."""
        return self._load(path, optimizer=True)

    def _load(self, path: str, *, optimizer: bool) -> APIFuture[LoadWeightsResponse]:
        body = {
            "model_id": self.model_id,
            "path": validate_checkpoint_path(path),
            "optimizer": optimizer,
        }
        return self._barrier(
            "load_weights", body, lambda p: LoadWeightsResponse.from_wire(wire_dict(p))
        )

    def save_weights_for_sampler(
        self,
        name: str,
        *,
        ttl_seconds: int | None = None,
        user_metadata: dict[str, str] | None = None,
    ) -> APIFuture[SaveWeightsForSamplerResponse]:
        """Export inference weights as ``xorl://<model_id>/sampler_weights/<name>``.

        With isolated runs ``name`` is prefixed with :attr:`run_id` (sampler-export names are
        global on a server). Tinker's ``ttl_seconds`` and ``user_metadata`` are accepted only
        as ``None``.
        """
        self._tinker_save_options("save_weights_for_sampler", ttl_seconds, user_metadata)
        body = {"model_id": self.model_id, "name": self._checkpoint_name(name)}
        return self._barrier(
            "save_weights_for_sampler",
            body,
            lambda p: SaveWeightsForSamplerResponse.from_wire(wire_dict(p)),
        )

    def unload(self) -> APIFuture[UnloadModelResponse]:
        """End the session on the server and release its resources (futures included)."""
        model_id = self.model_id
        return self._barrier(
            "unload_model",
            {"model_id": model_id},
            lambda _p: UnloadModelResponse(model_id=model_id, type="unload_model"),
        )

    forward_async = future_twin(forward)
    forward_backward_async = future_twin(forward_backward)
    optim_step_async = future_twin(optim_step)
    abort_gradient_epoch_async = future_twin(abort_gradient_epoch)
    save_state_async = future_twin(save_state)
    load_state_async = future_twin(load_state)
    load_state_with_optimizer_async = future_twin(load_state_with_optimizer)
    save_weights_for_sampler_async = future_twin(save_weights_for_sampler)
    unload_async = future_twin(unload)

    # -- tokenizer ----------------------------------------------------------------------------

    def get_tokenizer(self) -> Any:
        """The tokenizer of ``base_model``.

        The local server's byte-level model uses the SDK's own ``ByteTokenizer``; any other
        model is loaded with Hugging Face ``transformers`` (extra ``tokenizer``) from a local
        path or the local Hugging Face cache, never downloaded at run time.
        """
        if self._tokenizer is None:
            self._tokenizer = load_tokenizer(self.base_model)
        return self._tokenizer


def _refuse_images(data: Sequence[Any]) -> None:
    """A datum with an image chunk cannot be sent (xorl takes token ids): say which, up front."""
    if not isinstance(data, Sequence):
        return  # not a batch; the batch check names the problem
    for index, datum in enumerate(data):
        chunks = datum.model_input.chunks if isinstance(datum, Datum) else []
        for position, chunk in enumerate(chunks):
            if not isinstance(chunk, EncodedTextChunk):
                raise DataValidationError(
                    f"datum {index}: model_input.chunks[{position}] is an "
                    f"{type(chunk).__name__}; the xorl server cannot train on images (it takes "
                    "token ids only)",
                    field=f"model_input.chunks[{position}]",
                    datum_index=index,
                    rule=IMAGE_RULE,
                )
