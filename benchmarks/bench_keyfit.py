"""Benchmark the exact key search (helpers.analyses.keyfit) on the 2017 Tabell 1 and Tabell 2.

Goal (issue: unprinted keys): a search over 10^5–10^6 totals takes seconds, not minutes.
Two searches, all five rounding conventions each:
- a caller's range: SCB's end-of-October 2017 national stock (10 104 925) ± 5 %, about 10^6 totals;
- the default range: from the smallest total that gives the smallest county one inhabitant up to just
  below twice the first total that works (about 2·10^7 totals).
Reports the median wall time of several runs (in this process, after one warm-up run).
Usage: .venv/bin/python benchmarks/bench_keyfit.py [--runs N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.analyses.keyfit import PrintedColumn, fit_key  # noqa: E402
from helpers.record.record import read_table  # noqa: E402

GOAL_S = 10.0   # "seconds, not minutes" for about a million totals


def columns() -> tuple[list[PrintedColumn], list[str]]:
    """Return the two 2017 columns and the county names."""
    t = read_table("2017_bilaga1_per_county")
    cols = [PrintedColumn(int(t.total[c]), [int(v) for v in t.data[c]], name=c)  # type: ignore[index]
            for c in ("tabell1_stimulansmedel_sek", "tabell2_specialistutbildning_sek")]
    return cols, t.data["region"].tolist()


def timed(runs: int, **kwargs: object) -> tuple[float, list[float], object]:
    """Return the median wall time, every run's time and the last result of fit_key(**kwargs)."""
    cols, labels = columns()
    fit_key(cols, labels=labels, **kwargs)  # warm-up
    times, fit = [], None
    for _ in range(runs):
        t = time.perf_counter()
        fit = fit_key(cols, labels=labels, **kwargs)
        times.append(time.perf_counter() - t)
    return statistics.median(times), times, fit


def main() -> int:
    """Run both searches and print the figures; exit 1 if the caller's-range search misses the goal."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    rng = (9_599_679, 10_610_171)
    med, times, fit = timed(args.runs, totals=rng)
    n = rng[1] - rng[0] + 1
    print(f"caller's range {rng[0]}–{rng[1]} ({n:,} totals × 5 conventions): median {med:.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times)}); key total {fit.total_range}")  # type: ignore[union-attr]
    med2, times2, fit2 = timed(max(1, args.runs // 2))
    a, b = fit2.searches["half_up"].totals_searched  # type: ignore[union-attr]
    print(f"default range {a}–{b} ({b - a + 1:,} totals × 5 conventions): median {med2:.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times2)})")
    ok = med <= GOAL_S
    print(f"goal: at most {GOAL_S:.0f} s for the caller's range: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
