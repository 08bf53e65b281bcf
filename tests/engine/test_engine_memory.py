"""A finished trial leaves nothing behind for the garbage collector."""

from __future__ import annotations

import gc

import simpy
from test_engine_determinism import busy

from sim.engine import simulate_trial
from sim.engine.world import World


def test_a_finished_trial_is_freed_by_reference_counting_alone():
    # At the horizon the militia and the drawdown processes are still waiting; if
    # their suspended generators kept the trial alive, every trial would leave its
    # world, processes and events to the garbage collector (about 5% of a run).
    scenario = busy()
    gc.collect()
    gc.disable()
    try:
        before = {id(o) for o in gc.get_objects()}
        result = simulate_trial(scenario, 11)
        left = [
            o
            for o in gc.get_objects()
            if id(o) not in before and isinstance(o, (World, simpy.Process, simpy.Event))
        ]
    finally:
        gc.enable()
    assert result.outcomes["militia_attacks"] > 0  # the processes did run
    assert left == []
