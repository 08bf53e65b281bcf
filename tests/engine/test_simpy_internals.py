"""The SimPy internals the engine relies on, checked so a SimPy release that changes them
fails here, by name, instead of miscounting events or leaking trials silently."""

from __future__ import annotations

import itertools

import simpy

from sim.engine.militia import Militia
from sim.engine.trial import _release, _run_counting


def _ticker(env: simpy.Environment, stop: int):
    for _ in range(stop):
        yield env.timeout(1)


def test_the_event_counter_and_queue_are_where_the_engine_reads_them():
    env = simpy.Environment()
    assert isinstance(env._eid, itertools.count), "SimPy moved Environment._eid (sim/engine/trial.py)"
    assert isinstance(env._queue, list), "SimPy moved Environment._queue (sim/engine/trial.py)"


def test_run_counting_counts_exactly_the_events_processed():
    env = simpy.Environment()
    done = env.process(_ticker(env, 50))
    env.process(_ticker(env, 1000))  # still running at the end: its next timeout stays queued
    counted = _run_counting(env, done)
    # Each of the 50 steps of the first process: its timeout, plus the process's start and
    # end (Initialize and the process event); the second: 50 timeouts and its start.
    steps = 0
    env2 = simpy.Environment()
    done2 = env2.process(_ticker(env2, 50))
    env2.process(_ticker(env2, 1000))
    while not done2.processed:
        env2.step()
        steps += 1
    assert counted == steps


def test_release_closes_waiting_processes_and_empties_the_queue():
    env = simpy.Environment()
    done = env.process(_ticker(env, 3))
    waiting = env.process(_ticker(env, 100))
    env.run(until=done)
    assert waiting._generator.gi_frame is not None  # the private generator the engine closes
    _release(env, [waiting])
    assert waiting._generator.gi_frame is None
    assert env._queue == []


def _woken_at(wake_by_interrupt: bool) -> tuple[list[tuple[float, str]], int]:
    """A process waiting on a long timeout, woken at time 3 by another process, either
    with SimPy's interrupt or with the militia's Wake; what it saw, and the events."""
    env = simpy.Environment()
    seen: list[tuple[float, str]] = []

    def sleeper():
        while True:
            try:
                woken = yield env.timeout(10.5)
            except simpy.Interrupt:
                woken = True
            seen.append((env.now, "woken" if woken else "timeout"))
            if env.now >= 12:
                return

    def waker(target: simpy.Process, militia: Militia):
        yield env.timeout(3)
        later = env.timeout(0)  # scheduled before the wake, processed after it (urgent)
        if wake_by_interrupt:
            target.interrupt()
        else:
            militia.background_rose()
        yield later
        seen.append((env.now, "waker"))

    militia = Militia.__new__(Militia)  # only what background_rose and _woken use
    militia.world = type("W", (), {"env": env})()
    process = env.process(sleeper())
    militia._process = process
    env.process(waker(process, militia))
    return seen, _run_counting(env, process)


def test_a_wake_resumes_a_process_as_an_interrupt_does_with_the_same_events():
    # The wake reaches into SimPy's private Process._target, ._resume and ._value and
    # sets Event._value and ._ok (sim/engine/militia.py): if a release changes them, the
    # process would not be woken, or woken in another order, and this fails.
    by_wake = _woken_at(False)
    assert by_wake == _woken_at(True)
    assert by_wake[0] == [(3, "woken"), (3, "waker"), (13.5, "timeout")]
