"""Maximum-likelihood fit of the militia's Hawkes process to a list of attack times.

The model is the engine's (:mod:`sim.engine.militia`) at constant troops and tension::

    lambda(t) = mu + sum over earlier attacks t_i of (n / tau) * exp(-(t - t_i) / tau)

with ``mu`` the background rate (attacks a day), ``n`` the branching ratio and ``tau``
the decay time (days). The long-run rate, the scenario's ``attack_rate_per_day``, is
``mu / (1 - n)``.

Over a window ``[0, T]`` that starts with no excitation (as a trial does), the
log-likelihood of attacks at ``t_1 < ... < t_N`` is::

    sum_i log(mu + (n / tau) A_i) - mu T - n sum_i (1 - exp(-(T - t_i) / tau))

where ``A_i = sum_{j < i} exp(-(t_i - t_j) / tau)``. ``A_i`` follows from ``A_{i-1}`` in
one step (``A_i = exp(-(t_i - t_{i-1}) / tau) (1 + A_{i-1})``), so the whole sum costs
O(N); it is evaluated in log form (:func:`excitation_sums`) so that NumPy runs the
recursion in one pass without overflow.

The fit maximises over ``(log mu, logit n, log tau)``, where every value is allowed.
Its intervals are profile-likelihood intervals by default, or Wald intervals from the
observed information on that scale (:func:`fit_hawkes` says when each is right);
either is asymmetric on the natural scale and stays inside the parameters' ranges.
The tests measure their coverage on event logs the engine produced.

Dates without a time of day (:func:`fit_event_days`) are spread uniformly over their
day with a fixed seed before the fit; see docs/fit-attacks.md for why, and for the
bias this leaves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, special, stats

MIN_EVENTS = 20
"""Fewest attacks the fit accepts: three parameters need more than a handful of events."""
MAX_EVENTS = 1_000_000
"""Most attacks the fit accepts (a sane limit on memory and time)."""
JITTER_SEED = 0
"""Seed of the uniform times within a day given to day-resolution events (fixed, so a fit repeats)."""

# Far beyond any value a fit should reach; the optimiser is kept inside them.
_LOGIT_N_RANGE = (-30.0, 30.0)
_PINNED_LOGIT_N = 25.0  # logit n beyond this: n is 1 to within 1e-11
_CROSSING_STEPS = 12  # most evaluations of a profile in the search for one bound
SHORTEST_DECAY_DAYS = 1e-3
"""Shortest decay tried (about a minute and a half)."""


def _log_tau_range(window_days: float) -> tuple[float, float]:
    """Decays tried: from :data:`SHORTEST_DECAY_DAYS` to the window's length.

    An excitation that outlasts the window cannot be told from a background that
    drifts (which the model does not have): a process near explosion (``n`` near 1)
    with a decay of years fits a window of Poisson attacks about as well as the
    Poisson process does, and makes the long-run rate anything at all.
    """
    return math.log(SHORTEST_DECAY_DAYS), math.log(max(window_days, 2.0 * SHORTEST_DECAY_DAYS))


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval (``low``, ``high``: NaN when not identified)."""

    value: float
    low: float
    high: float

    @property
    def identified(self) -> bool:
        """Whether the data gave this parameter a finite interval."""
        return math.isfinite(self.low) and math.isfinite(self.high)


@dataclass(frozen=True)
class HawkesFit:
    """The maximum-likelihood fit of a Hawkes process with an exponential kernel.

    Attributes:
        background_per_day: ``mu``, attacks a day not triggered by an earlier attack.
        branching_ratio: ``n``, follow-on attacks per attack.
        decay_days: ``tau``, the time constant of the excitation (days).
        attack_rate_per_day: the long-run rate ``mu / (1 - n)`` (the scenario's parameter).
        events: attacks in the window.
        window_days: length of the observation window (days).
        log_likelihood: the maximised log-likelihood.
        level: the intervals' confidence level.
        method: how the intervals were found (``"profile"`` or ``"wald"``, see :func:`fit_hawkes`).
    """

    background_per_day: Estimate
    branching_ratio: Estimate
    decay_days: Estimate
    attack_rate_per_day: Estimate
    events: int
    window_days: float
    log_likelihood: float
    level: float
    method: str

    def estimates(self) -> dict[str, Estimate]:
        """The four estimates by the name of their parameter, the long-run rate first."""
        return {
            "attack_rate_per_day": self.attack_rate_per_day,
            "background_per_day": self.background_per_day,
            "branching_ratio": self.branching_ratio,
            "decay_days": self.decay_days,
        }


def excitation_sums(times: np.ndarray, decay_days: float) -> np.ndarray:
    """``A_i = sum over j < i of exp(-(t_i - t_j) / tau)`` for sorted ``times`` (days).

    The recursion ``A_i = exp(-(t_i - t_{i-1}) / tau) (1 + A_{i-1})`` written on the
    log scale: with ``L_i = log sum_{j <= i} exp(t_j / tau)``, a running
    ``logaddexp``, ``A_i = exp(L_{i-1} - t_i / tau)``. One pass, O(N), and no
    ``exp(t / tau)`` that could overflow over a long window.
    """
    scaled = np.asarray(times, dtype=float) / decay_days
    sums = np.zeros(len(scaled))
    if len(scaled) > 1:
        running = np.logaddexp.accumulate(scaled)
        sums[1:] = np.exp(running[:-1] - scaled[1:])
    return sums


def log_likelihood(
    times: np.ndarray, window_days: float, background: float, branching_ratio: float, decay_days: float
) -> float:
    """Log-likelihood of sorted attack ``times`` (days from the window's start) in ``[0, window_days]``.

    The process starts with no excitation at 0, as a trial does. Times are taken to be
    distinct (ties have probability 0; :func:`spread_over_days` makes day-resolution
    times so): a tie counts as an earlier attack.

    Example:
        >>> round(log_likelihood(np.array([1.0, 2.0]), 10.0, 0.5, 0.0, 1.0), 6)  # Poisson: 2 log 0.5 - 5
        -6.386294
    """
    times = np.asarray(times, dtype=float)
    intensity = background + branching_ratio / decay_days * excitation_sums(times, decay_days)
    compensator = background * window_days + branching_ratio * np.sum(
        -np.expm1(-(window_days - times) / decay_days)
    )
    return float(np.sum(np.log(intensity)) - compensator)


def _exp(x: float) -> float:
    return math.exp(x) if x < 709.0 else math.inf


def _natural(theta: np.ndarray) -> tuple[float, float, float]:
    log_mu, logit_n, log_tau = (float(x) for x in theta)
    return _exp(log_mu), float(special.expit(logit_n)), _exp(log_tau)


def _objective(theta: np.ndarray, times: np.ndarray, window_days: float) -> float:
    if not (
        _LOGIT_N_RANGE[0] <= theta[1] <= _LOGIT_N_RANGE[1]
        and _log_tau_range(window_days)[0] <= theta[2] <= _log_tau_range(window_days)[1]
    ):
        return math.inf
    value = -log_likelihood(times, window_days, *_natural(theta))
    return value if math.isfinite(value) else math.inf


def _hessian(function: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-3) -> np.ndarray:
    """Central-difference Hessian of a function of a few variables."""
    k = len(x)
    hessian = np.empty((k, k))
    at_x = function(x)
    for i in range(k):
        e_i = np.eye(k)[i] * step
        hessian[i, i] = (function(x + e_i) - 2.0 * at_x + function(x - e_i)) / step**2
        for j in range(i):
            e_j = np.eye(k)[j] * step
            hessian[i, j] = hessian[j, i] = (
                function(x + e_i + e_j)
                - function(x + e_i - e_j)
                - function(x - e_i + e_j)
                + function(x - e_i - e_j)
            ) / (4.0 * step**2)
    return hessian


def _covariance(hessian: np.ndarray) -> np.ndarray | None:
    """The inverse of the observed information, or ``None`` where it is not positive definite."""
    if not np.all(np.isfinite(hessian)):
        return None
    try:
        np.linalg.cholesky(hessian)
    except np.linalg.LinAlgError:
        return None
    return np.linalg.inv(hessian)


def check_events(times: np.ndarray, window_days: float) -> np.ndarray:
    """Sorted attack times as floats, or ``ValueError`` naming what is wrong with them."""
    times = np.sort(np.asarray(times, dtype=float))
    if not window_days > 0 or not math.isfinite(window_days):
        raise ValueError(f"expected a window of more than 0 days, found {window_days}")
    if len(times) < MIN_EVENTS:
        raise ValueError(f"expected at least {MIN_EVENTS} attacks to fit, found {len(times)}")
    if len(times) > MAX_EVENTS:
        raise ValueError(f"expected at most {MAX_EVENTS:,} attacks, found {len(times):,}")
    if not (np.all(np.isfinite(times)) and times[0] >= 0.0 and times[-1] <= window_days):
        raise ValueError(f"expected attack times between 0 and {window_days} days")
    return times


METHODS = ("profile", "wald")
"""How intervals are found: profile likelihood (the default) or Wald on the transformed scale."""


def fit_hawkes(
    times: np.ndarray, window_days: float, level: float = 0.95, method: str = "profile"
) -> HawkesFit:
    """Fit ``mu``, ``n`` and ``tau`` to attack ``times`` (days from the window's start) by maximum likelihood.

    The optimiser (Nelder-Mead on ``(log mu, logit n, log tau)``) makes a rough search
    from six points, with decays from half a day to fifteen days (decays are tried up
    to the window's length, see :func:`_log_tau_range`) and two branching ratios, and
    polishes the best, so that a local maximum of the decay is not taken for the global
    one.

    Intervals (``method``):

    - ``"profile"`` (default): profile likelihood. The interval of a parameter holds the
      values whose profile log-likelihood (maximised over the other two) is within
      ``chi2(1).ppf(level) / 2`` of the maximum. It follows the likelihood's real shape,
      so it stays honest where the decay is weakly identified or the branching ratio
      is near 0; a bound the likelihood never reaches is the parameter's edge (0 for
      ``n``, infinity for ``tau``).
    - ``"wald"``: the observed information on the transformed scale (the inverse
      Hessian), mapped back; a fit takes about a third of the time, and it is as good with a thousand
      attacks or more. A parameter with a flat likelihood gets NaN bounds.

    The long-run rate's profile is taken over ``(log r, logit n, log tau)`` with
    ``mu = r (1 - n)``; its Wald interval uses the delta method.

    Raises:
        ValueError: for fewer than :data:`MIN_EVENTS` attacks, more than
            :data:`MAX_EVENTS`, times outside ``[0, window_days]``, an empty window or
            an unknown method.
    """
    if method not in METHODS:
        raise ValueError(f"expected a method in {METHODS}, found {method!r}")
    times = check_events(times, window_days)
    rate = len(times) / window_days

    def search(start: np.ndarray, tolerance: float) -> Any:  # scipy's OptimizeResult
        return optimize.minimize(
            _objective,
            start,
            args=(times, window_days),
            method="Nelder-Mead",
            options={"xatol": tolerance, "fatol": tolerance**2, "maxiter": 4000, "maxfev": 8000},
        )

    # A rough search from each start, then the best one polished.
    rough = []
    for branching in (0.2, 0.6):
        for decay in (min(d, window_days / 2.0) for d in (0.5, 3.0, 15.0)):
            start = np.array(
                [math.log(rate * (1 - branching)), math.log(branching / (1 - branching)), math.log(decay)]
            )
            rough.append(search(start, 1e-2))
    best = search(min(rough, key=lambda found: found.fun).x, 1e-5)
    theta = np.asarray(best.x, dtype=float)
    mu, n, tau = _natural(theta)
    long_run = mu / (1.0 - n)
    intervals = (_profile if method == "profile" else _wald)(
        theta, float(best.fun), times, window_days, level
    )
    values = (mu, n, tau, long_run)
    estimates = [Estimate(value, low, high) for value, (low, high) in zip(values, intervals, strict=True)]
    return HawkesFit(
        background_per_day=estimates[0],
        branching_ratio=estimates[1],
        decay_days=estimates[2],
        attack_rate_per_day=estimates[3],
        events=len(times),
        window_days=float(window_days),
        log_likelihood=-float(best.fun),
        level=level,
        method=method,
    )


_BACK = (_exp, lambda x: float(special.expit(x)), _exp)
"""From the transformed scale back to ``mu``, ``n`` and ``tau``."""


def _wald(
    theta: np.ndarray, best: float, times: np.ndarray, window_days: float, level: float
) -> list[tuple[float, float]]:
    """Wald intervals of ``mu``, ``n``, ``tau`` and the long-run rate (NaN where the information is singular)."""
    covariance = _covariance(_hessian(lambda x: _objective(x, times, window_days), theta))
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    intervals = []
    for i, back in enumerate(_BACK):
        low = high = math.nan
        if covariance is not None and covariance[i, i] > 0:
            spread = z * math.sqrt(covariance[i, i])
            low, high = back(theta[i] - spread), back(theta[i] + spread)
        intervals.append((low, high))
    # log of the long-run rate: log mu - log(1 - n) = theta_0 + log(1 + exp(theta_1)),
    # whose gradient on the transformed scale is (1, n, 0).
    mu, n, _ = _natural(theta)
    long_run = mu / (1.0 - n)
    low = high = math.nan
    if covariance is not None:
        gradient = np.array([1.0, n, 0.0])
        variance = float(gradient @ covariance @ gradient)
        if variance > 0:
            spread = z * math.sqrt(variance)
            low, high = long_run * _exp(-spread), long_run * _exp(spread)
    intervals.append((low, high))
    return intervals


def _from_rate(phi: np.ndarray) -> np.ndarray:
    """``(log r, logit n, log tau)`` to ``(log mu, logit n, log tau)``: ``log mu = log r + log(1 - n)``."""
    return np.array([phi[0] - np.logaddexp(0.0, phi[1]), phi[1], phi[2]])


def _profile(
    theta: np.ndarray, best: float, times: np.ndarray, window_days: float, level: float
) -> list[tuple[float, float]]:
    """Profile-likelihood intervals of ``mu``, ``n``, ``tau`` and the long-run rate."""
    threshold = float(stats.chi2.ppf(level, 1))

    def objective(x: np.ndarray) -> float:
        return _objective(x, times, window_days)

    def by_rate(phi: np.ndarray) -> float:
        return _objective(_from_rate(phi), times, window_days)

    log_mu = float(theta[0])
    phi = np.array([theta[0] + np.logaddexp(0.0, theta[1]), theta[1], theta[2]])
    # Edges on the transformed scale, and what they stand for on the natural scale.
    scale_edges = (
        ((log_mu - 40.0, log_mu + 40.0), (0.0, math.inf)),
        (_LOGIT_N_RANGE, (0.0, 1.0)),
        (_log_tau_range(window_days), (0.0, math.inf)),
    )
    intervals = []
    for k, (limits, natural_edges) in enumerate(scale_edges):
        intervals.append(_bounds(objective, theta, best, k, limits, natural_edges, _BACK[k], threshold))
    rate_limits = ((float(phi[0]) - 40.0, float(phi[0]) + 40.0), (0.0, math.inf))
    intervals.append(_bounds(by_rate, phi, best, 0, *rate_limits, _exp, threshold))
    return intervals


def _crossing(
    excess: Callable[[float], float], inside: float, f_inside: float, outside: float, f_outside: float
) -> float:
    """Find where ``excess`` crosses 0 between ``inside`` and ``outside``.

    ``f_inside <= 0`` and ``f_outside > 0``. False position with the Illinois step,
    keeping the bracket, to within 0.005 of the crossing in ``excess`` (against a
    threshold of 3.84) or :data:`_CROSSING_STEPS` evaluations. The last point evaluated
    is returned, so that the caller's record of the inner minimum belongs to it.
    """
    point, last_side = inside, 0
    for _ in range(_CROSSING_STEPS):
        point = outside - f_outside * (outside - inside) / (f_outside - f_inside)
        value = excess(point)
        if abs(value) < 0.005:
            break
        if value > 0.0:
            outside, f_outside = point, value
            if last_side == 1:  # the same end moved twice: halve the other's weight
                f_inside /= 2.0
            last_side = 1
        else:
            inside, f_inside = point, value
            if last_side == -1:
                f_outside /= 2.0
            last_side = -1
    return point


def _bounds(
    objective: Callable[[np.ndarray], float],
    x_best: np.ndarray,
    best: float,
    k: int,
    limits: tuple[float, float],
    natural_edges: tuple[float, float],
    back: Callable[[float], float],
    threshold: float,
) -> tuple[float, float]:
    """Where the profile of coordinate ``k`` falls ``threshold / 2`` below the maximum, on each side.

    The profile at a value is the minimum of ``objective`` over the other coordinates
    (Nelder-Mead, started from the last minimum found). Steps go out from the maximum,
    doubling, until the profile has fallen far enough, and false position finds the
    crossing inside that bracket (:func:`_crossing`; it keeps the bracket, since each
    inner minimum is found only to a tolerance). A side whose profile
    never falls enough within ``limits``, or falls enough only with the branching
    ratio pinned at 1 (a long-run rate that runs off to infinity as ``n`` goes
    to 1), ends at the parameter's natural edge. Coordinate 1 is ``logit n`` in both
    parametrisations.
    """
    others = [i for i in range(len(x_best)) if i != k]
    warm = {"at": np.asarray(x_best, dtype=float)[others]}

    def excess(value: float) -> float:
        def inner(y: np.ndarray) -> float:
            full = np.empty(len(x_best))
            full[k] = value
            full[others] = y
            return objective(full)

        found = optimize.minimize(
            inner, warm["at"], method="Nelder-Mead", options={"xatol": 1e-2, "fatol": 1e-4, "maxfev": 3000}
        )
        if math.isfinite(found.fun):
            warm["at"] = found.x
        return 2.0 * (min(float(found.fun), math.inf) - best) - threshold

    result = []
    for side, limit, edge in ((-1.0, limits[0], natural_edges[0]), (1.0, limits[1], natural_edges[1])):
        warm["at"] = np.asarray(x_best, dtype=float)[others]
        inside, f_inside, step = float(x_best[k]), -threshold, 0.25
        while True:
            value = inside + side * step
            if (value - limit) * side >= 0.0:
                value = limit
            f_value = excess(value)
            if f_value > 0.0:
                crossing = _crossing(excess, inside, f_inside, value, f_value)
                # Where the crossing needs a branching ratio of 1 to the last digit, it
                # marks how far the optimiser may go, not what the data say (n = 0, the
                # Poisson process, is a model like any other).
                pinned = k != 1 and warm["at"][others.index(1)] > _PINNED_LOGIT_N
                result.append(edge if pinned else back(crossing))
                break
            if value == limit:
                result.append(edge)
                break
            inside, f_inside, step = value, f_value, step * 2.0
    return result[0], result[1]


def spread_over_days(days: np.ndarray, seed: int = JITTER_SEED) -> np.ndarray:
    """Times for events known only by their day: day ``d`` becomes ``d + U``, ``U`` uniform on [0, 1).

    ``days`` are whole days from the window's start (0 is its first day). The draws
    come from a generator seeded with ``seed``, so the same days give the same times;
    the result is sorted.
    """
    days = np.asarray(days)
    if len(days) and not np.array_equal(days, np.floor(days)):
        raise ValueError("expected whole days")
    uniforms = np.random.default_rng(seed).random(len(days))
    return np.sort(np.sort(days).astype(float) + uniforms)


def fit_event_days(
    days: np.ndarray, window_days: int, level: float = 0.95, seed: int = JITTER_SEED, method: str = "profile"
) -> HawkesFit:
    """Fit the Hawkes process to events known only by their day.

    ``days`` are whole days from the window's first day (several events may share a
    day) and ``window_days`` the number of days in the window; each event is placed
    uniformly at random within its day (:func:`spread_over_days`) and the times are
    fitted by :func:`fit_hawkes`.

    Example:
        >>> fit = fit_event_days(days, 66)  # doctest: +SKIP
        >>> fit.branching_ratio.value, fit.branching_ratio.low, fit.branching_ratio.high  # doctest: +SKIP
    """
    days = np.asarray(days)
    if len(days) and (days.min() < 0 or days.max() >= window_days):
        raise ValueError(f"expected days from 0 to {window_days - 1}")
    return fit_hawkes(spread_over_days(days, seed), float(window_days), level, method)
