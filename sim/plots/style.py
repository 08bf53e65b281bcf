"""The look shared by every figure: palette, rc settings, figure factory, labels.

Style is applied locally: each public plotting function runs inside
:func:`styled`, an ``rc_context``, so importing :mod:`sim.plots` never changes a
user's global matplotlib settings. Figures are plain :class:`matplotlib.figure.Figure`
objects, not registered with pyplot: notebooks display them, scripts save them, and
nothing has to be closed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ParamSpec, TypeVar

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.engine.outcomes import describe
from sim.engine.result import series_label as series_label  # the plots label series from the registry

# Okabe & Ito (2008), a palette readable with the common colour-vision deficiencies.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
PALETTE = tuple(OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion", "sky", "purple", "yellow"))
GREY = "#7f7f7f"
DPI = 150

RC: dict[str, Any] = {
    "axes.prop_cycle": mpl.cycler(color=PALETTE),  # type: ignore[attr-defined]  # not in mpl stubs
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.framealpha": 0.85,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "savefig.bbox": "tight",
    "font.size": 9.5,
}

P = ParamSpec("P")
R = TypeVar("R")


def styled(function: Callable[P, R]) -> Callable[P, R]:
    """Run a plotting function with the package's rc settings, leaving global state alone."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(RC):  # type: ignore[arg-type]  # stub wants literal rc keys
            return function(*args, **kwargs)

    return wrapper


class SimFigure(Figure):
    """A matplotlib Figure that shows itself in Jupyter as a PNG, whatever the backend.

    No ``%matplotlib inline`` needed: IPython calls :meth:`_repr_png_`.
    """

    def _repr_png_(self) -> bytes:
        import io

        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


def new_figure(
    nrows: int = 1, ncols: int = 1, *, width: float = 8.0, height: float = 4.5, **kwargs: Any
) -> tuple[Figure, np.ndarray]:
    """A constrained-layout Figure (not registered with pyplot) and its axes array.

    Returns ``(figure, axes)`` where ``axes`` is always a 2-D array, so callers can
    index ``axes[row, col]`` whatever the grid.
    """
    figure = SimFigure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False, **kwargs)
    return figure, axes


def date_axis(ax: Axes) -> None:
    """Concise date ticks on the x axis (e.g. ``Jan``, ``Apr``, ``2025``)."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def outcome_label(name: str) -> str:
    """Readable name of an outcome with its unit, e.g. ``militia attacks (attacks)``."""
    try:
        outcome = describe(name)
    except KeyError:
        return name
    text = name.replace("attacks_at:", "attacks at ").replace("attacks_by:", "attacks by ")
    text = text.replace("rule:", "rule ").replace("_", " ")
    text = re.sub(r"\bisis\b", "ISIS", re.sub(r"\bisf\b", "ISF", text))
    unit = "probability" if outcome.kind == "binary" else outcome.unit
    if outcome.kind == "day":
        unit = "days after start"
    return f"{text} ({unit})"


def outcome_title(name: str) -> str:
    """Short readable name of an outcome (no unit)."""
    return outcome_label(name).rsplit(" (", 1)[0]


def reader_title(name: str) -> str:
    """An outcome's panel title as read: ``Exit date`` for ``exit_day`` (days are shown as dates)."""
    title = outcome_title(name)
    if outcome_kind(name) == "day":
        title = title.removesuffix(" day") + " date"
    return sentence(title)


def sentence(text: str) -> str:
    """Text with its first letter in upper case, the rest as it is (``ISIS`` stays)."""
    return text[:1].upper() + text[1:]


def outcome_kind(name: str) -> str:
    """``count``, ``binary``, ``day`` or ``level`` (``level`` for unknown names)."""
    try:
        return describe(name).kind
    except KeyError:
        return "level"


def scenario_colours(names: Iterable[str]) -> dict[str, str]:
    """One colour per scenario, by position: the same in every comparison figure."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


LINESTYLES = ("-", "--", "-.", ":")


def scenario_linestyles(names: Iterable[str]) -> dict[str, str]:
    """One line style per scenario, by position, so overlapping lines stay distinguishable."""
    return {name: LINESTYLES[i % len(LINESTYLES)] for i, name in enumerate(names)}


def no_data(ax: Axes, message: str) -> None:
    """Write a message in the middle of an empty axes."""
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color=GREY, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def legend_outside(ax: Axes, handles: Sequence[Any] | None = None, **kwargs: Any) -> None:
    """A legend to the right of the axes, clear of the data."""
    if handles is None:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)
