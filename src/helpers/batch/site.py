"""The landing pages: reports/index.html (Swedish) and reports/index.en.html (English).

Each lists the plan's runs of its language (and the runs of notebooks that have no language), grouped
by notebook under a title in words, with the headline figures as the report printed them, and links
to the report, its executed notebook and its twin in the other language.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import paths
from ..reports.derived import atomic_write_bytes, code_version
from ..reports.i18n import LANGUAGES, Catalogue, catalogue
from .execute import TEMPLATES, Result

PAGES = {"sv": "index.html", "en": "index.en.html"}
ORDER_KEY = "_order"  # helpers.reports.format.HEADLINE_ORDER (not imported: it would bring pandas into the runner)


# parameters in the order a reader asks them (the manifest stores them sorted); others after, by name
PARAM_ORDER = ("year", "base_year", "target_year", "region", "target_id", "indicator", "measure_type", "profession")
_RANK = {k: i for i, k in enumerate(PARAM_ORDER)}
ZONE = "Europe/Stockholm"  # the readers' time


def _finished(stamp: str, language: str) -> str:
    """Return when a run finished, in Swedish time and the reader's locale: '25 nov. 2026 04:02'."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    from ..reports.i18n import LOCALES

    try:
        when = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return ""
    return format_datetime(when.astimezone(ZoneInfo(ZONE)), format="d MMM y HH:mm", locale=LOCALES[language])


def _params(e: dict[str, Any], cat: Catalogue) -> str:
    shown = []
    params = e.get("parameters") or {}
    for k, v in sorted(params.items(), key=lambda kv: (_RANK.get(kv[0], len(_RANK)), kv[0])):
        if k == "language":
            continue
        label = cat.t(f"params.{k}") if cat.has(f"params.{k}") else k
        if k == "target_id" and cat.has(f"targets.{v}"):
            value = cat.t(f"targets.{v}")
        elif k in ("indicator", "measure_type") and "target_id" in params:
            continue  # the target says what is measured
        elif cat.has(f"codes.{k}.{v}"):  # a coded value in words (profession: doctor → läkare)
            value = cat.t(f"codes.{k}.{v}")
        else:
            value = v
        shown.append(f"{label}: {value}")
    return ", ".join(shown) or cat.t("site.defaults")


def _row(rid: str, e: dict[str, Any], status_now: dict[str, str], cat: Catalogue, twin: str | None,
         twin_manifest: dict[str, Any] | None) -> dict[str, Any]:
    failed = e.get("status") == "failed"
    fail = e.get("last_failure") or (e if failed else None)
    links = []
    if e.get("html") and not (failed and not e.get("last_failure")):
        links += [(cat.t("site.report"), e["html"]), (cat.t("site.notebook"), e["ipynb"])]
    if twin and twin_manifest and twin_manifest.get("html"):
        links.append((cat.t("site.twin"), twin_manifest["html"]))
    if fail and fail.get("ipynb"):
        links += [(cat.t("site.failed_run"), fail["html"]), (cat.t("site.failed_notebook"), fail["ipynb"])]
    state = (cat.t("site.failed") if failed else cat.t("site.blocked") if status_now.get(rid) == "blocked"
             else cat.t("site.cached") if status_now.get(rid) == "skipped"
             else cat.t("site.ok") if e.get("status") == "ok" else cat.t("site.not_run"))
    seconds = f"{e.get('duration_s', 0):.1f}".replace(".", "," if cat.language == "sv" else ".")
    return {"failed": failed, "params": _params(e, cat), "state": state, "error": (fail or {}).get("error") or "",
            "kept": bool(failed and e.get("last_failure")), "duration": cat.t("site.seconds", s=seconds),
            "headline": _headline(e), "links": links, "finished": _finished(e.get("finished_at", ""), cat.language)}


def _twin_key(e: dict[str, Any]) -> tuple[str, str] | None:
    """Return what a run and its other-language twin share: the notebook and every parameter but the language."""
    params = dict(e.get("parameters") or {})
    if "language" not in params or not e.get("notebook"):
        return None
    params.pop("language")
    return e["notebook"], json.dumps(params, sort_keys=True, ensure_ascii=False)


def _headline(e: dict[str, Any]) -> list[tuple[str, Any]]:
    """Return the headline figures in the order the report printed them (the ipynb stores them sorted)."""
    h = dict(e.get("headline") or {})
    order = h.pop(ORDER_KEY, None)
    if isinstance(order, list):
        return [(k, h[k]) for k in order if k in h] + [(k, v) for k, v in h.items() if k not in order]
    return list(h.items())


def write_index(plan_ids: list[str], manifest: dict[str, dict[str, Any]], results: list[Result],
                years: list[int], reports: Path | None = None) -> Path:
    """Write the index pages (one per language) from the manifest; return the Swedish one (escaped by the template)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    reports = reports or paths.REPORTS
    status_now = {r.run_id: r.status for r in results}
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True))
    custom = [rid for rid, e in manifest.items() if e.get("custom")]
    twins: dict[tuple[str, str], dict[str, str]] = {}
    for rid in plan_ids:
        key = _twin_key(manifest.get(rid, {}))
        if key:
            twins.setdefault(key, {})[manifest[rid]["parameters"]["language"]] = rid
    first = None
    for language in LANGUAGES:
        cat = catalogue(language)
        other = [lang for lang in LANGUAGES if lang != language][0]
        sections: dict[str, list[dict[str, Any]]] = {}
        for rid in plan_ids:
            e = manifest.get(rid, {})
            lang = (e.get("parameters") or {}).get("language")
            if lang is not None and lang != language:
                continue
            key = _twin_key(e)
            twin = twins.get(key, {}).get(other) if key else None
            sections.setdefault(rid.split("--")[0], []).append(
                _row(rid, e, status_now, cat, twin, manifest.get(twin) if twin else None))
        out = [{"title": cat.t(f"site.sections.{stem}") if cat.has(f"site.sections.{stem}") else stem, "rows": rows,
                "note": ""} for stem, rows in sections.items()]
        if custom:
            out.append({"title": cat.t("site.own_runs"), "note": cat.t("site.own_runs_note"),
                        "rows": [_row(rid, manifest[rid], status_now, cat, None, None)
                                 | {"params": f"{manifest[rid]['notebook']}: " + _params(manifest[rid], cat)}
                                 for rid in sorted(custom)]})
        n_failed = sum(1 for rid in plan_ids + custom if manifest.get(rid, {}).get("status") == "failed")
        page = env.get_template("site.html.j2").render(
            lang=language, t=cat.t, sections=out, other_index=PAGES[other],
            title=cat.t("site.title", first=min(years) if years else "", last=max(years) if years else ""),
            intro=cat.t("site.intro", n_runs=len(plan_ids) + len(custom), n_failed=n_failed, code_version=code_version()))
        path = reports / PAGES[language]
        atomic_write_bytes(path, page.encode("utf-8"))
        first = first or path
    return first  # type: ignore[return-value]
