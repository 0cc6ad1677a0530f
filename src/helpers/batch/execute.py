"""Execute one run with papermill and render its HTML with nbconvert; outputs written atomically.

A failed run keeps its executed notebook (error visible) as `*.failed.ipynb` and never replaces
the last good HTML. Runs a worker process each (papermill is safe across processes, not threads).
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..constants import HEADLINE_MIME, READS_MIME
from .. import paths
from ..reports.derived import atomic_write_bytes
from .plan import Run

KERNEL = "gonv"
TEMPLATES = Path(__file__).resolve().parents[1] / "reports" / "templates"


@dataclass
class Result:
    """What happened to one run."""

    run_id: str
    notebook: str
    parameters: dict[str, Any]
    status: str                       # ok | failed | skipped | blocked
    duration_s: float = 0.0
    html: str | None = None
    ipynb: str | None = None
    error: str | None = None
    headline: dict[str, Any] = field(default_factory=dict)
    reads: dict[str, str] = field(default_factory=dict)
    key: str = ""
    finished_at: str = ""
    custom: bool = False


def _outputs(nb: Any, mime: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if mime in data:
                found.update(data[mime])
    return found


def output_markdown(source: str) -> str:
    """Render a Markdown *output* to HTML with any raw HTML in it shown as text, and no script links.

    Outputs carry data and parameters; the notebook's own Markdown cells keep nbconvert's renderer.
    """
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    return MarkdownWithMath(renderer=IPythonRenderer(escape=True, allow_harmful_protocols=False)).render(source)


def to_html(nb: Any, *, show_input: bool = False) -> str:
    """Render an executed notebook to HTML (lab template, figures embedded, code hidden, outputs escaped)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="gonv", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=not show_input, exclude_input_prompt=True, exclude_output_prompt=True,
                            filters={"output_markdown": output_markdown})
    body, _ = exporter.from_notebook_node(nb)
    return body


def _error_line(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = [ln for ln in text.splitlines() if ln.strip() and not set(ln.strip()) <= set("-")]
    return f"{type(exc).__name__}: {lines[-1] if lines else ''}".strip()


def _timeout_line(nb_path: Path, exc: BaseException, timeout: int) -> str:
    """Name the cell that timed out (its position and first source line) and the limit."""
    index, first = None, ""
    try:
        import nbformat

        nb = nbformat.read(nb_path, as_version=4)
        started = [i for i, c in enumerate(nb.cells) if (c.metadata.get("papermill") or {}).get("start_time")]
        if started:
            index = started[-1]
            first = next((ln.strip() for ln in nb.cells[index].source.splitlines() if ln.strip()), "")
    except Exception:  # noqa: BLE001 - the message still names the limit
        pass
    if not first:  # nbclient's message previews the cell between two rules of dashes
        parts = str(exc).split("-------------------")
        first = next((ln.strip() for ln in (parts[1] if len(parts) > 2 else "").splitlines() if ln.strip()), "")
    where = f"cell {index + 1}" if index is not None else "a cell"
    if first:
        where += f" ({first[:60]!r})"
    return (f"{type(exc).__name__}: {where} ran longer than the limit of {timeout} s per cell "
            "(--timeout SECONDS)")


def execute_run(run: Run, kernel: str = KERNEL, timeout: int = 600, reports: Path | None = None) -> Result:
    """Execute one run in this process; write its outputs atomically and return the result."""
    import nbformat
    import papermill as pm

    reports = reports or paths.REPORTS
    logging.getLogger("papermill").setLevel(logging.WARNING)
    out_dir = reports / run.stem
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{run.run_id}.{os.getpid()}.running.ipynb"
    start = time.perf_counter()
    status, error = "ok", None
    os.environ["GONV_WRITES"] = json.dumps(run.writes)   # the kernel inherits it: write only these tables
    try:
        pm.execute_notebook(str(paths.NOTEBOOKS / run.notebook), str(tmp), parameters=run.parameters,
                            kernel_name=kernel, execution_timeout=timeout, progress_bar=False,
                            cwd=str(paths.NOTEBOOKS), report_mode=False)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and the plan goes on
        timed_out = isinstance(exc, TimeoutError) or type(exc).__name__ == "CellTimeoutError"
        status, error = "failed", _timeout_line(tmp, exc, timeout) if timed_out else _error_line(exc)
    finally:
        os.environ.pop("GONV_WRITES", None)
    result = Result(run_id=run.run_id, notebook=run.notebook, parameters=run.parameters, status=status,
                    duration_s=round(time.perf_counter() - start, 2), error=error,
                    finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), custom=run.custom)
    if not tmp.exists():
        result.status = "failed"
        result.error = result.error or "papermill wrote no notebook"
        return result
    nb = nbformat.read(tmp, as_version=4)
    try:
        if status == "ok":
            ipynb, page = out_dir / f"{run.run_id}.ipynb", out_dir / f"{run.run_id}.html"
            result.headline = _outputs(nb, HEADLINE_MIME)
            result.reads = _outputs(nb, READS_MIME)
            atomic_write_bytes(page, to_html(nb).encode("utf-8"))
            os.replace(tmp, ipynb)
            for stale in (out_dir / f"{run.run_id}.failed.ipynb", out_dir / f"{run.run_id}.failed.html"):
                stale.unlink(missing_ok=True)
        else:
            ipynb, page = out_dir / f"{run.run_id}.failed.ipynb", out_dir / f"{run.run_id}.failed.html"
            atomic_write_bytes(page, to_html(nb, show_input=True).encode("utf-8"))
            os.replace(tmp, ipynb)
    finally:
        tmp.unlink(missing_ok=True)
    result.html, result.ipynb = str(page.relative_to(reports)), str(ipynb.relative_to(reports))
    return result
