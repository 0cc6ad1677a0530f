"""The published record, loaded once: catalogue, region registry, every raw table, the rules.

`load_record()` returns one `Record` per raw folder and process. Tables are parsed and validated
the first time they are asked for and kept; the record remembers which files it read (and their
SHA-256), so derived tables and the batch runner know what a result rests on. When a file the
record read has changed on disk, the next `load_record()` builds a fresh record.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import provenance
from ..errors import ParameterError
from ..paths import RAW, relative
from . import cache
from .catalog import Catalog, parse_catalog
from .regions import Registry, parse_registry
from .tables import RawTable, parse_table

_CACHE: dict[Path, "Record"] = {}


@dataclass
class Record:
    """One raw folder's published record: tables parsed on first use, and what was read."""

    raw_dir: Path
    catalog: Catalog
    registry: Registry
    _tables: dict[str, RawTable] = field(default_factory=dict, repr=False)
    _stamps: dict[Path, tuple[int, int, str]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, raw_dir: Path) -> "Record":
        """Read the catalogue and the registry of `raw_dir` (tables follow on demand)."""
        stamps: dict[Path, tuple[int, int, str]] = {}
        catalog = parse_catalog(raw_dir)
        registry = parse_registry(raw_dir)
        record = cls(raw_dir=raw_dir, catalog=catalog, registry=registry, _stamps=stamps)
        for name in ("catalog.yml", "regions.csv", "region_aliases.csv"):
            record._note(raw_dir / name)
        return record

    def _note(self, path: Path) -> None:
        st = path.stat()
        self._stamps[path] = (st.st_size, st.st_mtime_ns, provenance.note(path))

    # --- tables -------------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        """Return whether the catalogue lists `name` and its file is present (optional tables)."""
        return name in self.catalog.tables and (self.raw_dir / self.catalog.tables[name].file).is_file()

    def table(self, name: str) -> RawTable:
        """Return one raw table, parsed and validated the first time it is asked for in this batch."""
        if name not in self._tables:
            spec = self.catalog.table(name)
            path = self.raw_dir / spec.file
            if not path.is_file():
                table = parse_table(spec, self.raw_dir, self.registry)   # raises the one-line error
            self._note(path)
            key = cache.table_key(self._stamps[path][2], self._context())
            hit = cache.load(key)
            if hit is not None:
                table = RawTable(spec=spec, data=hit[0], total=hit[1], file=relative(path))
            else:
                table = parse_table(spec, self.raw_dir, self.registry)
                cache.store(key, table.data, table.total)
            from .rules import VALIDATORS, check_zero_keys

            check = VALIDATORS.get(name)
            if check is not None:
                # checked against the catalogue before it is kept (a bad rule never serves)
                check(self, table)
            self._tables[name] = table
            try:
                check_zero_keys(self)
            except Exception:
                del self._tables[name]  # asked again, it fails again
                raise
        return self._tables[name]

    def loaded(self, name: str) -> RawTable | None:
        """Return a table if this record has already read it, else None (reads nothing)."""
        return self._tables.get(name)

    def _context(self) -> str:
        """The digests every table's parsed form depends on besides its own file: catalogue and registry."""
        return "|".join(self._stamps[self.raw_dir / n][2] for n in ("catalog.yml", "regions.csv", "region_aliases.csv"))

    def frame(self, name: str) -> pd.DataFrame:
        """Return a copy of one table's body rows (callers may change it freely)."""
        return self.table(name).data.copy()

    def total(self, name: str) -> pd.Series:
        """Return a copy of one table's printed total row."""
        t = self.table(name)
        if t.total is None:
            raise KeyError(f"table '{name}' has no printed total row")
        return t.total.copy()

    def files_read(self) -> dict[str, str]:
        """Return the files this record has read: path relative to the project → SHA-256."""
        return {relative(p): s[2] for p, s in sorted(self._stamps.items())}

    def fresh(self) -> bool:
        """Return whether every file read is unchanged on disk (size and time first, then content)."""
        for path, (size, mtime, digest) in self._stamps.items():
            try:
                st = path.stat()
            except OSError:
                return False
            if (st.st_size, st.st_mtime_ns) != (size, mtime) and provenance.sha256(path) != digest:
                return False
        return True

    # --- the rules, as data -------------------------------------------------------------------
    @property
    def rules(self) -> pd.DataFrame:
        """Every pot of every agreement: amount, recipient, key, base amount, where printed."""
        return self.frame("allocation_rules")

    @property
    def years(self) -> list[int]:
        """The agreement years the record holds rules for."""
        return sorted(int(y) for y in self.table("allocation_rules").data["year"].unique())

    def year_rules(self, year: int) -> pd.DataFrame:
        """Return the pots of one agreement year (a year the record does not hold is an error)."""
        self.check_year(year)
        r = self.rules
        return r[r["year"] == year].reset_index(drop=True)

    def check_year(self, year: int) -> None:
        """Raise ParameterError naming the known years when `year` has no agreement in the record."""
        if int(year) not in self.years:
            raise ParameterError(f"no agreement for year {year} in {relative(self.raw_dir)}/rules/allocation_rules.csv; "
                                 f"known years: {', '.join(map(str, self.years))}")

    def region(self, spelling: str) -> str:
        """Return the canonical region name for any spelling (an unknown one lists the closest)."""
        return self.registry.name(self.registry.code(spelling))

    def area_labels(self, language: str = "sv") -> dict[str, str]:
        """Return the label of each harmonised area in one language (rules/areas.csv)."""
        areas = self.table("areas").data
        col = f"label_{language}"
        if col not in areas:
            raise ParameterError(f"no area labels in language '{language}'")
        return dict(zip(areas["area"], areas[col]))


def load_record(raw_dir: Path | str | None = None) -> Record:
    """Return the record of `raw_dir` (default data/raw), built once per process and kept while fresh."""
    path = Path(raw_dir) if raw_dir is not None else RAW
    key = Path(os.path.abspath(path))
    rec = _CACHE.get(key)
    if rec is None or not rec.fresh():
        rec = Record.build(path)
        _CACHE[key] = rec
    return rec


# --- conveniences: one table, the catalogue or the registry of the record in a raw folder -------------

def read_table(name: str, raw_dir: Path = RAW) -> RawTable:
    """Return one raw table of the record in `raw_dir` (parsed once per batch)."""
    return load_record(raw_dir).table(name)


def load_table(name: str, raw_dir: Path = RAW) -> pd.DataFrame:
    """Return one raw table's body rows, typed and validated (regions carry county_code and region)."""
    return load_record(raw_dir).frame(name)


def load_total(name: str, raw_dir: Path = RAW) -> pd.Series:
    """Return the printed total row of a raw table."""
    return load_record(raw_dir).total(name)


def load_catalog(raw_dir: Path = RAW) -> Catalog:
    """Return the catalogue of the record in `raw_dir`."""
    return load_record(raw_dir).catalog


def load_registry(raw_dir: Path = RAW) -> Registry:
    """Return the region registry of the record in `raw_dir`."""
    return load_record(raw_dir).registry


def harmonise_region(name: str, *, table: str | None = None) -> str:
    """Return the canonical region name for any spelling the sources use."""
    reg = load_registry()
    return reg.name(reg.code(name, table=table))


def county_code_of(name: str, *, table: str | None = None) -> str:
    """Return the SCB county code for any spelling the sources use."""
    return load_registry().code(name, table=table)
