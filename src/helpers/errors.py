"""Errors meant for people: one root, each error one line naming the file, row and column at fault.

The command line turns any `GonvError` into that one line and an exit code; nothing else is
caught there, so a programming error still shows its traceback.
"""
from __future__ import annotations

from pathlib import Path


class GonvError(Exception):
    """Root of every error this package raises on purpose (bad data, bad plan, bad parameter)."""

    exit_code = 1


class DataError(GonvError):
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


class VisitDataError(GonvError):
    """A visit extract cannot give honest indices (missing ids, bad times, nothing left)."""


class PlanError(GonvError):
    """The run plan is wrong: unknown notebook or parameter, wrong type, a need nobody writes."""

    exit_code = 2


class ParameterError(GonvError):
    """A notebook parameter names something the record does not hold (a year, a region, a target)."""
