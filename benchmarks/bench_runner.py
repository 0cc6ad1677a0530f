"""Benchmark the batch runner against the plain papermill command line, on this machine.

Goals (issues: batch runner; reports in two languages with 21 region profiles, about 80-90 runs):
- cold run of the default plan (what `make reports` does on an empty reports folder) within 6 minutes
  on a 2-core machine, reported with its ratio to running the same notebooks one after another with
  the `papermill` command line;
- warm re-run with nothing changed under 1 s, and no kernel started.
A run that fails for reasons of its own (its notebook raises) is counted and named, not hidden.

Usage: .venv/bin/python benchmarks/bench_runner.py [--no-cli]   (or `make bench`)
Reports go to a temporary folder; the project's reports/ is not touched.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
PAPERMILL = str(Path(PY).parent / "papermill")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, res


def main() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from helpers.batch.runner import load_plan

    runs = load_plan(ROOT / "notebooks" / "params" / "plan.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GONV_REPORTS": tmp}
        # 1. the plain papermill CLI, one run after another (skipped with --no-cli: it takes as long again)
        seq_start = time.perf_counter()
        for r in runs if "--no-cli" not in sys.argv else []:
            args = [PAPERMILL, str(ROOT / "notebooks" / r.notebook), str(Path(tmp) / f"{r.run_id}.seq.ipynb"),
                    "-k", "gonv", "--cwd", str(ROOT / "notebooks"), "--no-progress-bar"]
            for k, v in r.parameters.items():
                args += ["-p", k, str(v)]
            res = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
            if res.returncode:
                print(f"papermill CLI: {r.run_id} failed (its own error; timed all the same)", file=sys.stderr)
        sequential = time.perf_counter() - seq_start if "--no-cli" not in sys.argv else None
        # 2. the runner, cold (empty reports folder)
        cold, res = timed([PY, "-m", "helpers", "run", "--no-progress"], env)
        # 3. the runner, warm: nothing changed
        warm, res = timed([PY, "-m", "helpers", "run", "--no-progress"], env)
        kernels = res.stderr.count("Executing notebook with kernel")
        manifest = json.loads((Path(tmp) / "manifest.json").read_text())["runs"]
    failed = sorted(rid for rid, m in manifest.items() if m["status"] != "ok")
    out = {"runs": len(runs), "cores": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2),
           "papermill_cli_sequential_s": round(sequential, 2) if sequential is not None else None,
           "runner_cold_s": round(cold, 2),
           "speedup_vs_papermill_cli": round(sequential / cold, 2) if sequential is not None else None,
           "runner_warm_s": round(warm, 2), "kernels_started_warm": kernels,
           "mean_kernel_run_s": round(sum(m.get("duration_s", 0) for m in manifest.values()) / max(len(manifest), 1), 2),
           "failed_runs": failed}
    print(json.dumps(out, indent=2))
    ok = out["runner_cold_s"] <= 360 and out["runner_warm_s"] < 1 and kernels == 0 and not failed
    print("goals met" if ok else "GOALS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
