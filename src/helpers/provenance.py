"""What this process has read: the ledger behind derived-table sidecars and the runner's cache.

Every reader (the record, derived tables, visit extracts) notes the files it reads here, with
their SHA-256. A notebook's run therefore knows exactly which files its results rest on; no
list of inputs is kept by hand.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from .paths import relative

_LEDGER: dict[str, str] = {}


def sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def note(path: Path, digest: str | None = None) -> str:
    """Record that `path` was read (its digest computed when not given); return the digest."""
    digest = digest or sha256(path)
    _LEDGER[relative(path)] = digest
    return digest


def reads() -> dict[str, str]:
    """Return every file read so far in this process, relative path → SHA-256, sorted."""
    return dict(sorted(_LEDGER.items()))


def forget() -> None:
    """Empty the ledger (tests, or a long-lived process starting a new piece of work)."""
    _LEDGER.clear()
