"""The notebooks run top to bottom on a fresh kernel, and are committed without outputs.

Each notebook reads its trial count from ``SIM_NOTEBOOK_TRIALS``; here it is small, so
that the run checks that every cell works, not what the numbers are. The kernel is
``python3``: the native kernel of the ipykernel installed with the test extra, which
jupyter_client starts with this interpreter, so the notebooks see this checkout's ``sim``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
EXPECTED = (
    "01_quickstart.ipynb",
    "02_compare_timelines.ipynb",
    "03_build_a_scenario.ipynb",
    "04_history_2011.ipynb",
    "05_explore_timelines.ipynb",
    "06_interactive_explorer.ipynb",
)
CI_TRIALS = "40"  # enough for every figure to have something to draw
CELL_TIMEOUT_SECONDS = 240  # a cell that takes longer is stuck, not slow


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def shows_a_figure(cell: nbformat.NotebookNode) -> bool:
    """A cell whose last line is a figure: a plotting call, or a variable named ``figure``."""
    last = cell.source.strip().splitlines()[-1].strip()
    return last.startswith("sim.plots.plot_") or last == "figure"


def test_the_notebooks_are_there():
    assert tuple(path.name for path in NOTEBOOKS) == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_committed_without_outputs(path):
    notebook = read(path)
    nbformat.validate(notebook)
    for number, cell in enumerate(code_cells(notebook)):
        assert cell.outputs == [], f"{path.name}: code cell {number} has outputs; clear them"
        assert cell.execution_count is None, f"{path.name}: code cell {number} has an execution count"
    assert "widgets" not in notebook.metadata, f"{path.name}: widget state is an output too"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_tells_its_story_in_markdown_and_sets_a_small_trial_count(path):
    notebook = read(path)
    assert notebook.cells[0].cell_type == "markdown"
    assert notebook.cells[0].source.startswith("# ")
    assert sum(cell.cell_type == "markdown" for cell in notebook.cells) >= 5
    first_code = code_cells(notebook)[0].source
    assert "SIM_NOTEBOOK_TRIALS" in first_code
    assert "TRIALS =" in first_code


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_on_a_fresh_kernel(path, monkeypatch, tmp_path):
    # The kernel inherits the environment: a small trial count, and a private temporary folder.
    monkeypatch.setenv("SIM_NOTEBOOK_TRIALS", CI_TRIALS)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    notebook = read(path)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(FOLDER)}},  # run where Jupyter would: in notebooks/
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    for number, cell in enumerate(code_cells(notebook)):
        assert not [o for o in cell.outputs if o.output_type == "error"], f"{path.name}: cell {number}"
        if shows_a_figure(cell):
            images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert images, f"{path.name}: code cell {number} should display a figure, found none"
