"""Benchmark the continuity indices (DuckDB) against a plain pandas group-by, on this machine.

Goals (issue: continuity indices):
- all five indices for 10 million visits (1 million patients): at most 3 s wall and 1.5 GiB peak
  memory, and at least 3x faster than the pandas group-by measured in the same run;
- 50 million visits read from Parquet: at most 20 s wall, peak memory under 4 GiB.

Each measurement runs in a fresh Python process (peak RSS from getrusage). The data are SYNTHETIC
(helpers.analyses.synthetic), written to a temporary folder.
Usage: .venv/bin/python benchmarks/bench_continuity.py [--skip-50m]
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


def main() -> int:
    from helpers.analyses.synthetic import write_large

    skip_50m = "--skip-50m" in sys.argv
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        p10 = Path(tmp) / "visits_10m.parquet"
        t = time.perf_counter()
        write_large(p10, 1_000_000, mean_visits=10.0)
        import pyarrow.parquet as pq

        results["visits_10m"] = pq.ParquetFile(p10).metadata.num_rows
        results["generate_10m_s"] = round(time.perf_counter() - t, 1)
        results["duckdb_10m"] = measure("duckdb", p10)
        results["pandas_10m"] = measure("pandas", p10)
        results["speedup_vs_pandas"] = round(results["pandas_10m"]["wall_s"] / results["duckdb_10m"]["wall_s"], 2)  # type: ignore[index]
        p10.unlink()
        if not skip_50m:
            p50 = Path(tmp) / "visits_50m.parquet"
            write_large(p50, 5_000_000, mean_visits=10.0)
            results["visits_50m"] = pq.ParquetFile(p50).metadata.num_rows
            results["duckdb_50m"] = measure("duckdb", p50, repeat=1)
    print(json.dumps(results, indent=2))
    d10, d50 = results["duckdb_10m"], results.get("duckdb_50m")
    ok = (d10["wall_s"] <= 3 and d10["peak_gib"] <= 1.5 and results["speedup_vs_pandas"] >= 3  # type: ignore[index,operator]
          and (d50 is None or (d50["wall_s"] <= 20 and d50["peak_gib"] < 4)))  # type: ignore[index]
    print("goals met" if ok else "GOALS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
