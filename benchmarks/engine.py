"""Cost of one trial, per SimPy event, against bare SimPy measured in the same process.

Run from the repository root::

    python benchmarks/engine.py [scenarios/baseline.yaml] [--trials 200]

Prints events per trial, trials per second on one core, our cost per event, bare
SimPy's cost per event (a plain process yielding timeouts), and their ratio. The
ratio is what to compare across machines; absolute times depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import simpy
from sim.scenario.loader import load_scenario

from sim.engine import simulate_trial
from sim.scenario.sampling import draw_parameters, fix


def bare_simpy_cost(events: int = 200_000, repeats: int = 5) -> float:
    """Seconds per event of a process that only yields timeouts (best of ``repeats``)."""

    def ticker(env: simpy.Environment, n: int):
        for _ in range(n):
            yield env.timeout(1.0)

    best = float("inf")
    for _ in range(repeats):
        env = simpy.Environment()
        env.process(ticker(env, events))
        start = time.perf_counter()
        env.run()
        best = min(best, (time.perf_counter() - start) / events)
    return best


def trial_costs(path: str, trials: int, seed: int = 1) -> tuple[list[float], list[int]]:
    """Wall time and SimPy events of each of ``trials`` trials of a scenario."""
    scenario = load_scenario(path)
    draws = draw_parameters(scenario, trials, seed)
    seconds, events = [], []
    for i in range(trials):
        fixed = fix(scenario, {p: v[i] for p, v in draws.items()})
        start = time.perf_counter()
        result = simulate_trial(fixed, np.random.SeedSequence(seed, spawn_key=(i,)))
        seconds.append(time.perf_counter() - start)
        events.append(result.n_events)
    return seconds, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/baseline.yaml")
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()

    bare_before = bare_simpy_cost()
    seconds, events = trial_costs(args.scenario, args.trials)
    bare_after = bare_simpy_cost()
    bare = min(bare_before, bare_after)
    per_event = sum(seconds) / sum(events)
    print(f"scenario                  {args.scenario} ({args.trials} trials, one core)")
    print(
        f"events per trial          {statistics.mean(events):,.0f} (median {statistics.median(events):,.0f})"
    )
    print(f"trials per second         {args.trials / sum(seconds):,.1f}")
    print(f"our cost per event        {per_event * 1e6:.2f} us")
    print(f"bare SimPy per event      {bare * 1e6:.2f} us")
    print(f"ratio (ours / bare)       {per_event / bare:.1f}x")


if __name__ == "__main__":
    main()
