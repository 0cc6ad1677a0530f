"""Command line: `python -m helpers check | run | refresh-notebooks` (also the `gonv` script)."""
from __future__ import annotations

import argparse
import logging
import sys

from .errors import DataError
from .paths import NOTEBOOKS, RAW


def _check(args: argparse.Namespace) -> int:
    import pandas as pd

    from .checks import run_checks

    findings = run_checks(RAW)
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


def _run(args: argparse.Namespace) -> int:
    from .runner import PlanError, run_plan

    try:
        results = run_plan(args.plan, force=args.force, workers=args.workers, kernel=args.kernel,
                           timeout=args.timeout, only=args.only, progress=not args.no_progress)
    except PlanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = [r for r in results if r.status == "failed"]
    ran = sum(r.status == "ok" for r in results)
    skipped = sum(r.status == "skipped" for r in results)
    from .paths import REPORTS, relative

    print(f"{ran} ran, {skipped} unchanged (cached), {len(failed)} failed; index: {relative(REPORTS / 'index.html')}")
    return 1 if failed else 0


def _refresh(args: argparse.Namespace) -> int:
    from .nbclean import refresh_notebooks

    refresh_notebooks(args.notebooks, kernel=args.kernel)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and dispatch; a broken raw file gives one message and exit 1."""
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate all raw data and print the sources' own inconsistencies")
    run = sub.add_parser("run", help="execute the run plan and build the HTML report site")
    run.add_argument("--plan", type=lambda p: __import__("pathlib").Path(p),
                     default=NOTEBOOKS / "params" / "plan.yaml", help="run plan (YAML)")
    run.add_argument("--force", action="store_true", help="re-run even when nothing changed")
    run.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    run.add_argument("--kernel", default="gonv", help="Jupyter kernel name")
    run.add_argument("--timeout", type=int, default=600, help="per-cell timeout in seconds")
    run.add_argument("--only", default=None, help="run only the runs whose id contains this text")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    ref = sub.add_parser("refresh-notebooks", help="re-execute committed notebooks in place (nbval baseline), "
                         "cleaned of run-to-run noise, and rewrite their text pairs")
    ref.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                     help="notebooks to refresh, e.g. 10_recompute_distributions (default: all)")
    ref.add_argument("--kernel", default="gonv")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return {"check": _check, "run": _run, "refresh-notebooks": _refresh}[args.command](args)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head`: stop quietly
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
