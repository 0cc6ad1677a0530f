"""Derived tables: written atomically with a provenance sidecar, and read back by later notebooks.

The sidecar's inputs are the files this process actually read (helpers.provenance), so no list
of inputs is kept by hand; reading a derived table notes it in that ledger too, so a table built
on another records what it rests on.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from .. import provenance
from ..errors import DataError
from ..paths import DERIVED, ROOT, relative

sha256 = provenance.sha256


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


def _umask() -> int:
    """Return the process umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Return the mode a new file gets from open(): 0644 under the usual umask 022 (never mkstemp's 0600)."""
    return 0o666 & ~_umask()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one, never half.

    The file ends readable as any file the user creates (0644 & ~umask; folders 0755 & ~umask):
    mkstemp's private 0600 would hide a shared reports folder from colleagues.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_derived(df: "pd.DataFrame", name: str, *, params: dict[str, Any], description: str,
                  estimate: bool = False, out_dir: Path = DERIVED) -> Path:
    """Write `df` to data/derived/<name>.csv with a <name>.meta.json provenance sidecar.

    The sidecar records every file this process read (with checksums), the parameters, the code
    version and whether the table holds estimates (figures not printed in any source). In a batch
    run the runner sets GONV_WRITES to the tables this run is the writer of; any other is left alone.
    """
    path = out_dir / f"{name}.csv"
    allowed = os.environ.get("GONV_WRITES")
    if allowed is not None and name not in json.loads(allowed):
        # in a batch, each derived table has one writer (the plan's `writes`); this run only shows it
        import logging

        logging.getLogger(__name__).info("%s not written: the plan names another run as its writer", name)
        return path
    meta = {
        "table": name,
        "description": description,
        "estimate": estimate,
        "rows": int(len(df)),
        "columns": list(map(str, df.columns)),
        "parameters": params,
        "inputs": provenance.reads(),
        "code_version": code_version(),
        "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    atomic_write_bytes(path, df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    atomic_write_bytes(path.with_suffix(".meta.json"),
                       (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return path


def read_derived(name: str, *, out_dir: Path = DERIVED, dtype: dict[str, str] | None = None) -> "pd.DataFrame":
    """Read a derived table another notebook wrote (noted in the ledger); a missing one names its writer."""
    import pandas as pd

    path = out_dir / f"{name}.csv"
    if not path.is_file():
        raise DataError(relative(path), "derived table is missing: run the notebook that writes it first "
                        "(`make reports` runs the whole plan in order)")
    provenance.note(path)
    return pd.read_csv(path, dtype={"county_code": "string", **(dtype or {})}, keep_default_na=True)

def has_derived(name: str, *, out_dir: Path = DERIVED) -> bool:
    """Return whether another notebook has written the derived table `name`."""
    return (out_dir / f"{name}.csv").is_file()
