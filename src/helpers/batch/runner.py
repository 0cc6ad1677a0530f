"""Batch runner: run the plan's graph in parallel, skip what is unchanged, keep what was good.

- Runs start as soon as every run they need has finished (each level in parallel, worker
  processes); a run whose upstream failed is not started (`blocked`).
- A run is skipped without a kernel when its notebook, parameters and code are unchanged and
  every file it read last time (raw tables, rules, upstream derived tables) has the same content.
- One runner per reports folder at a time; the manifest is written once, atomically, at the end.
"""
from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import OutputError, PlanError
from .. import paths
from ..paths import relative
from .cache import (Digests, Manifest, code_fingerprint, release_inherited_locks, remove_outputs, reports_lock,
                    stale_reads, static_key)
from .execute import KERNEL, Result, execute_run
from .plan import Run, check_graph, declared_parameters, load_plan, upstream, with_upstream
from .site import write_index

log = logging.getLogger("helpers.runner")


def _check_kernel(kernel: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        raise PlanError(f"Jupyter kernel '{kernel}' is not installed; `make reports` registers it "
                        f"(or: .venv/bin/python -m ipykernel install --sys-prefix --name {kernel})") from None


def _cached(run: Run, prev: dict[str, Any] | None, digests: Digests, reports: Path) -> str | None:
    """Return why a run must execute, or None when its last good result still holds."""
    if not prev:
        return "new"
    if prev.get("status") != "ok" or not prev.get("html") or not (reports / prev["html"]).is_file():
        return "its last run failed or its report is missing"
    if prev.get("key") != run.key:
        return "notebook, parameters or code changed"
    stale = stale_reads(prev, digests)
    if stale:
        return f"{stale[0]} changed" + (f" (and {len(stale) - 1} more)" if len(stale) > 1 else "")
    missing = [t for t in run.writes if digests.of(f"data/derived/{t}.csv") is None]
    if missing:
        return f"its table {missing[0]} is missing"
    return None


def default_runs(inspected: dict[str, Any]) -> list[Run]:
    """Return one run per committed notebook with its default parameters, with its needs filled."""
    out = []
    for nb in sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        declared = declared_parameters(nb, inspected)
        plan_needs = _needs_templates().get(nb.name, [])
        from .plan import _defaults, _fill

        params = _defaults({k: v["default"] for k, v in declared.items()})
        out.append(Run(notebook=nb.name, parameters={}, needs=_fill(plan_needs, params, nb.name, "needs"),
                       run_id=f"{nb.stem}--defaults"))
    return out


def _needs_templates(plan: Path | None = None) -> dict[str, list[str]]:
    """Return, per notebook, the needs its plan entries declare (templates), read as strictly as the plan itself."""
    from .plan import read_plan_yaml

    doc = read_plan_yaml(plan or paths.NOTEBOOKS / "params" / "plan.yaml")
    return {e["notebook"]: list(e.get("needs") or []) for e in doc["runs"] if isinstance(e, dict) and "notebook" in e}


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_init(parent: int) -> None:
    """End this worker when the runner ends, even by kill -9 (Linux: the parent-death signal)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the runner's own handlers still end its workers
            pass
    release_inherited_locks()
    # on SIGTERM (the parent-death signal, or the runner ending its pool) take the kernel along:
    # ipykernel only notices a dead parent when it is re-parented to PID 1, which containers break
    signal.signal(signal.SIGTERM, _worker_exit)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle
    if os.getppid() != parent:  # the runner died before the signal was armed
        _worker_exit(signal.SIGTERM, None)


def _children(pid: int) -> list[int]:
    """Return the pids of the processes whose parent is `pid` (Linux /proc; empty elsewhere)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 1 and fields[1] == str(pid):
            out.append(int(stat.parent.name))
    return out


def _worker_exit(signum: int, frame: Any) -> None:
    """End this worker and the kernel it started (a kernel leads its own process group)."""
    for child in _children(os.getpid()):
        try:
            os.killpg(child, signal.SIGKILL)
        except OSError:
            try:
                os.kill(child, signal.SIGKILL)
            except OSError:
                pass
    os._exit(128 + signum)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop every worker process now (their kernels follow their parent)."""
    for proc in list(getattr(pool, "_processes", {}).values()):
        try:
            proc.terminate()
        except (OSError, ValueError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def _on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _say(bar: Any, msg: str) -> None:
    """One line per finished run, on its own line above the progress bar."""
    if bar is not None and not bar.disable:
        bar.write(msg, file=sys.stderr)
    else:
        print(msg, file=sys.stderr)


def run_plan(plan: Path, *, force: bool = False, workers: int | None = None, kernel: str = KERNEL,
             timeout: int = 600, only: str | None = None, progress: bool = True,
             custom: list[Run] | None = None, prune: bool = False, needs_of_defaults: bool = False) -> list[Result]:
    """Run every run of the plan (and any custom runs) that is not cached; write the manifest and index."""
    if workers is not None and workers < 1:
        raise PlanError(f"--workers must be at least 1, got {workers}")
    if timeout < 1:
        raise PlanError(f"--timeout must be at least 1 (seconds per cell), got {timeout}")
    with reports_lock(paths.REPORTS):
        manifest = Manifest(paths.REPORTS)
        plan_runs = load_plan(plan, manifest.notebooks)
        pruned: set[str] = set()
        if prune:
            # your own runs, and runs that have left the plan (a parameter set removed or renamed):
            # their manifest entries go, and with them their report and notebook files
            in_plan = {r.run_id for r in plan_runs} | {r.run_id for r in custom or []}
            pruned = {k for k, e in manifest.runs.items() if e.get("custom") or k not in in_plan}
            for rid in sorted(pruned):
                remove_outputs(manifest.runs.pop(rid), paths.REPORTS)
        runs = plan_runs + (custom or [])
        check_graph(runs)
        if custom and not only:
            runs = with_upstream(custom, runs)     # your run and what it needs, nothing else
        if only:
            chosen = [r for r in runs if only in r.run_id or only in r.notebook]
            if not chosen:
                raise PlanError(f"--only {only!r} matches no run (run ids look like {runs[0].run_id})")
            runs = with_upstream(chosen, runs)
        if needs_of_defaults:
            # what the committed notebooks, run with their defaults (as nbval does), read from upstream
            defaults = default_runs(manifest.notebooks)
            runs = [r for r in with_upstream(defaults, runs + defaults) if r not in defaults]
        results = _execute(runs, manifest, force=force, workers=workers, kernel=kernel, timeout=timeout,
                           progress=progress)
        updates: dict[str, dict[str, Any]] = {}
        for res in results:
            if res.status in {"skipped", "blocked"}:
                continue
            entry = asdict(res)
            prev = manifest.runs.get(res.run_id)
            if res.status == "failed" and prev and prev.get("status") == "ok":
                # keep pointing at the last good report, and record the failure beside it
                entry = {**prev, "last_failure": asdict(res), "status": "failed"}
            updates[res.run_id] = entry
        try:
            manifest.merge_save(updates, pruned)
        except OSError as exc:
            raise OutputError(f"cannot write {relative(manifest.path)}: {exc.strerror or exc}") from None
        from ..record.record import load_record

        try:
            years = load_record().years
        except Exception:  # noqa: BLE001 - the index is still written when the record is broken
            years = []
        try:
            write_index([r.run_id for r in plan_runs], manifest.runs, results, years)
        except OSError as exc:
            raise OutputError(f"cannot write {relative(paths.REPORTS / 'index.html')}: {exc.strerror or exc}") from None
    return results


def _execute(runs: list[Run], manifest: Manifest, *, force: bool, workers: int | None, kernel: str, timeout: int,
             progress: bool) -> list[Result]:
    from tqdm import tqdm

    code = code_fingerprint()
    digests = Digests()
    for r in runs:
        r.key = static_key(r, paths.NOTEBOOKS, code)
    done: dict[str, Result] = {}
    pending = list(runs)
    running: dict[Future[Result], Run] = {}
    pool: ProcessPoolExecutor | None = None
    bar = None
    n_workers = workers or os.cpu_count() or 1
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)  # kill: end the workers too, via finally
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    finished_cleanly = False
    try:
        while pending or running:
            for r in list(pending):
                ups = upstream(r, runs)
                if any(u.run_id not in done for u in ups):
                    continue
                pending.remove(r)
                failed_up = [u.run_id for u in ups if done[u.run_id].status in {"failed", "blocked"}]
                if failed_up:
                    done[r.run_id] = Result(r.run_id, r.notebook, r.parameters, "blocked", custom=r.custom,
                                            error=f"not run: it needs {failed_up[0]}, which failed")
                    log.error("blocked %s: needs %s, which failed", r.run_id, failed_up[0])
                    continue
                reason = "forced" if force else _cached(r, manifest.runs.get(r.run_id), digests, paths.REPORTS)
                if reason is None:
                    prev = manifest.runs[r.run_id]
                    fields = {k: v for k, v in prev.items() if k in Result.__dataclass_fields__}
                    done[r.run_id] = Result(**{**fields, "status": "skipped"})
                    continue
                if pool is None:
                    _check_kernel(kernel)
                    pool = ProcessPoolExecutor(max_workers=min(n_workers, len(runs)), initializer=_worker_init,
                                               initargs=(os.getpid(),))
                    bar = tqdm(total=len(runs), desc="runs", unit="run", disable=not progress, leave=True)
                    bar.update(len(done))
                log.info("run  %s (%s)", r.run_id, reason)
                running[pool.submit(execute_run, r, kernel, timeout)] = r
            if not running:
                if pending:  # nothing runnable and nothing running: a need the selection lacks
                    for r in pending:
                        done[r.run_id] = Result(r.run_id, r.notebook, r.parameters, "blocked", custom=r.custom,
                                                error="not run: its upstream runs were not selected")
                    pending = []
                continue
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in finished:
                r = running.pop(fut)
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a crashed worker is one failed run
                    res = Result(r.run_id, r.notebook, r.parameters, "failed", error=f"{type(exc).__name__}: {exc}")
                res.key = r.key
                res.custom = r.custom
                if res.status == "ok":
                    for t in r.writes:
                        digests.forget(f"data/derived/{t}.csv")
                    missing = [t for t in r.writes if digests.of(f"data/derived/{t}.csv") is None]
                    if missing:
                        res.status, res.error = "failed", f"the run did not write its table {missing[0]}"
                if res.status == "ok":
                    msg = f"done {r.run_id} in {res.duration_s:.1f} s"
                    _say(bar, msg)
                else:
                    msg = f"FAILED {r.run_id}: {res.error} (see {relative(paths.REPORTS / str(res.ipynb))})"
                    _say(bar, msg)
                done[r.run_id] = res
                if bar is not None:
                    bar.update(1)
        finished_cleanly = True
    finally:
        if pool is not None:
            if finished_cleanly:
                pool.shutdown(wait=True, cancel_futures=True)
            else:  # interrupted (Ctrl-C, kill, an error): do not wait for the notebooks still running
                _terminate(pool)
        if bar is not None:
            bar.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return [done[r.run_id] for r in runs if r.run_id in done]


def refresh_notebooks(kernel: str = KERNEL, names: list[str] | None = None) -> list[Path]:
    """Re-execute the named committed notebooks (all when none) in place, cleaned, with their text pairs."""
    from .nbclean import refresh_notebooks as refresh

    return refresh(names, kernel=kernel)
