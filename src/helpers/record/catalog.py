"""The catalogue of raw tables (data/raw/catalog.yml) as typed objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import DataError, UnknownTableError, did_you_mean
from ..paths import RAW, relative
from ..yamlfile import line_of, load_yaml

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
            raise UnknownTableError(f"no raw table '{name}'; known tables: {', '.join(sorted(self.tables))}") from None

    def for_year(self, year: int) -> list[TableSpec]:
        """Return the tables printed for one agreement year."""
        return [t for t in self.tables.values() if t.year == year]


_SOURCE_KEYS = {"title", "issuer", "date", "reference", "seed_file", "published_at"}
_SOURCE_REQUIRED = ("title", "issuer", "date", "reference")
_TABLE_REQUIRED = {"file": str, "source": str, "section": str, "kind": str, "unit": (str, int, float),
                   "columns": dict}
_TABLE_OPTIONAL = {"year": int, "reference_date": (str, date), "region_column": str, "total_label": str,
                   "key": (str, list), "all_regions": bool, "optional": bool, "checks": dict,
                   "transcription": dict, "notes": str}
_COLUMN_KEYS = {"type": str, "nullable": bool, "min": (int, float), "max": (int, float), "isin": list,
                "pattern": str, "unit": str}
_TYPE_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false", dict: "a mapping",
               list: "a list", date: "a date"}


def _type_word(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_TYPE_WORDS.get(k, k.__name__) for k in kinds)


def _found(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    name = {str: "text", bool: "true/false", int: "a whole number", float: "a number"}.get(type(value),
                                                                                        type(value).__name__)
    text = str(value)
    return f"{name} '{text[:40]}'" + ("…" if len(text) > 40 else "")


class _Where:
    """Name the place in catalog.yml: file, line of a key, dotted field path."""

    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, container: Any, key: Any, fieldpath: str, message: str) -> DataError:
        return DataError(self.file, message, line=line_of(container, key), field=fieldpath)

    def typed(self, container: Any, key: Any, fieldpath: str, kind: type | tuple[type, ...]) -> Any:
        value = container[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            raise self.error(container, key, fieldpath, f"must be {_type_word(kind)}, found {_found(value)}")
        return value


def _column(name: str, spec: Any, at: _Where, parent: Any, path: str) -> ColumnSpec:
    if not isinstance(spec, dict):
        raise at.error(parent, name, path, f"a column is a mapping such as {{type: int}}, found {_found(spec)}")
    for k in spec:
        if k not in _COLUMN_KEYS:
            raise at.error(spec, k, f"{path}.{k}", f"unknown column property (known: {', '.join(sorted(_COLUMN_KEYS))})")
        at.typed(spec, k, f"{path}.{k}", _COLUMN_KEYS[k])
    kind = spec.get("type")
    if kind not in COLUMN_TYPES:
        raise at.error(spec, "type", f"{path}.type",
                       f"unknown column type '{kind}' (known: {', '.join(sorted(COLUMN_TYPES))})")
    isin = spec.get("isin")
    return ColumnSpec(name=name, type=kind, nullable=bool(spec.get("nullable", False)),
                      min=spec.get("min", 0 if kind == "int" else None), max=spec.get("max"),
                      isin=tuple(isin) if isin else None, pattern=spec.get("pattern"),
                      unit=spec.get("unit"))


def _confined(raw_dir: Path, file: str, at: _Where, t: Any, path: str) -> str:
    """Refuse a table file outside the raw folder: absolute, climbing with '..', or a symlink out."""
    raw_name = relative(raw_dir).rstrip("/") + "/"
    rel = Path(file)
    if not file.strip() or rel.is_absolute() or ".." in rel.parts:
        raise at.error(t, "file", path, f"'{file}' is not a path inside {raw_name} (absolute paths and '..' "
                       "are refused)")
    try:
        (raw_dir / rel).resolve().relative_to(raw_dir.resolve())
    except ValueError:
        # a symlink that leads out of the raw folder: its target is never read nor shown
        raise at.error(t, "file", path, f"'{file}' leads outside {raw_name} (a symbolic link out is refused)") from None
    return file


def _column_names(value: Any, at: _Where, container: Any, key: Any, path: str, columns: dict[str, Any]) -> None:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise at.error(container, key, path, f"must be a column name or a list of column names, found {_found(value)}")
    for n in names:
        if n not in columns:
            raise at.error(container, key, path, f"'{n}' is not a column of this table{did_you_mean(n, columns)}")


def _check_checks(checks: dict[str, Any], at: _Where, path: str, columns: dict[str, Any]) -> None:
    """Refuse a consistency check that names a column the table does not have."""
    for kind, rule in checks.items():
        p = f"{path}.{kind}"
        if kind in {"column_totals", "pots_add_up"}:
            _column_names(rule, at, checks, kind, p, columns)
        elif kind == "row_totals":
            if not isinstance(rule, dict):
                raise at.error(checks, kind, p, f"must be a mapping total_column: [parts], found {_found(rule)}")
            for total, parts in rule.items():
                _column_names(total, at, rule, total, f"{p}.{total}", columns)
                _column_names(parts, at, rule, total, f"{p}.{total}", columns)
        elif kind == "shares":
            if not isinstance(rule, list) or not all(isinstance(r, dict) and set(r) == {"share", "count"} for r in rule):
                raise at.error(checks, kind, p, "must be a list of {share: column, count: column}")
            for r in rule:
                _column_names([r["share"], r["count"]], at, checks, kind, p, columns)
        elif kind == "survey_rows":
            if not isinstance(rule, dict):
                raise at.error(checks, kind, p, f"must be a mapping, found {_found(rule)}")
            for k in ("counts", "percents"):
                _column_names(rule.get(k, []), at, rule, k, f"{p}.{k}", columns)
        else:
            raise at.error(checks, kind, p, "unknown check (known: column_totals, row_totals, shares, pots_add_up, "
                           "survey_rows)")


def parse_catalog(raw_dir: Path) -> Catalog:
    """Read catalog.yml from `raw_dir` into a Catalog; any fault is a DataError naming its line and field."""
    path = raw_dir / "catalog.yml"
    where = relative(path)
    at = _Where(where)
    doc = load_yaml(path, where)
    if not isinstance(doc, dict):
        raise DataError(where, f"the catalogue is a mapping with 'sources' and 'tables', found {_found(doc)}", line=1)
    for k in doc:
        if k not in {"sources", "tables", "cross_checks"}:
            raise at.error(doc, k, str(k), "unknown section (known: sources, tables, cross_checks)")
    for k in ("sources", "tables"):
        if k not in doc:
            raise DataError(where, f"the catalogue has no '{k}' section", line=1)
        at.typed(doc, k, k, dict)
    sources: dict[str, Source] = {}
    for sid, s in doc["sources"].items():
        p = f"sources.{sid}"
        at.typed(doc["sources"], sid, p, dict)
        for k in s:
            if k not in _SOURCE_KEYS:
                raise at.error(s, k, f"{p}.{k}", f"unknown source property (known: {', '.join(sorted(_SOURCE_KEYS))})")
            if s[k] is not None:
                at.typed(s, k, f"{p}.{k}", (str, int, float, date))
        for k in _SOURCE_REQUIRED:
            if s.get(k) is None:
                raise at.error(doc["sources"], sid, p, f"the source has no '{k}'")
        sources[str(sid)] = Source(id=str(sid), **{k: (None if s.get(k) is None else str(s[k])) for k in _SOURCE_KEYS})
    tables: dict[str, TableSpec] = {}
    for name, t in doc["tables"].items():
        p = f"tables.{name}"
        at.typed(doc["tables"], name, p, dict)
        for k in t:
            if k not in _TABLE_REQUIRED and k not in _TABLE_OPTIONAL:
                raise at.error(t, k, f"{p}.{k}", "unknown table property (known: "
                               f"{', '.join(sorted({*_TABLE_REQUIRED, *_TABLE_OPTIONAL}))})")
            if t[k] is not None or k in _TABLE_REQUIRED:
                at.typed(t, k, f"{p}.{k}", {**_TABLE_REQUIRED, **_TABLE_OPTIONAL}[k])
        for k in _TABLE_REQUIRED:
            if k not in t:
                raise at.error(doc["tables"], name, p, f"the table has no '{k}'")
        if t["source"] not in sources:
            raise at.error(t, "source", f"{p}.source", f"unknown source '{t['source']}'"
                           f"{did_you_mean(t['source'], sources)}")
        file = _confined(raw_dir, t["file"], at, t, f"{p}.file")
        columns = {str(c): _column(str(c), spec, at, t["columns"], f"{p}.columns.{c}") for c, spec in t["columns"].items()}
        if not columns:
            raise at.error(t, "columns", f"{p}.columns", "a table needs at least one column")
        key = t.get("key") or ()
        if key:
            _column_names(key, at, t, "key", f"{p}.key", columns)
        if t.get("region_column") is not None:
            _column_names(t["region_column"], at, t, "region_column", f"{p}.region_column", columns)
        _check_checks(t.get("checks") or {}, at, f"{p}.checks", columns)
        ref = t.get("reference_date")
        tables[str(name)] = TableSpec(
            name=str(name), file=file, source=sources[t["source"]], section=t["section"],
            kind=t["kind"], unit=str(t["unit"]), columns=columns,
            year=t.get("year"), reference_date=None if ref is None else str(ref),
            region_column=t.get("region_column"), total_label=t.get("total_label"),
            key=tuple([key] if isinstance(key, str) else key),
            all_regions=bool(t.get("all_regions", True)), optional=bool(t.get("optional", False)),
            checks=t.get("checks") or {}, transcription=t.get("transcription"), notes=t.get("notes") or "")
    cross = doc.get("cross_checks") or []
    if not isinstance(cross, list):
        raise at.error(doc, "cross_checks", "cross_checks", f"must be a list, found {_found(cross)}")
    for i, rule in enumerate(cross):
        p = f"cross_checks[{i}]"
        if not isinstance(rule, dict) or set(rule) != {"left", "right"}:
            raise at.error(cross, i, p, "a cross-check is a mapping {left: table.column, right: table.column}")
        for side in ("left", "right"):
            ref = rule[side]
            tname, _, col = str(ref).partition(".")
            if not isinstance(ref, str) or not col:
                raise at.error(rule, side, f"{p}.{side}", f"must be 'table.column', found {_found(ref)}")
            if tname not in tables:
                raise at.error(rule, side, f"{p}.{side}", f"unknown table '{tname}'{did_you_mean(tname, tables)}")
            if col not in tables[tname].columns:
                raise at.error(rule, side, f"{p}.{side}", f"'{col}' is not a column of {tname}"
                               f"{did_you_mean(col, tables[tname].columns)}")
    return Catalog(raw_dir=raw_dir, sources=sources, tables=tables,
                   cross_checks=[dict(r) for r in cross])
