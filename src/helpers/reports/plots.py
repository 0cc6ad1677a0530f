"""Figures for the reports: labelled axes, units in kronor, Swedish region names."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter

from .format import kr

KRONOR = FuncFormatter(lambda v, _: kr(v))
sns.set_theme(style="whitegrid", context="notebook")


def per_capita_bars(totals: pd.DataFrame, title: str, *, estimate: bool = False) -> plt.Figure:
    """Horizontal bars of kronor per inhabitant by region, with the national average marked."""
    d = totals.dropna(subset=["per_capita_sek"]).sort_values("per_capita_sek", ascending=False)
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(d) + 1.5))
    sns.barplot(data=d, y="region", x="per_capita_sek", ax=ax, color="#4C72B0" if not estimate else "#999999")
    avg = d["amount_sek"].sum() / d["key_population"].astype(float).sum()
    ax.axvline(avg, color="#C44E52", ls="--", lw=1)
    ax.text(avg, -0.8, f" riket {kr(avg, 1)} kr", color="#C44E52", va="bottom", fontsize=9)
    ax.xaxis.set_major_formatter(KRONOR)
    ax.set_xlabel("kronor per invånare (the key's population)")
    ax.set_ylabel("")
    ax.set_title(title + (" — ESTIMATE" if estimate else ""))
    fig.tight_layout()
    return fig


def share_scatter(totals: pd.DataFrame, title: str) -> plt.Figure:
    """Each region's share of the money against its share of the key population (percent)."""
    d = totals.dropna(subset=["population_share"])
    fig, ax = plt.subplots(figsize=(6.5, 6))
    sns.scatterplot(data=d, x=d["population_share"] * 100, y=d["amount_share"] * 100, hue="group", ax=ax)
    lim = float(max(d["population_share"].max(), d["amount_share"].max()) * 100 * 1.05)
    ax.plot([0, lim], [0, lim], color="grey", lw=1, ls=":")
    for _, r in d[(d["amount_share"] > 0.06) | ((d["share_ratio"] - 1).abs() > 0.4)].iterrows():
        ax.annotate(r["region"], (r["population_share"] * 100, r["amount_share"] * 100), fontsize=8,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("share of the key population (%)")
    ax.set_ylabel("share of the money (%)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def verdict_bars(summary: pd.DataFrame, title: str) -> plt.Figure:
    """Stacked bars: printed cells per verdict, one bar per printed column."""
    cols = ["exact", "within_rounding", "stated_rule_fails", "not_reproducible"]
    d = summary.set_index(summary["table"].str.replace(r"^\d{4}_", "", regex=True) + " · " + summary["column"])[cols]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(d) + 1.5))
    d.plot.barh(stacked=True, ax=ax, color=["#55A868", "#8DCB8D", "#DD8452", "#C44E52"], width=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("printed cells (regions)")
    ax.set_ylabel("")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def slope_chart(cmp: pd.DataFrame, base_year: int, target_year: int, *, estimate_base: bool = False) -> plt.Figure:
    """Per-capita amount of each region in two years, joined by a line (kronor per inhabitant)."""
    fig, ax = plt.subplots(figsize=(7, 8))
    b, t = f"per_capita_sek_{base_year}", f"per_capita_sek_{target_year}"
    d = cmp.dropna(subset=[b, t])
    for _, r in d.iterrows():
        ax.plot([0, 1], [r[b], r[t]], color="#4C72B0", alpha=0.6, marker="o", ms=3)
        ax.text(1.02, r[t], r["region"], va="center", fontsize=7)
    ax.set_xticks([0, 1], [f"{base_year}" + (" (ESTIMATE)" if estimate_base else ""), f"{target_year}"])
    ax.set_xlim(-0.1, 1.45)
    ax.yaxis.set_major_formatter(KRONOR)
    ax.set_ylabel("kronor per invånare (each year's key population)")
    ax.set_title(f"Money to the regions per inhabitant, {base_year} → {target_year}")
    fig.tight_layout()
    return fig


def area_heatmap(area_region: pd.DataFrame, year: int) -> plt.Figure:
    """Region × area heat map of kronor per inhabitant."""
    m = area_region.pivot_table(index="region", columns="area_label", values="per_capita_sek", aggfunc="sum")
    m = m.astype(float)
    fig, ax = plt.subplots(figsize=(1.3 * m.shape[1] + 3, 0.35 * m.shape[0] + 2))
    sns.heatmap(m, annot=True, fmt=".0f", cmap="Blues", cbar_kws={"label": "kronor per invånare"}, ax=ax,
                annot_kws={"fontsize": 7})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(f"{year}: kronor per invånare by region and area (regions and municipalities)")
    fig.tight_layout()
    return fig


def waterfall(row: pd.Series, effects: list[str], title: str) -> plt.Figure:
    """Waterfall from the base amount to the target amount through the named effects (kronor)."""
    labels = ["base"] + [e.removeprefix("effect_").removesuffix("_sek").replace("_", " ") for e in effects] + ["target"]
    values = [float(row["base_sek"])] + [float(row[e]) for e in effects]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    running = 0.0
    for i, (lab, v) in enumerate(zip(labels[:-1], values)):
        bottom = 0.0 if i == 0 else running
        color = "#4C72B0" if i == 0 else ("#55A868" if v >= 0 else "#C44E52")
        ax.bar(i, v, bottom=bottom, color=color)
        ax.text(i, bottom + v, kr(v), ha="center", va="bottom" if v >= 0 else "top", fontsize=8)
        running = bottom + v
    ax.bar(len(labels) - 1, float(row["target_sek"]), color="#4C72B0")
    ax.text(len(labels) - 1, float(row["target_sek"]), kr(row["target_sek"]), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(labels)), labels, rotation=20)
    ax.yaxis.set_major_formatter(KRONOR)
    ax.set_ylabel("kronor")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def pots_by_year(matrix: pd.DataFrame) -> plt.Figure:
    """Stacked bars of MSEK per harmonised area and year."""
    by_area = matrix.groupby(level=0).sum().T
    fig, ax = plt.subplots(figsize=(8, 4.5))
    by_area.plot.bar(stacked=True, ax=ax, colormap="tab10", width=0.7)
    ax.set_ylabel("miljoner kronor (MSEK)")
    ax.set_xlabel("agreement year")
    ax.legend(fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.set_title("Pots by harmonised area (2018: same pots as 2017)")
    fig.tight_layout()
    return fig


def index_histograms(indices: pd.DataFrame, title: str) -> plt.Figure:
    """Histograms of the five continuity indices over patients (undefined values left out)."""
    cols = ["coc", "upc", "secon", "mmci", "hhi"]
    fig, axes = plt.subplots(1, 5, figsize=(15, 3), sharey=True)
    for ax, c in zip(axes, cols):
        sns.histplot(indices[c].dropna(), bins=20, binrange=(0, 1), ax=ax, color="#4C72B0")
        ax.set_title(f"{c.upper()} (n = {indices[c].notna().sum():,})".replace(",", " "))
        ax.set_xlabel("index (0–1)")
    axes[0].set_ylabel("patients")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def target_chart(table: pd.DataFrame, index: str, title: str) -> plt.Figure:
    """Per region: baseline, current value and the +20 % target of a continuity index."""
    d = table.sort_values(f"{index}_current")
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(d) + 1.5))
    y = range(len(d))
    ax.scatter(d[f"{index}_baseline"], y, color="grey", label="baseline", zorder=3)
    ax.scatter(d[f"{index}_current"], y, color="#4C72B0", label="current", zorder=3)
    ax.scatter(d["target"], y, marker="|", s=200, color="#C44E52", label="target (+20 %)", zorder=3)
    for i, (_, r) in enumerate(d.iterrows()):
        ax.plot([r[f"{index}_baseline"], r[f"{index}_current"]], [i, i], color="#4C72B0", lw=1)
    ax.set_yticks(list(y), d.iloc[:, 0])
    ax.set_xlabel(f"mean {index.upper()} over eligible patients (0–1)")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def change_interval_chart(table: pd.DataFrame, by: str, increase_pct: float, title: str) -> plt.Figure:
    """Per group: the change from baseline (percent) with its bootstrap interval, and the required increase."""
    d = table.sort_values("change_pct")
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(d) + 1.5))
    y = list(range(len(d)))
    ax.hlines(y, d["change_low_pct"], d["change_high_pct"], color="#4C72B0", lw=2, label="95 % bootstrap interval")
    ax.scatter(d["change_pct"], y, color="#4C72B0", zorder=3, label="change (point estimate)")
    ax.axvline(increase_pct, color="#C44E52", lw=1, ls="--", label=f"target +{increase_pct:g} %")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, d[by])
    ax.set_xlabel("change from baseline (percent)")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def trend_chart(obs: pd.DataFrame, pred: pd.DataFrame | None, target_pct: float | None, deadline_t: float | None,
                path: pd.DataFrame | None, title: str) -> plt.Figure:
    """Observed shares, fitted trend with confidence and prediction bands, the target and the required path."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if pred is not None:
        ax.fill_between(pred["t"], pred["pi_low"] * 100, pred["pi_high"] * 100, color="#4C72B0", alpha=0.12,
                        label="95 % prediction interval")
        ax.fill_between(pred["t"], pred["ci_low"] * 100, pred["ci_high"] * 100, color="#4C72B0", alpha=0.25,
                        label="95 % confidence interval")
        ax.plot(pred["t"], pred["mean"] * 100, color="#4C72B0", label="fitted trend")
    for approx, grp in obs.groupby("approximate"):
        ax.scatter(grp["t"], grp["value"], color="black", marker="o" if not approx else "s",
                   facecolors="black" if not approx else "none", zorder=4,
                   label="published (approximate)" if approx else "published")
    if path is not None:
        ax.plot(path["t"], path["share"] * 100, color="#DD8452", ls="--", label="path the target requires")
    if target_pct is not None:
        ax.axhline(target_pct, color="#C44E52", lw=1)
        if deadline_t is not None:
            ax.scatter([deadline_t], [target_pct], color="#C44E52", marker="*", s=150, zorder=5, label="target")
    ax.set_ylabel("percent")
    ax.set_xlabel("time in decimal years (2021.0 = the end of 2020)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def measurement_chart(obs: pd.DataFrame, pred: pd.DataFrame | None, target_pct: float | None,
                      deadline_t: float | None, path: pd.DataFrame | None, title: str, *,
                      source_column: str = "measure_type", cutoff_t: float | None = None) -> plt.Figure:
    """Observations of every source by collection date, the reference source's trend and bands, the target."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if pred is not None:
        ax.fill_between(pred["t"], pred["pi_low"] * 100, pred["pi_high"] * 100, color="#4C72B0", alpha=0.12,
                        label="95 % interval, a new observation")
        ax.fill_between(pred["t"], pred["ci_low"] * 100, pred["ci_high"] * 100, color="#4C72B0", alpha=0.25,
                        label="95 % interval, the true level")
        ax.plot(pred["t"], pred["mean"] * 100, color="#4C72B0", label="fitted level (reference source)")
    for (src, approx), grp in obs.groupby([source_column, "approximate"]):
        marker = {0: "o", 1: "s", 2: "^", 3: "D"}[sorted(obs[source_column].unique()).index(src) % 4]
        ax.scatter(grp["t"], grp["value"], color="black", marker=marker, facecolors="none" if approx else "black",
                   zorder=4, label=f"{src}" + (" (approximate)" if approx else ""))
    if path is not None:
        ax.plot(path["t"], path["share"] * 100, color="#DD8452", ls="--", label="path the target required")
    if target_pct is not None:
        ax.axhline(target_pct, color="#C44E52", lw=1)
        if deadline_t is not None:
            ax.scatter([deadline_t], [target_pct], color="#C44E52", marker="*", s=150, zorder=5, label="target")
    if cutoff_t is not None:
        ax.axvline(cutoff_t, color="grey", ls=":", lw=1, label="deadline (data to the left: ex ante)")
    ax.set_ylabel("percent")
    ax.set_xlabel("date collected, decimal years (2022.5 = 1 July 2022)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def regional_change_chart(wide: pd.DataFrame, first: str, last: str, title: str) -> plt.Figure:
    """One line per region from its first to its last period value, sorted by the last value."""
    d = wide.dropna(subset=[first, last]).sort_values(last)
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(d) + 1.5))
    y = range(len(d))
    ax.hlines(list(y), d[first], d[last], color="#999999")
    ax.scatter(d[first], list(y), color="#999999", label=first, zorder=3)
    ax.scatter(d[last], list(y), color="#4C72B0", label=last, zorder=3)
    if "pooled_latest" in d:
        ax.scatter(d["pooled_latest"], list(y), color="#C44E52", marker="|", s=120, label=f"{last}, pooled", zorder=4)
    ax.set_yticks(list(y))
    ax.set_yticklabels(d["region"])
    ax.set_xlabel("percent of respondents")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def describe_figure(fig: plt.Figure) -> str:
    """Return a text alternative for a figure: its title and what its axes show."""
    parts = []
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""  # noqa: SLF001
    axes = [ax for ax in fig.axes if ax.get_title() or ax.get_xlabel() or ax.get_ylabel()]
    if not title and axes:
        title = axes[0].get_title()
    if title:
        parts.append(title)
    for ax in axes[:1]:
        if ax.get_xlabel():
            parts.append(f"horizontal axis: {ax.get_xlabel()}")
        if ax.get_ylabel():
            parts.append(f"vertical axis: {ax.get_ylabel()}")
    return "Figure: " + "; ".join(parts) if parts else "Figure"


def show(fig: plt.Figure) -> None:
    """Display a figure as a PNG with a text alternative (read by the report template), then close it."""
    import io

    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"), metadata={"image/png": {"alt": describe_figure(fig)}})
