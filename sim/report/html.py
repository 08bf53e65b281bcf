"""The HTML report: sections built from the library's tables and figures, escaped, in one file."""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.montecarlo.results import Comparison, Results, format_number, readable_summary
from sim.scenario.display import scenario_html

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
th, td { padding: .25em .7em; border-bottom: 1px solid #e4e4e4; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9em; }
.warning { background: #fff4e0; border-left: 4px solid #e69f00; padding: .5em 1em; }
.missing { color: #b00; }
"""

# Marks a figure that failed to decode, so that a reader (and the browser test) sees it.
SCRIPT = """
window.addEventListener("load", function () {
  var images = document.querySelectorAll("figure img"), shown = 0, missing = 0;
  images.forEach(function (img) {
    if (img.complete && img.naturalWidth > 0) { shown += 1; }
    else {
      missing += 1;
      img.insertAdjacentHTML("afterend", '<p class="missing">this figure did not load</p>');
    }
  });
  document.body.setAttribute("data-figures-shown", String(shown));
  document.body.setAttribute("data-figures-missing", String(missing));
});
"""


def report_html(what: Results | Comparison) -> str:
    """The report of a run or a comparison as one HTML document (a string)."""
    runs = what.results if isinstance(what, Comparison) else [what]
    title = " vs ".join(r.name for r in runs)
    parts = [f"<h1>{_e(title)}</h1>", _question(runs)]
    parts.extend(_warnings(r) for r in runs)
    if isinstance(what, Comparison):
        parts.append(_collapse_table(what))
        parts.append(_figures(what))
        parts += [_summary(r) for r in runs]
    else:  # one run: its numbers first, then the figures
        parts += [_summary(what), _figures(what)]
    if isinstance(what, Comparison):
        parts.append(_differences(what))
    for r in runs:
        parts.append(_scenario(r))
    parts.append(_provenance(runs))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>{''.join(parts)}<script>{SCRIPT}</script></body></html>\n"
    )


def write_report(what: Results | Comparison, path: str | os.PathLike[str]) -> Path:
    """Write :func:`report_html` to ``path`` atomically (a temporary file, then renamed)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = report_html(what)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as an ordinary file would be, not mkstemp's 0600
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _e(value: Any) -> str:
    return html.escape(str(value))


def _table(frame: pd.DataFrame, index: bool = True) -> str:
    return frame.to_html(escape=True, border=0, index=index, na_rep="-")


def _question(runs: list[Results]) -> str:
    items = "".join(
        f"<li><strong>{_e(r.name)}</strong>: {_e(r.scenario.description or 'no description given')}</li>"
        for r in runs
    )
    first = runs[0]
    return (
        "<h2>The question</h2>"
        f"<ul>{items}</ul><p>{first.n_trials:,} trials each, seed {first.seed}; "
        f"from {first.dates[0]:%d %b %Y} to {first.dates[-1]:%d %b %Y}. Probabilities are in percent, "
        "intervals are 95% confidence intervals of the estimate (Wilson for probabilities, "
        "Student t for means), and 5% to 95% is the spread across trials.</p>"
    )


def _warnings(r: Results) -> str:
    notes = list(r.warnings)
    if r.interrupted:
        notes.append("the run was interrupted: only the finished trials are included")
    if r.failures:
        notes.append(f"{len(r.failures)} trials failed and are left out")
    return "".join(f'<p class="warning">{_e(r.name)}: {_e(n)}.</p>' for n in notes)


def _summary(r: Results) -> str:
    return f"<h2>Outcomes: {_e(r.name)}</h2>{_table(readable_summary(r))}"


def _percent(value: float) -> str:
    return format_number(value, "probability")


# The outcomes whose paired differences the report shows (every one is in differences.csv).
KEY_DIFFERENCES = (
    "militia_attacks",
    "wounded",
    "killed",
    "collapse",
    "collapse_within_24m",
    "collapse_within_36m",
    "collapse_day",
    "peak_territory",
    "civilian_deaths",
    "final_capability",
    "exit_day",
    "troop_days",
)


def _collapse_table(c: Comparison) -> str:
    table = c.collapse_table()
    told = (table["n"] > 0).tolist()
    shown = pd.DataFrame(
        {
            "scenario": table["scenario"],
            "within": [f"{m:g} months of the exit" for m in table["months_after_exit"]],
            "P(collapse)": [
                _percent(p) if t else "no trial can tell"
                for p, t in zip(table["probability"], told, strict=True)
            ],
            "95% CI": [
                f"{_percent(a)} to {_percent(b)}" if t else ""
                for a, b, t in zip(table["low"], table["high"], told, strict=True)
            ],
            "trials that can tell": table["n"],
        }
    )
    return (
        "<h2>Risk of collapse after the exit</h2>"
        "<p>Share of trials with a collapse within each window after their own exit, among the "
        "trials whose run reaches the end of the window (or collapsed before it).</p>"
        f"{_table(shown, index=False)}"
    )


def _differences(c: Comparison) -> str:
    differences = c.differences()
    keep = differences[(differences["n"] > 0) & differences["outcome"].isin(KEY_DIFFERENCES)]
    scale = keep["kind"].map({"binary": 100.0}).fillna(1.0)
    unit = keep["kind"].map({"binary": "points", "day": "days"}).fillna(keep["unit"])
    diff = pd.DataFrame(
        {
            "scenario": keep["scenario"],
            "outcome": keep["outcome"],
            "difference": [format_number(v) for v in scale * keep["mean_diff"]],
            "95% CI": [
                f"{format_number(a)} to {format_number(b)}"
                for a, b in zip(scale * keep["ci_low"], scale * keep["ci_high"], strict=True)
            ],
            "unit": unit,
            "pairs": keep["n"],
        }
    )
    return (
        f"<h2>Paired differences from {_e(c.names[0])}</h2>"
        "<p>Each trial against the same trial of the first scenario (common random numbers); "
        "differences of probabilities in percentage points, of dates in days. Every outcome's "
        "difference is in <code>differences.csv</code>.</p>"
        f"{_table(diff, index=False)}"
    )


def _figures(what: Results | Comparison) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from sim.plots import save_all, save_comparison

    with tempfile.TemporaryDirectory() as scratch:
        saved = (
            save_comparison(what, scratch, fmt="png")
            if isinstance(what, Comparison)
            else save_all(what, scratch, fmt="png")
        )
        # The collapse risk answers the question most directly: it comes first.
        paths = sorted(saved, key=lambda p: "collapse_risk" not in Path(p).stem)
        blocks = []
        for path in paths:
            data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
            name = Path(path).stem.replace("_", " ")
            blocks.append(
                f'<figure><img alt="{_e(name)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{_e(name)}</figcaption></figure>"
            )
    return "<h2>Figures</h2>" + "".join(blocks)


def _scenario(r: Results) -> str:
    return f"<h2>Scenario: {_e(r.name)}</h2>{scenario_html(r.scenario)}"


def _versions() -> str:
    found = [f"Python {sys.version.split()[0]}"]
    for package in ("sim", "numpy", "simpy", "pandas", "scipy", "matplotlib"):
        try:
            found.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            found.append(f"{package} (version unknown)")
    return ", ".join(found)


def _provenance(runs: list[Results]) -> str:
    rows = [
        {
            "scenario": r.name,
            "trials": r.n_trials,
            "seed": r.seed,
            "wall seconds": f"{r.timings.get('wall_seconds', float('nan')):.1f}",
            "jobs": r.timings.get("jobs", ""),
            "backend": r.timings.get("backend", ""),
            "failed": len(r.failures),
            "interrupted": r.interrupted,
        }
        for r in runs
    ]
    made = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<h2>Provenance</h2>{_table(pd.DataFrame(rows), index=False)}"
        f"<p>Made on {made} with {_e(_versions())}. The same scenario, seed and code give the same "
        "results bit for bit.</p>"
    )
