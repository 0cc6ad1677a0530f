"""Command line: `python -m helpers check | run | refresh-notebooks | fetch` (also the `gonv` script).

Any error this package raises on purpose (helpers.errors.GonvError) becomes one line on stderr
and an exit code; nothing else is caught.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from ..errors import GonvError, PlanError
from .. import paths
from ..paths import relative


def _check(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..record.checks import run_checks
    from ..record.record import load_record

    findings = run_checks(load_record())
    with pd.option_context("display.width", 200, "display.max_colwidth", 90, "display.max_rows", 500):
        print(f"All raw tables parse and pass their schemas. Findings (inconsistencies in the sources): "
              f"{len(findings)}")
        if len(findings):
            summary = findings.groupby(["year", "table", "check"], dropna=False).agg(
                n=("difference", "size"), total_abs_difference=("difference", lambda s: s.abs().sum()))
            print(summary.to_string())
            print()
            for _, f in findings.iterrows():
                print(f"- [{f['table']}] {f['check']} {f['row']} / {f['column']}: printed {f['printed']:,.10g}, "
                      f"computed {f['computed']:,.10g}, difference {f['difference']:,.10g} {f['unit']}. "
                      f"{f['explanation']}")
    return 0


def _value(text: str) -> Any:
    """Parse a -p value as papermill's -y does (YAML): 2017 → int, true → bool, VGR → str."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _custom(args: argparse.Namespace) -> list[Any]:
    if not args.notebook:
        if args.p:
            raise PlanError("-p needs a NOTEBOOK: python -m helpers run NOTEBOOK -p NAME VALUE …")
        return []
    from .cache import Manifest
    from .plan import Run, _defaults, _fill, check_parameters, check_values, declared_parameters, notebook_path
    from .runner import _needs_templates

    path = notebook_path(args.notebook)
    params = {name: _value(value) for name, value in (args.p or [])}
    declared = declared_parameters(path, Manifest(paths.REPORTS).notebooks)
    check_parameters(path.name, params, declared)
    check_values(path.name, params)
    full = _defaults({k: v["default"] for k, v in declared.items()}) | params
    needs = _fill(_needs_templates(args.plan).get(path.name, []), full, path.name, "needs")
    return [Run(notebook=path.name, parameters=params, needs=needs, custom=True)]


def _run(args: argparse.Namespace) -> int:
    from .runner import run_plan

    results = run_plan(args.plan, force=args.force, workers=args.workers, kernel=args.kernel, timeout=args.timeout,
                       only=args.only, progress=not args.no_progress, custom=_custom(args), prune=args.prune,
                       needs_of_defaults=args.needs_of_defaults)
    failed = [r for r in results if r.status in {"failed", "blocked"}]
    ran = sum(r.status == "ok" for r in results)
    skipped = sum(r.status == "skipped" for r in results)
    print(f"{ran} ran, {skipped} unchanged (cached), {len(failed)} failed or blocked; "
          f"index: {relative(paths.REPORTS / 'index.html')}")
    for r in results:
        if r.custom and r.html:
            print(f"your run: {relative(paths.REPORTS / r.html)}")
    return 1 if failed else 0


def _refresh(args: argparse.Namespace) -> int:
    from .runner import refresh_notebooks

    done = refresh_notebooks(kernel=args.kernel, names=args.notebooks or None)
    print(f"refreshed {len(done)} notebook(s): {', '.join(p.name for p in done)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and dispatch; a GonvError gives one line and its exit code."""
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="show every log line (papermill's too)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate all raw data and print the sources' own inconsistencies")
    run = sub.add_parser("run", help="execute the run plan (or one notebook with your parameters) and build the site")
    run.add_argument("notebook", nargs="?", help="a notebook to run with your own parameters (a custom run)")
    run.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="a parameter of the custom run (repeat; values parsed as YAML, as papermill -y does)")
    run.add_argument("--plan", type=Path, default=paths.NOTEBOOKS / "params" / "plan.yaml", help="run plan (YAML)")
    run.add_argument("--force", action="store_true", help="re-run even when nothing changed")
    run.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    run.add_argument("--kernel", default="gonv", help="Jupyter kernel name")
    run.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    run.add_argument("--only", default=None, help="run only the runs whose id contains this text (and what they need)")
    run.add_argument("--prune", action="store_true", help="drop your own runs, and runs no longer in the plan, from the index and reports/ (their files too)")
    run.add_argument("--needs-of-defaults", action="store_true",
                     help="run only what the committed notebooks need when run with their defaults (before nbval)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                     help="show every log line (papermill's too)")
    ref = sub.add_parser("refresh-notebooks", help="re-execute committed notebooks in place (nbval baseline)")
    ref.add_argument("notebooks", nargs="*", help="notebook names (default: all)")
    ref.add_argument("--kernel", default="gonv")
    from ..opendata.cli import add_fetch_parser, run_fetch

    add_fetch_parser(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    if args.verbose:
        logging.getLogger("helpers").setLevel(logging.INFO)
    try:
        return {"check": _check, "run": _run, "refresh-notebooks": _refresh, "fetch": run_fetch}[args.command](args)
    except GonvError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into `head`: stop quietly
        sys.stderr.close()
        return 0
