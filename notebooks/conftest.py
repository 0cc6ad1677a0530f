"""nbval on the committed notebooks: name the refresh command on a failure; no code cell without a stored output.

The committed outputs are nbval's baseline. A code cell with no stored output would pass nbval
whatever it printed (a new cell added in JupyterLab and never run has none), so it fails here
unless it is tagged `no-output` (a cell that only assigns, like the parameters cell); a cell so
tagged must store nothing. A blank code cell is left alone.
"""
from __future__ import annotations

from pathlib import Path

import pytest

NO_OUTPUT_TAG = "no-output"  # the same tag as helpers.batch.nbclean.NO_OUTPUT_TAG
_FAILED = pytest.StashKey[set]()  # notebooks with a failed cell in this session


def _is_nbval_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "cell")


def refresh_command(notebook: Path) -> str:
    """Return the command that re-executes one notebook in place and stores its new outputs."""
    return f"make refresh NB={notebook.stem}   (or: .venv/bin/python -m helpers refresh-notebooks {notebook.stem})"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Run the cell as nbval does, then fail it when it has no stored output and no `no-output` tag."""
    result = yield
    if _is_nbval_cell(item):
        cell = item.cell
        tags = cell.get("metadata", {}).get("tags", [])
        if not cell.get("outputs") and cell.get("source", "").strip() and NO_OUTPUT_TAG not in tags:
            item.raise_cell_error(
                f"this code cell has no stored output, so nbval checks nothing. Refresh the notebook "
                f"to store its output: {refresh_command(Path(item.path))}; or, if the cell is meant to "
                f"print nothing, give it the tag '{NO_OUTPUT_TAG}' (JupyterLab: property inspector, "
                f"cell tags)")
        if cell.get("outputs") and NO_OUTPUT_TAG in tags:
            item.raise_cell_error(
                f"this cell is tagged '{NO_OUTPUT_TAG}' but stores an output; assign the value of its last line "
                f"to a name (or remove the tag) and refresh: {refresh_command(Path(item.path))}")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Append the refresh command for its notebook to a failed cell's report."""
    report = yield
    if report.failed and _is_nbval_cell(item):
        report.sections.append(("how to update the stored outputs",
                                f"If the change is intended, refresh {Path(item.path).name}: "
                                f"{refresh_command(Path(item.path))}, then `make test`."))
        item.config.stash.setdefault(_FAILED, set()).add(Path(item.path))
    return report



def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """List the refresh command of every notebook with a failed cell, once, at the end of the run."""
    failed = sorted(config.stash.get(_FAILED, set()))
    if failed:
        terminalreporter.section("notebooks to refresh")
        for nb in failed:
            terminalreporter.write_line(f"{nb.name}: {refresh_command(nb)}")
