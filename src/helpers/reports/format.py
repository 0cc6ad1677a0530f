"""Presentation helpers for notebooks: locale formatting (Babel), styled tables, headline figures."""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
from typing import Any, Iterable

import pandas as pd

from .. import provenance
from ..constants import HEADLINE_MIME, READS_MIME

NBSP = "\u00a0"
HEADLINE_ORDER = "_order"  # the headline's keys in the order printed (a notebook file stores them sorted)
LOCALES = {"sv": "sv_SE", "en": "en_GB"}


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _decimal(value: float | int, decimals: int, language: str) -> str:
    from babel.numbers import format_decimal, get_minus_sign_symbol

    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(value, format=pattern, locale=LOCALES[language], decimal_quantization=True)
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        text = text[1:]  # a value that rounds to zero has no sign ("0,0", not "−0,0")
    # an explicit pattern gives an ASCII hyphen; the locale's own minus sign is U+2212 in Swedish
    return text.replace("-", get_minus_sign_symbol(LOCALES[language]))


def kr(value: float | int | None, decimals: int = 0, language: str = "sv") -> str:
    """Format an amount in kronor (no unit) in the report's locale: 1 234 567 (sv), 1,234,567 (en)."""
    if _missing(value):
        return "–"
    return _decimal(value, decimals, language)  # type: ignore[arg-type]


def num(value: float | int | None, decimals: int = 0, language: str = "sv") -> str:
    """Format a number in the report's locale (sv: space for thousands, comma for decimals)."""
    return kr(value, decimals, language)


def pct(value: float | None, decimals: int = 2, language: str = "sv") -> str:
    """Format a share (0.2301) as a percentage in the report's locale: 23,01 % (sv), 23.01% (en)."""
    if _missing(value):
        return "–"
    from babel.numbers import format_percent

    sign = format_percent(1, locale=LOCALES[language]).replace("100", "")  # "\u00a0%" in Swedish, "%" in English
    return _decimal(float(value) * 100, decimals, language) + sign  # type: ignore[arg-type]


def money(value: float | int | None, language: str = "sv", decimals: int = 0) -> str:
    """Format an amount with its unit, for running text: 1 234 567 kr (sv), SEK 1,234,567 (en)."""
    if _missing(value):
        return "–"
    n = kr(value, decimals, language)
    return f"{n}{NBSP}kr" if language == "sv" else f"SEK{NBSP}{n}"


def date(value: Any, language: str = "sv") -> str:
    """Format a date in words in the report's locale: 31 december 2018 (sv), 31 December 2018 (en)."""
    if _missing(value):
        return "–"
    from babel.dates import format_date

    return format_date(pd.Timestamp(value).date(), format="long", locale=LOCALES[language])


def year_text(value: float, language: str = "sv") -> str:
    """Format a time in decimal years with one decimal and no thousands separator: 2027,4 (sv), 2027.4 (en)."""
    from babel.numbers import get_decimal_symbol

    return f"{float(value):.1f}".replace(".", get_decimal_symbol(LOCALES[language]))


def whole(values: pd.Series) -> bool:
    """Return whether every non-missing value of a numeric column is a whole number."""
    v = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    return bool(((v - v.round()).abs() < 1e-9).all())


_MD_SPECIAL = re.compile(r"([\\`*\[\]|<>&])")


def md_text(value: object) -> str:
    """Return `value` as literal Markdown text: HTML, link, code and emphasis characters backslash-escaped.

    Use it for every data-borne or parameter value put into Markdown, so that `<script>` or
    `[x](javascript:…)` in a note or a parameter shows as text in the report and in JupyterLab
    (a backslash escape works in every Markdown renderer; an HTML entity would be escaped twice
    by the report's renderer). Underscores are left alone: table names are full of them, and
    inside a word they do not emphasise.
    """
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def _label(value: object) -> str:
    """Format a cell as pandas would by default, with &, < and > escaped (cells are element text)."""
    from pandas.io.formats.style_render import _default_formatter

    shown = value if isinstance(value, str) else _default_formatter(value, pd.get_option("styler.format.precision"))
    return html.escape(str(shown), quote=False)


def _text_cell(value: object) -> str:
    """Format a text cell: missing as '–', anything else as pandas would, escaped."""
    try:
        missing = bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array in a cell
        missing = False
    return "–" if missing else _label(value)


def style_table(df: pd.DataFrame, *, kronor: Iterable[str] = (), counts: Iterable[str] = (),
                shares: Iterable[str] = (), decimals: dict[str, int] | None = None,
                caption: str | None = None, language: str | None = None,
                dates: Iterable[str] = ()) -> "pd.io.formats.style.Styler":
    """Return a Styler that formats kronor, counts and shares, with the index hidden.

    Every text cell, column label and the caption are HTML-escaped: a table of the record may
    hold any string a source or a parameter brings, and the report must show it, not run it.
    With `language`, the columns get the catalogue's plain-language headers (an unknown column is an
    error), numbers the locale's separators, whole numbers no decimals, truth values Ja/Nej.
    """
    lang = language or "sv"
    fmt: dict[str, Any] = {}
    for c in kronor:
        fmt[c] = (lambda v: kr(v, 0, lang))
    for c in counts:
        fmt[c] = (lambda v: num(v, 0, lang))
    for c in shares:
        fmt[c] = (lambda v: pct(v, 2, lang))
    for c in dates:
        fmt[c] = (lambda v: date(v, lang))
    for c, d in (decimals or {}).items():
        # a whole number never shows decimals ("17 000", not "17 000,000")
        fmt[c] = ((lambda d: (lambda v: num(v, 0 if not _missing(v) and float(v).is_integer() else d, lang)))(d) if language
                  else (lambda d: (lambda v: num(v, d)))(d))
    if language:
        from .i18n import catalogue

        cat = catalogue(language)
        for c in df.columns:
            if c in ("year", "decision_year"):  # a year is a name, not a quantity: no thousands separator
                fmt[c] = lambda v: "–" if _missing(v) else str(int(v))
            if c in fmt:
                continue
            if pd.api.types.is_bool_dtype(df[c]):
                fmt[c] = cat.yes_no
            elif pd.api.types.is_numeric_dtype(df[c]):
                fmt[c] = (lambda d: (lambda v: num(v, d, lang)))(0 if whole(df[c]) else 2)
        names = {c: cat.header(str(c)) for c in df.columns}
        df = df.rename(columns=names)
        fmt = {names[c]: f for c, f in fmt.items() if c in names}
    # a deterministic id keeps the HTML stable for nbval (it must not depend on the last bits of
    # floats, which parallel sums may change); tables of the same shape share their styles anyway
    uid = hashlib.sha1(f"{list(df.columns)}|{df.shape}|{caption}".encode()).hexdigest()[:10]
    # a dict formatter sets every column (the others to pandas' default with na_rep); then the
    # columns without a number format get the same default with &, < and > escaped
    styler = df.style.format(fmt, na_rep="–", escape="html")
    plain = [c for c in df.columns if c not in fmt]
    if plain:
        styler = styler.format(_text_cell, subset=plain)
    styler = (styler.format_index(_label, axis=1).format_index(_label, axis=0)
              .hide(axis="index").set_uuid(uid))
    numeric = [c for c in df.columns if c in fmt or pd.api.types.is_numeric_dtype(df[c])]
    text = [c for c in df.columns if c not in numeric]
    styler = styler.set_properties(subset=numeric, **{"text-align": "right", "white-space": "nowrap"})
    styler = styler.set_properties(subset=text, **{"text-align": "left"})
    styler = styler.set_table_styles([{"selector": "th", "props": [("text-align", "left")]},
                                      {"selector": "caption", "props": [("caption-side", "top"),
                                                                        ("text-align", "left"),
                                                                        ("font-weight", "bold")]}],
                                     overwrite=False)
    if caption:
        styler = styler.set_caption(html.escape(str(caption), quote=False))
    return styler


def headline(figures: dict[str, Any], language: str | None = None) -> None:
    """Display headline figures: readable in the report, machine-readable for the run index."""
    from IPython.display import display

    title = "Headline figures"
    data = dict(figures)
    if language:
        from .i18n import catalogue

        cat = catalogue(language)
        # the index shows these as they are: words, locale numbers, Ja/Nej; never raw keys or floats
        figures = {k: (cat.yes_no(v) if isinstance(v, bool) else num(v, 0 if float(v).is_integer() else 2, language)
                       if isinstance(v, (int, float)) else v) for k, v in figures.items()}
        data = {**figures, HEADLINE_ORDER: list(figures)}
        title = cat.t("common.headline")
    lines = "\n".join(f"- **{md_text(k)}**: {md_text(v)}" for k, v in figures.items())
    bundle = {HEADLINE_MIME: json.loads(json.dumps(data, default=str)),
              "text/markdown": f"**{md_text(title)}**\n\n" + lines}
    if os.environ.get("GONV_WRITES") is not None:
        # in a batch run, the files this run read travel with the headline for the runner's cache;
        # elsewhere (JupyterLab, nbval) they are left out, so a data edit changes no stored output
        bundle[READS_MIME] = provenance.reads()
    display(bundle, raw=True)
