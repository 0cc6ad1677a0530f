"""The landing page reports/index.html: every plan run and every kept custom run, with links."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import paths
from ..reports.derived import atomic_write_bytes, code_version
from .execute import TEMPLATES, Result


def _row(rid: str, e: dict[str, Any], status_now: dict[str, str]) -> dict[str, Any]:
    failed = e.get("status") == "failed"
    fail = e.get("last_failure") or (e if failed else None)
    links = []
    if e.get("html") and not (failed and not e.get("last_failure")):
        links += [("report", e["html"]), ("notebook", e["ipynb"])]
    if fail and fail.get("ipynb"):
        links += [("failed run", fail["html"]), ("failed notebook", fail["ipynb"])]
    state = ("failed" if failed else "blocked" if status_now.get(rid) == "blocked"
             else "ok (cached)" if status_now.get(rid) == "skipped" else e.get("status", "not run"))
    return {"failed": failed, "params": ", ".join(f"{k} = {v}" for k, v in (e.get("parameters") or {}).items())
            or "defaults", "state": state, "error": (fail or {}).get("error") or "",
            "kept": bool(failed and e.get("last_failure")), "duration": f"{e.get('duration_s', 0):.1f} s",
            "headline": list((e.get("headline") or {}).items()), "links": links, "finished": e.get("finished_at", "")}


def write_index(plan_ids: list[str], manifest: dict[str, dict[str, Any]], results: list[Result],
                years: list[int], reports: Path | None = None) -> Path:
    """Write reports/index.html from the manifest (escaped by the template)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    reports = reports or paths.REPORTS
    status_now = {r.run_id: r.status for r in results}
    sections: dict[str, list[dict[str, Any]]] = {}
    for rid in plan_ids:
        e = manifest.get(rid, {})
        sections.setdefault(rid.split("--")[0], []).append(_row(rid, e, status_now))
    custom = [rid for rid, e in manifest.items() if e.get("custom")]
    out = [{"title": stem, "rows": rows, "note": ""} for stem, rows in sections.items()]
    if custom:
        out.append({"title": "Your own runs", "note": "Runs started with `python -m helpers run NOTEBOOK -p …`; "
                    "they stay here until `python -m helpers run --prune`.",
                    "rows": [_row(rid, manifest[rid], status_now) | {"params": f"{manifest[rid]['notebook']}: "
                             + (", ".join(f"{k} = {v}" for k, v in manifest[rid]['parameters'].items()) or "defaults")}
                             for rid in sorted(custom)]})
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True))
    page = env.get_template("site.html.j2").render(
        sections=out, n_runs=len(plan_ids) + len(custom),
        n_failed=sum(1 for rid in plan_ids + custom if manifest.get(rid, {}).get("status") == "failed"),
        code_version=code_version(), first_year=min(years) if years else "", last_year=max(years) if years else "")
    path = reports / "index.html"
    atomic_write_bytes(path, page.encode("utf-8"))
    return path
