"""The SimPy internals the engine relies on, checked so a SimPy release that changes them
fails here, by name, instead of miscounting events or leaking trials silently."""

from __future__ import annotations

import itertools

import simpy

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
