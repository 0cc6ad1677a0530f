"""Write derived tables atomically, each with a provenance sidecar."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    import pandas as pd

from ..paths import DERIVED, ROOT, relative


def sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def code_version() -> str:
    """Return the git commit of the checkout (with '+dirty' for local changes), or 'unknown'."""
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_derived(df: "pd.DataFrame", name: str, *, inputs: Iterable[Path | str], params: dict[str, Any],
                  description: str, estimate: bool = False, out_dir: Path = DERIVED) -> Path:
    """Write `df` to data/derived/<name>.csv with a <name>.meta.json provenance sidecar.

    The sidecar records the inputs and their checksums, the parameters, the code version and
    whether the table holds estimates (figures not printed in any source).
    """
    path = out_dir / f"{name}.csv"
    meta = {
        "table": name,
        "description": description,
        "estimate": estimate,
        "rows": int(len(df)),
        "columns": list(map(str, df.columns)),
        "parameters": params,
        "inputs": {relative(Path(p)): sha256(ROOT / p if not Path(p).is_absolute() else Path(p))
                   for p in inputs},
        "code_version": code_version(),
        "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    atomic_write_bytes(path, df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    atomic_write_bytes(path.with_suffix(".meta.json"),
                       (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return path
