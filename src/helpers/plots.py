"""Figures for the reports: labelled axes, units in kronor, Swedish region names."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter

from .report import kr

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
    sns.scatterplot(data=d, x=d["population_share"] * 100, y=d["amount_share"] * 100, hue="recipient", ax=ax)
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
