"""Errors meant for people: each names the file, the row and the column at fault."""
from __future__ import annotations

from pathlib import Path


class DataError(Exception):
    """A raw file is broken: it cannot be parsed, or breaks its schema."""

    def __init__(self, file: str | Path, message: str, *, row: int | None = None,
                 column: str | None = None) -> None:
        self.file = str(file)
        self.row = row
        self.column = column
        self.message = message
        where = [self.file]
        if row is not None:
            # row counts data rows from 1; the file line adds the header line
            where.append(f"row {row} (line {row + 1})")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(", ".join(where) + f": {message}")


class UnknownRegionError(DataError):
    """A region spelling that the registry does not know."""
