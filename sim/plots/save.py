"""Write figures to files: every single-run figure, or every comparison figure."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure

from sim.plots.attacks import plot_attack_timeline
from sim.plots.compare import plot_compare_fan, plot_compare_outcomes, plot_differences
from sim.plots.fans import plot_dashboard, plot_troops
from sim.plots.outcomes import plot_outcomes
from sim.plots.risk import plot_collapse_risk
from sim.plots.sensitivity import plot_tornado, rank_correlations
from sim.plots.style import DPI

if TYPE_CHECKING:
    from sim.montecarlo import Comparison, Results

FORMATS = ("png", "svg", "pdf")
COMPARE_SERIES = ("troops", "capability", "isis_strength", "territory", "attacks")


def save_figure(figure: Figure, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Save a figure atomically: to a temporary file in the same folder, then renamed.

    A reader never sees a half-written file, and a failed save leaves no debris.
    """
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"expected a format among {', '.join(FORMATS)}, found {fmt!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".{fmt}", dir=path.parent)
    os.close(handle)
    os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a figure is not
    try:
        figure.savefig(temporary, format=fmt, dpi=DPI, bbox_inches="tight")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write(figures: dict[str, Any], folder: str | os.PathLike[str], fmt: str) -> list[Path]:
    if fmt not in FORMATS:
        raise ValueError(f"expected a format among {', '.join(FORMATS)}, found {fmt!r}")
    target = Path(folder) / "plots"
    written = []
    for stem, make in figures.items():
        written.append(save_figure(make(), target / f"{stem}.{fmt}", fmt))
    return written


def save_all(results: Results, folder: str | os.PathLike[str], fmt: str = "png") -> list[Path]:
    """Write every single-run figure into ``folder/plots/`` and return the paths.

    Files: ``outcomes``, ``dashboard``, ``troops``, ``collapse_risk``,
    ``attack_timeline`` (when some trial's events were kept), and
    ``tornado_<outcome>`` for militia attacks and collapse when some drawn parameter
    varies with them.
    """
    figures: dict[str, Any] = {
        "outcomes": lambda: plot_outcomes(results),
        "dashboard": lambda: plot_dashboard(results),
        "troops": lambda: plot_troops(results),
        "collapse_risk": lambda: plot_collapse_risk(results),
    }
    if len(list(results.events_kept_for)):
        figures["attack_timeline"] = lambda: plot_attack_timeline(results)
    for outcome in ("militia_attacks", "collapse"):
        if outcome in results.trials and not rank_correlations(results, outcome).empty:
            figures[f"tornado_{outcome}"] = lambda outcome=outcome: plot_tornado(results, outcome)
    return _write(figures, folder, fmt)


def save_comparison(comparison: Comparison, folder: str | os.PathLike[str], fmt: str = "png") -> list[Path]:
    """Write the comparison figures into ``folder/plots/`` and return the paths.

    Files: ``compare_outcomes``, ``compare_differences``, ``compare_collapse_risk``
    and ``compare_<series>`` for troops, capability, ISIS strength, territory and
    cumulative attacks.
    """
    figures: dict[str, Any] = {
        "compare_outcomes": lambda: plot_compare_outcomes(comparison),
        "compare_differences": lambda: plot_differences(comparison),
        "compare_collapse_risk": lambda: plot_collapse_risk(comparison),
    }
    for name in COMPARE_SERIES:
        figures[f"compare_{name}"] = lambda name=name: plot_compare_fan(comparison, name)
    return _write(figures, folder, fmt)
