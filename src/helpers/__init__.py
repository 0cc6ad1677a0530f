"""Helpers for the God och nära vård analysis notebooks: data layer, checks, allocation, runner."""
from __future__ import annotations

from .errors import DataError, UnknownRegionError
from .load import load_table, load_total, read_table
from .regions import harmonise_region, region_code

__all__ = ["DataError", "UnknownRegionError", "harmonise_region", "load_table", "load_total",
           "read_table", "region_code"]
