"""The manifest of runs and the cache decision: a run whose notebook, parameters, code and the
files it actually read are unchanged since its last good run is skipped without a kernel.

What a run read is what its notebook reported (helpers.provenance, emitted with the headline
figures): no list of inputs is kept by hand.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .. import provenance
from .. import paths
from ..errors import GonvError, OutputError
from ..paths import relative
from ..reports.derived import atomic_write_bytes
from .plan import Run

PACKAGE = Path(__file__).resolve().parents[1]
CODE_GLOBS = ["**/*.py", "**/*.j2", "**/*.json", "**/*.yml", "**/*.csv"]


class Digests:
    """SHA-256 of files, computed once per process (a batch reads the same inputs many times)."""

    def __init__(self) -> None:
        self._cache: dict[Path, str | None] = {}

    def of(self, rel: str) -> str | None:
        """Return the digest of a file relative to the project root (None when it is gone)."""
        path = paths.ROOT / rel
        if path not in self._cache:
            self._cache[path] = provenance.sha256(path) if path.is_file() else None
        return self._cache[path]

    def forget(self, rel: str) -> None:
        """Drop one file's digest (it was just rewritten by a run)."""
        self._cache.pop(paths.ROOT / rel, None)


def code_fingerprint() -> str:
    """Hash the package's code (and data files it ships) and the pinned dependencies: a change re-runs everything."""
    h = hashlib.sha256()
    files = sorted({p for g in CODE_GLOBS for p in PACKAGE.glob(g) if p.is_file() and "__pycache__" not in p.parts})
    for f in files + [paths.ROOT / "pyproject.toml"]:
        if f.is_file():
            h.update(str(f.relative_to(PACKAGE) if f.is_relative_to(PACKAGE) else f.name).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def static_key(run: Run, notebooks: Path, code: str) -> str:
    """Hash what a run's output depends on besides the files it reads: notebook, parameters, code."""
    h = hashlib.sha256()
    h.update((notebooks / run.notebook).read_bytes())
    h.update(json.dumps(run.parameters, sort_keys=True).encode())
    h.update(code.encode())
    return h.hexdigest()


def stale_reads(entry: dict[str, Any], digests: Digests) -> list[str]:
    """Return the files a previous run read that have changed or gone since."""
    return [p for p, d in (entry.get("reads") or {}).items() if digests.of(p) != d]


class Manifest:
    """reports/manifest.json: one entry per run id, and the cached notebook inspections."""

    def __init__(self, reports: Path) -> None:
        self.path = reports / "manifest.json"
        self.runs: dict[str, dict[str, Any]] = {}
        self.notebooks: dict[str, Any] = {}
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            self.runs, self.notebooks = dict(doc.get("runs") or {}), dict(doc.get("notebooks") or {})
        except (OSError, ValueError, AttributeError):
            pass

    def save(self) -> None:
        """Write the manifest atomically."""
        atomic_write_bytes(self.path, json.dumps({"runs": self.runs, "notebooks": self.notebooks},
                                                 ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))

    def merge_save(self, updates: dict[str, dict[str, Any]], removed: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        """Re-read the manifest under its own lock, apply this batch's entries, and write it atomically.

        Entries of runs that are not in this batch are kept as they are on disk now, so an update
        written by anyone else since this runner started is never lost.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.parent / ".manifest.lock", "a+", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            on_disk = Manifest(self.path.parent)
            self.runs = {k: v for k, v in on_disk.runs.items() if k not in removed} | updates
            self.notebooks = on_disk.notebooks | self.notebooks
            self.save()


def _now() -> str:
    from datetime import datetime

    return datetime.now().astimezone().isoformat(timespec="seconds")


def remove_outputs(entry: dict[str, Any], reports: Path) -> list[Path]:
    """Remove the report and notebook files a manifest entry names (its last failure's too); return them.

    Only files inside `reports` are touched: a manifest naming a path outside it is ignored.
    """
    gone = []
    root = reports.resolve()
    for e in (entry, entry.get("last_failure") or {}):
        for key in ("html", "ipynb"):
            rel = e.get(key)
            if not rel:
                continue
            path = (reports / rel).resolve()
            if path.is_relative_to(root) and path.is_file():
                path.unlink()
                gone.append(path)
    return gone


STALE_PATTERNS = (".*.running.ipynb", ".*.tmp")


def clean_stale(reports: Path) -> list[Path]:
    """Remove temporary files a killed runner left behind (only called while holding the lock)."""
    gone = []
    for folder in [reports, *(p for p in reports.iterdir() if p.is_dir() and not p.name.startswith("."))]:
        for pattern in STALE_PATTERNS:
            for p in folder.glob(pattern):
                if p.is_file():
                    p.unlink(missing_ok=True)
                    gone.append(p)
    return gone


class LockHeld(GonvError):
    """Another runner works on the same reports folder."""


HELD_LOCKS: set[int] = set()  # descriptors of locks this process holds (a forked worker closes its copies)


def release_inherited_locks() -> None:
    """Close the copies of the runner's lock a forked worker inherited, so the lock dies with the runner.

    (Closing a copy does not unlock: the lock belongs to the open file, which the runner keeps.)
    """
    for fd in list(HELD_LOCKS):
        try:
            os.close(fd)
        except OSError:
            pass
    HELD_LOCKS.clear()


@contextmanager
def reports_lock(reports: Path) -> Iterator[None]:
    """Hold the reports folder for this runner; a second runner exits with one line naming the holder."""
    path = reports / ".runner.lock"
    if reports.exists() and not reports.is_dir():
        raise OutputError(f"the reports folder {relative(reports)} is not a folder")
    try:
        reports.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+", encoding="utf-8")
        probe = reports / f".write-test.{os.getpid()}"
        probe.touch()  # the lock file may be writable in a folder that is not (or was made so before)
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write the reports folder {relative(reports)}/: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise LockHeld(f"another runner is writing {reports.name}/ ({holder}); wait for it to finish") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {os.uname().nodename}, started {_now()}\n")
        fh.flush()
        HELD_LOCKS.add(fh.fileno())
        clean_stale(reports)
        yield
    finally:
        HELD_LOCKS.discard(fh.fileno())
        fh.close()
