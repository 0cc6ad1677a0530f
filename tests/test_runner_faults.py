"""The runner under faults: a second runner, kill -9, SIGTERM, stale temporary files, a lost manifest
update, a timeout, --only matching nothing, an unwritable reports folder, file modes."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import helpers.batch.runner as runner
import helpers.paths as paths
from helpers.batch.cache import LockHeld, Manifest, reports_lock
from helpers.batch.execute import Result, execute_run
from helpers.batch.plan import Run
from helpers.errors import OutputError


def _notebook(path: Path, body: str) -> None:
    write_notebook(path, "x: int = 1  # a number", body)


from kernels import kernel_or_skip as _kernel_or_skip  # noqa: E402
from kernels import write_notebook  # noqa: E402


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch project: a slow notebook that notes its worker and kernel pids, and a plan."""
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    monkeypatch.setattr(paths, "NOTEBOOKS", nbs)
    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    started, finished = tmp_path / "started.json", tmp_path / "finished.txt"
    _notebook(nbs / "01_slow.ipynb",
              "import json, os, time\n"
              f"open({str(started)!r} + '.tmp', 'w').write(json.dumps({{'kernel': os.getpid(), 'worker': os.getppid()}}))\n"
              f"os.replace({str(started)!r} + '.tmp', {str(started)!r})\n"
              "time.sleep(25)\n"
              f"open({str(finished)!r}, 'w').write('finished')\n")
    _notebook(nbs / "02_quick.ipynb", "print('x is', x)")
    (tmp_path / "plan.yaml").write_text("runs:\n  - notebook: 01_slow.ipynb\n")
    (tmp_path / "quick.yaml").write_text("runs:\n  - notebook: 02_quick.ipynb\n")
    return tmp_path


def _start_runner(root: Path, plan: str) -> subprocess.Popen[str]:
    env = {**os.environ, "GONV_ROOT": str(root), "GONV_REPORTS": str(root / "reports")}
    return subprocess.Popen([sys.executable, "-m", "helpers", "run", "--plan", str(root / plan), "--no-progress",
                             "--workers", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_started(root: Path, proc: subprocess.Popen[str]) -> dict[str, int]:
    deadline = time.monotonic() + 60
    started = root / "started.json"
    while not started.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the runner ended early: {proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            raise AssertionError("the slow notebook never started")
        time.sleep(0.2)
    return json.loads(started.read_text())


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie (a dead child nobody reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in {"Z", "X"}


def _holders(project: Path) -> list[str]:
    """Return the processes that have the runner's lock file open (for a failure message)."""
    lock = str(project / "reports" / ".runner.lock")
    out = []
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if os.readlink(fd) == lock:
                pid = fd.parent.parent.name
                out.append(f"{pid} {Path(f'/proc/{pid}/cmdline').read_text().replace(chr(0), ' ')[:120]}")
        except OSError:
            continue
    return out


def _gone(pids: list[int], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process states are read from /proc")
def test_second_runner_exits_naming_the_holder_and_sigterm_ends_the_workers(project: Path) -> None:
    _kernel_or_skip()
    first = _start_runner(project, "plan.yaml")
    try:
        pids = _wait_started(project, first)
        second = subprocess.run([sys.executable, "-m", "helpers", "run", "--plan", str(project / "quick.yaml"),
                                 "--no-progress"], capture_output=True, text=True, timeout=60,
                                env={**os.environ, "GONV_ROOT": str(project), "GONV_REPORTS": str(project / "reports")})
        assert second.returncode == 1
        lines = second.stderr.splitlines()
        assert len(lines) == 1, second.stderr
        assert re.fullmatch(rf"error: another runner is writing reports/ \(pid {first.pid} on .+, started .+\); "
                            r"wait for it to finish", lines[0]), lines[0]
        assert not (project / "reports" / "02_quick").exists()        # the second runner touched nothing
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 128 + signal.SIGTERM
        assert _gone([pids["worker"], pids["kernel"]], within=10), "a worker or its kernel outlived the runner"
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert not (project / "finished.txt").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_kill_9_of_the_runner_ends_its_workers_and_the_next_runner_cleans_up(project: Path) -> None:
    _kernel_or_skip()
    first = _start_runner(project, "plan.yaml")
    try:
        pids = _wait_started(project, first)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert _gone([pids["worker"], pids["kernel"]], within=10), "a worker or its kernel outlived kill -9"
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    leftovers = list((project / "reports" / "01_slow").glob(".*.running.ipynb"))
    assert leftovers, "papermill writes its notebook as it runs: a killed run leaves one"
    # the lock died with the runner: the next runner gets it (processes may take a moment to be reaped)
    deadline = time.monotonic() + 10
    while True:
        try:
            with reports_lock(project / "reports"):
                assert not list((project / "reports").rglob(".*.running.ipynb"))
            break
        except LockHeld:
            if time.monotonic() > deadline:
                raise AssertionError(f"the lock outlived the runner; held open by {_holders(project)}") from None
            time.sleep(0.2)
    assert not (project / "finished.txt").exists()
    assert not list((project / "reports").rglob("*.html"))


def test_stale_temporary_files_are_cleaned_on_start(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    (reports / "10_x").mkdir(parents=True)
    stale = [reports / "10_x" / ".10_x--2020-abc123.4242.running.ipynb", reports / ".manifest.json.k3j2.tmp",
             reports / "10_x" / ".10_x.html.zz.tmp"]
    for p in stale:
        p.write_text("partial")
    keep = reports / "10_x" / "10_x.html"
    keep.write_text("good")
    with reports_lock(reports):
        assert [p for p in stale if p.exists()] == []
    assert keep.read_text() == "good"


def test_a_held_lock_is_refused_in_process(tmp_path: Path) -> None:
    with reports_lock(tmp_path / "reports"):
        with pytest.raises(LockHeld, match=rf"pid {os.getpid()} on "):
            with reports_lock(tmp_path / "reports"):
                pass


def test_manifest_keeps_entries_written_meanwhile_and_runs_not_in_the_batch(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = project / "reports"
    reports.mkdir()
    (reports / "manifest.json").write_text(json.dumps({"runs": {"99_other": {"status": "ok", "html": "x.html"}},
                                                       "notebooks": {}}))

    def fake_execute(runs: list[Run], manifest: Manifest, **kw: object) -> list[Result]:
        # someone else records a run while this batch executes
        doc = json.loads((reports / "manifest.json").read_text())
        doc["runs"]["98_meanwhile"] = {"status": "ok", "html": "y.html"}
        (reports / "manifest.json").write_text(json.dumps(doc))
        return [Result(r.run_id, r.notebook, r.parameters, "ok", html=f"{r.stem}/{r.run_id}.html") for r in runs]

    monkeypatch.setattr(runner, "_execute", fake_execute)
    runner.run_plan(project / "quick.yaml", progress=False)
    runs = json.loads((reports / "manifest.json").read_text())["runs"]
    assert set(runs) == {"99_other", "98_meanwhile", "02_quick"}
    assert runs["02_quick"]["status"] == "ok"


def test_only_matching_nothing_exits_non_zero(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from helpers.__main__ import main

    assert main(["run", "--plan", str(project / "quick.yaml"), "--no-progress", "--only", "NOMATCH"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: --only 'NOMATCH' matches no run (run ids look like 02_quick)"]


def test_duplicate_runs_are_refused_before_any_kernel(project: Path) -> None:
    from helpers.errors import PlanError

    (project / "dup.yaml").write_text("runs:\n  - notebook: 02_quick.ipynb\n  - notebook: 02_quick.ipynb\n")
    with pytest.raises(PlanError, match=r"^02_quick.ipynb: the parameter set \{\} appears twice in the plan$"):
        runner.run_plan(project / "dup.yaml", progress=False)
    assert not (project / "reports" / "02_quick").exists()


def test_reports_folder_that_is_a_file(project: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from helpers.__main__ import main

    blocker = project / "reports-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(paths, "REPORTS", blocker)
    assert main(["run", "--plan", str(project / "quick.yaml"), "--no-progress"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"error: the reports folder {blocker} is not a folder"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_reports_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ro = project / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(OutputError, match=r"^cannot write the reports folder .*ro/: Permission denied$"):
            with reports_lock(ro):
                pass
    finally:
        ro.chmod(0o755)


def test_timeout_names_the_cell_and_the_limit(project: Path) -> None:
    _kernel_or_skip()
    _notebook(project / "notebooks" / "03_sleepy.ipynb", "import time\ntime.sleep(30)")
    result = execute_run(Run(notebook="03_sleepy.ipynb", parameters={}), timeout=2, reports=project / "reports")
    assert result.status == "failed"
    # cell 3: the markdown cell, the parameters cell, then the sleeping cell
    assert result.error == ("CellTimeoutError: cell 3 ('import time') ran longer than the limit of 2 s per cell "
                            "(--timeout SECONDS)")
    assert not list((project / "reports").rglob(".*.running.ipynb"))


@pytest.mark.parametrize("umask,file_mode,dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_outputs_readable_as_the_umask_allows(tmp_path: Path, umask: int, file_mode: int, dir_mode: int) -> None:
    from helpers.reports.derived import atomic_write_bytes

    old = os.umask(umask)
    try:
        target = tmp_path / "new_folder" / "report.html"
        atomic_write_bytes(target, b"<p>ok</p>")
        atomic_write_bytes(target, b"<p>again</p>")         # replacing keeps the mode too
    finally:
        os.umask(old)
    assert target.read_bytes() == b"<p>again</p>"
    assert target.stat().st_mode & 0o777 == file_mode
    assert target.parent.stat().st_mode & 0o777 == dir_mode
    assert not list(target.parent.glob(".*.tmp"))
