"""Figures carry a text alternative built from their title and axis labels."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from helpers.reports.plots import describe_figure  # noqa: E402
from helpers.reports.format import kr, pct  # noqa: E402


def test_alt_text_from_title_and_axes() -> None:
    fig, ax = plt.subplots()
    ax.set_title("Money per inhabitant")
    ax.set_xlabel("region")
    ax.set_ylabel("kronor")
    assert describe_figure(fig) == "Figure: Money per inhabitant; horizontal axis: region; vertical axis: kronor"
    plt.close(fig)


def test_swedish_number_formats() -> None:
    assert kr(1234567) == "1\u00a0234\u00a0567"
    assert kr(-2.5, 1) == "−2,5"
    assert pct(0.2301) == "23,01\u00a0%"
