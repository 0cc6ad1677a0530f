"""Benchmark the batch runner against the plain papermill command line, on this machine.

Goals (issue: batch runner):
- cold run of the default plan at least 1.7x faster than running the same notebooks one after
  another with the `papermill` command line;
- warm re-run with nothing changed under 2 s, and no kernel started.

Usage: .venv/bin/python benchmarks/bench_runner.py   (or `make bench`)
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
        # 1. the plain papermill CLI, one run after another
        seq_start = time.perf_counter()
        for r in runs:
            args = [PAPERMILL, str(ROOT / "notebooks" / r.notebook), str(Path(tmp) / f"{r.run_id}.seq.ipynb"),
                    "-k", "gonv", "--cwd", str(ROOT / "notebooks"), "--no-progress-bar"]
            for k, v in r.parameters.items():
                args += ["-p", k, str(v)]
            res = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
            if res.returncode:
                print(res.stderr[-2000:])
                return 1
        sequential = time.perf_counter() - seq_start
        # 2. the runner, cold (empty reports folder)
        cold, res = timed([PY, "-m", "helpers", "run", "--no-progress"], env)
        if res.returncode:
            print(res.stderr[-2000:])
            return 1
        # 3. the runner, warm: nothing changed
        warm, res = timed([PY, "-m", "helpers", "run", "--no-progress"], env)
        kernels = res.stderr.count("Executing notebook with kernel")
        manifest = json.loads((Path(tmp) / "manifest.json").read_text())["runs"]
    out = {"runs": len(runs), "cores": os.cpu_count(), "papermill_cli_sequential_s": round(sequential, 2),
           "runner_cold_s": round(cold, 2), "speedup": round(sequential / cold, 2),
           "runner_warm_s": round(warm, 2), "kernels_started_warm": kernels,
           "all_ok": all(m["status"] == "ok" for m in manifest.values())}
    print(json.dumps(out, indent=2))
    ok = out["speedup"] >= 1.7 and out["runner_warm_s"] < 2 and kernels == 0 and out["all_ok"]
    print("goals met" if ok else "GOALS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
