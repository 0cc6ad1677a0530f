"""The catalogue of raw tables (data/raw/catalog.yml) as typed objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError
from ..paths import RAW, relative

COLUMN_TYPES = {"str", "int", "float", "bool", "date", "percent_printed", "ratio_printed",
                "decimal_printed"}


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its type and the constraints the schema enforces."""

    name: str
    type: str
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    isin: tuple[str, ...] | None = None
    pattern: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Source:
    """A published document that figures were transcribed from."""

    id: str
    title: str
    issuer: str
    date: str
    reference: str
    seed_file: str | None
    published_at: str | None


@dataclass(frozen=True)
class TableSpec:
    """One raw table: its file, provenance, schema and consistency checks."""

    name: str
    file: str
    source: Source
    section: str
    kind: str
    unit: str
    columns: dict[str, ColumnSpec]
    year: int | None = None
    reference_date: str | None = None
    region_column: str | None = None
    total_label: str | None = None
    key: tuple[str, ...] = ()
    all_regions: bool = True
    optional: bool = False
    checks: dict[str, Any] = field(default_factory=dict)
    transcription: dict[str, Any] | None = None
    notes: str = ""


@dataclass(frozen=True)
class Catalog:
    """Every raw table, every source, and the cross-table checks."""

    raw_dir: Path
    sources: dict[str, Source]
    tables: dict[str, TableSpec]
    cross_checks: list[dict[str, str]]

    def table(self, name: str) -> TableSpec:
        """Return one table's spec; an unknown name lists the known ones."""
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"no raw table '{name}'; known tables: {', '.join(sorted(self.tables))}") from None

    def for_year(self, year: int) -> list[TableSpec]:
        """Return the tables printed for one agreement year."""
        return [t for t in self.tables.values() if t.year == year]


def _column(name: str, spec: dict[str, Any], where: str) -> ColumnSpec:
    kind = spec.get("type")
    if kind not in COLUMN_TYPES:
        raise DataError(where, f"column '{name}' has unknown type '{kind}' (known: {', '.join(sorted(COLUMN_TYPES))})")
    isin = spec.get("isin")
    return ColumnSpec(name=name, type=kind, nullable=bool(spec.get("nullable", False)),
                      min=spec.get("min", 0 if kind == "int" else None), max=spec.get("max"),
                      isin=tuple(isin) if isin else None, pattern=spec.get("pattern"),
                      unit=spec.get("unit"))


def load_catalog(raw_dir: Path = RAW) -> Catalog:
    """Return the catalogue of the record in `raw_dir` (read once per process)."""
    from .record import load_record

    return load_record(raw_dir).catalog


def parse_catalog(raw_dir: Path) -> Catalog:
    """Read catalog.yml from `raw_dir` into a Catalog."""
    path = raw_dir / "catalog.yml"
    where = relative(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(where, f"not valid YAML: {exc}") from None
    sources = {sid: Source(id=sid, **{k: (None if v is None else str(v)) for k, v in s.items()})
               for sid, s in doc["sources"].items()}
    tables: dict[str, TableSpec] = {}
    for name, t in doc["tables"].items():
        if t["source"] not in sources:
            raise DataError(where, f"table '{name}' names unknown source '{t['source']}'")
        key = t.get("key") or ()
        tables[name] = TableSpec(
            name=name, file=t["file"], source=sources[t["source"]], section=t["section"],
            kind=t["kind"], unit=str(t["unit"]),
            columns={c: _column(c, s, where) for c, s in t["columns"].items()},
            year=t.get("year"), reference_date=t.get("reference_date"),
            region_column=t.get("region_column"), total_label=t.get("total_label"),
            key=tuple([key] if isinstance(key, str) else key),
            all_regions=bool(t.get("all_regions", True)), optional=bool(t.get("optional", False)), checks=t.get("checks") or {},
            transcription=t.get("transcription"), notes=t.get("notes", ""))
    return Catalog(raw_dir=raw_dir, sources=sources, tables=tables,
                   cross_checks=list(doc.get("cross_checks") or []))
