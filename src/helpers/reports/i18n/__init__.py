"""Report language: one catalogue per language (sv.yml, en.yml, data), and locale formatting through Babel.

`catalogue("sv")` returns the Swedish catalogue: `t(key, **values)` gives a text, `header(column)`
the plain-language header of a table column (patterns such as ``amount_sek_{year}`` match any year),
`value(kind, raw)` the wording of a coded value (a verdict, a recipient group, a check). A key missing
in a catalogue is an error naming the key and the file; tests/test_i18n.py keeps the two in step.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ...errors import ParameterError

LANGUAGES = ("sv", "en")
LOCALES = {"sv": "sv_SE", "en": "en_GB"}
HERE = Path(__file__).resolve().parent


def check_language(language: str) -> str:
    """Return `language` if it is one the reports are written in, else raise ParameterError."""
    if language not in LANGUAGES:
        raise ParameterError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return language


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Return a nested mapping as dotted keys → text."""
    out: dict[str, str] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = "" if v is None else str(v)
    return out


def placeholders(text: str) -> set[str]:
    """Return the names of the {placeholders} in a catalogue text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _pattern(key: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", key)
    rx = "".join(re.escape(p) if i % 2 == 0 else rf"(?P<{p}>\d+)" for i, p in enumerate(parts))
    return re.compile(rx + r"\Z")


@dataclass
class Catalogue:
    """The texts of one language, and the locale its numbers are written in."""

    language: str
    texts: dict[str, str]
    path: str
    _patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._patterns = [(_pattern(k[len("headers."):]), v) for k, v in self.texts.items()
                          if k.startswith("headers.") and "{" in k]

    @property
    def locale(self) -> str:
        """The Babel locale of this language (sv_SE, en_GB)."""
        return LOCALES[self.language]

    def t(self, key: str, **values: Any) -> str:
        """Return the text of `key`, filled with `values` (a missing key is an error naming the catalogue)."""
        try:
            text = self.texts[key]
        except KeyError:
            raise KeyError(f"{self.path}: no text for '{key}'") from None
        return text.format(**values) if values else text

    def md(self, key: str, **values: Any) -> str:
        """Return the text of `key` for Markdown, with every string value escaped as literal text (data-borne)."""
        from ..format import md_text

        safe = {k: md_text(v) if isinstance(v, str) else v for k, v in values.items()}
        return self.t(key, **safe)

    def has(self, key: str) -> bool:
        """Return whether the catalogue has a text for `key`."""
        return key in self.texts

    def header(self, column: str, *, words: bool = False) -> str:
        """Return the plain-language header (with its unit) of a table column.

        A column the catalogue does not know is an error, unless `words`: then (for the columns of a
        printed table, which a new year may bring) its name is written as words with its unit.
        """
        if column.startswith("@"):  # a header already in words (built from the catalogue by the caller)
            return column[1:]
        key = f"headers.{column}"
        if key in self.texts:
            return self.texts[key]
        for rx, text in self._patterns:
            m = rx.match(column)
            if m:
                return text.format(**m.groupdict())
        if words:
            return self.words(column)
        raise KeyError(f"{self.path}: no header for column '{column}' (add it under 'headers')")

    def words(self, column: str) -> str:
        """Return a column name as words with its unit: 'omstallning_sek' → 'Omstallning (kr)'."""
        name, unit = column, ""
        for suffix in ("msek", "sek", "pct_printed", "pct", "n"):
            if column.endswith("_" + suffix):
                name, unit = column[: -len(suffix) - 1], self.t(f"unit_suffix.{suffix}")
                break
        text = name.replace("_", " ").strip().capitalize()
        return f"{text} ({unit})" if unit else text

    def value(self, kind: str, raw: Any) -> str:
        """Return the wording of a coded value (kind: verdicts, groups, checks, …); unknown codes are errors."""
        return self.t(f"{kind}.{raw}")

    def yes_no(self, value: Any) -> str:
        """Return Ja/Nej (Yes/No) for a truth value."""
        return self.t("common.yes") if bool(value) else self.t("common.no")


@lru_cache(maxsize=None)
def catalogue(language: str = "sv") -> Catalogue:
    """Return the catalogue of one language (read once per process)."""
    from ... import provenance

    check_language(language)
    path = HERE / f"{language}.yml"
    provenance.note(path)  # a report rests on its catalogue: the batch re-runs it when the wording changes
    texts = flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return Catalogue(language=language, texts=texts, path=f"src/helpers/reports/i18n/{language}.yml")
