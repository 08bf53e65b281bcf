"""Statistics across trials: confidence intervals, percentiles, survival curves, paired differences.

Every interval here is two-sided at ``level`` (95% by default):

- :func:`mean_ci`: the mean of a sample with a Student t interval (``mean +- t * s / sqrt(n)``).
- :func:`wilson`: a binomial proportion with the Wilson score interval, which stays inside
  [0, 1] and keeps sensible coverage near 0 and 1, where collapse probabilities live
  (SciPy's ``binomtest(...).proportion_ci("wilson")``).
- :func:`kaplan_meier`: the probability that an event has happened by each time, from
  times that may be censored, with a Greenwood variance on the complementary log-log scale
  (SciPy's ``ecdf`` of right-censored data); where SciPy's band is undefined (no event yet,
  or every subject had it) an exact binomial bound takes its place.
- :func:`paired_difference`: the mean of per-trial differences with a t interval; with
  common random numbers the differences vary far less than either sample.
- :func:`describe_outcome`: one row of a results summary.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as _scipy

LEVEL = 0.95
PERCENTILES = (5, 25, 50, 75, 95)


class Interval(NamedTuple):
    """An estimate with the bounds of its confidence interval."""

    estimate: float
    low: float
    high: float


def mean_ci(values: np.ndarray, level: float = LEVEL) -> Interval:
    """Mean of ``values`` and its Student t confidence interval.

    ``nan`` values are ignored. With no value everything is ``nan``; with one value the
    bounds are ``nan`` (no spread to measure); with identical values the bounds equal
    the mean.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, math.nan, math.nan)
    sd = float(x.std(ddof=1))
    half = float(_scipy.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half)


def wilson(successes: float, n: int, level: float = LEVEL) -> Interval:
    """A proportion ``successes / n`` with its Wilson score interval, inside [0, 1].

    ``successes`` must be a whole number from 0 to ``n`` (a float such as ``3.0`` is
    accepted); ``n <= 0`` gives ``nan`` everywhere. Unlike the normal approximation the
    interval is not empty when no trial (or every trial) succeeded: 0 of 100 gives
    [0, 0.037], with the bound at 0 (or 1) exact.
    """
    if n <= 0:
        return Interval(math.nan, math.nan, math.nan)
    count = int(successes)
    if count != successes:
        raise ValueError(f"successes must be a whole number, found {successes!r}")
    band = _scipy.binomtest(count, n).proportion_ci(level, method="wilson")
    return Interval(count / n, float(band.low), float(band.high))


def percentiles(
    values: np.ndarray,
    q: tuple[float, ...] = PERCENTILES,
    method: Literal["linear", "inverted_cdf"] = "linear",
) -> np.ndarray:
    """Percentiles ``q`` (0-100) of the finite values; ``nan`` if none.

    ``method`` is NumPy's: ``linear`` interpolates, ``inverted_cdf`` returns observed values.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return np.full(len(q), math.nan)
    return np.percentile(x, q, method=method)


def kaplan_meier(
    times: np.ndarray, observed: np.ndarray, grid: np.ndarray, level: float = LEVEL
) -> pd.DataFrame:
    """Probability that the event has happened by each time of ``grid``, from censored times.

    Args:
        times: per subject, the time of its event, or of its censoring.
        observed: per subject, True when the event happened at ``times`` (False: censored
            then, still without the event). At a tie, events come before censoring.
        grid: times at which to evaluate the curve (any order).
        level: coverage of the band.

    Returns:
        A DataFrame indexed like ``grid`` with ``probability`` (1 - S(t), the Kaplan-Meier
        estimate of P(event by t)), ``low`` and ``high`` (the band), and ``at_risk``
        (subjects still observed without the event just before ``t``).

    The estimate and its band are SciPy's (``scipy.stats.ecdf`` of right-censored data,
    ``confidence_interval(method="log-log")``): Greenwood's variance on the log(-log S)
    scale, ``S ** exp(+- z * se)`` with ``se = sqrt(sum d / (n (n - d))) / |log S|``, which
    keeps the band inside [0, 1]. Where that variance is degenerate (no event yet, S = 1,
    or every subject at risk had it, S = 0) SciPy has no band; there the band is the exact
    binomial bound for 0 of n with n the subjects at risk at ``t`` (or for n of n with n
    those at risk at the last event), so a curve that never rises still says how high it
    could be.
    """
    times = np.asarray(times, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    grid = np.asarray(grid, dtype=float)
    if times.shape != observed.shape:
        raise ValueError(f"times and observed differ in shape: {times.shape} and {observed.shape}")
    fit = _scipy.ecdf(_scipy.CensoredData.right_censored(times, ~observed))
    with warnings.catch_warnings():
        # SciPy warns where its band is undefined (S = 0 or 1); the edge bands below fill those.
        warnings.filterwarnings("ignore", "The confidence interval is undefined", RuntimeWarning)
        band = fit.cdf.confidence_interval(level, method="log-log")
    probability = fit.cdf.evaluate(grid)
    low = band.low.evaluate(grid)
    high = band.high.evaluate(grid)

    ordered = np.sort(times)
    at_risk = len(times) - np.searchsorted(ordered, grid, side="left")
    tail = (1 - level) / 2
    none_yet = probability <= 0
    low[none_yet] = 0.0
    high[none_yet] = 1 - tail ** (1 / np.maximum(at_risk[none_yet], 1))
    # S reaches 0 only at the last time of all, when every subject still at risk has the event
    all_had_it = probability >= 1
    if all_had_it.any():
        at_last_event = len(times) - np.searchsorted(ordered, times[observed].max(), side="left")
        low[all_had_it] = tail ** (1 / at_last_event)
        high[all_had_it] = 1.0
    return pd.DataFrame({"probability": probability, "low": low, "high": high, "at_risk": at_risk})


def paired_difference(first: np.ndarray, other: np.ndarray, level: float = LEVEL) -> tuple[Interval, int]:
    """Mean of ``other - first`` over the pairs where both are finite, with its t interval.

    Returns the interval and the number of pairs used. Two identical samples give
    exactly ``(0, 0, 0)``.
    """
    a = np.asarray(first, dtype=float)
    b = np.asarray(other, dtype=float)
    both = np.isfinite(a) & np.isfinite(b)
    difference = b[both] - a[both]
    return mean_ci(difference, level), int(both.sum())


SUMMARY_COLUMNS = ("mean", "ci_low", "ci_high", "median", "p5", "p95", "n", "kind", "unit")


BOUNDED_UNITS = ("share", "0-1")
"""Units of outcomes that lie in [0, 1]."""


def describe_outcome(values: np.ndarray, kind: str, unit: str, level: float = LEVEL) -> dict:
    """One summary row of an outcome across trials.

    ``binary`` outcomes (0 or 1) get their proportion as the mean and a Wilson interval;
    the others a Student t interval. ``nan`` values (a ``day`` outcome that never
    happened) are left out, and ``n`` says how many values were used.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    interval = wilson(float(x.sum()), n, level) if kind == "binary" else mean_ci(x, level)
    # Every outcome is >= 0 and shares are <= 1: a t interval that pokes past the support
    # (a few trials, a skewed count) is cut at it, since the mean cannot lie beyond it.
    top = 1.0 if kind == "binary" or unit in BOUNDED_UNITS else math.inf
    low, high = (float(np.clip(b, 0.0, top)) for b in (interval.low, interval.high))
    # Counts and yes/no outcomes take observed values as percentiles (no 0.05 of a collapse).
    whole = kind in ("binary", "count")
    p5, median, p95 = percentiles(x, (5, 50, 95), method="inverted_cdf" if whole else "linear")
    return {
        "mean": interval.estimate,
        "ci_low": low,
        "ci_high": high,
        "median": float(median),
        "p5": float(p5),
        "p95": float(p95),
        "n": n,
        "kind": kind,
        "unit": unit,
    }
