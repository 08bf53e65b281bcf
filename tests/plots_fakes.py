"""Stand-ins for ``sim.montecarlo`` Results and Comparison, built from random numbers.

They have the interface the plots use and nothing more, so the plots can be tested
without running the model. Numbers are plausible in shape, not in value; the summary,
collapse curve and differences are computed from them with :mod:`sim.montecarlo.stats`,
as the real ones are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.outcomes import OUTCOMES, describe
from sim.engine.result import SERIES, WEAPONS
from sim.montecarlo.stats import SUMMARY_COLUMNS, describe_outcome, kaplan_meier, paired_difference
from sim.scenario.schema import Scenario

PERCENTILES = (5, 25, 50, 75, 95)


def fake_scenario(name: str = "fake-exit", days: int = 120, exit_day: int = 60) -> Scenario:
    """A small scenario with three elements, two contingents and calendar waypoints."""
    return Scenario.model_validate(
        {
            "name": name,
            "start": "2024-02-01",
            "horizon_days": days,
            "bases": {"al_asad": {}, "erbil": {"region": "kurdistan"}, "baghdad": {}},
            "forces": {
                "us_asad": {
                    "contingent": "US",
                    "base": "al_asad",
                    "troops": 1500,
                    "schedule": [
                        {"at": 30, "troops": 800, "ramp_days": 20},
                        {"at": exit_day, "troops": 0, "ramp_days": 10},
                    ],
                },
                "us_erbil": {
                    "contingent": "US",
                    "base": "erbil",
                    "troops": 1000,
                    "schedule": [{"at": exit_day, "troops": 0}],
                },
                "nato": {
                    "contingent": "NATO",
                    "base": "baghdad",
                    "troops": 500,
                    "schedule": [
                        {"at": "2024-03-15", "troops": 200, "ramp_days": 14},
                        {"at": exit_day + 5, "troops": 0},
                    ],
                },
            },
            "militia": {"attack_rate_per_day": {"dist": "uniform", "low": 0.5, "high": 2.0}},
        }
    )


class FakeResults:
    """Random results with the interface of ``sim.montecarlo.Results``."""

    def __init__(
        self,
        name: str = "fake-exit",
        n_trials: int = 40,
        seed: int = 1,
        days: int = 120,
        exit_day: int = 60,
        vary: bool = True,
        shift: float = 0.0,
    ):
        rng = np.random.default_rng(seed)
        self.name = name
        self.scenario = fake_scenario(name, days, exit_day)
        self.n_trials = n_trials
        self.seed = seed
        self.dates = pd.date_range(pd.Timestamp(self.scenario.start), periods=days + 1, freq="D")
        self.elements = list(self.scenario.forces)
        self.events_kept_for = list(range(min(20, n_trials)))
        day = np.arange(days + 1)
        t = np.broadcast_to(day, (n_trials, days + 1))

        rate = rng.uniform(0.5, 2.0, n_trials) if vary else np.full(n_trials, 1.0)
        growth = rng.uniform(0.002, 0.006, n_trials) if vary else np.full(n_trials, 0.004)
        series: dict[str, np.ndarray] = {}
        troops = {
            "us_asad": np.interp(day, [0, 30, 50, exit_day, exit_day + 10], [1500, 1500, 800, 800, 0]),
            "us_erbil": np.where(day < exit_day, 1000.0, 0.0),
            "nato": np.interp(day, [0, 44, 58, exit_day + 5, exit_day + 6], [500, 500, 200, 200, 0]),
        }
        for key, path in troops.items():
            late = rng.integers(0, 2, (n_trials, 1)) * (day > exit_day) * 0.3 * path.max()
            series[f"troops:{key}"] = np.broadcast_to(path, (n_trials, days + 1)) + late
        series["troops"] = sum(series[f"troops:{k}"] for k in self.elements)
        series["troops_iraq"] = series["troops"].copy()
        series["trainers"] = 0.15 * series["troops"]
        series["enablers"] = 0.35 * series["troops"]
        series["readiness"] = np.clip(0.55 + np.cumsum(rng.normal(0, 0.005, (n_trials, days + 1)), 1), 0, 1)
        series["capability"] = series["readiness"] * (1 - 0.45 * (series["enablers"] < 100))
        series["isis_strength"] = 1000 * np.exp((growth[:, None] + shift / 1000) * t)
        collapse_day = np.where(rng.random(n_trials) < 0.3 + shift, rng.integers(20, days, n_trials), np.nan)
        series["territory"] = np.where(t >= np.nan_to_num(collapse_day, nan=days + 1)[:, None], 0.33, 0.0)
        series["tension"] = np.clip(1 + np.cumsum(rng.normal(0, 0.03, (n_trials, days + 1)), 1), 0, None)
        series["pressure"] = 0.5 + 0.002 * t
        series["militia_rate"] = rate[:, None] * series["tension"] * (series["troops"] / 3000) ** 0.5
        daily = rng.poisson(series["militia_rate"] * (1 + shift))
        daily[:, 0] = 0
        series["attacks"] = np.cumsum(daily, 1).astype(float)
        series["wounded"] = np.cumsum(rng.binomial(daily, 0.1), 1).astype(float)
        series["killed"] = np.cumsum(rng.binomial(daily, 0.005), 1).astype(float)
        series["strikes"] = np.floor(series["attacks"] / 15)
        series["isis_attacks"] = np.cumsum(rng.poisson(0.3, (n_trials, days + 1)), 1).astype(float)
        self._series = series
        self.series_names = tuple(f"troops:{k}" for k in self.elements) + SERIES

        rows = []
        bases = list(self.scenario.bases)
        for trial in self.events_kept_for:
            for d in range(1, days + 1):
                for _ in range(int(daily[trial, d])):
                    weapon = str(rng.choice(WEAPONS, p=[0.45, 0.5, 0.05]))
                    rows.append(
                        (
                            trial,
                            d + rng.random(),
                            "attack",
                            str(rng.choice(bases)),
                            weapon,
                            bool(rng.random() < 0.4),
                            0,
                            0,
                            np.nan,
                        )
                    )
                if series["strikes"][trial, d] > series["strikes"][trial, d - 1]:
                    rows.append((trial, d + 0.5, "strike", None, None, False, 0, 0, np.nan))
        self.events = pd.DataFrame(
            rows,
            columns=["trial", "day", "kind", "base", "weapon", "intercepted", "wounded", "killed", "value"],
        )
        self.events["date"] = pd.Timestamp(self.scenario.start) + pd.to_timedelta(
            self.events["day"], unit="D"
        )

        outcomes = {o.name: rng.normal(10, 2, n_trials) for o in OUTCOMES}
        for o in OUTCOMES:  # yes or no, from the same draws
            if o.kind == "binary":
                outcomes[o.name] = (outcomes[o.name] > 10).astype(float)
        outcomes.update(
            militia_attacks=series["attacks"][:, -1],
            wounded=series["wounded"][:, -1],
            killed=series["killed"][:, -1],
            strikes=series["strikes"][:, -1],
            collapse=np.isfinite(collapse_day).astype(float),
            collapse_day=collapse_day,
            peak_territory=series["territory"].max(1),
            final_capability=series["capability"][:, -1],
            peak_isis_strength=series["isis_strength"].max(1),
            exit_day=np.where(series["troops"][:, -1] == 0, exit_day + 10, np.nan),
        )
        for base in bases:
            outcomes[f"attacks_at:{base}"] = np.round(series["attacks"][:, -1] / len(bases))
        self.trials = pd.DataFrame(
            {
                "param:militia.attack_rate_per_day": rate,
                "param:isis.growth_per_day": growth,
                "param:isf.readiness": np.full(n_trials, 0.55),
                **outcomes,
                "n_events": rng.integers(100, 1000, n_trials),
            }
        )
        self.trials.index.name = "trial"

    def series(self, name: str) -> np.ndarray:
        return self._series[name]

    def is_constant(self, name: str) -> bool:
        values = self._series[name]
        return bool(len(values)) and bool((values == values[:1]).all())

    def bands(self, name: str, percentiles=PERCENTILES) -> pd.DataFrame:
        values = np.percentile(self._series[name], percentiles, axis=0)
        frame = pd.DataFrame({f"p{p}": v for p, v in zip(percentiles, values, strict=True)}, index=self.dates)
        frame["day"] = np.arange(len(self.dates))
        return frame

    def summary(self) -> pd.DataFrame:
        rows = {}
        for name in self.trials.columns:
            if name.startswith("param:") or name == "n_events":
                continue
            try:
                outcome = describe(name)
                kind, unit = outcome.kind, outcome.unit
            except KeyError:
                kind, unit = "level", ""
            rows[name] = describe_outcome(self.trials[name].to_numpy(float), kind, unit)
        return pd.DataFrame.from_dict(rows, orient="index", columns=list(SUMMARY_COLUMNS))

    def collapse_curve(self) -> pd.DataFrame:
        days = self.trials["collapse_day"].to_numpy(float)
        happened = np.isfinite(days)
        grid = np.arange(len(self.dates), dtype=float)
        curve = kaplan_meier(np.where(happened, days, grid[-1]), happened, grid)
        frame = curve[["probability", "low", "high"]].set_axis(self.dates)
        frame.insert(0, "day", np.arange(len(self.dates)))
        return frame


class FakeComparison:
    """Fake results of several scenarios, with the interface of ``sim.montecarlo.Comparison``."""

    def __init__(self, results: list[FakeResults]):
        self.results = results
        self.names = [r.name for r in results]

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({r.name: r.summary()["mean"] for r in self.results})

    def differences(self) -> pd.DataFrame:
        base = self.results[0].trials
        rows = []
        for other in self.results[1:]:
            for outcome in other.summary().index:
                interval, n = paired_difference(
                    base[outcome].to_numpy(float), other.trials[outcome].to_numpy(float)
                )
                rows.append((other.name, outcome, *interval, n))
        return pd.DataFrame(rows, columns=["scenario", "outcome", "mean_diff", "ci_low", "ci_high", "n"])


def fake_comparison() -> FakeComparison:
    """Three fake scenarios sharing seed and trials."""
    return FakeComparison(
        [
            FakeResults("baseline", exit_day=100),
            FakeResults("leave-in-6-months", exit_day=60, shift=0.1),
            FakeResults("two-phases", exit_day=80, shift=0.05),
        ]
    )
