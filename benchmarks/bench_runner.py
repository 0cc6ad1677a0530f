"""Benchmark the batch runner against the plain papermill command line, on this machine.

Goals (issue 12):
- cold run of the default plan at least 3x faster than the same runs one after another with the
  `papermill` command line (in the plan's order, so that each run finds what it needs);
- warm re-run with nothing changed under 1 s, no kernel started;
- (issue 13: two languages, 21 region profiles, about 90 runs) the cold run within 6 minutes on 2 cores;
- and the floor: how much of the cold wall time is kernel start-up and imports (measured with a
  plan of notebooks that only import what the project's notebooks import).

Every command runs in a fresh temporary copy of the project (data/raw, notebooks, pyproject.toml),
so data/derived, the record cache and reports/ start empty and the checkout is not touched.

Usage: .venv/bin/python benchmarks/bench_runner.py [--repeat N]   (or `make bench`)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
PAPERMILL = str(Path(PY).parent / "papermill")
IMPORTS = ("import pandas, numpy\nfrom IPython.display import Markdown, display\n"
           "from helpers.record.record import load_record\nfrom helpers.reports import plots\n"
           "from helpers.reports.format import headline, style_table\nfrom helpers.reports.derived import write_derived\n"
           "record = load_record()")


def project_copy(tmp: Path) -> Path:
    """Copy what a run reads into a fresh project folder."""
    root = tmp / f"project{len(list(tmp.iterdir()))}"
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".*", "py", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def env_for(root: Path) -> dict[str, str]:
    env = {**os.environ, "GONV_ROOT": str(root)}
    env.pop("GONV_REPORTS", None)
    return env


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    return time.perf_counter() - start


def sequential(tmp: Path) -> tuple[float, int]:
    """The plain papermill CLI, one run after another in the plan's order."""
    root = project_copy(tmp)
    env = env_for(root)
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["GONV_ROOT"] = str(root)
    from helpers.batch.plan import load_plan, topological

    runs = topological(load_plan(root / "notebooks" / "params" / "plan.yaml"))
    out = root / "seq"
    out.mkdir()
    start = time.perf_counter()
    for r in runs:
        args = [PAPERMILL, str(root / "notebooks" / r.notebook), str(out / f"{r.run_id}.ipynb"), "-k", "gonv",
                "--cwd", str(root / "notebooks"), "--no-progress-bar"]
        if r.parameters:
            args += ["-y", json.dumps(r.parameters)]
        res = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True)
        if res.returncode:
            raise SystemExit(f"papermill failed on {r.run_id}:\n{res.stderr[-2000:]}")
    return time.perf_counter() - start, len(runs)


def floor(tmp: Path, n: int) -> float:
    """Wall time of the runner on n notebooks that only start a kernel and import what the notebooks import."""
    root = project_copy(tmp)
    import nbformat

    for i in range(n):
        nb = nbformat.v4.new_notebook()
        p = nbformat.v4.new_code_cell(f"i: int = {i}  # run number")
        p.metadata["tags"] = ["parameters"]
        nb.cells = [p, nbformat.v4.new_code_cell(IMPORTS)]
        nb.metadata["kernelspec"] = {"name": "gonv", "display_name": "Python (gonv)", "language": "python"}
        nbformat.write(nb, root / "notebooks" / f"{90 + i}_floor.ipynb")
    plan = root / "floor.yaml"
    plan.write_text("runs:\n" + "".join(f"  - notebook: {p.name}\n" for p in sorted((root / "notebooks").glob("9*_floor.ipynb"))))
    return timed([PY, "-m", "helpers", "run", "--plan", str(plan), "--no-progress"], env_for(root), root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="cold runner runs to take the median of")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        seq, n_runs = sequential(tmp)
        colds, warms = [], []
        for _ in range(args.repeat):
            root = project_copy(tmp)
            colds.append(timed([PY, "-m", "helpers", "run", "--no-progress"], env_for(root), root))
            warms.append(timed([PY, "-m", "helpers", "run", "--no-progress"], env_for(root), root))
            manifest = json.loads((root / "reports" / "manifest.json").read_text())["runs"]
            durations = [e["duration_s"] for e in manifest.values()]
            all_ok = all(e["status"] == "ok" for e in manifest.values())
        fl = floor(tmp, min(n_runs, 10))
    cold = statistics.median(colds)
    per_run_floor = fl / min(n_runs, 10)
    out = {"runs": n_runs, "cores": os.cpu_count(), "papermill_cli_sequential_s": round(seq, 1),
           "runner_cold_s": [round(c, 1) for c in colds], "runner_cold_median_s": round(cold, 1),
           "speedup": round(seq / cold, 2), "runner_warm_s": [round(w, 2) for w in warms],
           "sum_of_run_durations_s": round(sum(durations), 1),
           "floor_runner_wall_per_run_s": round(per_run_floor, 2),
           "floor_share_of_cold_wall": round(per_run_floor * n_runs / cold, 2), "all_ok": all_ok}
    print(json.dumps(out, indent=2))
    ok = out["speedup"] >= 3 and max(warms) < 1 and cold <= 360 and all_ok
    print("goals met" if ok else "GOALS NOT MET (see the figures: the floor bounds what parallelism can give on 2 cores)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
