"""Figures for the reports: labelled axes, units in kronor, Swedish region names."""
from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import font_manager
from matplotlib.ticker import FuncFormatter

from .format import kr, year_text

KRONOR = FuncFormatter(lambda v, _: kr(v))
# seaborn's white-grid look from matplotlib's own copy of it: importing seaborn (and scipy.stats with it)
# costs about a second per notebook run, so only the figures that need seaborn import it
plt.style.use("seaborn-v0_8-whitegrid")

BUNDLED_FONTS = Path(matplotlib.get_data_path()) / "fonts"


def pin_bundled_fonts() -> None:
    """Draw every figure with the DejaVu fonts that matplotlib ships, whatever the machine has installed.

    The white-grid style prefers Arial, then Liberation Sans: on a machine with either (Chromium and
    LibreOffice bring Liberation) every PNG would change. Only the pinned package's own font files stay
    in the font list, so the same environment draws the same bytes on any machine."""
    manager = font_manager.fontManager
    manager.ttflist = [f for f in manager.ttflist if Path(f.fname).is_relative_to(BUNDLED_FONTS)]
    manager.afmlist = [f for f in manager.afmlist if Path(f.fname).is_relative_to(BUNDLED_FONTS)]
    font_manager.FontManager._findfont_cached.cache_clear()  # the list changed: forget earlier look-ups
    plt.rcParams["font.family"] = ["sans-serif"]
    plt.rcParams["font.sans-serif"] = ["DejaVu Sans"]
    plt.rcParams["mathtext.fontset"] = "dejavusans"


pin_bundled_fonts()


def _t(language: str | None, key: str, default: str, section: str = "plots", **values: object) -> str:
    """Return a figure text from the catalogue of `language` (section `plots`, or a report's own),
    or `default` (figures of notebooks without one)."""
    if not language:
        return default.format(**values) if values else default
    from .i18n import catalogue

    return catalogue(language).t(f"{section}.{key}", **values)


def _kronor(language: str | None) -> FuncFormatter:
    return FuncFormatter(lambda v, _: kr(v, 0, language or "sv"))


def spread_labels(values: list[float], min_gap: float, iterations: int = 200) -> list[float]:
    """Return label positions near `values`, at least `min_gap` apart, in the same order (end labels of a chart)."""
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    pos = [float(values[i]) for i in order]
    for _ in range(iterations):
        moved = False
        for j in range(1, len(pos)):
            overlap = min_gap - (pos[j] - pos[j - 1])
            if overlap > 1e-12:
                # push the pair apart symmetrically; repeat until no pair is closer than min_gap
                pos[j - 1] -= overlap / 2
                pos[j] += overlap / 2
                moved = True
        if not moved:
            break
    out = [0.0] * len(values)
    for rank, i in enumerate(order):
        out[i] = pos[rank]
    return out


def per_capita_bars(totals: pd.DataFrame, title: str, *, estimate: bool = False, language: str | None = None) -> plt.Figure:
    """Horizontal bars of kronor per inhabitant by region, with the national average marked."""
    d = totals.dropna(subset=["per_capita_sek"]).sort_values("per_capita_sek", ascending=False)
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(d) + 1.5))
    ax.barh(range(len(d)), d["per_capita_sek"].astype(float), color="#4C72B0" if not estimate else "#999999", height=0.8)
    ax.set_yticks(range(len(d)), d["region"])
    ax.set_ylim(len(d) - 0.5, -1.2)
    avg = d["amount_sek"].sum() / d["key_population"].astype(float).sum()
    ax.axvline(avg, color="#C44E52", ls="--", lw=1)
    ax.text(avg, -0.8, _t(language, "national_line", " riket {v} kr", v=kr(avg, 1, language or "sv")), color="#C44E52",
            va="bottom", fontsize=9)
    ax.xaxis.set_major_formatter(_kronor(language))
    ax.set_xlabel(_t(language, "per_capita_axis", "kronor per invånare (the key's population)"))
    ax.set_ylabel("")
    ax.set_title(title + (_t(language, "estimate_suffix", " — ESTIMATE") if estimate else "")
                 + (_t(language, "sorted_by_value", "") if language else ""), pad=18)
    fig.tight_layout()
    return fig


def share_scatter(totals: pd.DataFrame, title: str, language: str | None = None) -> plt.Figure:
    """Each region's share of the money against its share of the key population (percent)."""
    d = totals.dropna(subset=["population_share"])
    fig, ax = plt.subplots(figsize=(6.5, 6))
    for (group, grp), color in zip(d.groupby("group", sort=False), ("#4C72B0", "#DD8452", "#55A868", "#C44E52")):
        ax.scatter(grp["population_share"].astype(float) * 100, grp["amount_share"].astype(float) * 100, color=color,
                   label=group, s=30)
    ax.legend(title="" if language else "group")
    lim = float(max(d["population_share"].max(), d["amount_share"].max()) * 100 * 1.05)
    ax.plot([0, lim], [0, lim], color="grey", lw=1, ls=":")
    for _, r in d[(d["amount_share"] > 0.06) | ((d["share_ratio"] - 1).abs() > 0.4)].iterrows():
        ax.annotate(r["region"], (r["population_share"] * 100, r["amount_share"] * 100), fontsize=8,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(_t(language, "population_share_axis", "share of the key population (%)"))
    ax.set_ylabel(_t(language, "money_share_axis", "share of the money (%)"))

    ax.set_title(title)
    fig.tight_layout()
    return fig


def verdict_bars(summary: pd.DataFrame, title: str, language: str | None = None) -> plt.Figure:
    """Stacked bars: printed cells per verdict, one bar per printed column."""
    cols = ["exact", "within_rounding", "stated_rule_fails", "not_reproducible"]
    if "printed_column" in summary:
        import textwrap

        d = summary.set_index(summary["printed_column"].map(lambda t: textwrap.fill(str(t), 48)))[cols]
    else:
        d = summary.set_index(summary["table"].str.replace(r"^\d{4}_", "", regex=True) + " · " + summary["column"])[cols]
    if language:
        from .i18n import catalogue

        d = d.rename(columns=lambda c: catalogue(language).value("verdicts", c))
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(d) + 1.5))
    d.plot.barh(stacked=True, ax=ax, color=["#55A868", "#8DCB8D", "#DD8452", "#C44E52"], width=0.8)
    ax.invert_yaxis()
    ax.set_xlabel(_t(language, "cells_axis", "printed cells (regions)"))
    ax.set_ylabel("")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 if language else 0), fontsize=8, ncol=4 if language else 1)
    fig.tight_layout()
    return fig


def slope_chart(cmp: pd.DataFrame, base_year: int, target_year: int, *, estimate_base: bool = False,
                language: str | None = None, title: str | None = None) -> plt.Figure:
    """Per-capita amount of each region in two years, joined by a line; end labels spread so none overlap."""
    fig, ax = plt.subplots(figsize=(8, 9))
    b, t = f"per_capita_sek_{base_year}", f"per_capita_sek_{target_year}"
    d = cmp.dropna(subset=[b, t])
    lo = float(min(d[b].min(), d[t].min()))
    hi = float(max(d[b].max(), d[t].max()))
    span = (hi - lo) or max(abs(hi), 1.0)
    # 7-point labels on a 9-inch axis: about 2.6 % of the axis each; spread them, then draw leader lines
    gap = span * 0.03 * max(1.0, len(d) / 21)
    for side, col, x_text, ha in ((0, b, -0.08, "right"), (1, t, 1.08, "left")):
        ys = spread_labels(d[col].astype(float).tolist(), gap)
        x_lead = side + (0.06 if side else -0.06)
        for (_, r), y in zip(d.iterrows(), ys):
            ax.plot([side, x_lead], [r[col], y], color="#BBBBBB", lw=0.5)
            ax.text(x_text, y, f"{r['region']} {kr(r[col], 0, language or 'sv')}", va="center", ha=ha, fontsize=7)
    for _, r in d.iterrows():
        ax.plot([0, 1], [r[b], r[t]], color="#4C72B0", alpha=0.6, marker="o", ms=3)
    est = _t(language, "estimate_tick", " (ESTIMATE)") if estimate_base else ""
    ax.set_xticks([0, 1], [f"{base_year}{est}", f"{target_year}"])
    ax.set_xlim(-0.75, 1.75)
    ax.set_ylim(lo - span * 0.35, hi + span * 0.35)
    ax.yaxis.set_major_formatter(_kronor(language))
    ax.set_ylabel(_t(language, "per_capita_axis_years", "kronor per invånare (each year's key population)"))
    ax.set_title(title or _t(language, "slope_title", "Money to the regions per inhabitant, {b} → {t}", b=base_year, t=target_year))
    fig.tight_layout()
    return fig


def area_heatmap(area_region: pd.DataFrame, year: int, language: str | None = None) -> plt.Figure:
    """Region × area heat map of kronor per inhabitant (regions in county-code order)."""
    m = area_region.pivot_table(index="region", columns="area_label", values="per_capita_sek", aggfunc="sum")
    if "county_code" in area_region:
        order = area_region.sort_values("county_code")["region"].drop_duplicates()
        m = m.reindex([r for r in order if r in m.index])
    m = m.astype(float)
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(1.3 * m.shape[1] + 3, 0.35 * m.shape[0] + 2))
    sns.heatmap(m, annot=True, fmt=".0f", cmap="Blues", cbar_kws={"label": _t(language, "per_capita_short", "kronor per invånare")},
                ax=ax, annot_kws={"fontsize": 7})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(_t(language, "heatmap_title", "{year}: kronor per invånare by region and area (regions and municipalities)", year=year))
    fig.tight_layout()
    return fig


def waterfall(row: pd.Series, effects: list[str], title: str, language: str | None = None) -> plt.Figure:
    """Waterfall from the base amount to the target amount through the named effects (kronor), labels clear of the title."""
    if language:
        from .i18n import catalogue

        cat = catalogue(language)
        labels = [cat.t("plots.wf_base")] + [cat.header(e).split(" (")[0] for e in effects] + [cat.t("plots.wf_target")]
    else:
        labels = ["base"] + [e.removeprefix("effect_").removesuffix("_sek").replace("_", " ") for e in effects] + ["target"]
    lang = language or "sv"
    values = [float(row["base_sek"])] + [float(row[e]) for e in effects]
    fig, ax = plt.subplots(figsize=(9, 5))
    running = 0.0
    tops = []
    for i, (lab, v) in enumerate(zip(labels[:-1], values)):
        bottom = 0.0 if i == 0 else running
        color = "#4C72B0" if i == 0 else ("#55A868" if v >= 0 else "#C44E52")
        ax.bar(i, v, bottom=bottom, color=color)
        tops.append(max(bottom, bottom + v))
        running = bottom + v
    ax.bar(len(labels) - 1, float(row["target_sek"]), color="#4C72B0")
    tops.append(float(row["target_sek"]))
    ceiling = max(tops) * 1.22 if max(tops) > 0 else 1.0
    ax.set_ylim(min(0.0, min(values)) * 1.1, ceiling)
    # every value label sits above its bar's top, inside the axes (headroom above), never on the title
    for i, (v, top) in enumerate(zip(values + [float(row["target_sek"])], tops)):
        ax.annotate(kr(v, 0, lang), (i, top), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                    fontsize=8, rotation=0)
    ax.set_xticks(range(len(labels)), labels, rotation=25, ha="right", rotation_mode="anchor")
    ax.yaxis.set_major_formatter(_kronor(language))
    ax.set_ylabel(_t(language, "kronor_axis", "kronor"))
    ax.set_title(title, pad=12)
    fig.tight_layout()
    return fig


def pots_by_year(matrix: pd.DataFrame, language: str | None = None) -> plt.Figure:
    """Stacked bars of MSEK per harmonised area and year."""
    by_area = matrix.groupby(level=0).sum().T
    fig, ax = plt.subplots(figsize=(8, 4.5))
    by_area.plot.bar(stacked=True, ax=ax, colormap="tab20", width=0.7)  # 20 distinct colours: no two areas alike
    ax.set_ylabel(_t(language, "msek_axis", "miljoner kronor (MSEK)"))
    ax.set_xlabel(_t(language, "year_axis", "agreement year"))
    ax.legend(fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left", title="" if language else None)
    ax.set_title(_t(language, "pots_title", "Pots by harmonised area (2018: same pots as 2017)"))
    fig.tight_layout()
    return fig


def index_histograms(indices: pd.DataFrame, title: str, language: str | None = None) -> plt.Figure:
    """Histograms of the five continuity indices over patients (undefined values left out)."""
    import seaborn as sns

    lang = language or "sv"
    cat = _nb31(language)
    cols = ["coc", "upc", "secon", "mmci", "hhi"]
    fig, axes = plt.subplots(1, 5, figsize=(15, 3), sharey=True)
    for ax, c in zip(axes, cols):
        sns.histplot(indices[c].dropna(), bins=20, binrange=(0, 1), ax=ax, color="#4C72B0")
        ax.set_title(f"{c.upper()} (n = {kr(int(indices[c].notna().sum()), 0, lang)})")
        ax.set_xlabel(cat.t("nb31.fig_index_axis") if cat else "index (0–1)")
    axes[0].set_ylabel(cat.t("nb31.fig_patients_axis") if cat else "patients")
    if cat:  # the locale's decimal comma and thousands separator on the ticks
        for ax in axes:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: kr(v, 1, lang)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: kr(v, 0, lang)))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _nb31(language: str | None):  # -> Catalogue | None
    """Return the catalogue whose section nb31 words the continuity figures (None: English defaults)."""
    if not language:
        return None
    from .i18n import catalogue

    return catalogue(language)


def change_interval_chart(table: pd.DataFrame, by: str, increase_pct: float, title: str,
                          language: str | None = None) -> plt.Figure:
    """Per group: the change from baseline (percent) with its bootstrap interval, and the required increase.

    The groups are sorted by the change (the title should say so).
    """
    cat = _nb31(language)
    inc = kr(increase_pct, 0 if float(increase_pct).is_integer() else 1, language or "sv") if cat else f"{increase_pct:g}"
    d = table.sort_values("change_pct")
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(d) + 1.5))
    y = list(range(len(d)))
    ax.hlines(y, d["change_low_pct"], d["change_high_pct"], color="#4C72B0", lw=2,
              label=cat.t("nb31.fig_interval") if cat else "95 % bootstrap interval")
    ax.scatter(d["change_pct"], y, color="#4C72B0", zorder=3,
               label=cat.t("nb31.fig_point") if cat else "change (point estimate)")
    ax.axvline(increase_pct, color="#C44E52", lw=1, ls="--",
               label=cat.t("nb31.fig_target", inc=inc) if cat else f"target +{inc} %")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, d[by])
    if cat:  # the locale's minus sign and decimal comma on the ticks
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: kr(v, 0 if float(v).is_integer() else 1, cat.language)))
    ax.set_xlabel(cat.t("nb31.fig_change_axis") if cat else "change from baseline (percent)")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _locale_ticks(ax: plt.Axes, language: str | None, *, x: bool = True, y: bool = True) -> None:
    """Write the tick labels in the report's locale (decimal comma and minus sign in Swedish)."""
    if not language:
        return
    f = FuncFormatter(lambda v, _: kr(v, 0 if float(v).is_integer() else 1, language))
    if x:
        ax.xaxis.set_major_formatter(f)
    if y:
        ax.yaxis.set_major_formatter(f)


def measurement_chart(obs: pd.DataFrame, pred: pd.DataFrame | None, target_pct: float | None,
                      deadline_t: float | None, path: pd.DataFrame | None, title: str, *,
                      source_column: str = "measure_type", cutoff_t: float | None = None,
                      language: str | None = None, source_names: dict[str, str] | None = None,
                      reference_name: str = "reference source", target_label: str = "target") -> plt.Figure:
    """Observations of every source by collection date, the reference source's trend and bands, the target.

    With `language`, every label comes from the catalogue (section nb30); `source_names` words the
    sources in the legend, `target_label` says what the star is (the target and its deadline in words).
    """
    names = source_names or {}
    fig, ax = plt.subplots(figsize=(9, 5.5))
    if pred is not None:
        ax.fill_between(pred["t"], pred["pi_low"] * 100, pred["pi_high"] * 100, color="#4C72B0", alpha=0.12,
                        label=_t(language, "fig_new_obs", section="nb30", default="95 % interval, a new observation"))
        ax.fill_between(pred["t"], pred["ci_low"] * 100, pred["ci_high"] * 100, color="#4C72B0", alpha=0.25,
                        label=_t(language, "fig_level", section="nb30", default="95 % interval, the true level"))
        ax.plot(pred["t"], pred["mean"] * 100, color="#4C72B0",
                label=_t(language, "fig_fitted", section="nb30", default="fitted level ({instrument})", instrument=reference_name))
    for (src, approx), grp in obs.groupby([source_column, "approximate"]):
        marker = {0: "o", 1: "s", 2: "^", 3: "D"}[sorted(obs[source_column].unique()).index(src) % 4]
        ax.scatter(grp["t"], grp["value"], color="black", marker=marker, facecolors="none" if approx else "black",
                   zorder=4, label=names.get(src, str(src)) + (_t(language, "fig_approx", section="nb30", default=" (approximate)") if approx else ""))
    if path is not None:
        ax.plot(path["t"], path["share"] * 100, color="#DD8452", ls="--",
                label=_t(language, "fig_path", section="nb30", default="path the target required"))
    if target_pct is not None:
        ax.axhline(target_pct, color="#C44E52", lw=1)
        if deadline_t is not None:
            ax.scatter([deadline_t], [target_pct], color="#C44E52", marker="*", s=150, zorder=5, label=target_label)
    if cutoff_t is not None:
        ax.axvline(cutoff_t, color="grey", ls=":", lw=1,
                   label=_t(language, "fig_cutoff", section="nb30", default="deadline (data to the left: ex ante)"))
    ax.set_ylabel(_t(language, "fig_percent_axis", section="nb30", default="percent"))
    ax.set_xlabel(_t(language, "fig_time_axis", section="nb30", default="date collected, decimal years (2022.5 = 1 July 2022)"))
    ax.set_ylim(0, 100)
    _locale_ticks(ax, language, x=False)
    if language:  # a year is a name: no thousands separator ("2022", not "2 022"); a half year with the locale's comma
        ax.xaxis.set_major_formatter(FuncFormatter(
            lambda v, _: f"{v:.0f}" if float(v).is_integer() else year_text(v, language)))
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)  # below the plot: no band hidden
    ax.set_title(title)
    fig.tight_layout()
    return fig


def regional_change_chart(wide: pd.DataFrame, first: str, last: str, title: str,
                          language: str | None = None) -> plt.Figure:
    """One line per region from its first to its last period value, sorted by the last value (the title says so)."""
    d = wide.dropna(subset=[first, last]).sort_values(last)
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(d) + 1.5))
    y = range(len(d))
    ax.hlines(list(y), d[first], d[last], color="#999999")
    ax.scatter(d[first], list(y), color="#999999", label=first, zorder=3)
    ax.scatter(d[last], list(y), color="#4C72B0", label=last, zorder=3)
    if "pooled_latest" in d:
        ax.scatter(d["pooled_latest"], list(y), color="#C44E52", marker="|", s=120,
                   label=_t(language, "fig_pooled", section="nb30", default="{last}, pooled", last=last), zorder=4)
    ax.set_yticks(list(y))
    ax.set_yticklabels(d["region"])
    ax.set_xlabel(_t(language, "fig_respondents_axis", section="nb30", default="percent of respondents"))
    _locale_ticks(ax, language, y=False)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the plot: no region's line hidden
    ax.set_title(title)
    fig.tight_layout()
    return fig


def describe_figure(fig: plt.Figure, language: str | None = None) -> str:
    """Return a text alternative for a figure: its title and what its axes show (in the report's language)."""
    parts = []
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""  # noqa: SLF001
    axes = [ax for ax in fig.axes if ax.get_title() or ax.get_xlabel() or ax.get_ylabel()]
    if not title and axes:
        title = axes[0].get_title()
    if title:
        parts.append(title)
    for ax in axes[:1]:
        if ax.get_xlabel():
            parts.append(_t(language, "alt_x", "horizontal axis: {a}", a=ax.get_xlabel()))
        if ax.get_ylabel():
            parts.append(_t(language, "alt_y", "vertical axis: {a}", a=ax.get_ylabel()))
    word = _t(language, "alt_figure", "Figure")
    return f"{word}: " + "; ".join(parts) if parts else word


def show(fig: plt.Figure, language: str | None = None) -> None:
    """Display a figure as a PNG with a text alternative (read by the report template), then close it."""
    import io

    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"), metadata={"image/png": {"alt": describe_figure(fig, language)}})


def region_years(by_area: pd.DataFrame, title: str, language: str | None = None) -> plt.Figure:
    """Stacked bars of one region's money per harmonised area and year (millions of kronor)."""
    m = by_area.set_index("area_label")
    m.columns = [c.removeprefix("amount_sek_") for c in m.columns]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    (m.T / 1e6).plot.bar(stacked=True, ax=ax, colormap="tab10", width=0.7)
    ax.set_ylabel(_t(language, "msek_axis", "miljoner kronor (MSEK)"))
    ax.set_xlabel(_t(language, "year_axis", "agreement year"))
    ax.tick_params(axis="x", rotation=0)
    ax.legend(fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left", title="")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def region_vs_nation(pc: pd.DataFrame, region: str, title: str, language: str | None = None) -> plt.Figure:
    """One region's kronor per inhabitant by year against the whole country's."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.plot(pc["year"], pc["region_per_capita_sek"], marker="o", color="#4C72B0", label=region)
    ax.plot(pc["year"], pc["national_per_capita_sek_year"], marker="s", ls="--", color="#C44E52",
            label=_t(language, "nation_label", "Riket"))
    ax.set_xticks(list(pc["year"]), [str(y) for y in pc["year"]])
    ax.yaxis.set_major_formatter(_kronor(language))
    ax.set_ylabel(_t(language, "per_capita_short", "kronor per invånare"))
    ax.set_xlabel(_t(language, "year_axis", "agreement year"))
    ax.legend(fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig
