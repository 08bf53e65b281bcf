"""Experiments (sim.explore): sweep throughput, Dask efficiency, peak memory at scale, resume.

Run from the repository root, one part at a time (each prints one JSON line)::

    python benchmarks/explore.py throughput [--points 6] [--trials 40] [--jobs 2]
    python benchmarks/explore.py dask [--points 4] [--trials 60]
    python benchmarks/explore.py memory [--points 100] [--trials 1000] [--end 2024-04-30]
    python benchmarks/explore.py resume [--points 6] [--trials 30] [--backend serial|dask]

throughput
    An exit-date sweep of ``scenarios/fast_exit.yaml`` (``exit_start`` by months) with
    ``jobs=1`` and ``jobs=N`` local processes (the fastest of ``--repeats``): trials per
    second, per second per core, the wall-clock efficiency, and the CPU seconds of each
    (workers included), whose ratio is the cost of parallelism whatever else the machine
    runs; both runs' points tables must be equal. The load average is printed: on a
    shared machine the wall-clock figures move with it.
dask
    The same sweep on a local Dask cluster of 1 worker, then of 2 workers (processes,
    one thread each). Wall efficiency = (trials/s with 2) / (2 x trials/s with 1); CPU
    efficiency = trials per worker CPU second with 2 over that with 1 (the workers' own
    CPU time, read on each worker). On a 2-core machine the scheduler and this client
    share the cores with the workers; their CPU seconds per wall second say how much of a
    core they took.
memory
    ``points x trials`` trials (100,000 by default) of a shortened ``fast_exit`` (its
    ``end`` brought forward, so that the run fits in minutes) over
    ``militia.branching_ratio``, on Dask with 2 workers and a checkpoint: peak resident
    memory of this process (which holds the experiment), of the largest worker, and
    the peak physical memory of the whole process tree (PSS, sampled; Linux only).
resume
    A sweep with a checkpoint in a child process (serially, or on a local Dask cluster of
    2 workers), killed (SIGKILL) once two points are kept; the same sweep again resumes, and its points table must equal that of an
    uninterrupted sweep. Reports the points resumed and the time of each part.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MB = 1024 * 1024
SCENARIO = "scenarios/fast_exit.yaml"


def _cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime


def _all_cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers)."""
    return _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN)


def _worker_cpu(client) -> float:
    """CPU seconds used so far by every Dask worker process."""
    return sum(client.run(lambda: _cpu_seconds()).values())


def sweep_levers(points: int) -> list[str]:
    last = 5 + points  # one point a month from June 2024
    year, month = 2024 + (last - 1) // 12, (last - 1) % 12 + 1
    return [f"exit_start=2024-06-01..{year}-{month:02d}-01/1m"]


def throughput(points: int, trials: int, jobs: int, repeats: int) -> dict:
    import pandas as pd

    import sim

    scenario = sim.load_scenario(SCENARIO)
    rows = {}
    tables = []
    load = os.getloadavg()[0]
    for workers in (1, jobs):
        best = None
        for _ in range(repeats):
            cpu, began = _all_cpu_seconds(), time.perf_counter()
            found = sim.explore(scenario, sweep_levers(points), trials=trials, jobs=workers, progress=False)
            wall, cpu = time.perf_counter() - began, _all_cpu_seconds() - cpu
            if best is None or wall < best[0]:
                best = (wall, cpu)
        wall, cpu = best
        total = len(found.points) * trials
        rows[workers] = {
            "wall_seconds": round(wall, 2),
            "cpu_seconds": round(cpu, 2),
            "trials_per_second": round(total / wall, 2),
            "trials_per_cpu_second": round(total / cpu, 2),
        }
        tables.append(found.points)
    pd.testing.assert_frame_equal(tables[0], tables[1])
    one, many = rows[1], rows[jobs]
    return {
        "part": "throughput",
        "points": points,
        "trials_per_point": trials,
        "days_per_trial": scenario.days,
        "load_average_at_start": round(load, 2),
        "serial": one,
        f"jobs_{jobs}": many,
        "trials_per_second_per_core": round(many["trials_per_second"] / jobs, 2),
        "wall_efficiency": round(many["trials_per_second"] / (jobs * one["trials_per_second"]), 3),
        "cpu_cost_of_parallelism": round(many["cpu_seconds"] / one["cpu_seconds"], 3),
        "identical": True,
    }


def dask_efficiency(points: int, trials: int, repeats: int) -> dict:
    import dask
    import pandas as pd
    from distributed import Client, LocalCluster

    import sim

    scenario = sim.load_scenario(SCENARIO)
    rows = {}
    tables = []
    load = os.getloadavg()[0]
    for workers in (1, 2):
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
        best = None
        try:
            client.run(lambda: None)  # workers up before the clock starts
            for _ in range(repeats):
                cpu, worker_cpu, began = _cpu_seconds(), _worker_cpu(client), time.perf_counter()
                found = sim.explore(
                    scenario,
                    sweep_levers(points),
                    trials=trials,
                    backend="dask",
                    client=client,
                    progress=False,
                )
                wall = time.perf_counter() - began
                cpu, worker_cpu = _cpu_seconds() - cpu, _worker_cpu(client) - worker_cpu
                if best is None or wall < best[0]:
                    best = (wall, cpu, worker_cpu)
        finally:
            client.close()
            cluster.close()
        wall, cpu, worker_cpu = best
        total = len(found.points) * trials
        rows[workers] = {
            "wall_seconds": round(wall, 2),
            "trials_per_second": round(total / wall, 2),
            "worker_cpu_seconds": round(worker_cpu, 2),
            "trials_per_worker_cpu_second": round(total / worker_cpu, 2),
            "scheduler_and_client_cpu_seconds": round(cpu, 2),
            "scheduler_and_client_share_of_a_core": round(cpu / wall, 3),
        }
        tables.append(found.points)
    pd.testing.assert_frame_equal(tables[0], tables[1])
    one, two = rows[1], rows[2]
    return {
        "part": "dask",
        "points": points,
        "trials_per_point": trials,
        "load_average_at_start": round(load, 2),
        "one_worker": one,
        "two_workers": two,
        "wall_efficiency": round(two["trials_per_second"] / (2 * one["trials_per_second"]), 3),
        "cpu_efficiency": round(two["trials_per_worker_cpu_second"] / one["trials_per_worker_cpu_second"], 3),
        "identical": True,
    }


def memory(points: int, trials: int, end: str) -> dict:
    from distributed import Client, LocalCluster
    from montecarlo import PssSampler

    import sim

    scenario = sim.load_scenario(SCENARIO, {"end": end})
    folder = Path(tempfile.mkdtemp(prefix="explore-memory-"))
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    client = Client(cluster)
    sampler = PssSampler() if PssSampler.available() else None
    try:
        began = time.perf_counter()
        if sampler is not None:
            sampler.__enter__()
        found = sim.explore(
            scenario,
            ["militia.branching_ratio=0..0.9"],
            points=points,
            trials=trials,
            backend="dask",
            client=client,
            checkpoint=folder / "sweep.checkpoint",
            progress=False,
        )
        wall = time.perf_counter() - began
        worker_peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    finally:
        if sampler is not None:
            sampler.__exit__(None, None, None)
        client.close()
        cluster.close()
    total = int(found.points["trials"].sum())
    return {
        "part": "memory",
        "trials": total,
        "points": len(found.points),
        "days_per_trial": scenario.days,
        "wall_seconds": round(wall, 1),
        "trials_per_second": round(total / wall, 1),
        "peak_rss_this_process_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB, 1),
        "peak_rss_largest_worker_mb": round(max(worker_peaks.values()) / MB, 1),
        "peak_pss_all_processes_mb": None if sampler is None else round(sampler.peak / MB, 1),
        "trials_table_mb": round(found.trials.memory_usage(deep=True).sum() / MB, 1),
        "failures": len(found.failures),
        "checkpoint_mb": round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / MB, 1),
    }


def resume(points: int, trials: int, backend: str) -> dict:
    import pandas as pd

    import sim

    folder = Path(tempfile.mkdtemp(prefix="explore-resume-"))
    checkpoint = folder / "sweep.checkpoint"
    child = [sys.executable, __file__, "resume-child", str(points), str(trials), str(checkpoint), backend]
    began = time.perf_counter()
    process = subprocess.Popen(
        child, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    )
    units = checkpoint / "units"
    while process.poll() is None and (not units.is_dir() or len(list(units.glob("*.npz"))) < 2):
        time.sleep(0.2)
    helpers = _descendants(process.pid)  # a Dask cluster's processes, which a kill would orphan
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    for pid in helpers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    kept = len(list(units.glob("*.npz")))
    killed_after = time.perf_counter() - began
    began = time.perf_counter()
    resumed = sim.explore(
        SCENARIO,
        sweep_levers(points),
        trials=trials,
        checkpoint=checkpoint,
        progress=False,
        **_where(backend),
    )
    resumed_wall = time.perf_counter() - began
    began = time.perf_counter()
    whole = sim.explore(SCENARIO, sweep_levers(points), trials=trials, jobs=1, progress=False)
    whole_wall = time.perf_counter() - began
    pd.testing.assert_frame_equal(resumed.points, whole.points)
    return {
        "part": "resume",
        "backend": backend,
        "points": points,
        "trials_per_point": trials,
        "killed_after_seconds": round(killed_after, 1),
        "points_kept_at_kill": kept,
        "points_resumed": resumed.timings["resumed_points"],
        "resumed_run_seconds": round(resumed_wall, 1),
        "uninterrupted_seconds": round(whole_wall, 1),
        "identical_to_uninterrupted": True,
    }


def _descendants(pid: int) -> list[int]:
    """The processes started by ``pid`` and by them, from /proc (Linux); empty elsewhere."""
    found = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                for child in handle.read().split():
                    found += [int(child), *_descendants(int(child))]
    return found


def resume_child(points: int, trials: int, checkpoint: str, backend: str) -> None:
    import sim

    sim.explore(
        SCENARIO,
        sweep_levers(points),
        trials=trials,
        checkpoint=checkpoint,
        progress=False,
        **_where(backend),
    )


def _where(backend: str) -> dict:
    """Serial in this process, or a local Dask cluster of 2 workers made for the sweep."""
    return {"jobs": 1} if backend == "serial" else {"jobs": 2, "backend": "dask"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("throughput", "dask", "memory", "resume", "resume-child"))
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--points", type=int)
    parser.add_argument("--trials", type=int)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--end", default="2024-04-30", help="end of the shortened scenario (memory)")
    parser.add_argument("--repeats", type=int, default=2, help="timed repeats; the fastest is kept")
    parser.add_argument("--backend", choices=("serial", "dask"), default="serial", help="where resume runs")
    args = parser.parse_args()
    if args.part == "resume-child":
        resume_child(int(args.rest[0]), int(args.rest[1]), args.rest[2], args.rest[3])
        return
    if args.part == "throughput":
        found = throughput(args.points or 6, args.trials or 40, args.jobs, args.repeats)
    elif args.part == "dask":
        found = dask_efficiency(args.points or 4, args.trials or 60, args.repeats)
    elif args.part == "memory":
        found = memory(args.points or 100, args.trials or 1000, args.end)
    else:
        found = resume(args.points or 6, args.trials or 30, args.backend)
    print(json.dumps(found))


if __name__ == "__main__":
    main()
