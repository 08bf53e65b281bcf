"""The back test: every validation fact against the replays, and a verdict on the model.

Each replay of :data:`~sim.calibrate.checks.RUNS` is run with its seed. Every check whose
facts are all kept for validation (``use: validate`` in ``data/calibration_facts.yaml``)
is scored; checks resting on a fact that fits a value are shown apart and never count
towards the verdict, since a fact used to set a value cannot test it. Per fact:

- the record, and the model's 5th, 25th, 50th, 75th and 95th percentiles;
- its **rank** (the probability integral transform, PIT): the share of trials below the
  record, counting ties half (a well-calibrated model's PITs are uniform);
- the **CRPS** (continuous ranked probability score) of the model's sample at the record,
  ``E|X - y| - E|X - X'| / 2``, in the fact's unit, and the **interval score** of the
  central 90% interval, ``(u - l) + 20 (l - y)+ + 20 (y - u)+`` (lower is better for both);
- whether the record lies in the central 90% interval.

**The verdict.** With ``n`` facts a correct model misses some, so no single miss rejects
it. Two statistics of the whole set are compared with their distributions *under the
model itself*, found by taking each trial in turn as if it were the record (its values
against the other trials'), which keeps the dependence between facts of the same replay
(counts of one campaign rise and fall together); replays are independent runs, so their
statistics add:

- the **miss count** ``k``: facts outside their central 90% interval (each misses with
  probability about 0.1 under a correct model; the binomial ``P(Binomial(n, 0.1) >= k)``,
  which assumes independent facts, is printed beside it);
- the **surprise** ``T = sum over facts of -log(2 min(PIT, 1 - PIT))``, Fisher's way of
  adding two-sided tail probabilities, which also hears the facts that sit far out in
  their tails without leaving the interval;
- the **worst fact**: the largest single surprise (Tippett's minimum p), which hears one
  record that the model (almost) never produces, however ordinary the others are. A
  record beyond every trial, or a quantity no trial produced at all (a quiet spell after
  a deterrence that never comes), has the smallest tail probability a run of ``m`` trials
  can show, ``1 / (m + 1)``: the more trials, the stronger that evidence.

The model is rejected at level ``alpha`` (0.05 by default) when any of the three
p-values is below ``alpha / 3`` (Bonferroni over the three). Facts the model cannot match for a known
structural reason (``known_failure``) are scored and shown but left out, and listed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import binom

from sim.calibrate.checks import CHECKS, RUNS, Check, held_out, replay, run_replay

LEVEL = 0.05
BAND = 90.0  # the central interval whose misses are counted

WRONG_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("replay_2023", "retaliation.enabled=false", "no retaliation: no deterrence, no quiet spell"),
    (
        "replay_2023",
        "retaliation.deterrence.factor=0.2",
        "deterrence that only dents the tempo: a quiet spell of days, not weeks",
    ),
    ("replay_2023", "militia.attack_rate_per_day=0.9", "half the militia's tempo"),
    ("replay_2011", "collapse.retake_per_day=0", "no counteroffensive after the collapse"),
)
"""Deliberately wrong settings (replay, ``--set`` value, what it breaks) that the back test
must reject: the evidence that it can fail (tests/calibrate/test_discrimination.py)."""


@dataclass(frozen=True)
class FactScore:
    """How one fact's record compares with the model's distribution."""

    check: Check
    kept_for: str  # "held out" or "fit" (see sim.calibrate.checks.held_out)
    percentiles: tuple[float, float, float, float, float]  # 5, 25, 50, 75, 95
    pit: float  # share of trials below the record, ties counted half (0-1)
    crps: float
    interval_score: float
    inside: bool  # the record lies in the central 90% interval
    trials: int  # trials that measured it

    @property
    def counted(self) -> bool:
        """Whether the fact counts towards the verdict."""
        return (
            self.kept_for == "held out" and self.check.known_failure is None and self.check.rule == "interval"
        )


@dataclass(frozen=True)
class Backtest:
    """The back test's scores and verdict (see the module docstring)."""

    scores: list[FactScore]
    misses: int  # counted facts outside their 90% interval
    counted: int  # facts counted
    p_value: float  # the model's own probability of this many misses or more
    p_binomial: float  # the same under independent facts
    surprise: float  # T, the summed -log two-sided tail probabilities of the counted facts
    p_surprise: float  # the model's own probability of a T this large or larger
    worst: float  # the largest single fact's surprise
    p_worst: float  # the model's own probability of a worst fact this surprising or more
    level: float
    null_misses: np.ndarray = field(repr=False)  # the model's distribution of the miss count

    @property
    def rejected(self) -> bool:
        """True when the model is rejected as a whole at :attr:`level`."""
        return min(self.p_value, self.p_surprise, self.p_worst) < self.level / 3.0


def crps(sample: np.ndarray, record: float) -> float:
    """The CRPS of an empirical distribution at ``record``: ``E|X - y| - E|X - X'| / 2``.

    ``E|X - X'|`` over all pairs is computed from the sorted sample in O(n log n):
    ``2 / n^2 * sum_i (2 i - n - 1) x_(i)`` with ``i`` from 1.
    """
    x = np.sort(np.asarray(sample, dtype=float))
    n = len(x)
    mean_gap = 2.0 / n**2 * float(np.sum((2.0 * np.arange(1, n + 1) - n - 1.0) * x))
    return float(np.mean(np.abs(x - record))) - 0.5 * mean_gap


def interval_score(low: float, high: float, record: float, alpha: float = 0.1) -> float:
    """Gneiting and Raftery's score of the central ``1 - alpha`` interval ``[low, high]``."""
    return (high - low) + 2.0 / alpha * max(0.0, low - record) + 2.0 / alpha * max(0.0, record - high)


def pit(sample: np.ndarray, record: float) -> float:
    """The share of the sample below ``record``, ties counted half."""
    x = np.asarray(sample, dtype=float)
    return float(np.mean(x < record) + 0.5 * np.mean(x == record))


def score(check: Check, values: np.ndarray) -> FactScore:
    """Score one check's record against its per-trial ``values`` (``nan`` left out)."""
    values = np.asarray(values, dtype=float)
    sample = values[~np.isnan(values)]
    record = float(check.record)
    if not len(sample):  # no trial produced what the record shows: a miss
        nan = math.nan
        return FactScore(check, held_out(check), (nan,) * 5, nan, nan, nan, False, 0)
    p5, p25, p50, p75, p95 = (float(v) for v in np.percentile(sample, [5, 25, 50, 75, 95]))
    return FactScore(
        check=check,
        kept_for=held_out(check),
        percentiles=(p5, p25, p50, p75, p95),
        pit=pit(sample, record),
        crps=crps(sample, record),
        interval_score=interval_score(p5, p95, record),
        inside=bool(p5 <= record <= p95),
        trials=len(sample),
    )


def misses_per_trial(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Count, for each trial taken as the record, the facts it misses.

    A miss is a fact (a column: one value per trial, ``nan`` where not measured) outside
    the central 90% interval of the *other* trials. Leaving the trial out keeps its own
    value from widening its band.
    """
    n = len(columns[0]) if columns else 0
    misses = np.zeros(n, dtype=np.int64)
    tail = (100.0 - BAND) / 2.0
    for seen, values, sample in _measured(columns):
        m = len(sample)
        # Each trial's band is that of the other trials: the sorted sample without its
        # value, read at the ranks NumPy's percentile uses for m - 1 values.
        position = np.searchsorted(sample, values, side="left")
        low_rank = tail / 100.0 * (m - 2)
        high_rank = (100.0 - tail) / 100.0 * (m - 2)
        outside = np.empty(m, dtype=bool)
        for k, (value, where) in enumerate(zip(values.tolist(), position.tolist(), strict=True)):
            low = _at_rank_without(sample, where, low_rank)
            high = _at_rank_without(sample, where, high_rank)
            outside[k] = value < low or value > high
        misses[seen] += outside
    return misses


def _measured(columns: Sequence[np.ndarray]) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield each fact (column) measured in at least three trials.

    For each: the trials that measured it (indices), their values, and the values sorted.
    """
    for column in columns:
        column = np.asarray(column, dtype=float)
        seen = np.flatnonzero(~np.isnan(column))
        if len(seen) >= 3:
            values = column[seen]
            yield seen, values, np.sort(values)


def _at_rank_without(sorted_values: np.ndarray, removed: int, rank: float) -> float:
    """Interpolate at a fractional 0-based rank with one value left out.

    Linear, as NumPy's default percentile, over the sorted values without the one at
    index ``removed`` (and without copying them).
    """

    def at(i: int) -> float:
        return float(sorted_values[i + (i >= removed)])

    below = math.floor(rank)
    above = min(below + 1, len(sorted_values) - 2)
    return at(below) + (rank - below) * (at(above) - at(below))


def tail_surprise(p: float, trials: int) -> float:
    """Surprise of a PIT ``p``: ``-log`` of its two-sided tail probability ``2 min(p, 1 - p)``.

    Floored at ``1 / (trials + 1)`` (no sample of that size can say less); a fact no trial
    measured (``nan``) counts as the most surprising.
    """
    floor = 1.0 / (trials + 1)
    if math.isnan(p):
        return -math.log(floor)
    return -math.log(min(1.0, max(floor, 2.0 * min(p, 1.0 - p))))


def surprise_per_trial(columns: Sequence[np.ndarray], worst: bool = False) -> np.ndarray:
    """Surprise ``T`` over the facts (columns) of each trial taken as the record.

    Each fact's PIT is taken against the *other* trials (ties half); unmeasured facts add
    0. With ``worst``, the largest single fact's surprise instead of the sum.
    """
    n = len(columns[0]) if columns else 0
    total = np.zeros(n)
    for rows, mine, sample in _measured(columns):
        m = len(sample)
        below = np.searchsorted(sample, mine, side="left")
        ties = np.searchsorted(sample, mine, side="right") - below - 1  # others equal to it
        p = (below + 0.5 * ties) / (m - 1)
        floor = 1.0 / (m + 1)  # as for the record, so an extreme trial ties with an extreme record
        surprise = -np.log(np.clip(2.0 * np.minimum(p, 1.0 - p), floor, 1.0))
        if worst:
            total[rows] = np.maximum(total[rows], surprise)
        else:
            total[rows] += surprise
    return total


def sum_tail(
    per_replay: Sequence[np.ndarray],
    observed: float,
    draws: int = 100_000,
    combine: Callable[[np.ndarray, np.ndarray], np.ndarray] = np.add,
) -> float:
    """Probability that one draw from each replay's array adds up to at least ``observed``.

    With ``combine=np.maximum``, the largest of the draws instead of their sum. Exact for
    one replay; by a fixed-seed Monte Carlo of ``draws`` combinations for several.
    """
    arrays = [np.asarray(a, dtype=float) for a in per_replay if len(a)]
    if not arrays:
        return 1.0
    if len(arrays) == 1:
        return float(np.mean(arrays[0] >= observed - 1e-12))
    rng = np.random.default_rng(0)
    total = arrays[0][rng.integers(0, len(arrays[0]), draws)]
    for a in arrays[1:]:
        total = combine(total, a[rng.integers(0, len(a), draws)])
    return float(np.mean(total >= observed - 1e-12))


def null_distribution(per_replay: Iterable[np.ndarray]) -> np.ndarray:
    """The model's distribution of the total miss count, ``P(K = k)`` for ``k = 0, 1 ...``.

    It is the convolution of each replay's distribution (the runs are independent).
    """
    total = np.array([1.0])
    for misses in per_replay:
        if len(misses) == 0:
            continue
        counts = np.bincount(misses).astype(float)
        total = np.convolve(total, counts / counts.sum())
    return total


def run_backtest(
    replays: Sequence[str] | None = None,
    trials: int | None = None,
    jobs: int | None = 2,
    overrides: dict | list | None = None,
    level: float = LEVEL,
    progress: bool = False,
    cached: bool = False,
) -> Backtest:
    """Run the replays (all of :data:`RUNS` by default) and score every check on them.

    ``cached`` takes each replay's default run from :func:`~sim.calibrate.checks.replay`
    (run once per process, as the back tests do) instead of running it again.
    """
    names = list(RUNS) if replays is None else list(replays)
    scores: list[FactScore] = []
    per_replay: list[np.ndarray] = []
    surprises: list[np.ndarray] = []
    worsts: list[np.ndarray] = []
    observed = worst = 0.0
    for name in names:
        if cached and trials is None and not overrides:
            results = replay(name)
        else:
            results = run_replay(name, trials=trials, jobs=jobs, overrides=overrides, progress=progress)
        columns = []
        for check in (c for c in CHECKS if c.scenario == name):
            values = np.asarray(check.measure(results), dtype=float)
            fact = score(check, values)
            scores.append(fact)
            if fact.counted:
                columns.append(values)
                surprise = tail_surprise(fact.pit, fact.trials or len(values))
                observed += surprise
                worst = max(worst, surprise)
        per_replay.append(misses_per_trial(columns))
        surprises.append(surprise_per_trial(columns))
        worsts.append(surprise_per_trial(columns, worst=True))
    counted = [s for s in scores if s.counted]
    misses = sum(not s.inside for s in counted)
    null = null_distribution(per_replay)
    p_value = float(null[misses:].sum()) if misses < len(null) else 0.0
    p_binomial = float(binom.sf(misses - 1, len(counted), 0.1)) if counted else 1.0
    p_surprise = sum_tail(surprises, observed)
    p_worst = sum_tail(worsts, worst, combine=np.maximum)
    return Backtest(
        scores, misses, len(counted), p_value, p_binomial, observed, p_surprise, worst, p_worst, level, null
    )
