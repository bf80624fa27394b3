"""The README's pipelined loop through faults at every point of a step, against the local server.

32 steps of ``fb1 = forward_backward(a); fb2 = forward_backward(b); op = optim_step(...)``
(each batch two datums, sent as two chunks) run through :class:`FaultProxy`, with the server
in a child process that is frozen (SIGSTOP) or killed and restarted mid-step. Each step's first
attempt gets one fault cell. The user code is the recipe of ``docs/reliability.md``: replay the
epoch on ``EpochAbortedError``, reload the last checkpoint on ``SessionStateError`` /
``StepIntegrityError``, read the server's step on ``StepOutcomeUnknownError``.

What must hold: the final weights and optimizer state equal a fault-free run's bit for bit, and
the server's own record (``ModelSession.applied``, saved with the checkpoint) shows every datum
applied exactly once. Every cell the SDK can repair by itself raises nothing; the others raise
the typed error the cell names.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

import xorl_client as xc
from xorl_client.byte_tokenizer import ByteTokenizer
from xorl_client.local import LocalServerConfig, serve_in_thread
from xorl_client.local.engine import datum_digest

from .proxy import FaultProxy, Rule
from .server import ServerProcess

STEPS = 32
CHECKPOINT_EVERY = 4
LEARNING_RATE = 0.05
#: Deadline of the cells that need one to pass (a held request); every other call has 120 s.
SHORT_DEADLINE = 3.0
#: Both runs split each batch into one chunk per datum (the same gradient sums, in the same
#: order), so faults can hit the middle of a call.
CLIENT = {"operation_timeout": 120.0, "settle_timeout": 60.0, "chunk_max_items": 1}

FB = "/api/v1/forward_backward"
OP = "/api/v1/optim_step"
POLL = "/api/v1/retrieve_future"
ABORT = "/api/v1/abort_gradient_epoch"

_tokenizer = ByteTokenizer()


def batch(step: int, part: int) -> list[xc.Datum]:
    out = []
    for item in range(2):
        ids = _tokenizer.encode(f"step {step:02d} part {part} item {item}: the cat sat on the mat.")
        out.append(
            xc.Datum(model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids})
        )
    return out


def expected_record(steps: int) -> tuple[int, int]:
    """(datums, digest) a server that applied every batch exactly once reports."""
    datums = [d.to_wire() for s in range(steps) for p in (0, 1) for d in batch(s, p)]
    return len(datums), sum(datum_digest(d) for d in datums) % (1 << 64)


# -- the user code -----------------------------------------------------------------------------


@dataclass
class Outcomes:
    """What each step's attempts raised, by step."""

    errors: dict[int, list[BaseException]] = field(default_factory=dict)

    def add(self, step: int, error: BaseException) -> None:
        self.errors.setdefault(step, []).append(error)


def train(
    tc: xc.TrainingClient,
    steps: int,
    before_first_attempt: Callable[[int], Callable[[], None] | None] | None = None,
) -> Outcomes:
    """The README's pipelined loop with the recovery recipe of docs/reliability.md."""
    outcomes = Outcomes()
    checkpoints = {0: tc.save_state("s0").result(timeout=120).path}
    attempts: Counter[int] = Counter()
    step = 0
    while step < steps:
        attempts[step] += 1
        after = before_first_attempt(step) if before_first_attempt and attempts[step] == 1 else None
        fbs = [tc.forward_backward(batch(step, part)) for part in (0, 1)]
        op = tc.optim_step(xc.AdamParams(learning_rate=LEARNING_RATE))
        try:
            out = op.result(timeout=300)
        except xc.EpochAbortedError as exc:  # nothing of the epoch counted: replay it
            outcomes.add(step, exc)
            continue
        except xc.StepOutcomeUnknownError as exc:  # the server's counter decides
            outcomes.add(step, exc)
            assert exc.server_step is not None
            step = exc.server_step if exc.server_step == step + 1 else step
            continue
        except (xc.SessionStateError, xc.StepIntegrityError) as exc:  # reload, replay after it
            outcomes.add(step, exc)
            step = max(k for k in checkpoints if k <= step)
            tc.load_state_with_optimizer(checkpoints[step]).result(timeout=300)
            continue
        finally:
            if after is not None:
                after()
        for fb in fbs:
            assert fb.result(timeout=300).loss > 0
        assert out.step == step + 1
        step += 1
        if step % CHECKPOINT_EVERY == 0:
            checkpoints[step] = tc.save_state(f"s{step}").result(timeout=300).path
    return outcomes


def final_state(tc: xc.TrainingClient, output_dir: Path) -> dict[str, np.ndarray]:
    tc.save_state("final").result(timeout=300)
    folder = output_dir / "weights" / tc.model_id / "final"
    state = dict(np.load(folder / "model.npz"))
    state.update({f"opt.{k}": v for k, v in np.load(folder / "optimizer.npz").items()})
    return state


def applied_record(state: dict[str, np.ndarray]) -> tuple[int, int]:
    pieces = [int(p) for p in state["applied_digest"]]
    digest = sum(p << s for p, s in zip(pieces, (48, 32, 16, 0), strict=True))
    return int(state["applied_datums"]), digest


# -- the fault cells ---------------------------------------------------------------------------


@dataclass
class Cell:
    """One fault, armed before a step's first attempt; ``expect`` is what that attempt raises
    (``None``: the SDK repairs it and the user sees nothing)."""

    name: str
    rules: Callable[[FaultProxy, ServerProcess], list[Rule]]
    expect: tuple[type[BaseException], ...] | None = None
    short_deadline: bool = False


def rules(*made: Rule) -> Callable[[FaultProxy, ServerProcess], list[Rule]]:
    return lambda _proxy, _server: list(made)


def freeze_after_accept(proxy: FaultProxy, server: ServerProcess) -> list[Rule]:
    """SIGSTOP once the step was accepted and the batches' answers are in; SIGCONT once the
    client gave up polling (its deadline)."""

    def hook() -> None:
        proxy.wait_idle()
        seen = proxy.abandoned
        server.stop()

        def resume() -> None:
            proxy.wait_abandoned(seen)
            server.cont()

        threading.Thread(target=resume, daemon=True).start()

    return [Rule(OP, "hook_after", hook=hook)]


def restart_mid_step(proxy: FaultProxy, server: ServerProcess) -> list[Rule]:
    """SIGKILL and restart the server right after it accepted the first chunk."""

    def hook() -> None:
        proxy.upstream_port = server.restart()

    return [Rule(FB, "hook_after", hook=hook)]


LOST = (xc.EpochAbortedError, xc.SessionStateError, xc.StepIntegrityError)

CELLS: dict[int, Cell] = {
    0: Cell(  # the client does not know the step count yet
        "step answered, answer lost, first step",
        rules(Rule(OP, "drop_after")),
        (xc.StepOutcomeUnknownError,),
    ),
    2: Cell("fb chunk 1 dropped before forwarding", rules(Rule(FB, "drop_before"))),
    3: Cell("fb chunk 2 forwarded, answer dropped", rules(Rule(FB, "drop_after", skip=1))),
    4: Cell("fb chunk 3 cut mid-body", rules(Rule(FB, "cut_mid_body", skip=2))),
    5: Cell("fb chunk 4 forwarded, gateway 502", rules(Rule(FB, "status_after", skip=3))),
    6: Cell("fb chunk 1 forwarded, gateway 504", rules(Rule(FB, "status_after", status=504))),
    7: Cell("fb chunk 3 forwarded, gateway 429", rules(Rule(FB, "status_after", 2, 429))),
    8: Cell("fb chunk 2 refused by a gateway (502)", rules(Rule(FB, "status_before", 1))),
    9: Cell("step dropped before forwarding", rules(Rule(OP, "drop_before"))),
    10: Cell("step forwarded, answer dropped", rules(Rule(OP, "drop_after"))),
    11: Cell("step forwarded, gateway 504", rules(Rule(OP, "status_after", status=504))),
    12: Cell("step refused by a gateway (429)", rules(Rule(OP, "status_before", status=429))),
    13: Cell("step cut mid-body", rules(Rule(OP, "cut_mid_body"))),
    14: Cell(
        "polls dropped and refused (502)",
        rules(Rule(POLL, "drop_before"), Rule(POLL, "status_before", skip=2)),
    ),
    15: Cell(
        "fb answer dropped, then the repair's abort answer dropped too",
        rules(Rule(FB, "drop_after", skip=1), Rule(ABORT, "drop_after")),
    ),
    16: Cell(
        "deadline passes while fb chunk 4 is held, never forwarded",
        rules(Rule(FB, "hold", skip=3)),
        (xc.EpochAbortedError,),
        short_deadline=True,
    ),
    17: Cell(
        "deadline passes while the step's answer is held (it was applied)",
        rules(Rule(OP, "hold_answer")),
        short_deadline=True,
    ),
    18: Cell(
        "deadline passes while the step is held, never forwarded",
        rules(Rule(OP, "hold")),
        (xc.EpochAbortedError,),
        short_deadline=True,
    ),
    19: Cell(
        "server frozen (SIGSTOP) after accepting the step, until the client gave up",
        freeze_after_accept,
        short_deadline=True,
    ),
    20: Cell("server killed and restarted mid-step", restart_mid_step, LOST),
    21: Cell(
        "fb answer dropped, then the first replayed chunk dropped",
        rules(Rule(FB, "drop_after"), Rule(FB, "drop_before", skip=3)),
    ),
    22: Cell(
        "deadline passes while fb chunk 1's answer is held (it was accumulated)",
        rules(Rule(FB, "hold_answer")),
        (xc.EpochAbortedError,),
        short_deadline=True,
    ),
    25: Cell("step forwarded, answer dropped (again)", rules(Rule(OP, "drop_after"))),
    27: Cell("fb chunk 2 forwarded, gateway 502 (again)", rules(Rule(FB, "status_after", 1))),
    29: Cell("fb chunk 4 dropped before forwarding (again)", rules(Rule(FB, "drop_before", 3))),
}


@contextmanager
def deadline_of(tc: xc.TrainingClient, seconds: float) -> Iterator[None]:
    """Calls made inside get ``seconds`` as their deadline (a test-only switch)."""
    transport = tc._transport
    saved = transport.config
    transport.config = saved.replace(operation_timeout=seconds)
    try:
        yield
    finally:
        transport.config = saved


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    """The same loop without faults, on an in-process server."""
    out = tmp_path_factory.mktemp("reference")
    config = LocalServerConfig(port=0, output_dir=out, long_poll_timeout=0.5)
    with serve_in_thread(config) as url, xc.ServiceClient(base_url=url, **CLIENT) as service:
        tc = service.create_training_client("xorl-local/byte-bigram")
        assert train(tc, STEPS).errors == {}
        return final_state(tc, out)


def test_every_batch_counts_once_through_faults_at_every_point(
    reference: dict[str, np.ndarray], tmp_path: Path
) -> None:
    server = ServerProcess(tmp_path / "server")
    server.start()
    try:
        with (
            FaultProxy(server.port) as proxy,
            xc.ServiceClient(base_url=proxy.url, **CLIENT) as service,
        ):
            tc = service.create_training_client("xorl-local/byte-bigram")
            armed: dict[int, list[Rule]] = {}

            def arm(step: int) -> Callable[[], None] | None:
                cell = CELLS.get(step)
                if cell is None:
                    return None
                armed[step] = cell.rules(proxy, server)
                proxy.arm(*armed[step])
                if not cell.short_deadline:
                    return proxy.disarm
                short = deadline_of(tc, SHORT_DEADLINE)
                short.__enter__()

                def after() -> None:
                    short.__exit__(None, None, None)
                    proxy.disarm()

                return after

            outcomes = train(tc, STEPS, arm)
            state = final_state(tc, server.output_dir)
    finally:
        server.close()

    for step, cell in CELLS.items():
        assert all(r.fired.is_set() for r in armed[step]), f"step {step}: {cell.name} never hit"
        first = outcomes.errors.get(step, [])[:1]
        if cell.expect is None:
            assert first == [], f"step {step} ({cell.name}) should have been repaired: {first}"
        else:
            assert first and isinstance(first[0], cell.expect), (step, cell.name, first)
    unexpected = {s: e for s, e in outcomes.errors.items() if s not in CELLS}
    assert unexpected == {}
    assert server.restarts == 1
    # the restart was noticed and survived by reloading a checkpoint
    assert any(
        isinstance(e, xc.SessionStateError | xc.StepIntegrityError) for e in outcomes.errors[20]
    )

    assert int(state["step"]) == STEPS
    assert applied_record(state) == applied_record(reference) == expected_record(STEPS)
    assert sorted(state) == sorted(reference)
    for name, array in reference.items():
        assert np.array_equal(state[name], array), f"{name} differs from the fault-free run"
