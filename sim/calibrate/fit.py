"""The calibration fit: ABC-SMC of the model's structural parameters on the fitting facts.

**What is fitted.** The *structural* parameters are those the shipped baseline draws from
a prior (``scenarios/baseline.yaml``), less the state of the world at a scenario's start
(ISIS's strength, the ISF's readiness, pressure and tension at the start), which differs
from one replay to the next. A replay that keeps a parameter's baseline prior shares it
with the others (the militias of 2023 and of a forward scenario are the same militias);
a replay that sets a parameter of its own (the 2011 ISF's self-sustained level) keeps
its own prior for it, drawn afresh in every simulation, as it does for its starting
state.

**Against what.** Every check of :mod:`sim.calibrate.checks` whose facts are all kept for
fitting (``use: calibrate``) and that is not a known structural failure: the counts of
the militia campaign to 21 Nov and 21 Dec 2023, its strikes and casualties and the tempo
after the February 2024 stop (``replay_2023``); ISIS's strength at the end of 2012 and the
day of the 2014 collapse (``replay_2011``). Facts kept for validation never enter:
``python -m sim backtest`` tests the fitted model on them.

**How.** Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC; Del Moral
et al. 2012, Beaumont et al. 2009) with pyabc: each particle is one parameter set; one
trial of each replay is simulated with it; its summary statistics (the checks' measures)
are compared with the record by an L1 distance whose scales adapt every generation
(median absolute deviation of the simulated statistics); each generation accepts the
particles within the median distance of the previous one, and proposals are drawn by a
multivariate normal kernel fitted to the last population. ABC-SMC suits this model: its
likelihood is intractable (a Hawkes process, strikes, a collapse hazard), one simulation
costs milliseconds, and a population of weighted particles is exactly the joint
posterior a scenario draws from. History matching with an emulator would need far fewer
simulations, which this model does not need, and a second model (the emulator) to trust.

The fit runs in a reparametrised space: each structural parameter is ``ppf(Phi(z))``
of a standard normal score ``z`` (through the Cholesky factor of the baseline's
correlations where it ties parameters), so the priors in pyabc are independent standard
normals and every parameter keeps its own prior distribution and bounds.

**Reproducible and resumable.** Every simulation's random numbers come from the fit's
seed, the generation and the particle's index (never from which worker ran it), so the
same seed gives the same posterior on one worker or many, on local processes or Dask.
The fit keeps its state in a :class:`~sim.montecarlo.ledger.Ledger` folder: the manifest
(the fingerprint of the fit: replays, parameters, facts, seed, sizes, code version),
pyabc's history database (one row set per finished generation) and the failure records
(one JSON line per simulation that raised, with its parameters and seed). An interrupted
fit run again with the same command resumes after its last finished generation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import random
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.calibrate.checks import CHECKS, FACTS, SCENARIOS, Check, fact_uses

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from distributed import Client, LocalCluster

    from sim.engine.result import TrialResult
    from sim.scenario.schema import Scenario

STATE = ("isis.strength", "isf.readiness", "pressure.initial", "tension.initial")
"""Paths that hold a scenario's starting state, never fitted across replays."""

NO_POSTERIOR = {"posterior": None}
"""The override that sets a scenario's posterior section aside, so the fit starts from priors."""

REPLAYS = ("replay_2023", "replay_2011")
"""The replays with fitting facts."""

BLOCKS = {
    # The campaign's counts to 21 Nov and 21 Dec 2023 set the tempo and its burstiness;
    # the strikes to 25 Jan, the wounded and the tempo after the February 2024 stop set
    # how strikes deter, before and after the talks were announced.
    "replay_2023": (
        "militia.attack_rate_per_day",
        "militia.branching_ratio",
        "retaliation.deterrence.probability",
        "retaliation.deterrence.recovery_days",
        "retaliation.deterrence.announced_probability_factor",
        "retaliation.deterrence.announced_recovery_factor",
        "retaliation.major_deterrence_probability",
    ),
    # ISIS's strength at the end of 2012 and the day of the 2014 collapse set ISIS's
    # growth, the ISF's attrition of it, and what it takes to break the ISF.
    "replay_2011": (
        "isis.growth_per_day",
        "isis.isf_attrition_per_day",
        "collapse.contained_fighters",
        "collapse.hazard_at_parity_per_day",
    ),
}
"""Per replay, the structural parameters its fitting facts can inform. The replays share
no parameter that both inform (the militias play no part in 2011-14, ISIS none in the
2023 campaign), so the posterior is the product of one fit per replay: each block is
fitted alone, in fewer dimensions, which keeps ABC-SMC's importance weights healthy (a
joint fit of 14 parameters had an effective population under 20 of 200, measured)."""

FITTED = tuple(p for block in BLOCKS.values() for p in block)
"""The structural parameters the fitting facts can inform (the default of ``--parameters``).

The others keep their priors: no fitting fact moves them (the troop and targeting
elasticities need a campaign with changing troops; ISIS's sanctuary and the collapse's
steepness are not separable from growth and hazard on two facts; the recovery after 2014
and the 2023-25 decline are held out for validation), and ABC with parameters the data
cannot see only widens the proposals and costs simulations."""

MAX_WEIGHT_RATIO = 10.0
"""Largest ratio between two statistics' weights in the adaptive distance, so that no
statistic with little spread takes the distance over."""

KERNEL_SCALING = 1.0
"""Factor on the bandwidth of the proposal kernel (pyabc's Silverman-rule bandwidth).
Measured on the militia's block (7 parameters, 200 particles): a narrow kernel (0.3) leaves
gaps between the particles in which a proposal's density is tiny and its importance weight
huge (weights over 5 orders of magnitude, an effective population of 19); a kernel much
wider than the posterior does the same with too many dimensions (14 at once: under 20).
One block at a time with the rule's own bandwidth keeps the effective size up."""

FORMAT = 1
"""Version of the posterior file format (see docs/calibration.md, "The posterior file")."""


# Fitting checks the fit leaves out. An input of the replay (the truce), and a statistic
# that is a parameter itself (the share of Iraq taken is collapse.territory_share, drawn
# 0.30-0.40 from the same fact): an almost noiseless statistic would take over the
# adaptive distance. The civilians of 2014 set the front's toll, and the ISF's months of
# 2014 the ISF's toll: parameters outside the fit's blocks.
NOT_FITTED = (
    "no_attacks_in_gaza_truce",
    "territory_after_collapse",
    "civilian_deaths_2014",
    "isf_deaths_per_month_2014",
)


def fitting_checks(replays: Sequence[str]) -> list[Check]:
    """The checks the fit compares with the record.

    Those resting on a fitting fact, on the named replays, with the interval rule and no
    known structural failure.
    """
    uses = fact_uses()
    return [
        c
        for c in CHECKS
        if c.scenario in replays
        and all(uses[f] == "calibrate" for f in c.facts)  # no fact kept for validation
        and c.known_failure is None
        and c.rule == "interval"
        and c.name not in NOT_FITTED
    ]


@dataclass
class Problem:
    """What is fitted, against what: everything a simulation needs, picklable."""

    replays: dict[str, Any]  # name -> loaded scenario
    paths: list[str]  # the structural parameters fitted
    priors: list[Any]  # their prior distributions (sim.scenario.distributions)
    cholesky: np.ndarray  # mixes the normal scores of correlated parameters
    shared: dict[str, list[str]]  # per replay, the fitted paths it takes
    checks: list[Check]
    observed: dict[str, float]

    def values(self, scores: np.ndarray) -> np.ndarray:
        """Parameter values of one particle from its standard normal scores."""
        from scipy.special import ndtr

        u = ndtr(self.cholesky @ scores)
        return np.array([float(p.ppf(np.array([ui]))[0]) for p, ui in zip(self.priors, u, strict=True)])


def build_problem(replays: Sequence[str] = REPLAYS, only: Sequence[str] | None = FITTED) -> Problem:
    """The fit's parameters, priors and observed statistics for these replays."""
    from sim.scenario.loader import load_scenario
    from sim.scenario.sampling import correlation_matrix, uncertain_parameters

    # The priors, as written: a posterior section (the fit's own earlier result) is set aside.
    baseline = load_scenario(SCENARIOS / "baseline.yaml", overrides=NO_POSTERIOR)
    prior = uncertain_parameters(baseline)
    loaded = {name: load_scenario(SCENARIOS / f"{name}.yaml", overrides=NO_POSTERIOR) for name in replays}
    shared: dict[str, list[str]] = {}
    for name, scenario in loaded.items():
        own = uncertain_parameters(scenario)
        shared[name] = [p for p in prior if p not in STATE and p in own and own[p] == prior[p]]
    paths = [p for p in prior if any(p in s for s in shared.values())]
    if only:
        paths = [p for p in paths if any(p == o or p.startswith(o + ".") for o in only)]
        shared = {name: [p for p in s if p in paths] for name, s in shared.items()}
    index = {p: i for i, p in enumerate(paths)}
    cholesky = np.eye(len(paths))
    pairs = [c for c in baseline.correlations or () if set(c.between) <= set(paths)]
    for group, matrix in correlation_matrix(pairs):
        rows = [index[p] for p in group]
        cholesky[np.ix_(rows, rows)] = np.linalg.cholesky(matrix)
    checks = fitting_checks(list(replays))
    return Problem(
        replays=loaded,
        paths=paths,
        priors=[prior[p] for p in paths],
        cholesky=cholesky,
        shared=shared,
        checks=checks,
        observed={c.name: float(c.record) for c in checks},
    )


class TrialView:
    """One trial seen as a one-trial ``Results``: what a check's measure reads."""

    def __init__(self, scenario: Scenario, result: TrialResult):
        import pandas as pd

        self.scenario = scenario
        self.name = scenario.name
        self._result = result
        self.trials = pd.DataFrame([result.outcomes])

    def series(self, name: str) -> np.ndarray:
        """The trial's daily series ``name``, as one row (the shape of a run's series)."""
        return self._result.series_of(name)[None, :]


def simulate(problem: Problem, values: np.ndarray, seed: int) -> dict[str, float]:
    """The summary statistics of one particle.

    One trial of each replay with the fitted parameters at ``values`` and everything else
    drawn from the replay's own priors.
    """
    from sim.engine import simulate_trial
    from sim.scenario.sampling import draw_parameters, fix

    theta = dict(zip(problem.paths, values.tolist(), strict=True))
    stats: dict[str, float] = {}
    for k, (name, scenario) in enumerate(problem.replays.items()):
        draws = {p: float(v[0]) for p, v in draw_parameters(scenario, 1, seed + k).items()}
        draws.update({p: theta[p] for p in problem.shared[name]})
        fixed = fix(scenario, draws)
        view = TrialView(fixed, simulate_trial(fixed, np.random.SeedSequence([seed, k])))
        for check in problem.checks:
            if check.scenario == name:
                stats[check.name] = float(np.asarray(check.measure(view), dtype=float)[0])
    return stats


class Model:
    """The pyabc model: scores ``z0..zd`` in, summary statistics out (picklable)."""

    def __init__(self, problem: Problem, failures: str | None):
        self.problem = problem
        self.failures = failures  # path of the ledger's failure records

    def __call__(self, parameters: dict[str, float]) -> dict[str, float]:
        """Simulate the particle whose scores are ``parameters``; a failed trial is recorded."""
        scores = np.array([parameters[f"z{i}"] for i in range(len(self.problem.paths))])
        values = self.problem.values(scores)
        # pyabc draws from NumPy's global generator; the sampler seeds it per task
        seed = int(np.random.randint(0, 2**62))  # noqa: NPY002
        try:
            return simulate(self.problem, values, seed)
        except Exception as error:  # a failed simulation is recorded and rejected
            if self.failures:
                record = {
                    "seed": seed,
                    "parameters": dict(zip(self.problem.paths, values.tolist(), strict=True)),
                    "reason": f"{type(error).__name__}: {error}",
                    "traceback": traceback.format_exc(),
                }
                with open(self.failures, "a", encoding="utf-8") as out:
                    out.write(json.dumps(record) + "\n")  # one write: whole lines
            return {name: math.nan for name in self.problem.observed}


def _seeded_sampler(map_: Callable, seed: int) -> Any:  # a pyabc MappingSampler
    """A pyabc sampler whose every task is seeded from (seed, generation, task index)."""
    from pyabc.sampler import MappingSampler

    class SeededSampler(MappingSampler):
        """pyabc's mapping sampler, with each task's random state set from the fit's seed.

        The state comes from the seed, the generation and the task's index, so that the
        accepted particles do not depend on which worker ran which task (pyabc's own samplers
        draw fresh entropy).
        """

        def sample_until_n_accepted(self, n: int, simulate_one: Callable, t: int, **kwargs: Any) -> Any:
            import functools

            payload = self.pickle(simulate_one)
            tasks = [(seed, t, i) for i in range(n)]
            task = functools.partial(_seeded_task, payload, self.unpickle, self.sample_factory)
            outputs = list(self.map_(task, tasks))
            samples, evaluations = zip(*outputs, strict=True)
            self.nr_evaluations_ = sum(evaluations)
            total = self._create_empty_sample()
            for sample in samples:
                total += sample
            return total

    return SeededSampler(map_=map_)


def _seeded_task(
    payload: bytes, unpickle: Callable, sample_factory: Callable, task: tuple[int, int, int]
) -> tuple[Any, int]:
    """One task of the seeded sampler: simulate until one particle is accepted."""
    seed, generation, index = task
    entropy = np.random.SeedSequence([seed, generation + 2, index]).generate_state(2)
    np.random.seed(int(entropy[0]))  # noqa: NPY002 - pyabc reads the global generator
    random.seed(int(entropy[1]))
    simulate_one = unpickle(payload)
    sample = sample_factory()
    evaluations = 0
    while True:
        particle = simulate_one()
        evaluations += 1
        sample.append(particle)
        if particle.accepted:
            return sample, evaluations


@dataclass
class Generation:
    """What one finished generation of the fit looked like."""

    t: int
    epsilon: float
    particles: int
    evaluations: int
    acceptance: float
    ess: float


def run_fit(
    folder: str | os.PathLike[str],
    replays: Sequence[str] = REPLAYS,
    population: int = 200,
    generations: int = 6,
    seed: int = 20240125,
    jobs: int | None = None,
    only: Sequence[str] | None = FITTED,
    backend: str = "processes",
    scheduler: str | None = None,
    report: Callable[[Generation], None] | None = None,
) -> tuple[Problem, Any]:
    """Run (or resume) the fit; return the problem and pyabc's history.

    ``backend`` is ``"processes"`` (``jobs`` local workers; 1: this process) or ``"dask"``
    (the scheduler at ``scheduler``, or a local cluster of ``jobs`` workers).
    """
    import logging

    import pyabc

    from sim.montecarlo.ledger import Ledger

    logging.getLogger("ABC").setLevel(logging.WARNING)  # progress comes from ``report``

    problem = build_problem(replays, only)
    job = {
        "kind": "calibrate",
        "replays": list(replays),
        "parameters": problem.paths,
        "checks": [c.name for c in problem.checks],
        "facts_sha256": facts_digest(),
        "population": population,
        "kernel_scaling": KERNEL_SCALING,
        "max_weight_ratio": MAX_WEIGHT_RATIO,
        "seed": seed,
        "version": package_version(),
    }
    ledger = Ledger.open(folder, job)
    database = Path(folder) / "pyabc.db"
    failures = str(Path(folder) / "failures.jsonl")
    prior = pyabc.Distribution(**{f"z{i}": pyabc.RV("norm", 0.0, 1.0) for i in range(len(problem.paths))})
    np.random.seed(seed % 2**32)  # noqa: NPY002 - pyabc's own draws in this process (none random today)
    url = f"sqlite:///{database}"
    if not ledger.resumed:
        database.unlink(missing_ok=True)
    with _mapper(jobs, backend, scheduler) as map_:
        # Each generation starts from the history on disk, whether the fit was stopped
        # before it or not: a resumed fit takes exactly the path of an uninterrupted one.
        history = None
        while True:
            abc = pyabc.ABCSMC(
                Model(problem, failures),
                prior,
                pyabc.distance.AdaptivePNormDistance(
                    p=1,
                    scale_function=pyabc.distance.mad,
                    all_particles_for_scale=False,
                    max_scale_weight_ratio=MAX_WEIGHT_RATIO,
                ),
                population_size=population,
                transitions=pyabc.MultivariateNormalTransition(scaling=KERNEL_SCALING),
                sampler=_seeded_sampler(map_, seed),
                eps=pyabc.epsilon.QuantileEpsilon(alpha=0.5),
            )
            if database.exists():
                history = abc.load(url, 1)
                if history.max_t + 1 >= generations:
                    break
            else:
                history = abc.new(url, problem.observed)
            history = abc.run(max_nr_populations=1)
            if report:
                report(_last_generation(history))
            if history.max_t + 1 >= generations:
                break
    return problem, history


def fit_blocks(
    folder: str | os.PathLike[str],
    replays: Sequence[str] = REPLAYS,
    population: int = 200,
    generations: int = 6,
    seed: int = 20240125,
    jobs: int | None = None,
    only: Sequence[str] | None = None,
    backend: str = "processes",
    scheduler: str | None = None,
    report: Callable[[str, Generation], None] | None = None,
) -> list[tuple[Problem, Any]]:
    """Fit each replay's block of :data:`BLOCKS` on its own, in ``folder/<replay>``.

    Blocks are restricted to ``only`` if given; returns each block's problem and history.
    """
    blocks = []
    for name in replays:
        wanted = [
            p for p in BLOCKS.get(name, ()) if not only or any(p == o or p.startswith(o + ".") for o in only)
        ]
        if not wanted:
            continue
        blocks.append(
            run_fit(
                Path(folder) / name,
                (name,),
                population=population,
                generations=generations,
                seed=seed,
                jobs=jobs,
                only=wanted,
                backend=backend,
                scheduler=scheduler,
                report=partial(report, name) if report else None,
            )
        )
    return blocks


def combine(blocks: Sequence[tuple[Problem, Any]], size: int, seed: int) -> tuple[list[str], np.ndarray]:
    """One joint sample of ``size`` equally weighted particles from independent blocks.

    Each block's weighted particles are resampled systematically (the pairing of the
    blocks' particles is random, as their independence allows).
    """
    paths: list[str] = []
    columns = []
    for k, (problem, history) in enumerate(blocks):
        values, weights = posterior_of(problem, history)
        rng = np.random.default_rng([seed, k])
        positions = (rng.random() + np.arange(size)) / size
        picked = np.minimum(np.searchsorted(np.cumsum(weights), positions), len(weights) - 1)
        columns.append(values[rng.permutation(picked)])
        paths += problem.paths
    return paths, np.hstack(columns)


def _last_generation(history: Any) -> Generation:
    populations = history.get_all_populations()
    last = populations.iloc[-1]
    _, weights = history.get_distribution(m=0, t=int(last["t"]))
    ess = float(1.0 / np.sum(np.asarray(weights) ** 2))
    particles = int(last["particles"])
    evaluations = int(last["samples"])
    return Generation(
        int(last["t"]), float(last["epsilon"]), particles, evaluations, particles / max(1, evaluations), ess
    )


class _mapper:
    """The map a fit's sampler uses: this process, local processes, or Dask."""

    def __init__(self, jobs: int | None, backend: str, scheduler: str | None):
        self.jobs, self.backend, self.scheduler = jobs, backend, scheduler
        self.pool: ProcessPoolExecutor | None = None
        self.client: Client | None = None
        self.cluster: LocalCluster | None = None

    def __enter__(self) -> Callable:
        if self.backend == "dask":
            from distributed import Client, LocalCluster

            if self.scheduler:
                self.client = Client(self.scheduler, timeout="10s")
            else:
                self.cluster = LocalCluster(
                    n_workers=self.jobs or os.cpu_count() or 1,
                    threads_per_worker=1,
                    dashboard_address=None,
                    silence_logs=50,
                )
                self.client = Client(self.cluster)
            client = self.client
            assert client is not None
            return lambda f, items: client.gather(client.map(f, list(items), pure=False))
        jobs = self.jobs or os.cpu_count() or 1
        if jobs == 1:
            return map
        from concurrent.futures import ProcessPoolExecutor

        from sim.montecarlo.executors import _start_method

        self.pool = ProcessPoolExecutor(jobs, mp_context=_start_method())
        pool = self.pool
        return lambda f, items: list(pool.map(f, list(items)))

    def __exit__(self, *exc: Any) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def package_version() -> str:
    """The installed version of sim ("0+unknown" in a source tree never installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sim")
    except PackageNotFoundError:
        return "0+unknown"


def facts_digest() -> str:
    """The SHA-256 of the facts file, so that a posterior names the record it was fitted on."""
    return hashlib.sha256(FACTS.read_bytes()).hexdigest()


def posterior_of(problem: Problem, history: Any) -> tuple[np.ndarray, np.ndarray]:
    """The last generation's particles, as parameter values, and their weights."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    scores = frame[[f"z{i}" for i in range(len(problem.paths))]].to_numpy(dtype=float)
    values = np.array([problem.values(row) for row in scores])
    weights = np.asarray(weights, dtype=float)
    return values, weights / weights.sum()


def write_posterior(
    path: str | os.PathLike[str],
    blocks: Sequence[tuple[Problem, Any]],
    seed: int,
    size: int,
    notes: str = "",
) -> Path:
    """Write the posterior file (the format of docs/calibration.md) atomically.

    It holds ``size`` equally weighted joint particles, and what each block's fit was.
    """
    import pyabc

    paths, particles = combine(blocks, size, seed)
    checks = [c for problem, _ in blocks for c in problem.checks]
    fits = []
    for problem, history in blocks:
        _, weights = posterior_of(problem, history)
        fits.append(
            {
                "scenarios": list(problem.replays),
                "parameters": problem.paths,
                "checks": [c.name for c in problem.checks],
                "generations": int(history.max_t) + 1,
                "epsilon": float(history.get_all_populations().iloc[-1]["epsilon"]),
                "effective_sample_size": float(1.0 / np.sum(weights**2)),
            }
        )
    document = {
        "format": FORMAT,
        "kind": "sim posterior",
        "parameters": paths,
        "particles": particles.tolist(),
        "weights": [1.0 / size] * size,
        "method": f"ABC-SMC (pyabc {pyabc.__version__}) per replay, L1 distance with adaptive MAD "
        "scales, median-quantile epsilon, multivariate normal proposals; each replay's weighted "
        "population resampled systematically and the blocks paired at random",
        "facts": sorted({f for c in checks for f in c.facts}),
        "facts_sha256": facts_digest(),
        "checks": {c.name: c.record for c in checks},
        "scenarios": [name for problem, _ in blocks for name in problem.replays],
        "fits": fits,
        "seed": seed,
        "sim_version": package_version(),
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "notes": notes,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
    return path


def shrinkage(problem: Problem, values: np.ndarray, weights: np.ndarray) -> list[dict[str, Any]]:
    """Per parameter: the prior's and the posterior's median and 5-95% range.

    And how much the fit narrowed the range (1 - posterior width / prior width).
    """
    rows = []
    for k, (path, prior) in enumerate(zip(problem.paths, problem.priors, strict=True)):
        p5, p50, p95 = (float(v) for v in prior.ppf(np.array([0.05, 0.5, 0.95])))
        q5, q50, q95 = _weighted_quantiles(values[:, k], weights, (0.05, 0.5, 0.95))
        width = p95 - p5
        rows.append(
            {
                "parameter": path,
                "prior": (p5, p50, p95),
                "posterior": (q5, q50, q95),
                "narrowed": 1.0 - (q95 - q5) / width if width > 0 else math.nan,
            }
        )
    return rows


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> tuple[float, ...]:
    order = np.argsort(x)
    cumulative = np.cumsum(w[order]) - 0.5 * w[order]
    cumulative /= w.sum()
    return tuple(float(np.interp(q, cumulative, x[order])) for q in qs)
