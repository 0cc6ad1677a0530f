"""Reviewable notebooks: strip execution noise, re-execute in place, keep the jupytext text pair in step.

A committed notebook stores the outputs of its default run (nbval's baseline). Re-executing an
unchanged notebook must give a byte-identical file, so everything that changes from run to run
without the analysis changing (timestamps, durations, absolute paths, memory addresses, the
interpreter's patch version, widget state) is removed here, and the JSON is written in one
stable form (sorted keys, one-space indent, trailing newline).
"""
from __future__ import annotations

import copy
import hashlib
import logging
import os
import re
from pathlib import Path
from typing import Any

import nbformat

from ..constants import READS_MIME
from ..errors import DataError
from ..paths import NOTEBOOKS, relative

log = logging.getLogger(__name__)

# papermill's per-run record in the notebook metadata; `parameters`, `default_parameters`,
# `environment_variables` and `version` stay (they say what ran, and are stable).
_PAPERMILL_VOLATILE = ("start_time", "end_time", "duration", "exception", "status", "input_path", "output_path")
# Cell metadata written by execution only: papermill's timings and status, nbclient's iopub/shell
# timestamps (`record_timing`), the ExecuteTime extension's.
_CELL_VOLATILE = ("papermill", "execution", "ExecuteTime")
# `<pandas.io.formats.style.Styler at 0x7fe62c3231d0>`, `<Foo object at 0x…>`: the address differs every run.
_ADDRESS_REPR = re.compile(r"(<[\w.]+(?: object)?) at 0x[0-9a-fA-F]+>")
NO_OUTPUT_TAG = "no-output"


class NotebookRunError(DataError):
    """A notebook failed while it was being refreshed; the committed file is left as it was."""


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _clean_output(out: dict) -> None:
    data = out.get("data")
    # The plain-text repr of an object with a rich repr is only a fallback: drop its address.
    if isinstance(data, dict) and "text/plain" in data and len(data) > 1:
        data["text/plain"] = _ADDRESS_REPR.sub(r"\1>", _text(data["text/plain"]))


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of an executed notebook without the metadata that changes from run to run."""
    nb = copy.deepcopy(nb)
    meta = nb.setdefault("metadata", {})
    pm = meta.get("papermill")
    if isinstance(pm, dict):
        for key in _PAPERMILL_VOLATILE:
            pm.pop(key, None)
    meta.pop("widgets", None)  # ipywidgets' saved state: model ids are random
    # The interpreter's patch version differs between machines (3.11, 3.12 and 3.13 are supported).
    if isinstance(meta.get("language_info"), dict):
        meta["language_info"].pop("version", None)

    count = 0
    seen_ids: set[str] = set()
    for i, cell in enumerate(nb.get("cells", [])):
        cmeta = cell.setdefault("metadata", {})
        for key in _CELL_VOLATILE:
            cmeta.pop(key, None)
        if cmeta.get("tags") == []:
            del cmeta["tags"]
        if nb.get("nbformat", 4) >= 4 and nb.get("nbformat_minor", 0) >= 5:
            # nbformat invents a random id for a cell without one; give it one derived from its place and text.
            if not cell.get("id") or cell["id"] in seen_ids:
                digest = hashlib.sha1(f"{i}\0{_text(cell.get('source', ''))}".encode()).hexdigest()
                cell["id"] = digest[:8]
            seen_ids.add(cell["id"])
        if cell.get("cell_type") != "code":
            continue
        # Execution counts numbered 1, 2, … over the executed cells: a rerun of part of the
        # notebook in JupyterLab must not leave 37, 41, … behind. Unrun cells stay unrun (nbval
        # does not compare the outputs of a cell whose count is null).
        if cell.get("execution_count") is not None:
            count += 1
            cell["execution_count"] = count
        for out in cell.get("outputs", []):
            if out.get("output_type") == "execute_result":
                out["execution_count"] = cell.get("execution_count")
            out.pop("transient", None)
            # what the run read (file digests) is for the batch runner's cache, not for the stored
            # baseline: a data edit must not rewrite every committed notebook
            if isinstance(out.get("data"), dict):
                out["data"].pop(READS_MIME, None)
            _clean_output(out)
    return nb


def dumps(nb: nbformat.NotebookNode) -> str:
    """Serialise a notebook in the project's stable form: nbformat JSON, sorted keys, trailing newline."""
    text = nbformat.writes(nb, version=nbformat.NO_CONVERT)  # sort_keys=True, indent=1, ensure_ascii=False
    return text if text.endswith("\n") else text + "\n"


def _write_atomic(path: Path, text: str) -> None:
    # `.NAME.writing.tmp.ipynb` beside a notebook falls under .gitignore's `notebooks/.*.tmp.ipynb`
    tmp = path.with_name(f".{path.stem}.writing.tmp{path.suffix}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def paired_text_path(path: Path) -> tuple[Path, Any, dict] | None:
    """Return the jupytext text pair of a notebook (path, config, format), or None when it is not paired."""
    from jupytext.config import load_jupytext_config
    from jupytext.formats import long_form_one_format
    from jupytext.paired_paths import paired_paths

    config = load_jupytext_config(str(path.resolve()))
    formats = config.default_formats(str(path.resolve())) if config is not None else None
    if not formats:
        return None
    for other, fmt in paired_paths(str(path.resolve()), long_form_one_format("ipynb"), formats):
        if fmt.get("extension") != ".ipynb":
            return Path(other), config, fmt
    return None


def write_pair(path: Path, nb: nbformat.NotebookNode) -> Path | None:
    """Write the jupytext text pair of a notebook from its cells (no outputs); return its path."""
    import jupytext

    pair = paired_text_path(path)
    if pair is None:
        return None
    other, config, fmt = pair
    text = jupytext.writes(nb, fmt=fmt, config=config)
    other.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(other, text if text.endswith("\n") else text + "\n")
    return other


def cell_inputs(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """Return what the text pair carries of each cell: its type, its source and its tags."""
    return [(c["cell_type"], _text(c.get("source", "")).strip("\n"), tuple(c.get("metadata", {}).get("tags", [])))
            for c in nb["cells"]]


def _take_text_edits(path: Path, nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the notebook with its inputs from the text pair when the pair was edited after it."""
    pair = paired_text_path(path)
    if pair is None or not pair[0].exists() or pair[0].stat().st_mtime <= path.stat().st_mtime:
        return nb
    import jupytext
    from jupytext.combine import combine_inputs_with_outputs

    text_nb = jupytext.read(pair[0], fmt=pair[2], config=pair[1])
    if cell_inputs(text_nb) == cell_inputs(nb):
        return nb
    log.info("%s is newer than %s: taking the cells from it", relative(pair[0]), relative(path))
    return combine_inputs_with_outputs(text_nb, nb, fmt=pair[2])


def refresh_notebook(path: Path, kernel: str) -> None:
    """Execute one notebook in place with its default parameters, clean it, write it atomically, sync its pair."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    path = Path(path)
    source = _take_text_edits(path, nbformat.read(path, as_version=4))
    out = path.with_name(f".{path.stem}.tmp.ipynb")  # gitignored; kept when the run fails
    try:
        pm.execute_notebook(source, str(out), kernel_name=kernel, cwd=str(NOTEBOOKS), progress_bar=False,
                            log_output=False, request_save_on_cell_execute=False)
    except PapermillExecutionError as exc:
        raise NotebookRunError(
            relative(path), f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}; the notebook is "
            f"unchanged, the failed run is in {relative(out)}") from None
    executed = nbformat.read(out, as_version=4)
    cleaned = clean_notebook(executed)
    _write_atomic(path, dumps(cleaned))
    out.unlink(missing_ok=True)
    write_pair(path, cleaned)


def notebook_paths(names: list[str] | None = None) -> list[Path]:
    """Return the committed notebooks to refresh: those named (with or without `.ipynb`), or all of them."""
    every = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return every
    by_name = {p.stem: p for p in every}
    chosen = []
    for name in names:
        stem = Path(name).name.removesuffix(".ipynb")
        if stem not in by_name:
            raise DataError(relative(NOTEBOOKS), f"no notebook '{name}'; the notebooks are: "
                            + ", ".join(sorted(by_name)))
        chosen.append(by_name[stem])
    return chosen


def refresh_notebooks(names: list[str] | None = None, kernel: str = "gonv") -> list[Path]:
    """Refresh the named committed notebooks (all when none is named); return their paths."""
    paths = notebook_paths(names)
    for p in paths:
        log.info("refreshing %s", relative(p))
        refresh_notebook(p, kernel)
    return paths
