"""Uncertainty distributions for scenario parameters.

Any numeric parameter of a scenario may be written as a plain number or as one of
these mappings, selected by its ``dist`` key::

    attack_rate_per_day: {dist: lognormal, median: 1.1, spread: 1.4}

Each trial of a Monte Carlo run draws its own value. A distribution knows its
support (so that the schema can check, say, that a probability can never be drawn
outside [0, 1]) and how to draw ``n`` values from a NumPy ``Generator``. Draws are
vectorised and prefix-stable: the first ``k`` of ``n`` draws do not depend on ``n``,
so trial ``i`` gets the same value whatever the run's trial count.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from typing_extensions import override  # typing.override from Python 3.12


def brief(value: float) -> str:
    """A parameter value written briefly: ``1,500``, ``0.35``, ``1.2e-05``.

    >>> brief(1500.0), brief(0.35), brief(0.000012)
    ('1,500', '0.35', '1.2e-05')
    """
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:.3g}"


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def support(self) -> tuple[float, float]:
        """The smallest and largest value a draw can take (may be infinite)."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` independent values as a float64 array."""
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The quantiles at probabilities ``u`` (the inverse of the CDF).

        Used for correlated draws: a value for each uniform in ``u``.
        """
        raise NotImplementedError

    def __float__(self) -> float:
        """Refused: a distribution has no single value until a trial draws one.

        Defined so that ``float(parameter)``, which the engine writes where it reads a
        parameter, type-checks for a number-or-distribution field and fails with this
        message if a scenario reaches the engine unfixed (see
        :func:`sim.scenario.sampling.fix`).
        """
        kind = getattr(self, "dist", "")
        raise TypeError(f"expected a number, found a {kind} distribution (draw it first: sampling.fix)")

    def median(self) -> float:
        """A central value, used where one representative number is needed."""
        return float(self.ppf(np.array([0.5]))[0])

    def __str__(self) -> str:
        """The kind, the parameters and the middle 90% of the draws.

        For example ``lognormal(median 500, spread 1.5): 5-95% 257 to 974``.
        """
        fields = self.model_dump(by_alias=True, exclude_none=True)
        kind = fields.pop("dist")
        shown = ", ".join(f"{k} {brief(v) if isinstance(v, (int, float)) else v}" for k, v in fields.items())
        if kind == "fixed":
            return f"{kind}({shown})"
        low, high = self.ppf(np.array([0.05, 0.95]))
        return f"{kind}({shown}): 5-95% {brief(float(low))} to {brief(float(high))}"

    def _repr_html_(self) -> str:
        """:meth:`__str__` for Jupyter."""
        import html

        return f"<code>{html.escape(str(self))}</code>"


class Fixed(_Dist):
    """Always the same value (the same as writing the number itself)."""

    dist: Literal["fixed"]
    value: float

    @override
    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    @override
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value, dtype=float)

    @override
    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value, dtype=float)


class Uniform(_Dist):
    """Every value between ``low`` and ``high`` equally likely."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low <= self.high:
            raise ValueError(f"uniform needs low <= high, found low={self.low}, high={self.high}")
        return self

    @override
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    @override
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.ppf(rng.random(n))

    @override
    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)


class Normal(_Dist):
    """Normal with mean and standard deviation, optionally clipped to [low, high].

    Clipping moves out-of-range draws to the nearest bound (it does not redraw), so
    a bound that cuts deep into the distribution puts visible mass on the bound.
    """

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Normal:
        if self.low is not None and self.high is not None and not self.low <= self.high:
            raise ValueError(f"normal clipping needs low <= high, found low={self.low}, high={self.high}")
        return self

    @override
    def support(self) -> tuple[float, float]:
        if self.sd == 0:
            return (self.mean, self.mean)
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        return (low, high)

    @override
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self._clip(self.mean + self.sd * rng.standard_normal(n))

    @override
    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import ndtri

        return self._clip(self.mean + self.sd * ndtri(np.asarray(u, dtype=float)))

    def _clip(self, draws: np.ndarray) -> np.ndarray:
        if self.low is not None or self.high is not None:
            np.clip(draws, self.low, self.high, out=draws)
        return draws

    @override
    def median(self) -> float:
        return float(np.clip(self.mean, self.low, self.high))


class LogNormal(_Dist):
    """Log-normal given by its median and its spread (the geometric standard deviation).

    Optionally clipped to [low, high] like ``normal``.

    About 68% of draws fall between ``median / spread`` and ``median * spread``, and
    about 95% between ``median / spread**2`` and ``median * spread**2``.
    """

    dist: Literal["lognormal"]
    median_: float = Field(gt=0, alias="median")
    spread: float = Field(ge=1)
    low: float | None = None
    high: float | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> LogNormal:
        if self.low is not None and self.high is not None and not self.low <= self.high:
            raise ValueError(f"lognormal clipping needs low <= high, found low={self.low}, high={self.high}")
        return self

    @override
    def support(self) -> tuple[float, float]:
        if self.spread == 1:
            return (self.median_, self.median_)
        # Open at zero: every draw is positive (the smallest float stands for "just above 0").
        low = math.ulp(0.0) if self.low is None else max(self.low, math.ulp(0.0))
        return (low, math.inf if self.high is None else self.high)

    @override
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self._clip(self.median_ * np.exp(math.log(self.spread) * rng.standard_normal(n)))

    @override
    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import ndtri

        return self._clip(self.median_ * np.exp(math.log(self.spread) * ndtri(np.asarray(u, dtype=float))))

    def _clip(self, draws: np.ndarray) -> np.ndarray:
        if self.low is not None or self.high is not None:
            np.clip(draws, self.low, self.high, out=draws)
        return draws

    @override
    def median(self) -> float:
        return float(np.clip(self.median_, self.low, self.high))


class Triangular(_Dist):
    """Triangular between ``low`` and ``high`` with its peak at ``mode``."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"triangular needs low <= mode <= high, found {self.low}, {self.mode}, {self.high}"
            )
        return self

    @override
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    @override
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        # Inverse CDF, so that one uniform gives one draw (prefix-stable).
        if self.low == self.high:
            return np.full(n, self.low, dtype=float)
        return self.ppf(rng.random(n))

    @override
    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.low == self.high:
            return np.full(u.shape, self.low)
        width = self.high - self.low
        cut = (self.mode - self.low) / width
        left = self.low + np.sqrt(u * width * (self.mode - self.low))
        right = self.high - np.sqrt((1 - u) * width * (self.high - self.mode))
        return np.where(u < cut, left, right)


class Beta(_Dist):
    """Beta(alpha, beta) rescaled from [0, 1] to [low, high]; handy for probabilities."""

    dist: Literal["beta"]
    alpha: float = Field(gt=0)
    beta: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> Beta:
        if not self.low <= self.high:
            raise ValueError(f"beta needs low <= high, found low={self.low}, high={self.high}")
        return self

    @override
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    @override
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.low + (self.high - self.low) * rng.beta(self.alpha, self.beta, n)

    @override
    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy.special import betaincinv

        return self.low + (self.high - self.low) * betaincinv(
            self.alpha, self.beta, np.asarray(u, dtype=float)
        )


class Choice(_Dist):
    """One of a list of values, with optional weights (equal if omitted)."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1, max_length=1000)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"choice needs one weight per value, found {len(self.values)} values "
                    f"and {len(self.weights)} weights"
                )
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("choice weights must be >= 0 with a positive sum")
        return self

    @override
    def support(self) -> tuple[float, float]:
        return (min(self.values), max(self.values))

    @override
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.ppf(rng.random(n))

    @override
    def ppf(self, u: np.ndarray) -> np.ndarray:
        # Over the values in ascending order, so that the quantile rises with u.
        order = np.argsort(self.values, kind="stable")
        weights = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights)
        cumulative = np.cumsum(weights[order] / weights.sum())
        # The smallest value whose cumulative weight reaches u (the usual quantile function).
        index = np.searchsorted(cumulative, np.asarray(u, dtype=float), side="left")
        return np.asarray(self.values, dtype=float)[order][np.minimum(index, len(self.values) - 1)]


Distribution = Annotated[
    Fixed | Uniform | Normal | LogNormal | Triangular | Beta | Choice,
    Field(discriminator="dist"),
]
"""Any of the distributions above, chosen by the ``dist`` key."""

DISTRIBUTION_KINDS = ("fixed", "uniform", "normal", "lognormal", "triangular", "beta", "choice")
