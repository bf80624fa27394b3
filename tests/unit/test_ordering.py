"""SubmissionSequencer: call order survives random scheduling; cancellation never deadlocks."""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
import threading

import pytest

from xorl_client import _runtime
from xorl_client._ordering import SubmissionSequencer, Ticket

WAIT = 5.0


async def test_hundred_submissions_leave_in_ticket_order() -> None:
    seq = SubmissionSequencer()
    tickets = [seq.take() for _ in range(100)]
    assert tickets == list(range(100))
    rng = random.Random(1234)
    sent: list[int] = []

    async def submit(ticket: Ticket) -> None:
        for _ in range(rng.randrange(5)):  # scramble interleaving (pure yields)
            await asyncio.sleep(0)
        async with seq.slot(ticket):
            for _ in range(rng.randrange(3)):
                await asyncio.sleep(0)
            sent.append(ticket)

    shuffled = tickets[:]
    rng.shuffle(shuffled)
    await asyncio.wait_for(asyncio.gather(*(submit(t) for t in shuffled)), WAIT)
    assert sent == tickets


def test_tickets_from_many_threads_are_unique_and_dense() -> None:
    seq = SubmissionSequencer()
    got: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = [seq.take() for _ in range(250)]
        with lock:
            got.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(2000))


def test_cancelled_before_start_does_not_block_the_next() -> None:
    """The 0.1.0 deadlock: cancel a queued request whose coroutine never ran."""
    seq = SubmissionSequencer()
    sent: list[int] = []

    async def op(ticket: Ticket) -> int:
        async with seq.slot(ticket):
            sent.append(ticket)
        return ticket

    # Hold the SDK loop so the scheduled coroutines cannot start yet.
    loop_blocked = threading.Event()
    unblock = threading.Event()

    def block() -> None:
        loop_blocked.set()
        unblock.wait(WAIT)

    _runtime.call_soon(block)
    assert loop_blocked.wait(WAIT)

    futures: list[concurrent.futures.Future[int]] = []
    for _ in range(3):
        ticket = seq.take()
        fut = _runtime.run_coroutine(op(ticket))
        seq.release_when_done(ticket, fut)
        futures.append(fut)
    assert futures[1].cancel()  # the middle one never starts
    unblock.set()

    assert futures[2].result(WAIT) == 2
    assert futures[0].result(WAIT) == 0
    assert futures[1].cancelled()
    assert sent == [0, 2]


def test_cancelled_while_waiting_for_turn_does_not_block_the_next() -> None:
    seq = SubmissionSequencer()
    first_in = threading.Event()
    first_go = threading.Event()
    sent: list[int] = []

    async def op(ticket: Ticket, hold: bool = False) -> int:
        async with seq.slot(ticket):
            if hold:
                first_in.set()
                while not first_go.is_set():
                    await asyncio.sleep(0)
            sent.append(ticket)
        return ticket

    t0, t1, t2 = seq.take(), seq.take(), seq.take()
    f0 = _runtime.run_coroutine(op(t0, hold=True))
    seq.release_when_done(t0, f0)
    assert first_in.wait(WAIT)
    f1 = _runtime.run_coroutine(op(t1))
    seq.release_when_done(t1, f1)
    f2 = _runtime.run_coroutine(op(t2))
    seq.release_when_done(t2, f2)
    f1.cancel()  # started or not, it is waiting behind t0
    first_go.set()
    assert f2.result(WAIT) == 2 and f0.result(WAIT) == 0
    assert sent == [0, 2]


async def test_release_is_idempotent() -> None:
    seq = SubmissionSequencer()
    t0, t1, t2 = seq.take(), seq.take(), seq.take()
    seq.release(t0)
    seq.release(t0)  # must not count as releasing t1
    assert seq.is_turn(t1) and not seq.is_turn(t2)
    waiter = asyncio.ensure_future(seq.turn(t2))
    await asyncio.sleep(0)
    assert not waiter.done()
    seq.release(t1)
    await asyncio.wait_for(waiter, WAIT)
    seq.release(t1)
    seq.release(Ticket(99))  # never issued: ignored
    assert seq.is_turn(t2)


async def test_out_of_order_release_waits_for_the_gap() -> None:
    seq = SubmissionSequencer()
    t0, t1, t2 = seq.take(), seq.take(), seq.take()
    seq.release(t1)  # t1 done early (e.g. cancelled); t2 still waits for t0
    waiter = asyncio.ensure_future(seq.turn(t2))
    await asyncio.sleep(0)
    assert not waiter.done()
    seq.release(t0)
    await asyncio.wait_for(waiter, WAIT)


async def test_release_from_another_thread_wakes_waiter() -> None:
    seq = SubmissionSequencer()
    t0, t1 = seq.take(), seq.take()
    waiter = asyncio.ensure_future(seq.turn(t1))
    await asyncio.sleep(0)
    th = threading.Thread(target=seq.release, args=(t0,))
    th.start()
    await asyncio.wait_for(waiter, WAIT)
    th.join()


async def test_cancelled_turn_cleans_up() -> None:
    seq = SubmissionSequencer()
    t0, t1 = seq.take(), seq.take()
    waiter = asyncio.ensure_future(seq.turn(t1))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert "waiting=0" in repr(seq)
    seq.release(t0)
    seq.release(t1)
    assert seq.is_turn(seq.take())
