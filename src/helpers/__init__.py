"""Helpers for the God och nära vård analysis notebooks: data layer, checks, allocation, runner.

The public names are imported lazily, so that light commands (the warm batch run) do not pay
for pandas and pandera.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "DataError": "errors", "UnknownRegionError": "errors",
    "load_table": "record.record", "load_total": "record.record", "read_table": "record.record",
    "harmonise_region": "record.record", "county_code_of": "record.record",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'helpers' has no attribute '{name}'")
