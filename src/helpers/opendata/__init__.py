"""Open data, snapshot-first: Kolada and SCB PxWeb clients that keep what they fetch.

Fetching (network) writes snapshots under `data/raw/snapshots/<source>/<date>/`; everything else
(readers, notebooks, reports) reads snapshots only.
"""
from __future__ import annotations

from .http import FetchError
from .kolada import SERIES_COLUMNS, fetch_kolada, read_kolada_snapshot
from .scb import POPULATION_COLUMNS, fetch_scb, read_population_snapshot
from .snapshots import Snapshot, list_snapshots, newest_snapshot, snapshot_info, snapshots_root

__all__ = ["FetchError", "POPULATION_COLUMNS", "SERIES_COLUMNS", "Snapshot", "fetch_kolada", "fetch_scb",
           "list_snapshots", "newest_snapshot", "read_kolada_snapshot", "read_population_snapshot",
           "snapshot_info", "snapshots_root"]
