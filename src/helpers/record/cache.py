"""Validated tables kept between processes: a batch parses and validates each raw table once.

A table is stored (Arrow IPC, no code in it) under a key made of everything its parsed form depends
on: the file's bytes, the catalogue, the region registry and the parser's own code. A later process
(another notebook of the batch) loads it instead of parsing and validating again, and never imports
pandera. Delete data/derived/.record-cache at will: it is rebuilt on demand.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import paths

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Return the folder of cached tables (inside data/derived; never committed)."""
    return paths.DERIVED / ".record-cache"


@lru_cache(maxsize=1)
def parser_digest() -> str:
    """Hash the record's parsing code: a change to it invalidates every cached table."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in ("tables.py", "catalog.py", "regions.py", "cache.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()


def table_key(file_digest: str, context: str) -> str:
    """Return the cache key of one table: its file's digest, the record context, the parser's code."""
    return hashlib.sha256(f"{file_digest}|{context}|{parser_digest()}".encode()).hexdigest()[:32]


def load(key: str) -> tuple[pd.DataFrame, pd.Series | None] | None:
    """Return the cached (body, total row) of a key, or None when it is not cached (or unreadable)."""
    body, total = cache_dir() / f"{key}.arrow", cache_dir() / f"{key}.total.arrow"
    if not body.is_file():
        return None
    try:
        data = pd.read_feather(body)
        tot = pd.read_feather(total).iloc[0] if total.is_file() else None
    except Exception:  # noqa: BLE001 - a damaged cache entry is re-parsed, never trusted
        log.info("cache entry %s unreadable: parsing again", key)
        return None
    if tot is not None:
        tot.name = None
    return data, tot


def store(key: str, data: pd.DataFrame, total: pd.Series | None) -> None:
    """Store a parsed table under its key (atomically; a failure to cache is not an error)."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        items = [(folder / f"{key}.arrow", data.reset_index(drop=True))]
        if total is not None:
            items.insert(0, (folder / f"{key}.total.arrow", pd.DataFrame([total]).reset_index(drop=True).convert_dtypes()))
        for path, frame in items:   # the body last: its presence says the entry is whole
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
            os.close(fd)
            try:
                frame.to_feather(tmp)
                os.replace(tmp, path)
            finally:
                Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        log.info("could not cache a parsed table (%s); it will be parsed again next time", exc)
