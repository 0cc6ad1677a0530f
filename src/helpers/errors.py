"""Errors meant for people: one root, each error one line naming the file, row and column at fault.

The command line turns any `GonvError` into that one line and an exit code; nothing else is
caught there, so a programming error still shows its traceback.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' for the closest known name, or '' when none is close."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class GonvError(Exception):
    """Root of every error this package raises on purpose (bad data, bad plan, bad parameter)."""

    exit_code = 1


class DataError(GonvError):
    """A raw file is broken: it cannot be parsed, or breaks its schema."""

    def __init__(self, file: str | Path, message: str, *, row: int | None = None,
                 column: str | None = None, line: int | None = None, field: str | None = None) -> None:
        self.file = str(file)
        self.row = row
        self.column = column
        self.line = line
        self.field = field
        self.message = message
        where = [self.file]
        if row is not None:
            # row counts data rows from 1; the file line adds the header line
            where.append(f"row {row} (line {row + 1})")
        elif line is not None:
            # a YAML file: its line, and the field at fault as a dotted path
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column '{column}'")
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(", ".join(where) + f": {message}")


class UnknownRegionError(DataError):
    """A region spelling that the registry does not know."""


class VisitDataError(GonvError):
    """A visit extract cannot give honest indices (missing ids, bad times, nothing left)."""


class UnknownTableError(GonvError, KeyError):
    """A table name the catalogue does not list (also a KeyError, as a missing mapping key is)."""

    def __str__(self) -> str:
        # KeyError quotes its message; this error is read by people
        return str(self.args[0]) if self.args else ""


class KeyMixError(GonvError, ValueError):
    """A key mix ('column:weight;…') that cannot split a pot: bad syntax, weights not summing to 1."""


class OutputError(GonvError):
    """An output folder cannot be written (read-only, not a folder, disk full)."""


class PlanError(GonvError):
    """The run plan is wrong: unknown notebook or parameter, wrong type, a need nobody writes."""

    exit_code = 2


class ParameterError(GonvError):
    """A notebook parameter names something the record does not hold (a year, a region, a target)."""
