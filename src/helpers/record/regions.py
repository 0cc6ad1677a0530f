"""One region registry: the 21 regions by SCB county code, and every spelling the sources use."""
from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..errors import DataError, UnknownRegionError
from ..paths import RAW, relative


def _norm(name: str) -> str:
    """Fold case and white space so that 'Region  Skåne ' and 'region skåne' meet."""
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


@dataclass(frozen=True)
class Registry:
    """The regions (county_code → canonical name) and the spellings that map to them."""

    regions: pd.DataFrame
    names: dict[str, str]                  # normalised spelling -> county_code (any table)
    scoped: dict[tuple[str, str], str]     # (table, normalised spelling) -> county_code

    def code(self, name: str, *, table: str | None = None, file: str | None = None,
             row: int | None = None, column: str | None = None) -> str:
        """Return the county code for a spelling; raise UnknownRegionError with the closest names."""
        key = _norm(name)
        if table is not None and (table, key) in self.scoped:
            return self.scoped[(table, key)]
        if key in self.names:
            return self.names[key]
        known = sorted({*self.regions["region"], *self.regions["county_name"],
                        *self.regions["region_official"]})
        close = difflib.get_close_matches(str(name).strip(), known, n=3, cutoff=0.5)
        hint = f"; closest known names: {', '.join(close)}" if close else ""
        raise UnknownRegionError(file or "region name", f"unknown region '{name}'{hint}",
                                 row=row, column=column)

    def name(self, code: str) -> str:
        """Return the canonical region name for a county code."""
        return str(self.regions.set_index("county_code").at[code, "region"])

    @property
    def codes(self) -> list[str]:
        """Return the 21 county codes in SCB order."""
        return list(self.regions["county_code"])


@lru_cache(maxsize=4)
def load_registry(raw_dir: Path = RAW) -> Registry:
    """Read regions.csv and region_aliases.csv into a Registry."""
    regions_file = raw_dir / "regions.csv"
    regions = pd.read_csv(regions_file, dtype=str, keep_default_na=False)
    names: dict[str, str] = {}
    for col in ("region", "region_official", "county_name"):
        for code, value in zip(regions["county_code"], regions[col]):
            names[_norm(value)] = code
    scoped: dict[tuple[str, str], str] = {}
    alias_file = raw_dir / "region_aliases.csv"
    valid = set(regions["county_code"])
    with open(alias_file, newline="", encoding="utf-8") as fh:
        for i, rec in enumerate(csv.DictReader(fh), start=1):
            if rec["county_code"] not in valid:
                raise DataError(relative(alias_file), f"unknown county code '{rec['county_code']}'",
                                row=i, column="county_code")
            if rec.get("scope"):
                scoped[(rec["scope"], _norm(rec["alias"]))] = rec["county_code"]
            else:
                names[_norm(rec["alias"])] = rec["county_code"]
    return Registry(regions=regions, names=names, scoped=scoped)


def harmonise_region(name: str, *, table: str | None = None) -> str:
    """Return the canonical region name for any spelling the sources use."""
    reg = load_registry()
    return reg.name(reg.code(name, table=table))


def region_code(name: str, *, table: str | None = None) -> str:
    """Return the SCB county code for any spelling the sources use."""
    return load_registry().code(name, table=table)
