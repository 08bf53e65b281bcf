"""An interactive explorer for Jupyter.

Move the exit dates or keep a residual force, and see the collapse risk and the
casualties of a few hundred trials update.

Needs ipywidgets (``pip install 'sim[notebook]'``)::

    from sim.report.explorer import Explorer
    Explorer("scenarios/phased_2024.yaml", trials=200)    # the last line of a cell shows it

Each change runs ``trials`` trials of the changed scenario with the scenario's seed (so the
differences from the plan are those of the change, not of chance: common random numbers)
and redraws. Nearly all of a change's time is the trials themselves (a 7-year scenario
costs about 0.1 s a trial a core), so the explorer shows the first ``preview`` trials as
soon as they are done, then all of them; a setting already seen is shown again at once.
The results are those of :func:`sim.montecarlo.runner.run` of the changed scenario with
the same trials and seed, bit for bit. :meth:`Explorer.set` changes the controls from
code, as a test or a notebook that records its steps would.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from typing import Any

import numpy as np

from sim.montecarlo.precision import merge
from sim.montecarlo.results import Results, format_number
from sim.montecarlo.runner import Execution, run_with
from sim.plots.risk import draw_collapse_curve
from sim.plots.style import GREY, PALETTE, legend_outside, new_figure, styled
from sim.scenario.loader import load_scenario, scenario_from_dict

MONTH_DAYS = 365.25 / 12
SHOWN = ("collapse_within_24m", "collapse", "militia_attacks", "wounded", "killed")


def shifted(scenario: Any, months: int = 0, residual: dict[str, float] | None = None) -> Any:
    """A copy of ``scenario`` with its calendar waypoints moved and residual forces kept.

    Every calendar waypoint moves by ``months`` (a waypoint given as a date or as a fixed
    day; a drawn start is left as it is) and, for each element in ``residual``, its last
    waypoint's level is set to the troops given.
    """
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    days = round(months * MONTH_DAYS)
    for key, element in data["forces"].items():
        for waypoint in element.get("schedule", []):
            waypoint.pop("by", None)  # `at` says when the move starts; `by` was only a way to write it
            at = waypoint.get("at")
            if isinstance(at, str):
                waypoint["at"] = (dt.date.fromisoformat(at) + dt.timedelta(days=days)).isoformat()
            elif isinstance(at, (int, float)):
                waypoint["at"] = max(0, at + days)
        if residual and key in residual and element.get("schedule"):
            element["schedule"][-1]["troops"] = float(residual[key])
    data.pop("extends", None)
    return scenario_from_dict(data)


def leaving_elements(scenario: Any) -> list[str]:
    """Elements whose schedule ends at zero troops: the ones a residual force can come from."""
    found = []
    for key, element in scenario.forces.items():
        last = element.schedule[-1].troops if element.schedule else None
        if last is not None and not hasattr(last, "dist") and float(last) == 0.0:
            found.append(key)
    return found


class Explorer:
    """Widgets to change a scenario's timeline and see what a few hundred trials say.

    Controls: ``months`` (move every calendar waypoint, so every exit, earlier or later),
    ``element`` and ``residual`` (troops that element keeps instead of leaving). Shown:
    the collapse risk by date of the plan and of the change, and a table of the key
    outcomes of both with 95% intervals. ``results`` holds the latest run, ``plan`` the
    plan's, ``timings`` the seconds the latest change took (``scenario``, ``preview``,
    ``trials``, ``table``, ``figure``). ``preview`` trials (0 for none) are shown first.
    """

    def __init__(
        self,
        scenario: Any,
        trials: int = 200,
        seed: int | None = None,
        jobs: int | None = None,
        preview: int = 50,
    ):
        try:
            import ipywidgets as widgets
        except ImportError:
            raise ImportError("the explorer needs ipywidgets: pip install 'sim[notebook]'") from None
        self.scenario = load_scenario(scenario) if not hasattr(scenario, "forces") else scenario
        self.trials, self.seed, self.jobs, self.preview = trials, seed, jobs, preview
        self.timings: dict[str, float] = {}
        self._seen: dict[tuple[Any, ...], Results] = {}  # results by control setting
        leaving = leaving_elements(self.scenario)
        self.months = widgets.IntSlider(
            value=0, min=-12, max=24, description="exit moves", continuous_update=False, readout_format="+d"
        )
        self.element = widgets.Dropdown(
            options=leaving or ["(none)"], description="residual at", disabled=not leaving
        )
        self.residual = widgets.IntSlider(
            value=0,
            min=0,
            max=3000,
            step=100,
            description="troops",
            continuous_update=False,
            disabled=not leaving,
        )
        self.status = widgets.HTML()
        self.table = widgets.HTML()
        self.figure = widgets.Output()
        for control in (self.months, self.element, self.residual):
            control.observe(lambda _change: self.update(), names="value")
        hint = widgets.HTML(
            "<small>months to move every calendar waypoint; troops kept instead of leaving</small>"
        )
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.months, self.element, self.residual]),
                hint,
                self.status,
                self.table,
                self.figure,
            ]
        )
        self.plan = self._run(self.scenario, show=False)
        self.results = self.plan
        self._seen[self._setting()] = self.plan
        self._redraw()

    def set(
        self, months: int | None = None, element: str | None = None, residual: int | None = None
    ) -> Results:
        """Move the controls from code (each change runs once, at the end) and return the results."""
        self._quiet = True  # the observers see each change but wait for the last
        try:
            if element is not None:
                self.element.value = element
            if months is not None:
                self.months.value = months
            if residual is not None:
                self.residual.value = residual
        finally:
            self._quiet = False
        return self.update()

    _quiet = False

    def changed_scenario(self) -> Any:
        """The scenario the controls describe."""
        residual = {self.element.value: self.residual.value} if self.residual.value else None
        return shifted(self.scenario, self.months.value, residual)

    def update(self) -> Results:
        """Run the scenario the controls describe and redraw; returns its results."""
        if self._quiet:
            return self.results
        setting = self._setting()
        self.timings = {}
        if setting in self._seen:
            self.results = self._seen[setting]
        else:
            self.status.value = "<i>running ...</i>"
            began = time.perf_counter()
            scenario = self.changed_scenario()
            self.timings["scenario"] = time.perf_counter() - began
            self.results = self._seen[setting] = self._run(scenario)
        self._redraw()
        return self.results

    def _setting(self) -> tuple[Any, ...]:
        kept = self.residual.value
        return (self.months.value, self.element.value if kept else None, kept)

    def _redraw(self, note: str = "") -> None:
        began = time.perf_counter()
        self.table.value = self._table()
        self.timings["table"] = time.perf_counter() - began
        self.figure.clear_output(wait=True)
        with self.figure:
            from IPython.display import Image, display

            display(Image(data=self._figure()._repr_png_()))
        self.timings["figure"] = time.perf_counter() - began - self.timings["table"]
        self.status.value = note or self._status()

    def _status(self) -> str:
        seconds = self.results.timings.get("wall_seconds", float("nan"))
        if "trials" not in self.timings:
            return f"{self.results.n_trials} trials (seed {self.results.seed}), shown again"
        first = (
            f"; the first {self.preview} shown after {self.timings['preview']:.1f} s"
            if "preview" in self.timings
            else ""
        )
        return f"{self.results.n_trials} trials in {seconds:.1f} s (seed {self.results.seed}){first}"

    def _run(self, scenario: Any, show: bool = True) -> Results:
        """Run ``trials`` trials of ``scenario``; with ``show``, draw the first ``preview`` early.

        The same results as :func:`~sim.montecarlo.runner.run`: the trials after the preview
        are the same run's, from the index the preview stopped at.
        """
        began = time.perf_counter()
        first = self.preview if show and 0 < self.preview < self.trials else self.trials
        how = Execution(self.jobs, progress=False, keep_events=False)
        results = run_with(scenario, first, self.seed, how)
        if first < self.trials:
            self.results = results
            self.timings["preview"] = time.perf_counter() - began
            self._redraw(f"<i>first {first} of {self.trials} trials shown; running the rest ...</i>")
            rest = run_with(scenario, self.trials, self.seed, how, skip=first)
            results = merge(results, rest)
        self.timings["trials"] = time.perf_counter() - began
        return results

    def _table(self) -> str:
        rows = []
        for name in SHOWN:
            cells = []
            for results in (self.plan, self.results):
                row = results.summary().loc[name]
                unit = "probability" if row["kind"] == "binary" else ""
                cells.append(
                    f"{format_number(row['mean'], unit)} ({format_number(row['ci_low'], unit)} to "
                    f"{format_number(row['ci_high'], unit)})"
                )
            rows.append(f"<tr><td>{html.escape(name)}</td><td>{cells[0]}</td><td>{cells[1]}</td></tr>")
        return (
            "<table><tr><th>outcome (mean, 95% CI)</th><th>plan</th><th>changed</th></tr>"
            + "".join(rows)
            + "</table>"
        )

    @styled
    def _figure(self) -> Any:
        figure, axes = new_figure(width=8.5, height=3.6)
        ax = axes[0, 0]
        draw_collapse_curve(ax, self.plan, colour=GREY, label="plan", band_alpha=0.1)
        draw_collapse_curve(ax, self.results, colour=PALETTE[3], label="changed")
        exits = self.results.trials["exit_day"].to_numpy(dtype=float)
        if np.isfinite(exits).any():
            ax.axvline(
                self.results.date_of(float(np.nanmedian(exits))), color="black", linestyle="--", label="exit"
            )
        ax.set_title(f"Collapse risk: {self.scenario.name}, plan and changed")
        legend_outside(ax)
        return figure

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
