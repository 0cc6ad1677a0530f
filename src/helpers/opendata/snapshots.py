"""Snapshots of fetched open data: written once, never overwritten, listed in an index.

Layout: `data/raw/snapshots/<source>/<YYYY-MM-DD>/<name>.json` (the body) and
`<name>.meta.json` (the sidecar). A second fetch on the same day is `<name>.2.json`, then `.3`, …
The day is the UTC day of retrieval. `data/raw/snapshots/index.csv` has one row per snapshot.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

try:
    import fcntl
except ImportError:  # not on Windows: the index is then updated without a lock
    fcntl = None  # type: ignore[assignment]

from ..errors import DataError
from ..paths import RAW, relative

NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
SOURCES = ("kolada", "scb")
_FILE_RE = re.compile(r"^(?P<name>[A-Za-z0-9_]+?)(?:\.(?P<n>[2-9]|[1-9][0-9]+))?\.json$")
INDEX_COLUMNS = ["source", "name", "retrieved_at", "path", "sha256", "bytes", "licence"]


def snapshots_root() -> Path:
    """Return the snapshot folder (`data/raw/snapshots`, or $GONV_SNAPSHOTS)."""
    return Path(os.environ.get("GONV_SNAPSHOTS", RAW / "snapshots"))


@dataclass(frozen=True)
class Snapshot:
    """One snapshot: where it is, its checksum and its sidecar."""

    path: Path
    sha256: str
    meta: dict[str, Any]

    @property
    def provenance(self) -> dict[str, str]:
        """Return what a derived table records about its input: path, sha256, source, retrieved_at."""
        return {"snapshot": relative(self.path), "sha256": self.sha256,
                "source": str(self.meta.get("source", "")), "retrieved_at": str(self.meta.get("retrieved_at", ""))}


def check_name(name: str, what: str = "name") -> str:
    """Return `name` if it is safe as a file name (letters, digits, underscore), else raise."""
    if not NAME_RE.match(name or ""):
        raise DataError(what, f"'{name}' is not a valid {what} (letters, digits and _ only)")
    return name


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name[: -len(".json")] + ".meta.json")


def _write_temp(folder: Path, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _claim(tmp: Path, target: Path) -> bool:
    """Move tmp to target unless target exists (atomic, never overwrites); return success."""
    try:
        os.link(tmp, target)  # fails with FileExistsError if the name is taken
    except FileExistsError:
        return False
    except OSError:
        # File systems without hard links: fall back to an exclusive create, then rename over it.
        try:
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return False
        os.close(fd)
        os.replace(tmp, target)
        return True
    tmp.unlink()
    return True


def write_snapshot(source: str, name: str, body: bytes, meta: dict[str, Any], *,
                   root: Path | None = None, now: dt.datetime | None = None) -> Snapshot:
    """Write body and sidecar under a fresh name for today; never overwrite; return the snapshot."""
    check_name(source, "source")
    check_name(name, "snapshot name")
    root = root or snapshots_root()
    now = now or dt.datetime.now(dt.timezone.utc)
    folder = root / source / now.strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    sha = hashlib.sha256(body).hexdigest()
    tmp_body = _write_temp(folder, body)
    tmp_meta: Path | None = None
    try:
        n = 1
        while True:
            target = folder / (f"{name}.json" if n == 1 else f"{name}.{n}.json")
            # a sidecar without its body (left by a crash) also blocks the name
            if not _meta_path(target).exists() and _claim(tmp_body, target):
                break
            n += 1
        full_meta = {"source": source, "name": name, "file": target.name, "sha256": sha, "bytes": len(body),
                     "retrieved_at": now.isoformat(timespec="seconds"), **meta}
        tmp_meta = _write_temp(folder, (json.dumps(full_meta, ensure_ascii=False, indent=2) + "\n").encode())
        try:
            os.replace(tmp_meta, _meta_path(target))
        except BaseException:
            target.unlink(missing_ok=True)  # no body without its sidecar
            raise
    finally:
        tmp_body.unlink(missing_ok=True)
        if tmp_meta is not None:
            tmp_meta.unlink(missing_ok=True)
    snap = Snapshot(path=target, sha256=sha, meta=full_meta)
    _append_index(root, snap)
    return snap


@contextmanager
def _index_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock so that two fetches at once cannot lose each other's index row."""
    if fcntl is None:
        yield
        return
    fd = os.open(root, os.O_RDONLY)  # lock the folder itself: no lock file left lying about
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _append_index(root: Path, snap: Snapshot) -> None:
    """Add the snapshot to index.csv, rewriting it atomically (temp file + rename)."""
    with _index_lock(root):
        _rewrite_index(root, snap)


def _rewrite_index(root: Path, snap: Snapshot) -> None:
    index = root / "index.csv"
    rows: list[dict[str, str]] = []
    if index.exists():
        with open(index, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    rows.append({"source": snap.meta["source"], "name": snap.meta["name"],
                 "retrieved_at": snap.meta["retrieved_at"], "path": snap.path.relative_to(root).as_posix(),
                 "sha256": snap.sha256, "bytes": str(snap.meta["bytes"]),
                 "licence": str(snap.meta.get("licence", ""))})
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=INDEX_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: r.get(k, "") for k in INDEX_COLUMNS} for r in rows)
    tmp = _write_temp(root, buf.getvalue().encode("utf-8"))
    os.replace(tmp, index)


def list_snapshots(source: str, name: str, *, root: Path | None = None) -> list[Path]:
    """Return every complete snapshot (body with sidecar) of source/name, oldest first."""
    root = root or snapshots_root()
    found: list[tuple[str, int, Path]] = []
    base = root / source
    if not base.is_dir():
        return []
    for day in base.iterdir():
        if not (day.is_dir() and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.name)):
            continue
        for f in day.glob(f"{name}*.json"):
            m = _FILE_RE.match(f.name)
            if m and m["name"] == name and _meta_path(f).is_file():
                found.append((day.name, int(m["n"] or 1), f))
    return [f for _, _, f in sorted(found)]


def newest_snapshot(source: str, table: str, *, root: Path | None = None) -> Path | None:
    """Return the newest snapshot of a source's table or KPI (latest day, highest number), or None."""
    snaps = list_snapshots(source, table, root=root)
    return snaps[-1] if snaps else None


def snapshot_info(path: Path) -> Snapshot:
    """Return a snapshot's checksum (recomputed, checked against its sidecar) and sidecar."""
    path = Path(path)
    meta_file = _meta_path(path)
    if not path.is_file():
        raise DataError(relative(path), "snapshot not found")
    if not meta_file.is_file():
        raise DataError(relative(path), f"snapshot has no sidecar {meta_file.name}")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(relative(meta_file), f"sidecar is not valid JSON ({exc})") from None
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if meta.get("sha256") != sha:
        raise DataError(relative(path), f"sha256 {sha[:12]}… differs from its sidecar's "
                        f"{str(meta.get('sha256'))[:12]}…: the snapshot was changed after it was fetched")
    return Snapshot(path=path, sha256=sha, meta=meta)


def load_snapshot_json(path: Path) -> tuple[Any, Snapshot]:
    """Return a snapshot's parsed body and its Snapshot record."""
    snap = snapshot_info(path)
    try:
        return json.loads(snap.path.read_bytes()), snap
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(relative(path), f"snapshot is not valid JSON ({exc})") from None
