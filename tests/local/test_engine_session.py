"""ModelSession / SamplerWeights: wire shapes, accumulation, checkpoints, resume, sampling.

Everything is deterministic float64 maths, so equalities are exact or to 1e-9; nothing sleeps
and nothing is timed.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from xorl_client.byte_tokenizer import EOS_ID, ByteTokenizer
from xorl_client.local.engine import (
    BASE_MODEL_NAME,
    BaseWeights,
    EngineError,
    ModelSession,
    OptimizerConfig,
    SamplerWeights,
    SessionSpec,
    datum_digest,
    loss_and_gradients,
)
from xorl_client.local.losses import get_loss, prepare_batch

V = 11
SPECS = {"full": SessionSpec(), "lora": SessionSpec(lora_rank=4, lora_alpha=8)}
ADAM = {"beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weight_decay": 0.01, "grad_clip": 1.0}


def datum(ids: list[int], **inputs: Any) -> dict[str, Any]:
    return {"model_input": {"input_ids": ids}, "loss_fn_inputs": inputs}


def sft_batch(seed: int, n: int = 4, length: int = 12, vocab: int = V) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    data = []
    for k in range(n):
        ids = rng.integers(0, vocab, length - k).tolist()
        if k % 2:
            data.append(datum(ids, labels=ids, weights=[0, 0, *([1] * (len(ids) - 2))]))
        else:
            data.append(datum(ids[:-1], target_tokens=ids[1:]))
    return data


def logprobs_of(out: dict[str, Any]) -> list[list[float]]:
    return [o["logprobs"]["data"] for o in out["loss_fn_outputs"]]


@pytest.fixture
def base() -> BaseWeights:
    return BaseWeights(seed=0, vocab_size=V)


@pytest.fixture(params=sorted(SPECS))
def spec(request: pytest.FixtureRequest) -> SessionSpec:
    return SPECS[request.param]


# ----------------------------------------------------------------------------- wire shapes


def test_forward_backward_result_shape(base: BaseWeights) -> None:
    session = ModelSession(base, SessionSpec())
    out = session.forward_backward(
        [
            datum([1, 2, 3, 4], labels=[1, 2, 3, 4], weights=[0, 0, 1, 1]),
            datum([5, 6], target_tokens=[6, 7]),
        ]
    )
    assert out["loss_fn_output_type"] == "CrossEntropyLossReturn"
    assert out["info"] == {}
    first, second = out["loss_fn_outputs"]
    assert first["logprobs"]["shape"] == [3] and first["logprobs"]["dtype"] == "float32"
    assert second["logprobs"]["shape"] == [2] and second["elementwise_loss"]["shape"] == [2]
    assert first["logprobs"]["data"][0] == 0.0  # masked placeholder
    assert first["elementwise_loss"]["data"][0] == 0.0
    assert first["elementwise_loss"]["data"][1:] == [-x for x in first["logprobs"]["data"][1:]]
    m = out["metrics"]
    assert set(m) == {"loss:sum", "loss:mean", "valid_tokens:sum", "execution_time:sum"}
    assert m["valid_tokens:sum"] == 4 and isinstance(m["valid_tokens:sum"], int)
    assert m["loss:mean"] == pytest.approx(m["loss:sum"] / 4)
    json.dumps(out, allow_nan=False)  # JSON-safe
    assert all(type(x) is float for x in first["logprobs"]["data"])


def test_forward_result_shape_and_no_accumulation(base: BaseWeights) -> None:
    session = ModelSession(base, SessionSpec())
    out = session.forward([datum([1, 2, 3], labels=[1, 2, 3])])
    assert set(out["metrics"]) == {"loss:sum", "loss:mean", "valid_tokens", "execution_time"}
    assert session.accumulated_valid_tokens == 0
    with pytest.raises(
        EngineError, match=r"^optim_step: no valid tokens accumulated since the last optim_step$"
    ):
        session.optim_step(learning_rate=0.1, **ADAM)


@pytest.mark.parametrize("loss_fn", ["importance_sampling", "policy_loss", "cispo"])
def test_rl_losses_return_empty_elementwise_loss_and_is_metrics(
    base: BaseWeights, loss_fn: str
) -> None:
    session = ModelSession(base, SessionSpec())
    d = datum(
        [1, 2, 3, 4],
        labels=[1, 2, 3, 4],
        advantages=[0.0, 0.0, 1.0, -1.0],
        logprobs=[0.0, -2.0, -2.5],
    )
    out = session.forward_backward([d], loss_fn)
    (item,) = out["loss_fn_outputs"]
    assert item["elementwise_loss"] == {"data": [], "dtype": "float32", "shape": [0]}
    assert item["logprobs"]["shape"] == [3] and item["logprobs"]["data"][0] == 0.0
    assert out["metrics"]["valid_tokens:sum"] == 2  # the zero advantage masked position 0
    assert "is_ratio_mean:mean" in out["metrics"]


def test_single_loss_is_one_element_for_the_whole_request(base: BaseWeights) -> None:
    session = ModelSession(base, SessionSpec())
    data = sft_batch(1)
    per_token = session.forward(data)
    single = session.forward(data, "cross_entropy", {"return_per_token": False})
    assert single["loss_fn_output_type"] == "single_loss"
    assert single["loss_fn_outputs"] == [
        {"loss": {"data": [per_token["metrics"]["loss:mean"]], "dtype": "float32", "shape": [1]}}
    ]


RL_INPUTS = {"logprobs": [-1.0, -1.0, -1.0]}


@pytest.mark.parametrize(
    ("masked", "loss_fn"),
    [
        (datum([1, 2, 3]), "cross_entropy"),  # neither labels nor target_tokens
        (datum([1, 2, 3], target_tokens=[-100, -100, -100]), "cross_entropy"),
        (datum([1, 2, 3], labels=[1, 2, 3], weights=[1, 0, 0]), "cross_entropy"),
        (
            datum([1, 2, 3], target_tokens=[-100, 3, 4], advantages=[0.0] * 3, **RL_INPUTS),
            "importance_sampling",
        ),
    ],
)
def test_a_request_with_nothing_to_train_is_refused_like_the_real_server(
    base: BaseWeights, masked: dict[str, Any], loss_fn: str
) -> None:
    """The real server refuses a request whose labels are all -100 after packing."""
    session = ModelSession(base, SessionSpec())
    for call in (session.forward, session.forward_backward):
        with pytest.raises(EngineError, match=r"^Invalid batch structure after packing\."):
            call([masked, masked], loss_fn)
    assert session.accumulated_valid_tokens == 0
    with pytest.raises(EngineError, match="no valid tokens"):
        session.optim_step(learning_rate=0.1, **ADAM)


def test_a_fully_masked_datum_beside_a_trained_one_is_accepted(base: BaseWeights) -> None:
    session = ModelSession(base, SessionSpec())
    zero = datum([1, 2, 3], target_tokens=[-100, 3, 4], advantages=[0.0] * 3, **RL_INPUTS)
    live = datum([1, 2, 3], target_tokens=[-100, 3, 4], advantages=[0.0, 1.0, 1.0], **RL_INPUTS)
    out = session.forward_backward([zero, live], "importance_sampling")
    assert out["metrics"]["valid_tokens:sum"] == 2
    assert logprobs_of(out)[0] == [0.0, 0.0, 0.0]
    assert logprobs_of(out)[1][0] == 0.0 and all(lp < 0.0 for lp in logprobs_of(out)[1][1:])


def test_an_ignore_index_target_is_masked_like_a_zero_weight(base: BaseWeights) -> None:
    session = ModelSession(base, SessionSpec())
    ignored = session.forward([datum([1, 2, 3], target_tokens=[-100, 3, 4])])
    weighted = session.forward([datum([1, 2, 3], target_tokens=[2, 3, 4], weights=[0, 1, 1])])
    assert ignored["loss_fn_outputs"] == weighted["loss_fn_outputs"]
    assert ignored["metrics"]["valid_tokens"] == weighted["metrics"]["valid_tokens"] == 2


def test_dropped_samples_are_omitted_from_outputs(base: BaseWeights) -> None:
    session = ModelSession(base, SessionSpec())
    out = session.forward([datum([], labels=[]), datum([1, 2], labels=[1, 2])])
    assert len(out["loss_fn_outputs"]) == 1


def test_a_refused_request_accumulates_nothing(base: BaseWeights, spec: SessionSpec) -> None:
    session = ModelSession(base, spec)
    with pytest.raises(EngineError, match="weights"):
        session.forward_backward(
            [*sft_batch(0), datum([1, 2, 3], labels=[1, 2, 3], weights=[1, 1, 2])]
        )
    assert session.accumulated_valid_tokens == 0
    assert all(not np.any(g) for g in session.accumulated_gradients().values())
    with pytest.raises(EngineError, match="Unknown loss_fn: bogus"):
        session.forward_backward(sft_batch(0), "bogus")
    with pytest.raises(EngineError, match="return_per_token"):
        session.forward_backward(sft_batch(0), loss_fn_params={"return_per_token": "yes"})
    rl = datum([1, 2], target_tokens=[2, 3], advantages=[1.0, 1.0], logprobs=[-1.0, -1.0])
    with pytest.raises(EngineError, match="use_tis and icepop_beta are not supported"):
        session.forward_backward([rl], "policy_loss", {"use_tis": True})
    with pytest.raises(EngineError, match=r"loss_fn_params.eps_clip must be a finite number"):
        session.forward_backward([rl], "policy_loss", {"eps_clip": "0.2"})
    assert session.accumulated_valid_tokens == 0


def test_non_finite_outputs_become_zero(base: BaseWeights) -> None:
    session = ModelSession(base, SessionSpec())
    # old logprob so low that exp(lp - old) overflows (PPO does not clamp the log-ratio; a
    # negative advantage keeps the unclipped term): the server's NaN/Inf -> 0.0 rule applies
    d = datum([1, 2], target_tokens=[2, 3], advantages=[-1.0, -1.0], logprobs=[-1e6, -1.0])
    out = session.forward([d], "policy_loss")
    json.dumps(out, allow_nan=False)
    assert out["metrics"]["loss:sum"] == 0.0
    with pytest.raises(EngineError, match="non-finite gradient"):
        session.forward_backward([d], "policy_loss")
    assert session.accumulated_valid_tokens == 0


# ----------------------------------------------------------------------------- accumulation


def test_session_accumulates_raw_gradient_sums(base: BaseWeights, spec: SessionSpec) -> None:
    session = ModelSession(base, spec, seed=3)
    params = session.parameters()
    loss = get_loss("causallm_loss")
    a, b = sft_batch(1), sft_batch(2)
    session.forward_backward(a)
    session.forward_backward(b)
    scale = spec.lora_scale if spec.is_lora else None
    ev_a, g_a = loss_and_gradients(
        base.table, params, scale, prepare_batch(a, loss, vocab_size=V), loss
    )
    ev_b, g_b = loss_and_gradients(
        base.table, params, scale, prepare_batch(b, loss, vocab_size=V), loss
    )
    acc = session.accumulated_gradients()
    for name in acc:
        np.testing.assert_allclose(acc[name], g_a[name] + g_b[name], rtol=1e-12, atol=1e-15)
    assert session.accumulated_valid_tokens == ev_a.valid_tokens + ev_b.valid_tokens


def test_chunked_batch_equals_one_big_batch(base: BaseWeights, spec: SessionSpec) -> None:
    data = sft_batch(5, n=6)
    whole = ModelSession(base, spec, seed=1)
    chunked = ModelSession(base, spec, seed=1)
    for _ in range(3):
        whole.forward_backward(data)
        chunked.forward_backward(data[:2])
        chunked.forward_backward(data[2:])
        r1 = whole.optim_step(learning_rate=0.05, **ADAM)
        r2 = chunked.optim_step(learning_rate=0.05, **ADAM)
        assert r1["metrics"]["grad_norm"] == pytest.approx(r2["metrics"]["grad_norm"], rel=1e-12)
    for name, value in whole.parameters().items():
        np.testing.assert_allclose(chunked.parameters()[name], value, rtol=0, atol=1e-12)


def test_optim_step_result_and_step_counter(base: BaseWeights, spec: SessionSpec) -> None:
    session = ModelSession(base, spec)
    before = session.parameters()
    session.forward_backward(sft_batch(0))
    out = session.optim_step(learning_rate=0.02, **ADAM)
    assert out["info"] == {}
    assert out["metrics"]["step"] == 1 == session.step
    assert out["metrics"]["learning_rate"] == 0.02
    assert out["metrics"]["grad_norm"] > 0
    assert session.accumulated_valid_tokens == 0
    assert any(not np.array_equal(before[k], v) for k, v in session.parameters().items())


def test_abort_gradient_epoch_discards_the_accumulator(base: BaseWeights) -> None:
    session = ModelSession(base, SessionSpec())
    session.forward_backward(sft_batch(0))
    session.forward_backward(sft_batch(1))
    out = session.abort_gradient_epoch()
    assert {k: out[k] for k in ("success", "step", "forward_backward_step")} == {
        "success": True,
        "step": 0,
        "forward_backward_step": 2,
    }
    assert out["info"] == {} and session.applied == (0, 0)  # aborted: never applied
    assert session.abort_gradient_epoch()["success"]  # idempotent
    with pytest.raises(EngineError, match="no valid tokens"):
        session.optim_step(learning_rate=0.1, **ADAM)


def test_applied_counters_count_each_applied_datum_once(base: BaseWeights, tmp_path: Path) -> None:
    """The local-only record a fault test reads: datums used by applied steps and the sum of
    their digests, kept through a checkpoint round trip; aborted datums do not count."""
    session = ModelSession(base, SessionSpec())
    session.forward_backward(sft_batch(0))
    session.abort_gradient_epoch()  # discarded: must not count
    for k in (1, 2):
        session.forward_backward(sft_batch(k))
    session.optim_step(learning_rate=0.1, **ADAM)
    applied = sft_batch(1) + sft_batch(2)
    expected = sum(datum_digest(d) for d in applied) % (1 << 64)
    assert session.applied == (len(applied), expected)
    session.save(tmp_path / "ckpt")
    restored = ModelSession(base, SessionSpec())
    restored.load(tmp_path / "ckpt", include_optimizer=True)
    assert restored.applied == (len(applied), expected)


# ----------------------------------------------------------------------------- checkpoints


def train(session: ModelSession, steps: int, seed: int = 0) -> list[float]:
    norms = []
    for k in range(steps):
        session.forward_backward(sft_batch(seed * 100 + k))
        norms.append(session.optim_step(learning_rate=0.03, **ADAM)["metrics"]["grad_norm"])
    return norms


def test_save_load_round_trip(base: BaseWeights, spec: SessionSpec, tmp_path: Path) -> None:
    session = ModelSession(base, spec, seed=2)
    train(session, 3)
    session.save(tmp_path / "ckpt")
    assert {p.name for p in (tmp_path / "ckpt").iterdir()} == {
        "model.npz",
        "optimizer.npz",
        "session_spec.json",
    }
    saved = json.loads((tmp_path / "ckpt" / "session_spec.json").read_text())
    assert saved == spec.to_json()
    restored = ModelSession(base, spec, seed=99)  # a different LoRA init, overwritten by load
    restored.load(tmp_path / "ckpt", include_optimizer=False)
    data = sft_batch(42)
    assert logprobs_of(restored.forward(data)) == logprobs_of(session.forward(data))
    assert restored.step == 3


def test_resume_with_optimizer_continues_the_identical_trajectory(
    base: BaseWeights, spec: SessionSpec, tmp_path: Path
) -> None:
    reference = ModelSession(base, spec, seed=4)
    train(reference, 3)
    reference.save(tmp_path / "mid", include_optimizer=True)
    tail = train(reference, 4, seed=1)

    resumed = ModelSession(base, spec, seed=4)
    resumed.load(tmp_path / "mid", include_optimizer=True)
    assert resumed.step == 3
    tail_resumed = train(resumed, 4, seed=1)
    np.testing.assert_allclose(tail_resumed, tail, rtol=0, atol=1e-9)
    for name, value in reference.parameters().items():
        np.testing.assert_allclose(resumed.parameters()[name], value, rtol=0, atol=1e-9)

    # without the optimizer state the moments restart, so the trajectory differs
    fresh_moments = ModelSession(base, spec, seed=4)
    fresh_moments.load(tmp_path / "mid", include_optimizer=False)
    train(fresh_moments, 4, seed=1)
    assert any(
        not np.allclose(fresh_moments.parameters()[k], v, atol=1e-9)
        for k, v in reference.parameters().items()
    )


def test_load_refuses_incompatible_checkpoints(base: BaseWeights, tmp_path: Path) -> None:
    full = ModelSession(base, SessionSpec())
    full.save(tmp_path / "full", include_optimizer=False)
    lora = ModelSession(base, SessionSpec(lora_rank=4, lora_alpha=8))
    lora.save(tmp_path / "lora")
    with pytest.raises(EngineError, match="is full-weight but this session is LoRA rank 4"):
        lora.load(tmp_path / "full", include_optimizer=False)
    with pytest.raises(EngineError, match="LoRA rank 4, alpha 8 but this session is LoRA rank 2"):
        ModelSession(base, SessionSpec(lora_rank=2)).load(
            tmp_path / "lora", include_optimizer=False
        )
    with pytest.raises(EngineError, match="has no optimizer state"):
        ModelSession(base, SessionSpec()).load(tmp_path / "full", include_optimizer=True)
    with pytest.raises(EngineError, match="base seed=0"):
        ModelSession(BaseWeights(seed=1, vocab_size=V), SessionSpec()).load(
            tmp_path / "full", include_optimizer=False
        )
    with pytest.raises(EngineError, match="not found"):
        full.load(tmp_path / "missing", include_optimizer=False)


def test_saving_without_optimizer_removes_a_stale_one(base: BaseWeights, tmp_path: Path) -> None:
    session = ModelSession(base, SessionSpec())
    session.save(tmp_path / "c", include_optimizer=True)
    session.save(tmp_path / "c", include_optimizer=False)
    assert not (tmp_path / "c" / "optimizer.npz").exists()


def test_session_spec_json(tmp_path: Path) -> None:
    spec = SessionSpec(
        lora_rank=8, optimizer=OptimizerConfig(learning_rate=2e-4, betas=(0.9, 0.99))
    )
    assert spec.lora_alpha == 16  # the server default
    j = spec.to_json()
    assert j == {
        "base_model": BASE_MODEL_NAME,
        "is_lora": True,
        "lora_rank": 8,
        "lora_config": {"lora_rank": 8, "lora_alpha": 16},
        "optimizer_config": {
            "type": "adamw",
            "learning_rate": 2e-4,
            "weight_decay": 0.0,
            "optimizer_dtype": "fp32",
            "betas": [0.9, 0.99],
            "eps": 1e-8,
            "optimizer_kwargs": {},
        },
    }
    assert SessionSpec.from_json(json.loads(json.dumps(j))) == spec
    assert SessionSpec.from_json(SessionSpec().to_json()) == SessionSpec()
    assert (
        SessionSpec.from_json(
            {
                "base_model": BASE_MODEL_NAME,
                "is_lora": False,
                "lora_config": None,
                "optimizer_config": None,
            }
        )
        == SessionSpec()
    )
    with pytest.raises(EngineError, match="lora_rank must be a positive"):
        SessionSpec(lora_rank=0)
    with pytest.raises(EngineError, match="not supported"):
        OptimizerConfig(type="sgd")
    with pytest.raises(EngineError, match="does not match the local server"):
        ModelSession(BaseWeights(0, V), SessionSpec(base_model="Qwen/Qwen3-8B"))


# ----------------------------------------------------------------------------- sampling


def test_sampler_logprobs_equal_forward_logprobs(
    base: BaseWeights, spec: SessionSpec, tmp_path: Path
) -> None:
    session = ModelSession(base, spec, seed=6)
    train(session, 2)
    prompt = [1, 2, 3, 4]
    for sampler in (session.sampler_weights(), _export_and_load(session, base, tmp_path)):
        gen = sampler.generate(
            prompt, max_new_tokens=8, temperature=0.7, top_k=5, rng=np.random.default_rng(0)
        )
        full = prompt + gen.output_ids
        p, c = len(prompt), len(gen.output_ids)
        # HF labels form: position t predicts full[t+1]; completions start at P-1
        labels_out = session.forward([datum(full, labels=full)])
        assert logprobs_of(labels_out)[0][p - 1 :] == gen.output_logprobs
        # target_tokens form: position t predicts target_tokens[t]
        tt = session.forward([datum(full[:-1], target_tokens=full[1:])])
        assert logprobs_of(tt)[0][p - 1 :] == gen.output_logprobs
        # prompt scoring agrees too
        assert sampler.logprobs(full[:-1], full[1:]) == logprobs_of(tt)[0]
        # RL datum built the documented way is exactly on-policy: every ratio is 1
        rl = datum(
            full,
            labels=full,
            logprobs=[0.0] * (p - 1) + gen.output_logprobs,
            advantages=[0.0] * p + [1.0] * c,
        )
        metrics = session.forward([rl], "importance_sampling")["metrics"]
        assert metrics["is_ratio_min:mean"] == metrics["is_ratio_max:mean"] == 1.0
        assert metrics["valid_tokens"] == c


def _export_and_load(session: ModelSession, base: BaseWeights, tmp_path: Path) -> SamplerWeights:
    session.export_for_sampler(tmp_path / "sampler")
    names = {p.name for p in (tmp_path / "sampler").iterdir()}
    if session.spec.is_lora:
        assert names == {"adapter.npz", "adapter_config.json"}
        config = json.loads((tmp_path / "sampler" / "adapter_config.json").read_text())
        assert (config["r"], config["lora_alpha"]) == (4, 8)
    else:
        assert names == {"weights.npz"}
    return SamplerWeights.load_export(tmp_path / "sampler", base)


def test_same_seed_same_samples(base: BaseWeights) -> None:
    sw = SamplerWeights.from_base(base)

    def run(seed: int) -> list[int]:
        rng = np.random.default_rng(seed)
        return [
            t
            for _ in range(3)
            for t in sw.generate([1], max_new_tokens=20, top_p=0.9, rng=rng).output_ids
        ]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_fresh_lora_session_samples_the_base_model(base: BaseWeights) -> None:
    lora = ModelSession(base, SessionSpec(lora_rank=2)).sampler_weights()
    ids = list(range(V))
    assert lora.logprobs(ids, ids[::-1]) == SamplerWeights.from_base(base).logprobs(ids, ids[::-1])


def test_snapshot_is_frozen(base: BaseWeights) -> None:
    session = ModelSession(base, SessionSpec())
    snapshot = session.sampler_weights()
    before = snapshot.logprobs([1, 2], [3, 4])
    train(session, 2)
    assert snapshot.logprobs([1, 2], [3, 4]) == before
    assert session.sampler_weights().logprobs([1, 2], [3, 4]) != before


def test_stop_conditions() -> None:
    table = np.zeros((260, 260))
    table[:, 65] = 5.0  # 'A' is the most likely next token everywhere ...
    table[65, EOS_ID] = 10.0  # ... and after 'A' comes <eos>
    sw = SamplerWeights(table)
    rng = np.random.default_rng(0)
    eos = sw.generate([1], max_new_tokens=10, temperature=0.0, rng=rng)
    assert eos.output_ids == [65, EOS_ID] and eos.finish_reason == {
        "type": "stop",
        "matched": EOS_ID,
    }
    ignored = sw.generate([1], max_new_tokens=5, temperature=0.0, ignore_eos=True, rng=rng)
    assert len(ignored.output_ids) == 5 and ignored.finish_reason == {"type": "length"}
    stop = sw.generate([1], max_new_tokens=5, temperature=0.0, stop_token_ids=[65], rng=rng)
    assert stop.output_ids == [65] and stop.finish_reason == {"type": "stop", "matched": 65}
    assert sw.generate([1], max_new_tokens=0, rng=rng).output_ids == []
    with pytest.raises(EngineError, match="must not be empty"):
        sw.generate([], max_new_tokens=3, rng=rng)
    with pytest.raises(EngineError, match="outside the vocabulary"):
        sw.generate([300], max_new_tokens=3, rng=rng)
    with pytest.raises(EngineError, match="top_p"):
        sw.generate([1], max_new_tokens=3, top_p=0.0, rng=rng)


# ----------------------------------------------------------------------------- learning


@pytest.mark.parametrize(("mode", "max_ratio"), [("full", 0.6), ("lora", 0.2)])
def test_sft_on_repeated_text_learns(mode: str, max_ratio: float) -> None:
    """30 AdamW steps at lr 0.05 cut the loss by a large margin.

    Full-weight training is slower per step: Adam moves each of the V² table entries by at most
    about ``lr`` per step, so the loss falls roughly linearly (~0.1 nat/step here); LoRA moves
    whole rows through ``A @ B`` and nearly memorises the text.
    """
    tok = ByteTokenizer()
    base = BaseWeights(seed=0)
    spec = SessionSpec() if mode == "full" else SessionSpec(lora_rank=16, lora_alpha=32)
    session = ModelSession(base, spec)
    ids = tok.encode("the cat sat on the mat. " * 4, add_bos=True)
    data = [datum(ids, labels=ids)]
    losses = []
    for _ in range(30):
        out = session.forward_backward(data)
        losses.append(out["metrics"]["loss:mean"])
        session.optim_step(
            learning_rate=0.05, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, grad_clip=1.0
        )
    final = session.forward(data)["metrics"]["loss:mean"]
    assert all(b < a for a, b in itertools.pairwise(losses[:10])), losses
    assert final < max_ratio * losses[0], (losses[0], final)
    if mode == "lora":
        # greedy decoding now only follows bigrams of the text
        prompt = tok.encode("the c")
        gen = session.sampler_weights().generate(
            prompt, max_new_tokens=12, temperature=0.0, rng=np.random.default_rng(0)
        )
        seen = set(itertools.pairwise(ids))
        path = [prompt[-1], *gen.output_ids]
        assert all(pair in seen for pair in itertools.pairwise(path)), tok.decode(path)
