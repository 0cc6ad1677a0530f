"""Presentation helpers for notebooks: kronor formatting, styled tables, headline figures."""
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


def kr(value: float | int | None, decimals: int = 0) -> str:
    """Format an amount in kronor with Swedish thousand separators: 1 234 567 kr."""
    if value is None or pd.isna(value):
        return "–"
    s = f"{value:,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    return s.replace("-", "−")


def num(value: float | int | None, decimals: int = 0) -> str:
    """Format a number with Swedish separators (space for thousands, comma for decimals)."""
    return kr(value, decimals)


def pct(value: float | None, decimals: int = 2) -> str:
    """Format a share (0.2301) as a Swedish percentage: 23,01 %."""
    if value is None or pd.isna(value):
        return "–"
    return f"{value * 100:.{decimals}f}".replace(".", ",").replace("-", "−") + f"{NBSP}%"


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
                caption: str | None = None) -> "pd.io.formats.style.Styler":
    """Return a Styler that formats kronor, counts and shares, with the index hidden.

    Every text cell, column label and the caption are HTML-escaped: a table of the record may
    hold any string a source or a parameter brings, and the report must show it, not run it.
    """
    fmt: dict[str, Any] = {}
    for c in kronor:
        fmt[c] = kr
    for c in counts:
        fmt[c] = num
    for c in shares:
        fmt[c] = pct
    for c, d in (decimals or {}).items():
        fmt[c] = (lambda d: (lambda v: num(v, d)))(d)
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


def headline(figures: dict[str, Any]) -> None:
    """Display headline figures: readable in the report, machine-readable for the run index."""
    from IPython.display import display

    lines = "\n".join(f"- **{md_text(k)}**: {md_text(v)}" for k, v in figures.items())
    bundle = {HEADLINE_MIME: json.loads(json.dumps(figures, default=str)),
              "text/markdown": "**Headline figures**\n\n" + lines}
    if os.environ.get("GONV_WRITES") is not None:
        # in a batch run, the files this run read travel with the headline for the runner's cache;
        # elsewhere (JupyterLab, nbval) they are left out, so a data edit changes no stored output
        bundle[READS_MIME] = provenance.reads()
    display(bundle, raw=True)
