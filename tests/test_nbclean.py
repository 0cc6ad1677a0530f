"""Reviewable notebooks: cleaning, stable JSON, text pairs in step, refresh twice gives the same bytes.

The tests marked `notebook_refresh` start a Jupyter kernel (about a minute together on a loaded
machine); select them with `-m notebook_refresh`, leave them out with `-m "not notebook_refresh"`.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from helpers.errors import DataError
from helpers.batch.nbclean import (NO_OUTPUT_TAG, cell_inputs, clean_notebook, dumps, notebook_paths, paired_text_path,
                             refresh_notebook)
from helpers.paths import NOTEBOOKS, ROOT

COMMITTED = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
# The smallest notebook that still draws a figure (PNG) and a Styler table; refreshed in the slow test.
SMALL = "30_model_indicator_trends"


def _executed() -> nbformat.NotebookNode:
    """A notebook as papermill leaves it, written by hand: timings, absolute paths, addresses."""
    timing = {"iopub.execute_input": "2026-11-23T18:04:30.352919Z", "iopub.status.busy": "2026-11-23T18:04:30.352476Z",
              "iopub.status.idle": "2026-11-23T18:04:30.390928Z", "shell.execute_reply": "2026-11-23T18:04:30.390496Z"}
    pm_cell = {"duration": 0.047967, "end_time": "2026-11-23T18:04:30.391850", "exception": False,
               "start_time": "2026-11-23T18:04:30.343883", "status": "completed"}
    nb = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"display_name": "Python (gonv)", "language": "python", "name": "gonv"},
            "language_info": {"name": "python", "version": "3.11.7"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"abc": {}}}},
            "papermill": {"default_parameters": {}, "duration": 6.41451, "end_time": "2026-11-23T18:04:30.934669",
                          "environment_variables": {}, "exception": None,
                          "input_path": "/home/someone/gonv/notebooks/10_x.ipynb",
                          "output_path": "/home/someone/gonv/notebooks/.10_x.tmp.ipynb", "parameters": {"year": 2021},
                          "start_time": "2026-11-23T18:04:24.520159", "version": "2.6.0"},
        },
        "cells": [
            {"cell_type": "markdown", "id": "m1", "metadata": {"papermill": dict(pm_cell), "tags": []},
             "source": "# Title"},
            {"cell_type": "code", "id": "c1", "execution_count": 5,
             "metadata": {"execution": dict(timing), "papermill": dict(pm_cell), "tags": ["parameters", NO_OUTPUT_TAG]},
             "outputs": [], "source": "year = 2021"},
            {"cell_type": "code", "id": "c2", "execution_count": None, "metadata": {"tags": []}, "outputs": [],
             "source": "not_run = True"},
            {"cell_type": "code", "id": "c3", "execution_count": 9,
             "metadata": {"execution": dict(timing), "scrolled": True},
             "outputs": [
                 {"output_type": "execute_result", "execution_count": 9, "metadata": {},
                  "data": {"text/html": "<table></table>",
                           "text/plain": "<pandas.io.formats.style.Styler at 0x7fe62c3231d0>"}},
                 {"output_type": "display_data", "metadata": {"image/png": {"alt": "Figure: x"}},
                  "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 800x450 with 1 Axes>"}},
             ],
             "source": "style_table(df)"},
            {"cell_type": "code", "execution_count": 12, "metadata": {},
             "outputs": [{"output_type": "execute_result", "execution_count": 12, "metadata": {},
                          "data": {"text/plain": "<object object at 0x7f00deadbeef>"}}],
             "source": "object()"},
        ],
    }
    return nbformat.from_dict(nb)


def test_clean_notebook_removes_run_metadata_and_keeps_what_ran() -> None:
    raw = _executed()
    before = json.dumps(raw, sort_keys=True)
    nb = clean_notebook(raw)
    assert json.dumps(raw, sort_keys=True) == before  # the input is not changed
    assert nb.metadata.papermill == {"default_parameters": {}, "environment_variables": {},
                                     "parameters": {"year": 2021}, "version": "2.6.0"}
    assert "widgets" not in nb.metadata
    assert nb.metadata.language_info == {"name": "python"}
    assert nb.metadata.kernelspec.name == "gonv"
    md, params, unrun, styled, plain = nb.cells
    assert md.metadata == {}  # papermill's record and the empty tag list are gone
    assert params.metadata == {"tags": ["parameters", NO_OUTPUT_TAG]}
    assert styled.metadata == {"scrolled": True}  # a view setting the researcher chose stays


def test_clean_notebook_numbers_executed_cells_and_leaves_unrun_ones_unrun() -> None:
    nb = clean_notebook(_executed())
    code = [c for c in nb.cells if c.cell_type == "code"]
    # counts 5, None, 9, 12 become 1, None, 2, 3
    assert [c.execution_count for c in code] == [1, None, 2, 3]
    assert code[2].outputs[0].execution_count == 2
    assert code[3].outputs[0].execution_count == 3


def test_clean_notebook_drops_addresses_only_from_fallback_reprs() -> None:
    nb = clean_notebook(_executed())
    styled, plain = nb.cells[3], nb.cells[4]
    assert styled.outputs[0].data["text/plain"] == "<pandas.io.formats.style.Styler>"
    assert styled.outputs[0].data["text/html"] == "<table></table>"
    assert styled.outputs[1].data["text/plain"] == "<Figure size 800x450 with 1 Axes>"
    assert styled.outputs[1].metadata == {"image/png": {"alt": "Figure: x"}}
    # text/plain is the only repr here: it is what the cell shows, so it stays as it is
    assert plain.outputs[0].data["text/plain"] == "<object object at 0x7f00deadbeef>"


def test_clean_notebook_gives_a_missing_cell_id_a_stable_one() -> None:
    a, b = clean_notebook(_executed()), clean_notebook(_executed())
    assert a.cells[4].id == b.cells[4].id
    assert len({c.id for c in a.cells}) == len(a.cells)


def test_dumps_is_stable_sorted_and_ends_with_a_newline() -> None:
    text = dumps(clean_notebook(_executed()))
    assert text.endswith("}\n")
    assert text.index('"cells"') < text.index('"metadata"') < text.index('"nbformat"')
    assert dumps(clean_notebook(nbformat.reads(text, as_version=4))) == text  # idempotent


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_notebook_is_stored_clean(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert dumps(clean_notebook(nbformat.reads(text, as_version=4))) == text, (
        f"{path.name} carries execution noise (saved from JupyterLab?): "
        f"run `make refresh NB={path.stem}` before committing")


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_outputs_name_no_path_of_this_machine(path: Path) -> None:
    # nbval compares the stored outputs on another machine, in another folder (CI clones elsewhere)
    outputs = json.dumps([c.get("outputs", []) for c in nbformat.read(path, as_version=4).cells])
    for marker in {str(ROOT), str(Path.home()), "PosixPath("}:
        assert marker not in outputs, (
            f"{path.name} stores an output naming {marker!r}, which differs on another machine: "
            f"keep paths out of displayed values (assign the value to a name), then `make refresh NB={path.stem}`")


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_text_pair_is_in_sync_with_its_notebook(path: Path) -> None:
    pair = paired_text_path(path)
    assert pair is not None, "jupytext.toml at the repository root pairs every notebook"
    text_path, config, fmt = pair
    assert text_path == NOTEBOOKS / "py" / f"{path.stem}.py"
    assert text_path.exists(), f"{text_path.relative_to(ROOT)} is missing: run `make refresh NB={path.stem}`"
    assert cell_inputs(jupytext.read(text_path, fmt=fmt, config=config)) == \
        cell_inputs(nbformat.read(path, as_version=4)), (
        f"{text_path.relative_to(ROOT)} and {path.name} differ: run `make refresh NB={path.stem}`")


def test_cell_inputs_see_a_changed_source_and_a_changed_tag() -> None:
    nb = clean_notebook(_executed())
    edited = clean_notebook(_executed())
    edited.cells[3].source = "style_table(df.head())"
    assert cell_inputs(edited) != cell_inputs(nb)
    retagged = clean_notebook(_executed())
    retagged.cells[1].metadata.tags = ["parameters"]
    assert cell_inputs(retagged) != cell_inputs(nb)


def test_notebook_paths_by_name_and_unknown_name() -> None:
    assert notebook_paths(None) == COMMITTED
    assert notebook_paths([f"{SMALL}.ipynb", "00_source_tables"]) == [NOTEBOOKS / f"{SMALL}.ipynb",
                                                                      NOTEBOOKS / "00_source_tables.ipynb"]
    with pytest.raises(DataError, match="no notebook '99_nothing'; the notebooks are: 00_source_tables"):
        notebook_paths(["99_nothing"])


@pytest.mark.notebook_refresh
def test_refresh_twice_gives_identical_bytes_and_the_committed_file(tmp_path: Path) -> None:
    nb = tmp_path / f"{SMALL}.ipynb"
    shutil.copy(NOTEBOOKS / nb.name, nb)
    shutil.copy(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")  # the copy gets its own text pair
    refresh_notebook(nb, "gonv")
    first = nb.read_bytes()
    refresh_notebook(nb, "gonv")
    assert nb.read_bytes() == first
    assert first == (NOTEBOOKS / nb.name).read_bytes(), (
        f"refreshing the unchanged {nb.name} changes it: run `make refresh NB={SMALL}` and look at `git diff`")
    pair = tmp_path / "py" / f"{SMALL}.py"
    assert pair.read_bytes() == (NOTEBOOKS / "py" / pair.name).read_bytes()
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind

    # An edit made in the text pair (newer than the notebook) is what the next refresh executes.
    text = pair.read_text(encoding="utf-8")
    assert "# <!-- For editors:" in text
    pair.write_text(text.replace("# <!-- For editors:", "# <!-- For editors (edited in the text pair):", 1), encoding="utf-8")
    later = nb.stat().st_mtime + 5
    os.utime(pair, (later, later))
    refresh_notebook(nb, "gonv")
    refreshed = nbformat.read(nb, as_version=4)
    assert any("For editors (edited in the text pair)" in c.source for c in refreshed.cells if c.cell_type == "markdown")
    assert cell_inputs(jupytext.read(pair)) == cell_inputs(refreshed)


@pytest.mark.notebook_refresh
def test_a_failing_refresh_leaves_the_notebook_as_it_was(tmp_path: Path) -> None:
    nb = tmp_path / "40_broken.ipynb"
    cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": [NO_OUTPUT_TAG]}),
             nbformat.v4.new_code_cell("x / 0")]
    nb.write_text(dumps(nbformat.v4.new_notebook(cells=cells)), encoding="utf-8")
    before = nb.read_bytes()
    with pytest.raises(DataError, match=r"40_broken.ipynb: cell 2 raised ZeroDivisionError: division by zero; "
                                        r"the notebook is unchanged, the failed run is in .*\.40_broken\.tmp\.ipynb"):
        refresh_notebook(nb, "gonv")
    assert nb.read_bytes() == before
    assert (tmp_path / ".40_broken.tmp.ipynb").exists()


@pytest.mark.notebook_refresh
def test_nbval_fails_an_untagged_cell_without_output_and_names_the_refresh_command(tmp_path: Path) -> None:
    shutil.copy(NOTEBOOKS / "conftest.py", tmp_path / "conftest.py")
    def stdout(text: str) -> list:
        return [nbformat.v4.new_output("stream", name="stdout", text=text)]

    cells = [
        nbformat.v4.new_code_cell("x = 1", execution_count=1),                               # no output, no tag: fails
        nbformat.v4.new_code_cell("y = 1", execution_count=2, metadata={"tags": [NO_OUTPUT_TAG]}),  # passes
        nbformat.v4.new_code_cell("print(x + 1)", execution_count=3, outputs=stdout("3\n")),  # 1 + 1 = 2, not 3: fails
        nbformat.v4.new_code_cell("print(x)", execution_count=4, outputs=stdout("1\n")),      # passes
        nbformat.v4.new_code_cell("", execution_count=None),                                   # blank: passes
        nbformat.v4.new_code_cell("print(y)", execution_count=5, outputs=stdout("1\n"),        # tagged yet prints: fails
                                  metadata={"tags": [NO_OUTPUT_TAG]}),
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), tmp_path / "40_demo.ipynb")
    proc = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), "40_demo.ipynb"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "3 failed, 3 passed" in out, out
    assert "this code cell has no stored output" in out
    assert "tagged 'no-output' but stores an output" in out
    assert "Cell outputs differ" in out
    assert "make refresh NB=40_demo" in out
    assert "notebooks to refresh" in out and "40_demo.ipynb: make refresh NB=40_demo" in out


def test_the_reads_ledger_is_not_stored_in_the_baseline() -> None:
    from helpers.constants import HEADLINE_MIME, READS_MIME

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("headline({})")
    cell.outputs = [nbformat.v4.new_output("display_data", data={HEADLINE_MIME: {"a": 1}, READS_MIME: {"f.csv": "ab"},
                                                                  "text/markdown": "**a**"})]
    nb.cells = [cell]
    data = clean_notebook(nb).cells[0].outputs[0]["data"]
    assert READS_MIME not in data and data[HEADLINE_MIME] == {"a": 1}
