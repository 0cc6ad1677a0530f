"""Strict YAML for the project's own files (catalog.yml, plan.yaml): duplicate keys refused, lines kept.

PyYAML's safe_load keeps the last of two equal keys without a word, so a table defined twice in
the catalogue silently replaces the first. The loader here refuses that, and remembers the line
of every mapping key and list item so that a wrong value can be named by file, line and field.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import DataError


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping from YAML that knows its own line and the line of each key (1-based)."""

    line: int = 0
    lines: dict[Any, int]


class LineList(list):  # type: ignore[type-arg]
    """A sequence from YAML that knows its own line and the line of each item (1-based)."""

    line: int = 0
    lines: list[int]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and records lines."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise DataError(loader.name, "a mapping key must be a plain value", line=key_node.start_mark.line + 1) from None
        if key in out:
            raise DataError(loader.name, f"'{key}' is defined twice (first on line {out.lines[key]}); "
                            "YAML would silently keep only the last", line=key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: _StrictLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def parse_yaml(text: str, where: str) -> Any:
    """Parse YAML text strictly; raise DataError naming `where` and the line on any fault."""
    loader = _StrictLoader(text)
    loader.name = where
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not valid YAML"
        raise DataError(where, f"not valid YAML: {problem}", line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise DataError(where, f"not valid YAML: {str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()


def load_yaml(path: Path, where: str) -> Any:
    """Read and parse a YAML file strictly (an unreadable or empty file is a DataError naming it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(where, "file is missing") from None
    except UnicodeDecodeError:
        raise DataError(where, "not a UTF-8 text file") from None
    except OSError as exc:
        raise DataError(where, f"cannot be read ({exc.strerror})") from None
    doc = parse_yaml(text, where) if text.strip() else None
    if doc is None:  # nothing, or nothing but comments
        raise DataError(where, "file is empty")
    return doc


def line_of(container: Any, key: Any, default: int | None = None) -> int | None:
    """Return the line of `key` in a mapping (or index in a list) from this loader, else `default`."""
    lines = getattr(container, "lines", None)
    if isinstance(lines, dict):
        return lines.get(key, getattr(container, "line", default))
    if isinstance(lines, list) and isinstance(key, int) and 0 <= key < len(lines):
        return lines[key]
    return getattr(container, "line", default)
