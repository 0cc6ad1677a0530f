"""Benchmark the continuity indices (DuckDB) and the bootstrap of the change, on this machine.

Goals (issues: continuity indices; targets and continuity with uncertainty):
- pandas: all five indices for 10 million visits (1 million patients): at most 3 s wall and 1.5 GiB
  peak memory, and at least 3x faster than the pandas group-by measured in the same run; 50 million
  visits read from Parquet: at most 20 s wall, peak memory under 4 GiB;
- bootstrap: intervals (200 replicates) of the baseline → current change for 21 regions × two windows
  on 1 million patients: at most 10 s (patient-level indices given; the bootstrap is what is timed);
- scaling: all indices for 200 million visits read from partitioned Parquet: at most 90 s and 6 GiB
  peak; the table shows time and memory at 10, 50, 100 and 200 million visits.

Each measurement runs in a fresh Python process (peak memory: VmHWM). The data are SYNTHETIC
(helpers.analyses.synthetic). The scaling data are written outside the repository (default
/tmp/gonv-bench, reused when present; delete it afterwards) and never committed.
Usage: .venv/bin/python benchmarks/bench_continuity.py [pandas|bootstrap|scaling ...] [--skip-50m]
       [--data-dir DIR] [--sizes 10,50,100,200] [--repeat N]
With no step named, runs pandas and bootstrap (scaling generates ~10 GB and takes many minutes).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

# Peak memory is VmHWM of the child (getrusage's ru_maxrss would carry over the parent's peak
# across fork/exec). Wall time counts reading the Parquet file and computing, not importing.
CHILD = r"""
import json, sys, time
import pandas as pd
from helpers.analyses.continuity import patient_indices, patient_indices_pandas
mode, path = sys.argv[1], sys.argv[2]
t = time.perf_counter()
if mode == "duckdb":
    out = patient_indices(path)
else:
    out = patient_indices_pandas(pd.read_parquet(path, columns=["patient_id", "provider_id", "visit_time"]))
wall = time.perf_counter() - t
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"wall_s": round(wall, 2), "patients": len(out), "peak_gib": round(hwm / 2**20, 2)}))
"""


def measure(mode: str, path: Path, repeat: int = 3) -> dict[str, object]:
    """Run `repeat` fresh processes; report the median wall time, every time, and the largest peak."""
    runs = []
    for _ in range(repeat):
        res = subprocess.run([sys.executable, "-c", CHILD, mode, str(path)], capture_output=True, text=True, cwd=ROOT)
        if res.returncode:
            raise SystemExit(res.stderr[-3000:])
        runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    walls = sorted(r["wall_s"] for r in runs)
    return {"wall_s": walls[len(walls) // 2], "wall_runs_s": [r["wall_s"] for r in runs],
            "peak_gib": max(r["peak_gib"] for r in runs), "patients": runs[0]["patients"]}


BOOT_CHILD = r"""
import json, sys, time
import numpy as np, pandas as pd
from helpers.analyses.continuity import bootstrap_change
n, reps = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
regions = np.array([f"region {i:02d}" for i in range(21)])
# two windows of n patients each, 80 % of them in both (SYNTHETIC patient-level indices)
cur = pd.DataFrame({"patient_id": np.arange(n), "region": regions[rng.integers(0, 21, n)], "coc": rng.beta(3, 2, n)})
base = pd.DataFrame({"patient_id": np.arange(n // 5, n + n // 5), "region": regions[rng.integers(0, 21, n)],
                     "coc": rng.beta(3, 2.2, n)})
t = time.perf_counter()
out = bootstrap_change(base, cur, replicates=reps)
wall = time.perf_counter() - t
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"wall_s": round(wall, 2), "patients": len(out), "peak_gib": round(hwm / 2**20, 2)}))
"""


def _run_child(code: str, *args: str) -> dict[str, object]:
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT)
    if res.returncode:
        raise SystemExit(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def bench_bootstrap(repeat: int) -> dict[str, object]:
    """Time the bootstrap on 1 M patients per window, 21 regions, 200 replicates."""
    runs = [_run_child(BOOT_CHILD, "1000000", "200") for _ in range(repeat)]
    walls = sorted(r["wall_s"] for r in runs)  # type: ignore[type-var]
    res = {"wall_s": walls[len(walls) // 2], "wall_runs_s": [r["wall_s"] for r in runs],
           "peak_gib": max(r["peak_gib"] for r in runs)}  # type: ignore[type-var]
    res["goal_met"] = res["wall_s"] <= 10  # type: ignore[operator]
    return res


def bench_scaling(data_dir: Path, sizes_m: list[int]) -> dict[str, object]:
    """Write (or reuse) a partitioned SYNTHETIC extract and time all indices on its first k parts."""
    import pyarrow.parquet as pq

    from helpers.analyses.synthetic import write_partitioned

    parts_dir = data_dir / "parts"
    t = time.perf_counter()
    parts = sorted(parts_dir.glob("part-*.parquet")) if parts_dir.exists() else []
    rows = [pq.ParquetFile(p).metadata.num_rows for p in parts]
    if sum(rows) < max(sizes_m) * 1_000_000:
        parts = write_partitioned(parts_dir, max(sizes_m) * 1_000_000, start="2020-01-01", end="2022-12-31")
        rows = [pq.ParquetFile(p).metadata.num_rows for p in parts]
    generate_s = round(time.perf_counter() - t, 1)
    table = []
    cum = 0
    for size in sizes_m:
        k = next(i + 1 for i in range(len(rows)) if sum(rows[: i + 1]) >= size * 1_000_000)
        sub = data_dir / f"first_{size}m"
        sub.mkdir(exist_ok=True)
        for p in parts[:k]:   # a folder of links to the first k parts: one glob per size
            link = sub / p.name
            if not link.exists():
                link.symlink_to(p.resolve())
        visits = sum(rows[:k])
        r = _run_child(CHILD, "duckdb", str(sub / "*.parquet"))
        table.append({"visits_m": round(visits / 1e6, 1), "parts": k, **r})
        cum += 1
    biggest = table[-1]
    return {"generate_or_reuse_s": generate_s, "table": table,
            "goal_met": biggest["wall_s"] <= 90 and biggest["peak_gib"] <= 6}  # type: ignore[operator]


def bench_pandas(skip_50m: bool) -> dict[str, object]:
    """The original comparison: 10 M visits, DuckDB vs pandas, and 50 M from one Parquet file."""
    from helpers.analyses.synthetic import write_large

    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        p10 = Path(tmp) / "visits_10m.parquet"
        t = time.perf_counter()
        # 1 M people over three years at 3.4 contacts a person-year: about 10 M visits
        write_large(p10, 1_000_000, start="2020-01-01", end="2022-12-31", visits_per_person_year=3.4)
        import pyarrow.parquet as pq

        results["visits_10m"] = pq.ParquetFile(p10).metadata.num_rows
        results["generate_10m_s"] = round(time.perf_counter() - t, 1)
        results["duckdb_10m"] = measure("duckdb", p10)
        results["pandas_10m"] = measure("pandas", p10)
        results["speedup_vs_pandas"] = round(results["pandas_10m"]["wall_s"] / results["duckdb_10m"]["wall_s"], 2)  # type: ignore[index]
        p10.unlink()
        if not skip_50m:
            p50 = Path(tmp) / "visits_50m.parquet"
            write_large(p50, 5_000_000, start="2020-01-01", end="2022-12-31", visits_per_person_year=3.4)
            results["visits_50m"] = pq.ParquetFile(p50).metadata.num_rows
            results["duckdb_50m"] = measure("duckdb", p50, repeat=1)
    d10, d50 = results["duckdb_10m"], results.get("duckdb_50m")
    results["goal_met"] = (d10["wall_s"] <= 3 and d10["peak_gib"] <= 1.5 and results["speedup_vs_pandas"] >= 3  # type: ignore[index,operator]
                           and (d50 is None or (d50["wall_s"] <= 20 and d50["peak_gib"] < 4)))  # type: ignore[index]
    return results


def _option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def main() -> int:
    steps = [a for a in sys.argv[1:] if a in ("pandas", "bootstrap", "scaling")] or ["pandas", "bootstrap"]
    repeat = int(_option("--repeat", "3"))
    results: dict[str, object] = {}
    if "pandas" in steps:
        results["pandas"] = bench_pandas("--skip-50m" in sys.argv)
    if "bootstrap" in steps:
        results["bootstrap"] = bench_bootstrap(repeat)
    if "scaling" in steps:
        sizes = [int(x) for x in _option("--sizes", "10,50,100,200").split(",")]
        results["scaling"] = bench_scaling(Path(_option("--data-dir", "/tmp/gonv-bench")), sizes)
    print(json.dumps(results, indent=2))
    ok = all(r["goal_met"] for r in results.values())  # type: ignore[index]
    print("goals met" if ok else "GOALS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
