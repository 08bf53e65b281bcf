"""Cost of one trial, per SimPy event, against bare SimPy measured in the same process.

Run from the repository root::

    python benchmarks/engine.py [scenarios/baseline.yaml] [--trials 100] [--rounds 10]
    python benchmarks/engine.py --phases     # where a trial's time goes
    python benchmarks/engine.py --profile    # which functions take it (cProfile)
    python benchmarks/engine.py --only trials --trials 20    # just run, for counting
    python benchmarks/engine.py --only bare --events 400000  # instructions with valgrind:
    python benchmarks/engine.py --only none --trials 20      # see docs/performance.md

Prints events per trial, trials per second on one core, our cost per event, bare
SimPy's cost per event (a plain process yielding timeouts: SimPy's own cost of an
event) and their ratio. The ratio is what to compare across machines; absolute times
depend on the machine.

On a shared machine the speed changes from second to second, so the two are measured
in close alternation: each batch of 10 trials (each with its own drawn parameters,
fixed before the clock starts, as the Monte Carlo layer does) is timed and then bare
SimPy on as many events, and each batch gives one ratio. The figures reported are
medians over all batches of all rounds, with the quartiles of the ratio.

Without a scenario file (or if ``scenarios/baseline.yaml`` does not exist) it runs
:data:`FALLBACK`, a stand-in built as a dict.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import time
from collections import defaultdict
from typing import Any

import numpy as np
import simpy

from sim.engine import simulate_trial
from sim.engine.streams import trial_streams
from sim.engine.trial import _Trial
from sim.montecarlo.seeding import draw_run_parameters, trial_scenario, trial_seed
from sim.scenario.sampling import has_distribution
from sim.scenario.schema import Scenario

FALLBACK: dict[str, Any] = {
    "name": "baseline stand-in",
    "start": "2024-01-25",
    "end": "2027-01-01",
    "bases": {
        "al_asad": {"region": "federal_iraq"},
        "erbil": {"region": "kurdistan"},
        "baghdad": {"region": "federal_iraq"},
        "syria": {"region": "syria"},
    },
    "forces": {
        "us_al_asad": {"base": "al_asad", "troops": 1000},
        "us_erbil": {"base": "erbil", "troops": 900},
        "us_baghdad": {"base": "baghdad", "troops": 600},
        "nato_baghdad": {"base": "baghdad", "troops": 300, "bilateral": True},
        "partners_erbil": {"base": "erbil", "troops": 200},
        "us_syria": {"base": "syria", "troops": 900, "roles": {"trainers": 0.0, "enablers": 0.0}},
    },
    "pressure": {"initial": 1.0},
}
"""A stand-in for the shipped baseline: the January 2024 footprint held to 2027."""


def load(path: str | None) -> tuple[Scenario, str]:
    """The scenario to time and a label for it."""
    if path is None or not os.path.exists(path):
        return Scenario.model_validate(FALLBACK), "built-in stand-in for the baseline"
    try:
        from sim.scenario.loader import load_scenario
    except ImportError:  # the loader is not there yet: validate the YAML directly
        import yaml

        with open(path, encoding="utf-8") as file:
            return Scenario.model_validate(yaml.safe_load(file)), path
    return load_scenario(path), path


def bare_simpy_seconds(events: int) -> float:
    """Seconds for a plain process to yield ``events`` timeouts (SimPy's own cost)."""

    def ticker(env: simpy.Environment, n: int):
        for _ in range(n):
            yield env.timeout(1.0)

    env = simpy.Environment()
    env.process(ticker(env, events))
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


def trial_inputs(scenario: Scenario, count: int, seed: int) -> list[tuple[Any, np.random.SeedSequence]]:
    """Fixed scenarios (drawn parameters) and engine seeds of the first ``count`` trials.

    Exactly as a Monte Carlo run makes them.
    """
    draws = draw_run_parameters(scenario, count, seed)
    return [
        (trial_scenario(scenario, draws.paths, draws.values[i]), trial_seed(seed, i)) for i in range(count)
    ]


def trials_seconds(inputs: list) -> tuple[float, int]:
    """Seconds and SimPy events of the trials."""
    events = 0
    start = time.perf_counter()
    for params, engine_seed in inputs:
        events += simulate_trial(params, engine_seed).n_events
    return time.perf_counter() - start, events


def ratio(inputs: list, rounds: int, label: str, days: int, batch: int = 10) -> None:
    """Our cost per event against bare SimPy's, batch by batch, over ``rounds`` rounds."""
    ours, bare, ratios, trial_seconds = [], [], [], []
    total_events = 0
    for _ in range(rounds):
        for first in range(0, len(inputs), batch):
            seconds, events = trials_seconds(inputs[first : first + batch])
            bare_seconds = bare_simpy_seconds(events)
            ours.append(seconds / events)
            bare.append(bare_seconds / events)
            ratios.append(ours[-1] / bare[-1])
            trial_seconds.append(seconds / len(inputs[first : first + batch]))
            total_events += events
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    print(f"scenario                  {label} ({days} days)")
    print(f"python, simpy             {platform.python_version()}, {simpy.__version__}")
    print(f"trials                    {len(inputs)} per round, {rounds} rounds, one core")
    print(f"events per trial          {total_events / rounds / len(inputs):,.0f}")
    print(f"trials per second         {1.0 / statistics.median(trial_seconds):,.1f}")
    print(f"our cost per event        {statistics.median(ours) * 1e6:.2f} us")
    print(f"bare SimPy per event      {statistics.median(bare) * 1e6:.2f} us")
    print(
        f"ratio (ours / bare)       {statistics.median(ratios):.2f}x "
        f"(quartiles {quartiles[0]:.2f}x to {quartiles[2]:.2f}x over {len(ratios)} batches)"
    )


def phases(inputs: list, rounds: int) -> None:
    """Where a trial's time goes: setup, the SimPy run, and collecting the result."""
    best: dict[str, float] = {}
    for _ in range(rounds):
        spent: dict[str, float] = defaultdict(float)
        events = 0
        for params, engine_seed in inputs:
            t0 = time.perf_counter()
            has_distribution(params)
            trial = _Trial(params, trial_streams(engine_seed))
            t1 = time.perf_counter()
            n = trial.simulate()
            t2 = time.perf_counter()
            trial.result(n)
            t3 = time.perf_counter()
            spent["setup (parameters check, streams, objects)"] += t1 - t0
            spent["SimPy run (all processes)"] += t2 - t1
            spent["result (event log, series, outcomes)"] += t3 - t2
            events += n
        spent["bare SimPy for as many events"] = bare_simpy_seconds(events)
        for name, seconds in spent.items():
            best[name] = min(best.get(name, np.inf), seconds)
    total = sum(v for k, v in best.items() if not k.startswith("bare"))
    bare = best["bare SimPy for as many events"]
    per_trial = 1e3 / len(inputs)
    print(f"{'phase':45s} {'ms/trial':>9s} {'share':>6s}")
    for name, seconds in best.items():
        if not name.startswith("bare"):
            print(f"{name:45s} {seconds * per_trial:9.3f} {seconds / total:6.1%}")
    print(f"{'total':45s} {total * per_trial:9.3f}")
    print(
        f"{'  of which SimPy own cost (bare, same events)':45s} {bare * per_trial:9.3f} {bare / total:6.1%}"
    )
    run = best["SimPy run (all processes)"]
    print(f"ratio ours / bare: whole trial {total / bare:.2f}x, SimPy run alone {run / bare:.2f}x")


def profile(inputs: list, top: int = 25) -> None:
    """Profile the trials (cProfile): functions by own time, and shares by module."""
    profiler = cProfile.Profile()
    profiler.enable()
    trials_seconds(inputs)
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_module: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        total += own
        if "/sim/" in filename:
            key = "sim/" + filename.split("/sim/", 1)[1]
        elif "/simpy/" in filename:
            key = "simpy (SimPy itself)"
        elif "numpy" in filename:
            key = "numpy"
        elif filename == "~":
            key = "builtins (C functions called from Python)"
        else:
            key = "other Python"
        by_module[key] += own
    print("own time by module (cProfile; its per-call overhead inflates small functions)")
    for key, own in sorted(by_module.items(), key=lambda item: -item[1]):
        print(f"  {own / total:6.1%}  {key}")
    print()
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/baseline.yaml")
    parser.add_argument("--trials", type=int, default=100, help="trials per round")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--phases", action="store_true", help="time setup, run and result apart")
    parser.add_argument("--profile", action="store_true", help="profile the trials with cProfile")
    parser.add_argument(
        "--only",
        choices=["trials", "bare", "none"],
        help="only run the trials (printing their events), or bare SimPy on --events events, "
        "or nothing (the same preparation), once and untimed: for counting instructions",
    )
    parser.add_argument("--events", type=int, default=0, help="events for --only bare")
    args = parser.parse_args()

    scenario, label = load(args.scenario)
    inputs = trial_inputs(scenario, args.trials, args.seed)
    trials_seconds(trial_inputs(scenario, 1, args.seed + 1))  # warm caches (imports, tables)
    if args.only == "none":
        pass
    elif args.only == "trials":
        print(f"events {trials_seconds(inputs)[1]}")
    elif args.only == "bare":
        bare_simpy_seconds(args.events)
    elif args.profile:
        profile(inputs)
    elif args.phases:
        phases(inputs, args.rounds)
    else:
        ratio(inputs, args.rounds, label, scenario.days)


if __name__ == "__main__":
    main()
