"""Experiments: run a scenario at every point of a design, with common random numbers.

:func:`explore` sets the levers of each design point into a copy of the scenario and
runs that copy's trials with **one seed for every point**: trial ``i`` of every point
gets the same engine seed and the same draws of the uncertain inputs the points share
(see :mod:`sim.montecarlo.seeding`), so differences between points come from the
levers, not from chance. Points run one after another, each spread over the backend's
workers (local processes or Dask); a point keeps only what the experiment needs:

- its row of :attr:`Exploration.points`: the lever values and, for every outcome, the
  mean with its 95% interval (Wilson for probabilities, Student t otherwise) and ``n``,
  the trials that had a value (a censored ``collapse_within_24m`` has none);
- its trials' scalar outcomes in :attr:`Exploration.trials` (one row per point and trial);
- percentile bands of a few daily series (:attr:`Exploration.bands`), never the daily
  series of every trial: memory stays that of one point whatever the sweep's size.

With ``checkpoint``, every finished point is kept at once as a work unit of a
:class:`~sim.montecarlo.ledger.Ledger` (``p000012``), and the point being run keeps its
own run checkpoint under ``points/``; the same call resumes after a kill, running only
what is missing, with the same bits. Failed trials are recorded (point, trial, seed,
drawn parameters, reason) in the ledger's failure records and in
:attr:`Exploration.failures`, and left out.

:func:`evaluate` runs a design through a plain Python function instead of the
simulation (one "trial" per point): test functions with known answers (Ishigami) go
through the same designs and analyses as a scenario.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.explore.designs import Design, make_design
from sim.explore.levers import ExploreError, Lever, apply_levers, make_levers
from sim.montecarlo import stats
from sim.montecarlo.ledger import Ledger
from sim.montecarlo.results import outcome_kind_unit

DEFAULT_TRIALS = 200
DEFAULT_BANDS = ("troops", "capability")
BAND_PERCENTILES = (5, 25, 50, 75, 95)
MARKER = "exploration.json"
FORMAT = 1


class Exploration:
    """The results of an experiment: one row per design point.

    Attributes:
        design: the :class:`~sim.explore.designs.Design` (levers, kind, unit-cube points).
        levers: the design's levers.
        name: the scenario's name (or the function's).
        scenario: the scenario explored (``None`` for a function).
        seed: the seed every point used (common random numbers).
        trials_per_point: trials asked per point (with ``precision``: the first batch).
        points: index ``point``; a column per lever (dates as timestamps), then per outcome
            ``<outcome>`` (the mean: a probability for a yes/no outcome), ``<outcome>:low``,
            ``<outcome>:high`` (95% interval) and ``<outcome>:n`` (trials with a value).
        trials: index (``point``, ``trial``): every trial's outcomes and drawn parameters
            (``param:<path>``); ``None`` when not kept.
        bands: ``{point: DataFrame}`` of daily percentiles ``<series>:p5`` ... by date.
        failures: one record per failed trial: ``point``, ``index``, ``seed``, ``parameters``, ``reason``.
        interrupted: the experiment stopped before every point ran (``points`` holds those that did).
        timings: ``wall_seconds``, ``trials``, ``trials_per_second``, ``backend``, ``jobs``,
            ``resumed_points``; with ``precision``, ``trials_needed`` per point.
        outcome_names: the outcomes in :attr:`points`.
    """

    def __init__(
        self,
        design: Design,
        name: str,
        scenario: Any,
        seed: int,
        trials_per_point: int,
        points: pd.DataFrame,
        trials: pd.DataFrame | None,
        bands: Mapping[int, pd.DataFrame],
        failures: Sequence[Mapping[str, Any]] = (),
        interrupted: bool = False,
        timings: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ):
        self.design = design
        self.levers = design.levers
        self.name = name
        self.scenario = scenario
        self.seed = int(seed)
        self.trials_per_point = int(trials_per_point)
        self.points = points
        self.trials = trials
        self.bands = dict(bands)
        self.failures = [dict(f) for f in failures]
        self.interrupted = bool(interrupted)
        self.timings = dict(timings or {})
        self.settings = dict(settings or {})

    @property
    def lever_names(self) -> list[str]:
        """The levers' names, in the design's order."""
        return [lv.name for lv in self.levers]

    @property
    def outcome_names(self) -> list[str]:
        """The outcomes measured at each point (columns of ``points`` that are not levers)."""
        levers = {*self.lever_names, "trials"}
        return [c for c in self.points.columns if c not in levers and not _is_stat_column(c)]

    def outcome(self, name: str) -> pd.DataFrame:
        """One outcome across points, tidy: the levers, then ``mean``, ``low``, ``high``, ``n``."""
        if name not in self.points.columns or name in self.lever_names:
            raise KeyError(f"unknown outcome {name!r}; expected one of {', '.join(self.outcome_names)}")
        frame = self.points[self.lever_names].copy()
        frame["mean"] = self.points[name]
        frame["low"] = self.points[f"{name}:low"]
        frame["high"] = self.points[f"{name}:high"]
        frame["n"] = self.points[f"{name}:n"]
        return frame

    def summary(self) -> pd.DataFrame:
        """The points table: the levers and every outcome's mean with its interval."""
        return self.points.copy()

    def inputs(self) -> pd.DataFrame:
        """The lever values of the finished points (dates as day numbers from the start)."""
        kept = self.points.index.to_numpy()
        values = self.design.values[kept]
        return pd.DataFrame(values, columns=self.lever_names, index=self.points.index)

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write the experiment to ``folder`` atomically; read it back with :func:`load_exploration`."""
        return save_exploration(self, folder)

    def __repr__(self) -> str:
        state = ", interrupted" if self.interrupted else ""
        return (
            f"<Exploration of {self.name!r}: {self.design.kind} design, {len(self.points)} points, "
            f"{self.trials_per_point} trials each, seed {self.seed}{state}>"
        )


def _is_stat_column(column: str) -> bool:
    return column.rpartition(":")[2] in ("low", "high", "n") and ":" in column


# ------------------------------------------------------------------------- running


def explore(
    scenario: Any,
    vary: Any,
    design: str = "grid",
    points: int | None = None,
    trials: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    backend: str = "processes",
    client: Any = None,
    checkpoint: str | os.PathLike[str] | None = None,
    precision: float | None = None,
    precision_outcomes: Sequence[str] = ("collapse_within_24m",),
    max_trials: int = 20_000,
    keep_trials: bool = True,
    bands: Sequence[str] = DEFAULT_BANDS,
    progress: bool | None = True,
    max_failures: int = 10,
    simulate: Callable | None = None,
) -> Exploration:
    """Run ``scenario`` at every point of a design over the levers in ``vary``.

    Args:
        scenario: a :class:`~sim.scenario.schema.Scenario` or the path of a scenario file.
        vary: the levers: ``{"exit_start": ("2024-06-01", "2026-12-01")}``, strings
            ``["exit_start=2024-06-01..2026-12-01/1m", "militia.branching_ratio=prior"]``
            or :class:`~sim.explore.levers.Lever` objects (see :mod:`sim.explore.levers`).
        design: ``grid``, ``lhs``, ``sobol`` or ``morris`` (see :mod:`sim.explore.designs`).
        points: the design's size (values per lever on a grid, samples otherwise).
        trials: trials per point (default 200; the first batch with ``precision``).
        seed: the seed of every point (default the scenario's): common random numbers.
        jobs: as for :func:`sim.run`.
        backend: as for :func:`sim.run`.
        client: as for :func:`sim.run`.
        max_failures: as for :func:`sim.run`, per point.
        checkpoint: a folder that keeps every finished point; the same call resumes from it.
        precision: add trials to each point in batches until the 95% interval of every
            outcome in ``precision_outcomes`` has at most this half-width (or
            ``max_trials``); the points table says how many each needed.
        precision_outcomes: the outcomes ``precision`` applies to.
        max_trials: the most trials a point runs with ``precision``.
        keep_trials: keep every trial's outcomes in :attr:`Exploration.trials`.
        bands: daily series whose percentile bands are kept per point.
        progress: a progress bar over the experiment's trials on stderr.
        simulate: a stand-in for :func:`sim.engine.simulate_trial` (tests).

    Returns:
        The :class:`Exploration`; ``interrupted`` when Ctrl-C stopped it (the finished
        points are in it, and in the checkpoint).

    Raises:
        ExploreError: a lever, design or option that cannot be used (a ``ValueError``).
        ScenarioError: a lever value that makes the scenario invalid, naming the lever.
        TooManyFailures: a point had more failed trials than ``max_failures``.
    """
    from sim.montecarlo.runner import _scenario

    scenario = _scenario(scenario)
    levers = make_levers(scenario, vary)
    seed = scenario.monte_carlo.seed if seed is None else int(seed)
    trials = DEFAULT_TRIALS if trials is None else trials
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise ExploreError(f"trials: expected a whole number >= 1, found {trials!r}")
    built = make_design(levers, design, points, seed)
    unknown = [s for s in bands if s not in _series_names(scenario)]
    if unknown:
        raise ExploreError(
            f"bands: unknown series {', '.join(unknown)}; expected some of {', '.join(_series_names(scenario))}"
        )
    # Every point's scenario is built (and validated) before the first trial runs, so a
    # lever value that makes the scenario invalid is reported at once.
    point_scenarios = _PointScenarios(scenario, levers, built)
    point_scenarios.check_all()
    settings = {
        "trials": int(trials),
        "precision": precision,
        "precision_outcomes": list(precision_outcomes),
        "max_trials": int(max_trials),
        "bands": list(bands),
        "keep_trials": bool(keep_trials),
    }
    ledger = None
    if checkpoint is not None:
        ledger = Ledger.open(checkpoint, _fingerprint(scenario, built, seed, settings))
    runner = _Runner(
        scenario,
        built,
        point_scenarios,
        seed,
        settings,
        dict(jobs=jobs, backend=backend, client=client, max_failures=max_failures),
        ledger,
        simulate,
    )
    return runner.run(progress)


class _PointScenarios:
    """The scenario of each design point, built when first needed."""

    def __init__(self, scenario: Any, levers: Sequence[Lever], design: Design):
        self.scenario = scenario
        self.levers = levers
        self.design = design

    def __getitem__(self, point: int) -> Any:
        return apply_levers(self.scenario, self.levers, self.design.values[point])

    def check_all(self) -> None:
        """Build every distinct point's scenario once (cheap: milliseconds a point)."""
        seen: set[tuple[float, ...]] = set()
        for row in self.design.values:
            key = tuple(row.tolist())
            if key not in seen:
                seen.add(key)
                apply_levers(self.scenario, self.levers, row)


def _series_names(scenario: Any) -> tuple[str, ...]:
    from sim.engine import SERIES

    return (*SERIES, *(f"troops:{key}" for key in scenario.forces))


def _fingerprint(scenario: Any, design: Design, seed: int, settings: Mapping[str, Any]) -> dict[str, Any]:
    text = scenario.model_dump_json(by_alias=True)
    return {
        "kind": "exploration",
        "scenario": scenario.name,
        "scenario_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "seed": seed,
        "design": design.kind,
        "levers": [lv.describe() for lv in design.levers],
        "design_sha256": hashlib.sha256(np.ascontiguousarray(design.values).tobytes()).hexdigest(),
        **settings,
    }


def _unit(point: int) -> str:
    return f"p{point:06d}"


class _Runner:
    """Runs the points of one experiment and assembles the :class:`Exploration`."""

    def __init__(self, scenario, design, point_scenarios, seed, settings, options, ledger, simulate):
        self.scenario = scenario
        self.design = design
        self.point_scenarios = point_scenarios
        self.seed = seed
        self.settings = settings
        self.options = options
        self.ledger = ledger
        self.simulate = simulate
        self.rows: dict[int, dict[str, np.ndarray]] = {}
        self.failures: list[dict[str, Any]] = []

    def run(self, progress: bool | None) -> Exploration:
        began = time.perf_counter()
        resumed = self._resume()
        interrupted = False
        timings: dict[str, Any] = {}
        show = sys.stderr.isatty() if progress is None else bool(progress)
        bar = None
        if show:
            from tqdm.auto import tqdm

            bar = tqdm(
                total=self.design.points,
                initial=len(self.rows),
                desc=f"{self.scenario.name}: points",
                unit="point",
                file=sys.stderr,
                dynamic_ncols=True,
            )
        ran = 0
        try:
            with self._cluster() as client:
                for point in range(self.design.points):
                    if point in self.rows:
                        continue
                    results = self._run_point(point, client)
                    timings.update(
                        {k: results.timings[k] for k in ("backend", "jobs") if k in results.timings}
                    )
                    if results.interrupted:
                        interrupted = True
                        break
                    arrays = self._arrays(results)
                    self._keep(point, arrays, results.failures)
                    ran += results.n_trials
                    if bar is not None:
                        bar.update(1)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            if bar is not None:
                bar.close()
        wall = time.perf_counter() - began
        timings.update(
            wall_seconds=wall,
            trials=ran,
            trials_per_second=ran / wall if wall > 0 else math.nan,
            resumed_points=resumed,
        )
        return assemble(
            self.design,
            self.scenario,
            self.seed,
            self.settings,
            self.rows,
            self.failures,
            interrupted,
            timings,
        )

    def _resume(self) -> int:
        if self.ledger is None or not self.ledger.resumed:
            return 0
        self.failures = [f for f in self.ledger.failures() if "point" in f]
        for unit, arrays in self.ledger:
            self.rows[int(unit[1:])] = arrays
        return len(self.rows)

    @contextlib.contextmanager
    def _cluster(self) -> Iterator[Any]:
        """For Dask without a client: one local cluster for the whole experiment."""
        client = self.options["client"]
        if self.options["backend"] != "dask" or client is not None:
            yield client
            return
        import logging

        import dask
        from distributed import Client, LocalCluster

        from sim.montecarlo.runner import usable_cores

        workers = self.options["jobs"] or usable_cores()
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, dashboard_address=None, silence_logs=logging.CRITICAL
            )
        own = Client(cluster)
        try:
            yield own
        finally:
            own.close()
            cluster.close()

    def _run_point(self, point: int, client: Any) -> Any:
        from sim.montecarlo.runner import Execution, run_precisely, run_with

        scenario = self.point_scenarios[point]
        own = None if self.ledger is None else self.ledger.folder / "points" / _unit(point)
        trials = self.settings["trials"]
        options = self.options
        how = Execution(
            options["jobs"], False, 0, options["backend"], client, options["max_failures"], self.simulate
        )
        if self.settings["precision"] is not None:
            precision, outcomes = self.settings["precision"], self.settings["precision_outcomes"]
            return run_precisely(
                scenario,
                precision,
                outcomes,
                trials,
                self.settings["max_trials"],
                self.seed,
                how,
                checkpoint=own,
            )
        return run_with(scenario, trials, self.seed, how, checkpoint=own)

    def _arrays(self, results: Any) -> dict[str, np.ndarray]:
        """What a point keeps: its trials' scalar columns and its series bands."""
        table = results.trials
        arrays: dict[str, np.ndarray] = {
            "trial": table.index.to_numpy(np.int64),
            "columns": np.array(list(table.columns), dtype=str),
            "values": table.to_numpy(np.float64),
            "start": np.array([np.datetime64(results.dates[0].date(), "D")]),
            "band_names": np.array(self.settings["bands"], dtype=str),
        }
        if self.settings["bands"]:
            arrays["bands"] = np.stack(
                [
                    np.percentile(results.series(name), BAND_PERCENTILES, axis=0).astype(np.float32)
                    if results.n_trials
                    else np.full((len(BAND_PERCENTILES), len(results.dates)), np.nan, np.float32)
                    for name in self.settings["bands"]
                ]
            )
        return arrays

    def _keep(self, point: int, arrays: dict[str, np.ndarray], failures: list[dict[str, Any]]) -> None:
        records = [{"point": point, **f} for f in failures]
        if self.ledger is not None:
            for record in records:
                self.ledger.failed(**record)
            self.ledger.write(_unit(point), arrays)
            shutil.rmtree(self.ledger.folder / "points" / _unit(point), ignore_errors=True)
        self.failures += records
        self.rows[point] = arrays


def assemble(
    design: Design,
    scenario: Any,
    seed: int,
    settings: Mapping[str, Any],
    rows: Mapping[int, Mapping[str, np.ndarray]],
    failures: Sequence[Mapping[str, Any]],
    interrupted: bool,
    timings: Mapping[str, Any],
    name: str | None = None,
) -> Exploration:
    """The :class:`Exploration` of the finished points' arrays (as a ledger keeps them)."""
    done = sorted(rows)
    lever_table = design.table().loc[done]
    columns: list[str] = []
    for point in done:
        for column in rows[point]["columns"].tolist():
            if column not in columns:
                columns.append(column)
    outcomes = [c for c in columns if not c.startswith("param:") and c != "n_events"]
    position = {c: k for k, c in enumerate(columns)}
    kinds = {outcome: outcome_kind_unit(outcome) for outcome in outcomes}
    summary_rows = []
    blocks = []
    for point in done:
        arrays = rows[point]
        names = arrays["columns"].tolist()
        block = arrays["values"]
        if names != columns:  # a point without some per-scenario outcome: nan there
            aligned = np.full((len(block), len(columns)), np.nan)
            aligned[:, [position[c] for c in names]] = block
            block = aligned
        row: dict[str, float] = {}
        for outcome in outcomes:
            values = block[:, position[outcome]]
            row.update(_described(outcome, values, *kinds[outcome]))
        row["trials"] = len(block)
        summary_rows.append(row)
        blocks.append(block)
    stats_table = pd.DataFrame(summary_rows, index=lever_table.index)
    points = pd.concat([lever_table, stats_table], axis=1)
    for outcome in outcomes:
        if f"{outcome}:n" in points:
            points[f"{outcome}:n"] = points[f"{outcome}:n"].astype(np.int64)
    points["trials"] = points["trials"].astype(np.int64)
    trials = None
    if settings.get("keep_trials", True):
        index = pd.MultiIndex.from_arrays(
            [
                np.repeat(np.asarray(done, np.int64), [len(b) for b in blocks]),
                np.concatenate([rows[p]["trial"] for p in done]) if done else np.empty(0, np.int64),
            ],
            names=["point", "trial"],
        )
        values = np.vstack(blocks) if blocks else np.empty((0, len(columns)))
        trials = pd.DataFrame(values, columns=columns, index=index)
    bands = {point: _bands_frame(rows[point]) for point in done if "bands" in rows[point]}
    timings = dict(timings)
    return Exploration(
        design,
        name if name is not None else scenario.name,
        scenario,
        seed,
        settings.get("trials", 1),
        points,
        trials,
        bands,
        failures=sorted(failures, key=lambda f: (f.get("point", 0), f.get("index", 0))),
        interrupted=interrupted,
        timings=timings,
        settings=settings,
    )


def _described(outcome: str, values: np.ndarray, kind: str, unit: str) -> dict[str, float]:
    """An outcome's mean, 95% interval and count at one point (as ``Results.summary`` has them)."""
    if len(values) == 1:  # one evaluation: its value, no interval
        finite = bool(np.isfinite(values[0]))
        mean, low, high, n = (float(values[0]), np.nan, np.nan, 1) if finite else (np.nan,) * 3 + (0,)
    else:
        described = stats.describe_outcome(values, kind, unit)
        mean, low, high, n = (described[k] for k in ("mean", "ci_low", "ci_high", "n"))
    return {outcome: mean, f"{outcome}:low": low, f"{outcome}:high": high, f"{outcome}:n": n}


def _bands_frame(arrays: Mapping[str, np.ndarray]) -> pd.DataFrame:
    names = arrays["band_names"].tolist()
    values = arrays["bands"]
    start = pd.Timestamp(arrays["start"][0])
    dates = pd.date_range(start, periods=values.shape[2], freq="D").as_unit("ns")
    columns = {}
    for k, name in enumerate(names):
        for q, row in zip(BAND_PERCENTILES, values[k], strict=True):
            columns[f"{name}:p{q}"] = row.astype(np.float64)
    return pd.DataFrame(columns, index=dates)


# ---------------------------------------------------------------- test functions


def evaluate(
    function: Callable[..., Any],
    vary: Mapping[str, tuple[float, float]] | Sequence[Lever],
    design: str = "grid",
    points: int | None = None,
    seed: int = 0,
    name: str = "function",
) -> Exploration:
    """Run a design through a Python function instead of a scenario: one value per point.

    ``vary`` maps each input's name to its range ``(low, high)`` (or gives levers);
    ``function(**inputs)`` returns a number or a mapping of outcomes to numbers. The
    designs, tables and analyses are those of :func:`explore`; outcomes are ``level``
    outcomes with no interval (one evaluation per point). Example, the Ishigami function::

        evaluate(ishigami, {"x1": (-pi, pi), "x2": (-pi, pi), "x3": (-pi, pi)}, "sobol", 1024)
    """
    if isinstance(vary, Mapping):
        levers = [Lever(str(k), low=float(lo), high=float(hi)) for k, (lo, hi) in vary.items()]
    else:
        levers = list(vary)
    built = make_design(levers, design, points, seed)
    rows = {}
    for point, values in enumerate(built.values):
        result = function(**{lv.name: float(v) for lv, v in zip(levers, values, strict=True)})
        if not isinstance(result, Mapping):
            result = {"y": result}
        rows[point] = {
            "trial": np.zeros(1, np.int64),
            "columns": np.array(list(result), dtype=str),
            "values": np.array([[float(v) for v in result.values()]]),
        }
    settings = {"trials": 1, "keep_trials": True, "bands": []}
    return assemble(built, None, seed, settings, rows, [], False, {}, name=name)


# ---------------------------------------------------------------------- storage


def save_exploration(exploration: Exploration, folder: str | os.PathLike[str]) -> Path:
    """Write the exploration to ``folder``.

    Files: ``points.parquet``, ``trials.parquet`` (if kept), ``bands.npz``, ``design.npz``
    and ``exploration.json`` (scenario, levers, seed, failures, timings).

    The files go to a temporary sibling that replaces ``folder`` only when complete; an
    existing ``folder`` is replaced only if it is an earlier experiment (or empty).
    """
    target = Path(folder)
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / MARKER).is_file())
    ):
        raise FileExistsError(
            f"{target} exists and is not an experiment folder (no {MARKER}); choose another"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    temporary.mkdir()
    try:
        exploration.points.to_parquet(temporary / "points.parquet")
        if exploration.trials is not None:
            exploration.trials.to_parquet(temporary / "trials.parquet")
        bands = {f"p{p}": frame.to_numpy(np.float32) for p, frame in exploration.bands.items()}
        band_meta = {
            str(p): {"columns": list(f.columns), "start": str(f.index[0].date()) if len(f) else None}
            for p, f in exploration.bands.items()
        }
        np.savez(temporary / "bands.npz", **bands)
        design = exploration.design
        np.savez(temporary / "design.npz", values=design.values, unit=design.unit)
        info = {
            "format": FORMAT,
            "name": exploration.name,
            "seed": exploration.seed,
            "trials_per_point": exploration.trials_per_point,
            "design": {"kind": design.kind, "base": design.base, "seed": design.seed},
            "levers": [_lever_json(lv) for lv in design.levers],
            "scenario": None
            if exploration.scenario is None
            else json.loads(exploration.scenario.model_dump_json(by_alias=True)),
            "settings": exploration.settings,
            "failures": exploration.failures,
            "interrupted": exploration.interrupted,
            "timings": exploration.timings,
            "bands": band_meta,
        }
        (temporary / MARKER).write_text(json.dumps(info, indent=2, default=_plain, allow_nan=True) + "\n")
        if target.exists():
            old = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
            os.replace(target, old)
            os.replace(temporary, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return target


def load_exploration(folder: str | os.PathLike[str]) -> Exploration:
    """Read an experiment written by :meth:`Exploration.save`."""
    folder = Path(folder)
    try:
        info = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"{folder} is not a readable experiment folder ({error})") from None
    scenario = None
    if info["scenario"] is not None:
        from sim.scenario.schema import Scenario

        scenario = Scenario.model_validate(info["scenario"])
    levers = tuple(_lever_from_json(d, scenario) for d in info["levers"])
    with np.load(folder / "design.npz") as stored:
        values, unit = stored["values"], stored["unit"]
    design = Design(
        info["design"]["kind"], levers, values, unit, info["design"]["base"], info["design"]["seed"]
    )
    points = pd.read_parquet(folder / "points.parquet")
    trials = pd.read_parquet(folder / "trials.parquet") if (folder / "trials.parquet").is_file() else None
    bands = {}
    with np.load(folder / "bands.npz") as stored:
        for key, meta in info["bands"].items():
            array = stored[f"p{key}"]
            index = pd.date_range(meta["start"], periods=len(array), freq="D").as_unit("ns")
            bands[int(key)] = pd.DataFrame(array.astype(np.float64), columns=meta["columns"], index=index)
    return Exploration(
        design,
        info["name"],
        scenario,
        info["seed"],
        info["trials_per_point"],
        points,
        trials,
        bands,
        failures=info["failures"],
        interrupted=info["interrupted"],
        timings=info["timings"],
        settings=info["settings"],
    )


def _lever_json(lv: Lever) -> dict[str, Any]:
    return {
        "path": lv.path,
        "low": lv.low,
        "high": lv.high,
        "values": list(lv.values),
        "step": lv.step,
        "months": lv.months,
        "is_date": lv.is_date,
        "integer": lv.integer,
        "start": None if lv.start is None else lv.start.isoformat(),
        "distribution": None if lv.distribution is None else "prior",
    }


def _lever_from_json(data: Mapping[str, Any], scenario: Any) -> Lever:
    import datetime as dt

    distribution = None
    if data["distribution"] == "prior" and scenario is not None:
        from sim.explore.inputs import uncertainties

        distribution = uncertainties(scenario).get(data["path"])
    return Lever(
        data["path"],
        low=math.nan if data["low"] is None else data["low"],
        high=math.nan if data["high"] is None else data["high"],
        values=tuple(data["values"]),
        step=data["step"],
        months=data["months"],
        distribution=distribution,
        is_date=data["is_date"],
        integer=data["integer"],
        start=None if data["start"] is None else dt.date.fromisoformat(data["start"]),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
