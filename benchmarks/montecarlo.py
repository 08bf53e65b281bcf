"""Monte Carlo runs: speed-up of parallel workers, and peak memory of a large run.

Run from the repository root::

    python benchmarks/montecarlo.py [scenarios/baseline.yaml] [--trials 400] [--jobs 2]
                                    [--memory-trials 10000] [--no-memory]

Speed: the same trials with ``jobs=1`` (in this process) and ``jobs=N`` (worker
processes), wall time including starting the workers; prints the speed-up and the
parallel efficiency (speed-up / N), which are what to compare across machines, and
checks that both runs are identical bit for bit. It also prints the CPU time of both
runs (workers included): their ratio is the cost of parallelism (start-up, sending
chunks, collecting) and, unlike wall time, does not depend on what else the machine
is running.

Memory: a separate Python process runs ``--memory-trials`` trials, then summarises,
computes bands and the collapse curve, and saves the results to a temporary folder.
It reports its own peak resident memory (RSS) after the run and after the rest, the
peak of one worker process, the peak physical memory of all of them together (PSS,
sampled every 0.2 s; Linux only), and the size of the per-trial series in memory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

MB = 1024 * 1024


def _peak_rss(who: int) -> float:
    """Peak RSS in bytes of this process (RUSAGE_SELF) or its largest waited-for child."""
    peak = resource.getrusage(who).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


class PssSampler:
    """Peak of the summed proportional set size (PSS) of this process and its children.

    PSS splits each shared page among the processes sharing it, so the sum over a
    process tree is the physical memory the tree uses; adding RSS would count the
    pages a forked worker shares with its parent twice. Linux only (``/proc``).
    """

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def available() -> bool:
        return os.path.exists(f"/proc/{os.getpid()}/smaps_rollup")

    def __enter__(self) -> PssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, sum(_pss(pid) for pid in _tree(os.getpid())))


def _tree(pid: int) -> list[int]:
    found = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                for child in handle.read().split():
                    found += _tree(int(child))
        except OSError:  # the task ended meanwhile
            pass
    return found


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # the process ended meanwhile
        pass
    return 0


def _cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def speed(path: str, trials: int, jobs: int, seed: int, repeats: int) -> dict:
    """Best wall seconds of ``trials`` trials on 1 and on ``jobs`` workers, and whether they agree.

    The scenario is loaded once, so both runs see the same file even if it changes
    meanwhile. The best of ``repeats`` is kept: on a shared machine other work only
    ever adds time.
    """
    from sim.montecarlo import run
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(path)
    run(scenario, trials=min(trials, 8), seed=seed, jobs=1, progress=False)  # warm caches and imports
    serial, parallel, serial_cpu, parallel_cpu = [], [], [], []
    for _ in range(repeats):
        cpu, began = _cpu_seconds(), time.perf_counter()
        one = run(scenario, trials=trials, seed=seed, jobs=1, progress=False)
        serial.append(time.perf_counter() - began)
        serial_cpu.append(_cpu_seconds() - cpu)
        cpu, began = _cpu_seconds(), time.perf_counter()
        many = run(scenario, trials=trials, seed=seed, jobs=jobs, progress=False)
        parallel.append(time.perf_counter() - began)
        parallel_cpu.append(_cpu_seconds() - cpu)
    identical = (
        one.trials.equals(many.trials)
        and one.events.equals(many.events)
        and all(np.array_equal(one.series(n), many.series(n)) for n in one.series_names)
    )
    return {
        "serial": min(serial),
        "parallel": min(parallel),
        "serial_cpu": min(serial_cpu),
        "parallel_cpu": min(parallel_cpu),
        "serial_all": serial,
        "parallel_all": parallel,
        "identical": identical,
        "events": float(one.trials["n_events"].mean()),
    }


def memory_child(path: str, trials: int, jobs: int, seed: int) -> None:
    """In a fresh process: run, post-process, save; print peaks as JSON on stdout."""
    from sim.montecarlo import run
    from sim.scenario.loader import load_scenario

    began = time.perf_counter()
    scenario = load_scenario(path)
    sampler = PssSampler() if PssSampler.available() else None
    with sampler or contextlib.nullcontext():
        results = run(scenario, trials=trials, seed=seed, jobs=jobs, progress=False)
        seconds = time.perf_counter() - began
        after_run = _peak_rss(resource.RUSAGE_SELF)
        results.summary()
        results.collapse_curve()
        for name in results.series_names:
            results.bands(name)
        with tempfile.TemporaryDirectory() as folder:
            results.save(os.path.join(folder, "results"))
            on_disk = sum(
                os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(folder) for f in files
            )
    print(
        json.dumps(
            {
                "trials": results.n_trials,
                "series": len(results.series_names),
                "days": len(results.dates) - 1,
                "seconds": seconds,
                "series_bytes": results.series_nbytes,
                "peak_after_run": after_run,
                "peak_after_all": _peak_rss(resource.RUSAGE_SELF),
                "peak_worker": _peak_rss(resource.RUSAGE_CHILDREN),
                "peak_pss_tree": sampler.peak if sampler else None,
                "on_disk": on_disk,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/baseline.yaml")
    parser.add_argument("--trials", type=int, default=400, help="trials for the speed-up (default 400)")
    parser.add_argument("--jobs", type=int, default=2, help="workers of the parallel run (default 2)")
    parser.add_argument("--memory-trials", type=int, default=10_000, help="trials for the memory run")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory run")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats; the best is kept")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.scenario, args.memory_trials, args.jobs, args.seed)
        return

    print(f"scenario                 {args.scenario}; {os.cpu_count()} cores seen")
    s = speed(args.scenario, args.trials, args.jobs, args.seed, args.repeats)
    print(f"events per trial         {s['events']:,.0f}")
    print(f"{args.trials} trials, 1 worker   {s['serial']:.2f} s ({args.trials / s['serial']:.1f} trials/s)")
    print(
        f"{args.trials} trials, {args.jobs} workers  {s['parallel']:.2f} s "
        f"({args.trials / s['parallel']:.1f} trials/s)"
    )
    ratio = s["serial"] / s["parallel"]
    print(
        f"speed-up                 {ratio:.2f}x (efficiency {ratio / args.jobs:.0%} of {args.jobs} workers)"
    )
    times = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(s["serial_all"], s["parallel_all"], strict=True))
    print(f"repeats (1 / {args.jobs} workers)  {times} s")
    overhead = s["parallel_cpu"] / s["serial_cpu"]
    print(
        f"CPU time, 1 / {args.jobs} workers  {s['serial_cpu']:.2f} / {s['parallel_cpu']:.2f} s "
        f"(parallel costs {overhead:.2f}x the CPU of serial; on idle cores the speed-up "
        f"would be about {args.jobs / overhead:.2f}x)"
    )
    print(f"identical results        {'yes' if s['identical'] else 'NO'}")
    if args.no_memory:
        return

    child = subprocess.run(
        [
            sys.executable,
            __file__,
            args.scenario,
            "--memory-child",
            "--memory-trials",
            str(args.memory_trials),
            "--jobs",
            str(args.jobs),
            "--seed",
            str(args.seed),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    m = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"memory run               {m['trials']:,} trials x {m['series']} series x {m['days'] + 1} days "
        f"in {m['seconds']:.0f} s on {args.jobs} workers"
    )
    print(f"series in memory         {m['series_bytes'] / MB:,.0f} MB (float32)")
    print(f"peak RSS, main process   {m['peak_after_run'] / MB:,.0f} MB after the run")
    print(f"                         {m['peak_after_all'] / MB:,.0f} MB after summary, bands and save")
    print(f"peak RSS, one worker     {m['peak_worker'] / MB:,.0f} MB")
    if m["peak_pss_tree"]:
        print(
            f"peak PSS, all processes  {m['peak_pss_tree'] / MB:,.0f} MB (main and workers, shared pages once)"
        )
    total = m["peak_after_all"] + args.jobs * m["peak_worker"]
    print(
        f"RSS peaks added          {total / MB:,.0f} MB (main + {args.jobs} workers; counts shared pages twice)"
    )
    print(f"results folder on disk   {m['on_disk'] / MB:,.0f} MB")
    print(f"per trial                {m['peak_after_all'] / m['trials'] / 1024:,.0f} KB of main-process peak")


if __name__ == "__main__":
    main()
