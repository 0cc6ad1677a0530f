"""Figures carry a text alternative built from their title and axis labels."""
from __future__ import annotations
from pathlib import Path

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


def test_figures_use_only_the_bundled_fonts_even_where_the_machine_has_others(tmp_path) -> None:
    """A machine with Arial or Liberation Sans installed (Chromium brings Liberation) must draw the same
    bytes: plant such fonts in the font list, as fontconfig would, and the house style must still pick
    matplotlib's own DejaVu Sans file."""
    import shutil

    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from helpers.reports import plots

    bundled = plots.BUNDLED_FONTS / "ttf" / "DejaVuSans.ttf"
    manager = font_manager.fontManager
    saved = list(manager.ttflist)
    try:
        for family in ("Arial", "Liberation Sans", "DejaVu Sans"):
            planted = tmp_path / f"{family.replace(' ', '')}.ttf"
            shutil.copy(bundled, planted)  # a system copy: another path, perhaps another version
            manager.addfont(str(planted))
            manager.ttflist[-1] = font_manager.FontEntry(**{**manager.ttflist[-1].__dict__, "name": family})
        font_manager.FontManager._findfont_cached.cache_clear()
        plt.style.use("seaborn-v0_8-whitegrid")  # what the module does first: prefers Arial, Liberation
        found = font_manager.findfont(font_manager.FontProperties(family="Arial"), fallback_to_default=False)
        assert str(tmp_path) in found  # the planted fonts are really there to be found
        plots.pin_bundled_fonts()
        used = font_manager.findfont(font_manager.FontProperties(family=plt.rcParams["font.family"]))
        assert Path(used) == bundled
        assert all(str(tmp_path) not in f.fname for f in manager.ttflist)
    finally:
        manager.ttflist = saved
        font_manager.FontManager._findfont_cached.cache_clear()
        plots.pin_bundled_fonts()
