"""Shared fixtures: a scratch copy of data/raw that a test may corrupt."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.paths import RAW


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """Return a fresh copy of data/raw in a temporary folder."""
    dest = tmp_path / "raw"
    shutil.copytree(RAW, dest)
    return dest


def edit_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV (row counts data rows from 1) keeping everything else as it is."""
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index(column)
    rows[row][col] = value
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


@pytest.fixture
def raw_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a scratch copy of data/raw inside a scratch project root, so messages read 'data/raw/…'."""
    import helpers.paths as paths

    dest = tmp_path / "data" / "raw"
    shutil.copytree(RAW, dest)
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    return dest
