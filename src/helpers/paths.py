"""Where the project's folders are, and where the shared source documents live."""
from __future__ import annotations

import os
from pathlib import Path

ROOT: Path = Path(os.environ.get("GONV_ROOT", Path(__file__).resolve().parents[2]))
RAW: Path = ROOT / "data" / "raw"
DERIVED: Path = ROOT / "data" / "derived"
REPORTS: Path = Path(os.environ.get("GONV_REPORTS", ROOT / "reports"))
NOTEBOOKS: Path = ROOT / "notebooks"


def shared_dir() -> Path:
    """Return the shared/ folder that sits beside the checkout (or $GONV_SHARED)."""
    return Path(os.environ.get("GONV_SHARED", ROOT.parent / "shared"))


def seeds_dir() -> Path | None:
    """Return the folder of source-document texts, or None when it is absent."""
    path = shared_dir() / "seeds"
    return path if path.is_dir() else None


def relative(path: Path) -> str:
    """Return `path` relative to the project root when it lies inside it (for messages)."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
