"""One region registry: the 21 regions by SCB county code, and every spelling the sources use."""
from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import DataError, UnknownRegionError
from ..paths import RAW, relative


def _norm(name: str) -> str:
    """Fold case and white space so that 'Region  Skåne ' and 'region skåne' meet."""
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


_PREFIX = re.compile(r"^(region|regionen|landstinget|landsting)\s+")
_SUFFIX = re.compile(r"(s?)\s+(lans landsting|lans|lan|landsting)$")


def fold(name: str) -> str:
    """Fold a spelling further: no accents, no 'Region …' prefix, no '… läns landsting' suffix.

    'Region Västra Götaland', 'Vastra Gotaland' and 'Västra Götalands läns landsting' all fold
    to 'vastra gotaland'.
    """
    s = unicodedata.normalize("NFKD", _norm(name))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).replace("-", " ")
    s = _PREFIX.sub("", s)
    s = _SUFFIX.sub("", s)
    return re.sub(r"\s+", " ", s).strip()


@dataclass(frozen=True)
class Registry:
    """The regions (county_code → canonical name) and the spellings that map to them."""

    regions: pd.DataFrame
    names: dict[str, str]                  # normalised spelling -> county_code (any table)
    scoped: dict[tuple[str, str], str]     # (table, normalised spelling) -> county_code
    folded: dict[str, str] = field(default_factory=dict)  # folded spelling -> county_code (unambiguous only)

    def code(self, name: str, *, table: str | None = None, file: str | None = None,
             row: int | None = None, column: str | None = None) -> str:
        """Return the county code for a spelling; raise UnknownRegionError with the closest names."""
        key = _norm(name)
        if table is not None and (table, key) in self.scoped:
            return self.scoped[(table, key)]
        if key in self.names:
            return self.names[key]
        if fold(name) in self.folded:
            return self.folded[fold(name)]
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


def parse_registry(raw_dir: Path) -> Registry:
    """Read regions.csv and region_aliases.csv into a Registry."""
    regions_file = raw_dir / "regions.csv"
    for needed in (regions_file, raw_dir / "region_aliases.csv"):
        if not needed.is_file():
            raise DataError(relative(needed), "file is missing")
    try:
        regions = pd.read_csv(regions_file, dtype=str, keep_default_na=False)
    except (ValueError, OSError) as exc:
        raise DataError(relative(regions_file), f"not a readable CSV file: {str(exc).splitlines()[0]}") from None
    missing = [c for c in ("county_code", "region", "region_official", "county_name") if c not in regions]
    if missing:
        raise DataError(relative(regions_file), f"missing column(s) {', '.join(missing)}", row=0, column=missing[0])
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
    folded: dict[str, set[str]] = {}
    for spelling, code in names.items():
        folded.setdefault(fold(spelling), set()).add(code)
    unambiguous = {k: next(iter(v)) for k, v in folded.items() if len(v) == 1 and k}
    return Registry(regions=regions, names=names, scoped=scoped, folded=unambiguous)
