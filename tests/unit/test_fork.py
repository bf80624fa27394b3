"""A forked child gets a clear error from its parent's TrainingClient, never a hang (issue defect
6: the child used to wait for a submission turn that belonged to the parent)."""

from __future__ import annotations

import os
import select

import pytest

import xorl_client as xc

from .fake_server import FakeXorl, datum_for_tests, make_training_client
from .test_training_client import gate, open_gate


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_a_clear_error_not_a_hang() -> None:
    server = FakeXorl(try_again_polls=0)
    hold = gate(server, "submit:forward_backward")
    tc = make_training_client(server)
    in_flight = tc.forward_backward([datum_for_tests()])  # holds the turn while forked
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what the parent's client does here, then leave
        try:
            try:
                tc.forward_backward([datum_for_tests()])
                answer = b"sent"
            except xc.ClientForkedError as exc:
                answer = b"refused: " + str(exc).encode()
            os.write(writer, answer)
        finally:
            os._exit(0)
    os.close(writer)
    try:
        ready, _, _ = select.select([reader], [], [], 60)  # a guard against a hang, not a timing
        answer = os.read(reader, 4096) if ready else b"hung"
    finally:
        os.close(reader)
        os.waitpid(pid, 0)
        open_gate(hold)
    assert answer.startswith(b"refused: ")
    assert b"forked child" in answer and b"new ServiceClient" in answer
    in_flight.result(timeout=10)  # the parent is unaffected
