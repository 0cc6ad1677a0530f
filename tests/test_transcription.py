"""Transcription guard: every figure in data/raw is found in the source text it cites.

Runs when ../shared/seeds is present (it is in CI); skips with the reason where it is absent.
mode row: each CSV row is one printed line, its label followed by its values in order.
mode values: each figure is found in the source after the table's anchor line.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import pytest

from helpers.record.catalog import TableSpec
from helpers.record.record import load_catalog
from helpers.paths import RAW, seeds_dir

SEEDS = seeds_dir()
pytestmark = pytest.mark.skipif(SEEDS is None, reason="../shared/seeds is absent: cannot check transcriptions")


@lru_cache(maxsize=None)
def _lines(seed_file: str) -> tuple[str, ...]:
    assert SEEDS is not None
    return tuple((SEEDS / seed_file).read_text(encoding="utf-8").splitlines())


def _normalise(line: str) -> str:
    line = re.sub(r"<[^>]+>", " ", line)                  # html tags of the conversion
    line = re.sub(r"\b(kr|kronor)\b", " ", line)
    line = re.sub(r"[\t*()\u00a0]", " ", line)
    return re.sub(r"\s+", " ", line).strip()


def _figure_pattern(cell: str) -> str:
    """A regex for a figure as it may be printed: thousands with or without spaces."""
    cell = cell.strip()
    if re.fullmatch(r"-?\d+", cell):
        digits = cell.lstrip("-")
        head = len(digits) % 3 or 3
        groups = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
        return r"(?<!\d)(?<!\d,)" + r" ?".join(groups) + r"(?!\d|,\d)"
    if re.fullmatch(r"-?\d+\.\d+", cell):  # a float column such as 40.0
        whole, frac = cell.split(".")
        frac = frac.rstrip("0")
        return r"(?<!\d)(?<!\d,)" + whole + (r"[,.]" + frac if frac else r"(?:[,.]0+)?") + r"(?![\d])"
    return re.escape(cell)


def _rows(spec: TableSpec) -> list[dict[str, str]]:
    with open(RAW / spec.file, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _seed_of(spec: TableSpec) -> str:
    cat = load_catalog()
    source = spec.source
    if spec.transcription and spec.transcription.get("seed_source"):
        source = cat.sources[spec.transcription["seed_source"]]
    assert source.seed_file, f"{spec.name}: its source has no seed file"
    return source.seed_file


def _guarded() -> list[TableSpec]:
    return [t for t in load_catalog().tables.values() if t.transcription]


@pytest.mark.parametrize("spec", _guarded(), ids=lambda s: s.name)
def test_every_figure_is_in_the_source(spec: TableSpec) -> None:
    tr = spec.transcription or {}
    lines = [_normalise(l) for l in _lines(_seed_of(spec))]
    missing = []
    if tr["mode"] == "row":
        label_col = spec.region_column or (spec.key[0] if spec.key else next(iter(spec.columns)))
        value_cols = [c for c in spec.columns if c != label_col]
        for i, row in enumerate(_rows(spec), start=1):
            pattern = re.escape(row[label_col]) + "".join(r"\s+" + _figure_pattern(row[c]) for c in value_cols) + r"\s*$"
            if not any(re.search(r"(?:^|\s)" + pattern, l) for l in lines):
                missing.append(f"row {i} ({row[label_col]}): no printed line reads "
                               f"'{row[label_col]} {' '.join(row[c] for c in value_cols)}'")
    else:
        start = next((i for i, l in enumerate(_lines(_seed_of(spec))) if tr["anchor"] in l), None)
        assert start is not None, f"anchor '{tr['anchor']}' not found in {_seed_of(spec)}"
        window = " \n ".join(lines[start:start + int(tr.get("window", 40))])
        key_col = spec.key[0] if spec.key else next(iter(spec.columns))
        for i, row in enumerate(_rows(spec), start=1):
            if row.get(key_col) in tr.get("skip_rows", []):
                continue  # printed in another unit; guarded by text_totals (see the table's notes)
            for col in tr["columns"]:
                if row[col].strip() and not re.search(_figure_pattern(row[col]), window):
                    missing.append(f"row {i}, column {col}: {row[col]} not found after '{tr['anchor']}'")
    assert not missing, f"{spec.file}: " + "; ".join(missing)


def test_a_typo_is_caught(tmp_path: Path) -> None:
    """The guard itself can fail: a one-digit typo in a row is not found in the source."""
    lines = [_normalise(l) for l in _lines("004_51e21b0bbca4511c.txt")]
    good = r"Uppsala län\s+" + _figure_pattern("23664708") + r"\s+" + _figure_pattern("10838798") + r"\s*$"
    typo = r"Uppsala län\s+" + _figure_pattern("23664709") + r"\s+" + _figure_pattern("10838798") + r"\s*$"
    assert any(re.search(good, l) for l in lines)
    assert not any(re.search(typo, l) for l in lines)


def test_text_totals_are_stated_in_their_year_document() -> None:
    cat = load_catalog()
    seeds = {t.year: t.source.seed_file for t in cat.tables.values() if t.kind == "pots"}
    missing = []
    for i, row in enumerate(_rows(cat.table("text_totals")), start=1):
        text = _normalise(" ".join(_lines(str(seeds[int(row["year"])]))))
        amount = row["amount_msek"].strip()
        msek = re.escape(amount) + r" miljoner"
        value = float(amount.replace(" ", "").replace(",", "."))
        sek = _figure_pattern(str(int(round(value * 1_000_000))))
        if not (re.search(msek, text) or re.search(sek, text)):
            missing.append(f"row {i}: {amount} MSEK ({row['claim_id']})")
    assert not missing, missing
