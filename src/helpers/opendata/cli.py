"""`python -m helpers fetch kolada KPI… | fetch scb TABLE…`: fetch open data into snapshots."""
from __future__ import annotations

import argparse
import re

from ..errors import DataError


def _years(values: list[str] | None) -> list[int] | None:
    """Parse '2019 2020' or '2019-2024' or '2019,2020' into a sorted list of years."""
    if not values:
        return None
    years: set[int] = set()
    for v in values:
        for part in v.split(","):
            m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", part)
            if not m:
                raise DataError("--years", f"'{part}' is not a year or a range like 2019-2024")
            lo, hi = int(m[1]), int(m[2] or m[1])
            if hi < lo:
                raise DataError("--years", f"'{part}' runs backwards")
            years.update(range(lo, hi + 1))
    return sorted(years)


def _list(values: list[str] | None) -> list[str] | None:
    return [p.strip() for v in values for p in v.split(",") if p.strip()] if values else None


def add_fetch_parser(sub: argparse._SubParsersAction) -> None:
    """Add the `fetch` command and its two sources to the CLI."""
    fetch = sub.add_parser("fetch", help="fetch open data (Kolada, SCB) into data/raw/snapshots (needs network)")
    src = fetch.add_subparsers(dest="source", required=True)
    kol = src.add_parser("kolada", help="Kolada v3 KPI values per region (one snapshot per KPI)")
    kol.add_argument("kpis", nargs="+", metavar="KPI", help="Kolada KPI ids, e.g. N79503")
    scb = src.add_parser("scb", help="SCB PxWeb v2 table per county (one snapshot per table)")
    scb.add_argument("tables", nargs="+", metavar="TABLE", help="table ids, e.g. FolkmangdNov or TAB6471")
    for p, env in ((kol, "GONV_KOLADA_URL"), (scb, "GONV_SCB_URL")):
        p.add_argument("--regions", nargs="+", default=None,
                       help="county codes (01…25), Kolada ids (0001…) or region names; default: all 21")
        p.add_argument("--years", nargs="+", default=None, help="years or ranges: 2018 2019 or 2018-2024")
        p.add_argument("--base-url", default=None, help=f"service base URL (default: ${env} or the public service)")


def run_fetch(args: argparse.Namespace) -> int:
    """Fetch, write the snapshots, print one line per snapshot."""
    from ..paths import relative
    from .kolada import fetch_kolada
    from .scb import fetch_scb

    years = _years(args.years)
    regions = _list(args.regions)
    if args.source == "kolada":
        snaps = fetch_kolada(args.kpis, regions=regions, years=years, base=args.base_url)
    else:
        snaps = fetch_scb(args.tables, regions=regions, years=years, base=args.base_url)
    for s in snaps:
        print(f"wrote {relative(s.path)} ({s.meta['bytes']:,} bytes, sha256 {s.sha256[:12]}…, "
              f"licence {s.meta.get('licence', '')})")
    return 0
