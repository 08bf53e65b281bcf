"""The HTML report: what it holds, the command that writes it, and the page a real browser renders.

The browser tests drive Debian's Chromium headless (``/usr/bin/chromium``; ``.ci/run``
installs it). On a developer machine without it they skip, saying so; with ``CI`` set in
the environment they fail instead, so that CI never passes without looking at the page.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import sim  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.report import report_html, write_report  # noqa: E402

# Each test runs the Monte Carlo or a headless browser: out of the quick loop, in CI.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="module")
def comparison():
    scenarios = [ROOT / "scenarios" / "phased_2024.yaml", ROOT / "scenarios" / "fast_exit.yaml"]
    return sim.compare(scenarios, trials=8, seed=3, jobs=1, progress=False)


@pytest.fixture(scope="module")
def report(comparison, tmp_path_factory) -> Path:
    return write_report(comparison, tmp_path_factory.mktemp("report") / "report.html")


@pytest.fixture(scope="module")
def figures(comparison, tmp_path_factory) -> int:
    """How many figures the command line saves for this comparison."""
    from sim.plots import save_comparison

    return len(save_comparison(comparison, tmp_path_factory.mktemp("plots"), fmt="png"))


def test_the_report_holds_question_tables_figures_scenarios_and_provenance(comparison, report, figures):
    text = report.read_text(encoding="utf-8")
    for heading in (
        "The question",
        "Risk of collapse after the exit",
        "Paired differences",
        "Figures",
        "Provenance",
    ):
        assert f"<h2>{heading}" in text, heading
    for r in comparison.results:
        assert html.escape(r.scenario.description) in text
        assert f"<h2>Outcomes: {r.name}</h2>" in text
        assert f"<h2>Scenario: {r.name}</h2>" in text
    assert text.count("data:image/png;base64,") == figures
    assert "months of the exit" in text
    assert "%" in text
    assert "seed" in text
    assert "trials" in text
    assert 'src="http' not in text
    assert 'href="http' not in text


def test_the_report_escapes_what_scenarios_say(comparison):
    first = comparison.results[0]
    first.scenario = first.scenario.model_copy(update={"description": "<script>alert(1)</script> & more"})
    try:
        text = report_html(comparison)
    finally:
        first.scenario = first.scenario.model_copy(
            update={"description": comparison.results[1].scenario.description}
        )
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in text


def test_the_report_command_writes_one_file_beside_the_results(comparison, tmp_path, capsys):
    folder = comparison.save(tmp_path / "cmp")
    assert main(["report", str(folder)]) == 0
    assert (folder / "report.html").is_file()
    assert "report in" in capsys.readouterr().err
    assert sim.load_comparison(folder).names == comparison.names  # the folder still checks out
    assert main(["report", str(folder / "1-phased_2024"), "--out", str(tmp_path / "one.html")]) == 0
    assert "Outcomes: phased_2024" in (tmp_path / "one.html").read_text()


def test_the_report_command_refuses_a_folder_without_results(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "expected a results or comparison folder" in capsys.readouterr().err


# ------------------------------------------------------------------ a real browser


def chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(
            f"{CHROMIUM} is missing, and CI must render the report (.ci/run installs Debian's chromium)"
        )
    pytest.skip(f"{CHROMIUM} is not installed on this machine (apt-get install chromium); CI installs it")


def run_chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    profile.mkdir()  # a new, empty profile each time
    return subprocess.run(
        [
            str(chromium()),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ]
        + [page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_chromium_renders_the_report_with_every_figure_loaded_and_no_console_error(report, figures, tmp_path):
    done = run_chromium(report, tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    shown = re.search(r'data-figures-shown="(\d+)"', done.stdout)
    assert shown, "the page's load handler did not run"
    assert int(shown.group(1)) == figures > 0
    assert 'data-figures-missing="0"' in done.stdout
    assert console_messages(done.stderr) == []


def test_chromium_reports_a_broken_figure_so_the_check_can_fail(report, tmp_path):
    broken = tmp_path / "broken.html"
    text = report.read_text(encoding="utf-8")
    broken.write_text(
        text.replace("data:image/png;base64,", "data:image/png;base64,AAAA", 1), encoding="utf-8"
    )
    done = run_chromium(broken, tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom")
    assert 'data-figures-missing="1"' in done.stdout
    assert '<p class="missing">this figure did not load</p>' in done.stdout.split("<script>")[0]


def test_a_screenshot_of_the_report_shows_a_page_with_text_and_figures(report, tmp_path):
    shot = tmp_path / "report.png"
    done = run_chromium(report, tmp_path / "profile", "--window-size=1200,2400", f"--screenshot={shot}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.is_file(), done.stderr[-2000:]
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[:2] == (2400, 1200)
    ink = (pixels.mean(axis=2) < 0.6).mean()  # share of dark pixels: text, lines, table rules
    colour = (np.ptp(pixels, axis=2) > 0.25).mean()  # share of coloured pixels: the figures
    assert 0.005 < ink < 0.5, ink
    assert colour > 0.001, colour


def test_a_single_runs_report_gives_its_numbers_before_its_figures_and_the_risk_first(comparison):
    text = report_html(comparison.results[1])
    assert text.index("<h2>Outcomes: fast_exit") < text.index("<h2>Figures") < text.index("<h2>Scenario:")
    first = text.index("<figcaption>", text.index("<h2>Figures"))
    assert text[first:].startswith("<figcaption>collapse risk")
