"""Batch runner: execute the run plan with papermill, render HTML with nbconvert, link it all.

- Every parameter set is checked against the notebook's own `parameters` cell before any
  kernel starts (unknown name or wrong type: an error naming notebook and parameter).
- Runs go to worker processes (papermill is safe across processes, not threads).
- Outputs are written atomically; a failed run keeps its executed notebook (error visible) as
  `*.failed.ipynb` and never replaces the last good HTML.
- A manifest caches runs: a run whose notebook, parameters, input files and dependency set are
  unchanged since its last good run is skipped without starting a kernel.
"""
from __future__ import annotations

import glob
import hashlib
import html
import json
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from .io import atomic_write_bytes, code_version
from .paths import NOTEBOOKS, REPORTS, ROOT
from .constants import HEADLINE_MIME

log = logging.getLogger("helpers.runner")

KERNEL = "gonv"
ALWAYS_INPUTS = ["pyproject.toml", "src/helpers/**/*.py", "data/raw/catalog.yml"]
TYPE_NAMES = {"int": (int,), "float": (float, int), "str": (str,), "bool": (bool,), "list": (list,),
              "dict": (dict,)}


class PlanError(ValueError):
    """The run plan is wrong: unknown notebook or parameter, or a parameter of the wrong type."""


@dataclass
class Run:
    """One notebook executed with one parameter set."""

    notebook: str
    parameters: dict[str, Any]
    inputs: list[str]
    run_id: str = ""
    key: str = ""

    def __post_init__(self) -> None:
        stem = Path(self.notebook).stem
        suffix = "_".join(f"{k}-{v}" for k, v in self.parameters.items())
        self.run_id = f"{stem}__{suffix}" if suffix else stem

    @property
    def out_dir(self) -> Path:
        return REPORTS / Path(self.notebook).stem


@dataclass
class Result:
    """What happened to one run."""

    run_id: str
    notebook: str
    parameters: dict[str, Any]
    status: str                       # ok | failed | skipped
    duration_s: float = 0.0
    html: str | None = None
    ipynb: str | None = None
    error: str | None = None
    headline: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    finished_at: str = ""
    code_version: str = ""


def _declared_parameters(nb_path: Path, cache: dict[str, Any]) -> dict[str, Any]:
    """Return the notebook's parameters (papermill's inspection), cached by the notebook's hash."""
    digest = hashlib.sha256(nb_path.read_bytes()).hexdigest()
    hit = cache.get(nb_path.name)
    if hit and hit.get("sha256") == digest:
        return hit["parameters"]
    import papermill as pm  # only when a notebook changed: importing papermill costs about a second

    declared = {k: {"inferred_type_name": v.get("inferred_type_name"), "default": v.get("default"),
                    "help": v.get("help")} for k, v in pm.inspect_notebook(str(nb_path)).items()}
    cache[nb_path.name] = {"sha256": digest, "parameters": declared}
    return declared


def load_plan(path: Path, cache: dict[str, Any] | None = None) -> list[Run]:
    """Read a run plan (YAML) into runs, validating each parameter set against its notebook."""
    cache = {} if cache is None else cache
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    runs: list[Run] = []
    for entry in doc.get("runs", []):
        nb = entry["notebook"]
        nb_path = NOTEBOOKS / nb
        if not nb_path.is_file():
            raise PlanError(f"{path.name}: notebook {nb} does not exist")
        declared = _declared_parameters(nb_path, cache)
        if not declared:
            raise PlanError(f"{nb}: no cell tagged 'parameters'")
        for params in entry.get("parameters") or [{}]:
            for name, value in params.items():
                if name not in declared:
                    raise PlanError(f"{nb}: unknown parameter '{name}' "
                                    f"(the notebook declares: {', '.join(declared)})")
                tname = declared[name].get("inferred_type_name", "None")
                base = tname.split("[")[0].split("|")[0].strip()
                allowed = TYPE_NAMES.get(base)
                if allowed and (not isinstance(value, allowed) or (base != "bool" and isinstance(value, bool))):
                    raise PlanError(f"{nb}: parameter '{name}' must be {tname}, got {type(value).__name__} "
                                    f"{value!r}")
            runs.append(Run(notebook=nb, parameters=dict(params), inputs=list(entry.get("inputs") or [])))
    return runs


def _check_kernel(kernel: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        raise PlanError(f"Jupyter kernel '{kernel}' is not installed; `make reports` registers it "
                        f"(or: .venv/bin/python -m ipykernel install --sys-prefix --name {kernel})") from None


def _files(patterns: list[str]) -> list[Path]:
    out: set[Path] = set()
    for pat in patterns:
        out.update(Path(p) for p in glob.glob(str(ROOT / pat), recursive=True) if Path(p).is_file())
    return sorted(out)


def run_key(run: Run) -> str:
    """Hash everything a run's output depends on: notebook, parameters, inputs, dependency set."""
    h = hashlib.sha256()
    h.update((NOTEBOOKS / run.notebook).read_bytes())
    h.update(json.dumps(run.parameters, sort_keys=True).encode())
    for f in _files(run.inputs + ALWAYS_INPUTS):
        h.update(os.path.relpath(f, ROOT).encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _headline(nb: Any) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if HEADLINE_MIME in data:
                figures.update(data[HEADLINE_MIME])
    return figures


def to_html(nb: Any, *, show_input: bool = False) -> str:
    """Render an executed notebook to HTML (lab template, figures embedded, code hidden)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="gonv", extra_template_basedirs=[str(Path(__file__).parent / "templates")],
                            exclude_input=not show_input,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def execute_run(run: Run, kernel: str = KERNEL, timeout: int = 600) -> Result:
    """Execute one run in this process; write its outputs atomically and return the result."""
    import nbformat
    import papermill as pm

    logging.getLogger("papermill").setLevel(logging.WARNING)
    run.out_dir.mkdir(parents=True, exist_ok=True)
    tmp = run.out_dir / f".{run.run_id}.running.ipynb"
    start = time.perf_counter()
    status, error = "ok", None
    try:
        pm.execute_notebook(str(NOTEBOOKS / run.notebook), str(tmp), parameters=run.parameters,
                            kernel_name=kernel, execution_timeout=timeout, progress_bar=False,
                            cwd=str(NOTEBOOKS), report_mode=False)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and the plan goes on
        status, error = "failed", f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
    duration = time.perf_counter() - start
    result = Result(run_id=run.run_id, notebook=run.notebook, parameters=run.parameters, status=status,
                    duration_s=round(duration, 2), error=error, key=run.key,
                    finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    code_version=code_version())
    if not tmp.exists():
        result.error = result.error or "papermill wrote no notebook"
        return result
    nb = nbformat.read(tmp, as_version=4)
    if status == "ok":
        ipynb, page = run.out_dir / f"{run.run_id}.ipynb", run.out_dir / f"{run.run_id}.html"
        result.headline = _headline(nb)
        atomic_write_bytes(page, to_html(nb).encode("utf-8"))
        os.replace(tmp, ipynb)
        for stale in (run.out_dir / f"{run.run_id}.failed.ipynb", run.out_dir / f"{run.run_id}.failed.html"):
            stale.unlink(missing_ok=True)
    else:
        ipynb, page = run.out_dir / f"{run.run_id}.failed.ipynb", run.out_dir / f"{run.run_id}.failed.html"
        atomic_write_bytes(page, to_html(nb, show_input=True).encode("utf-8"))
        os.replace(tmp, ipynb)
    result.html, result.ipynb = str(page.relative_to(REPORTS)), str(ipynb.relative_to(REPORTS))
    return result


def _manifest_path() -> Path:
    return REPORTS / "manifest.json"


def read_manifest_section(section: str) -> dict[str, Any]:
    """Return one section of the manifest (empty when there is none or it is unreadable)."""
    try:
        return dict(json.loads(_manifest_path().read_text(encoding="utf-8"))[section])
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def read_manifest() -> dict[str, dict[str, Any]]:
    """Return the manifest of earlier runs (empty when there is none or it is unreadable)."""
    return read_manifest_section("runs")


def run_plan(plan: Path, *, force: bool = False, workers: int | None = None, kernel: str = KERNEL,
             timeout: int = 600, only: str | None = None, progress: bool = True) -> list[Result]:
    """Run every run of the plan that is not cached; write the manifest and the index page."""
    from tqdm import tqdm

    inspected = read_manifest_section("notebooks")
    all_runs = load_plan(plan, inspected)
    runs = [r for r in all_runs if only in r.run_id] if only else all_runs
    manifest = read_manifest()
    todo, results = [], []
    for r in runs:
        r.key = run_key(r)
        prev = manifest.get(r.run_id)
        if (not force and prev and prev.get("status") == "ok" and prev.get("key") == r.key
                and prev.get("html") and (REPORTS / prev["html"]).is_file()):
            log.info("skipped %s: unchanged since its last good run", r.run_id)
            # the manifest may hold more than a Result (e.g. last_failure): keep the Result's fields
            fields = {k: v for k, v in prev.items() if k in Result.__dataclass_fields__}
            results.append(Result(**{**fields, "status": "skipped"}))
        else:
            reason = "forced" if force else ("new" if not prev else "inputs changed" if prev.get("key") != r.key
                                             else "last run failed or its report is missing")
            log.info("will run %s (%s)", r.run_id, reason)
            todo.append(r)
    workers = workers or os.cpu_count() or 1
    if todo:
        _check_kernel(kernel)
        with ProcessPoolExecutor(max_workers=min(workers, len(todo))) as pool:
            futures = {pool.submit(execute_run, r, kernel, timeout): r for r in todo}
            bar = tqdm(total=len(todo), desc="notebooks", unit="run", disable=not progress)
            for fut in as_completed(futures):
                r = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a crashed worker is one failed run
                    res = Result(run_id=r.run_id, notebook=r.notebook, parameters=r.parameters,
                                 status="failed", error=f"{type(exc).__name__}: {exc}", key=r.key)
                if res.status == "ok":
                    log.info("ran %s in %.1f s -> %s", res.run_id, res.duration_s, REPORTS / str(res.html))
                else:
                    log.error("FAILED %s: %s (executed notebook: %s)", res.run_id, res.error, REPORTS / str(res.ipynb))
                results.append(res)
                bar.update(1)
            bar.close()
    order = {r.run_id: i for i, r in enumerate(runs)}
    results.sort(key=lambda x: order.get(x.run_id, 0))
    new_manifest = dict(manifest)
    for res in results:
        if res.status == "skipped":
            continue
        entry = asdict(res)
        if res.status == "failed" and res.run_id in manifest and manifest[res.run_id].get("status") == "ok":
            # keep pointing at the last good report, and record the failure beside it
            entry = {**manifest[res.run_id], "last_failure": asdict(res)}
            entry["status"] = "failed"
        new_manifest[res.run_id] = entry
    atomic_write_bytes(_manifest_path(), json.dumps({"runs": new_manifest, "notebooks": inspected},
                                                    ensure_ascii=False, indent=1).encode("utf-8"))
    write_index([r.run_id for r in all_runs], new_manifest, results)
    return results


def write_index(run_ids: list[str], manifest: dict[str, dict[str, Any]], results: list[Result]) -> Path:
    """Write reports/index.html: every run with status, duration, headline figures and links."""
    status_now = {r.run_id: r.status for r in results}
    by_nb: dict[str, list[str]] = {}
    for rid in run_ids:
        by_nb.setdefault(rid.split("__")[0], []).append(rid)
    parts = []
    for stem, rids in by_nb.items():
        rows = []
        for rid in rids:
            e = manifest.get(rid, {})
            failed = e.get("status") == "failed"
            fail = e.get("last_failure") or (e if failed else None)
            params = ", ".join(f"{k} = {v}" for k, v in (e.get("parameters") or {}).items()) or "defaults"
            links = []
            if e.get("html") and not (failed and not e.get("last_failure")):
                links.append(f'<a href="{html.escape(e["html"])}">report</a>')
                links.append(f'<a href="{html.escape(e["ipynb"])}">notebook</a>')
            if fail and fail.get("ipynb"):
                links.append(f'<a href="{html.escape(fail["html"])}">failed run</a>')
                links.append(f'<a href="{html.escape(fail["ipynb"])}">failed notebook</a>')
            heads = "".join(f"<li><b>{html.escape(str(k))}</b>: {html.escape(str(v))}</li>"
                            for k, v in (e.get("headline") or {}).items())
            state = "failed" if failed else ("ok (cached)" if status_now.get(rid) == "skipped" else "ok")
            err = f'<div class="err">{html.escape(fail.get("error") or "")}</div>' if fail else ""
            if failed and e.get("last_failure"):
                err += '<div class="note">The report linked is the last good one.</div>'
            rows.append(f'<tr class="{"bad" if failed else "good"}"><td>{html.escape(params)}</td>'
                        f'<td>{state}{err}</td><td class="num">{e.get("duration_s", 0):.1f} s</td>'
                        f'<td><ul>{heads}</ul></td><td>{" · ".join(links)}</td>'
                        f'<td>{html.escape(e.get("finished_at", ""))}</td></tr>')
        parts.append(f"<h2>{html.escape(stem)}</h2><table><thead><tr><th>Parameters</th><th>Status</th>"
                     f"<th>Duration</th><th>Headline figures</th><th>Links</th><th>Finished (UTC)</th></tr>"
                     f"</thead><tbody>{''.join(rows)}</tbody></table>")
    n_fail = sum(1 for rid in run_ids if manifest.get(rid, {}).get("status") == "failed")
    page = f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>God och nära vård – rapporter</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 2rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left; vertical-align: top; }}
td.num {{ text-align: right; white-space: nowrap; }}
tr.bad td {{ background: #fdecea; }} .err {{ color: #a00; font-size: .9em; }} .note {{ font-size: .85em; }}
ul {{ margin: 0; padding-left: 1.1rem; }}
</style></head><body>
<h1>God och nära vård 2017–2021: reports</h1>
<p>Reproducible analysis of the state–SKR agreements. Every report is a notebook executed with papermill
for one parameter set; figures from the printed agreements are recomputed and reconciled to the krona.
Runs: {len(run_ids)}, failed: {n_fail}. Code version {html.escape(code_version())}.</p>
{''.join(parts)}
</body></html>
"""
    path = REPORTS / "index.html"
    atomic_write_bytes(path, page.encode("utf-8"))
    return path


def refresh_notebooks(kernel: str = KERNEL, names: list[str] | None = None) -> None:
    """Re-execute the named committed notebooks (all when none) in place, cleaned, with their text pairs."""
    from .nbclean import refresh_notebooks as refresh

    refresh(names, kernel=kernel)
