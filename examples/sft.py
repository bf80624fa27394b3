"""Supervised fine-tuning against an xorl server, end to end.

Trains on a small text shipped with the repo, printing step, loss and tokens/s, then saves a
checkpoint, resumes from it with optimizer state into a fresh client, and lists checkpoints.

    python examples/sft.py --base-url http://127.0.0.1:6000 --steps 30

Works against the local server (`xorl-client serve`) or a real xorl deployment whose base model
has a tokenizer available locally.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import xorl_client as xc

CORPUS = Path(__file__).parent / "data" / "tiny_corpus.txt"


def make_batches(
    token_ids: Sequence[int], *, seq_len: int, batch_size: int, seed: int
) -> list[list[xc.Datum]]:
    """Cut the corpus into windows and group them into shuffled batches (HF `labels` form)."""
    windows = [
        list(token_ids[start : start + seq_len])
        for start in range(0, len(token_ids) - seq_len, seq_len // 2)
    ]
    random.Random(seed).shuffle(windows)
    data = [
        xc.Datum(model_input=xc.ModelInput.from_ints(w), loss_fn_inputs={"labels": w})
        for w in windows
    ]
    return [data[i : i + batch_size] for i in range(0, len(data), batch_size)]


def train(
    tc: xc.TrainingClient,
    batches: list[list[xc.Datum]],
    *,
    steps: int,
    learning_rate: float,
    progress: bool = True,
) -> list[float]:
    """Run `steps` optimizer steps, pipelining each forward_backward with its optim_step.

    With ``progress`` a tqdm bar (when tqdm is installed); otherwise plain lines, so a log file
    gets no carriage-return updates.
    """
    adam = xc.AdamParams(learning_rate=learning_rate, grad_clip_norm=1.0)
    losses: list[float] = []
    bar = _progress_bar(steps) if progress else None
    every = max(1, steps // 10)  # without a bar: about ten plain lines, not one per step
    started = time.perf_counter()
    tokens = 0
    for step in range(steps):
        batch = batches[step % len(batches)]
        fb = tc.forward_backward(batch, "cross_entropy")
        op = tc.optim_step(
            adam
        )  # submitted before fb finishes; the server runs them in seq_id order
        loss = fb.result().loss
        op.result()
        losses.append(loss)
        tokens += sum(d.model_input.length for d in batch)
        rate = tokens / max(time.perf_counter() - started, 1e-9)
        if bar is not None:
            bar.set_postfix(loss=f"{loss:.4f}", tok_s=f"{rate:,.0f}")
            bar.update(1)
        elif (step + 1) % every == 0 or step + 1 == steps:
            print(f"step {step + 1:4d}  loss {loss:.4f}  {rate:,.0f} tokens/s", flush=True)
    if bar is not None:
        bar.close()
    return losses


#: The checkpoint every session starts with (what its weights were at creation).
INITIAL_CHECKPOINT = "000000"


def print_checkpoints(checkpoints: Sequence[xc.CheckpointInfo], model_id: str) -> None:
    """The checkpoint list as a small table, newest first, with the initial one explained."""
    print(f"checkpoints of session {model_id!r} (newest first):")
    print(f"  {'type':10s} {'saved at':19s}  path")
    for ckpt in checkpoints:
        print(f"  {ckpt.checkpoint_type:10s} {ckpt.time[:19]:19s}  {ckpt.path}")
    if any(c.path.rsplit("/", 1)[-1] == INITIAL_CHECKPOINT for c in checkpoints):
        print(
            f"  ({INITIAL_CHECKPOINT} is the initial checkpoint the server saves when a session "
            "is created: its starting weights. It cannot be deleted.)"
        )


def _progress_bar(total: int):  # type: ignore[no-untyped-def]
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="sft", unit="step", file=sys.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=None, help="server URL (default: $XORL_BASE_URL)")
    parser.add_argument("--base-model", default="xorl-local/byte-bigram")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--resume-steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default=f"sft-{int(time.time())}")
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="plain lines instead of a progress bar (the default when stdout is not a terminal)",
    )
    args = parser.parse_args(argv)
    progress = not args.no_progress and sys.stdout.isatty()

    with xc.ServiceClient(base_url=args.base_url) as service:
        tc = service.create_training_client(args.base_model)
        tokenizer = tc.get_tokenizer()
        ids = tokenizer.encode(CORPUS.read_text(encoding="utf-8"))
        batches = make_batches(
            ids, seq_len=args.seq_len, batch_size=args.batch_size, seed=args.seed
        )

        losses = train(
            tc,
            batches,
            steps=args.steps,
            learning_rate=args.learning_rate,
            progress=progress,
        )
        print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f} over {len(losses)} steps")

        eval_batch = batches[0]
        eval_loss = tc.forward(eval_batch, "cross_entropy").result().loss
        saved = tc.save_state(args.checkpoint).result()
        print(f"saved {saved.path} (eval loss {eval_loss:.4f})")

        resumed = service.create_training_client_from_state_with_optimizer(saved.path)
        resumed_eval = resumed.forward(eval_batch, "cross_entropy").result().loss
        print(f"resumed from {saved.path} with optimizer state (eval loss {resumed_eval:.4f})")
        more = train(
            resumed,
            batches[args.steps % len(batches) :] + batches[: args.steps % len(batches)],
            steps=args.resume_steps,
            learning_rate=args.learning_rate,
            progress=progress,
        )
        after = resumed.forward(eval_batch, "cross_entropy").result().loss
        print(f"{len(more)} more steps: eval loss {resumed_eval:.4f} -> {after:.4f}")

        rest = service.create_rest_client()
        print_checkpoints(
            rest.list_checkpoints(resumed.model_id).result().checkpoints, resumed.model_id
        )
    return 0 if losses[-1] < losses[0] and resumed_eval == eval_loss else 1


if __name__ == "__main__":
    raise SystemExit(main())
