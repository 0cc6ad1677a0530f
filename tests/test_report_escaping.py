"""Data-borne strings reach the HTML report as text, never as markup (the real nbconvert export)."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.reports.format import md_text, style_table

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"


from kernels import kernel_or_skip as _kernel_or_skip  # noqa: E402


def test_style_table_escapes_cells_labels_and_caption() -> None:
    df = pd.DataFrame({"note": [PAYLOAD, "plain"], PAYLOAD: [1, 2], "amount_sek": [1000, 2000]})
    page = style_table(df, kronor=["amount_sek"], caption=PAYLOAD).to_html()
    assert "<script>" not in page and "<img" not in page
    assert page.count(ESCAPED) == 3          # the cell, the column label, the caption
    assert ">1\u00a0000<" in page            # numbers still formatted (1 000 with a no-break space)


def test_md_text_disarms_html_and_links() -> None:
    assert md_text(PAYLOAD) == "\\<script\\>alert(1)\\</script\\>\\<img src=x onerror=alert(2)\\>"
    assert md_text("a & b") == "a \\& b"
    assert md_text("[click](javascript:alert(1))") == "\\[click\\](javascript:alert(1))"
    assert md_text("2020_bilaga2_per_region") == "2020_bilaga2_per_region"   # names stay readable


def test_report_html_escapes_tables_markdown_headline_and_alt_text(tmp_path: Path) -> None:
    _kernel_or_skip()
    import papermill as pm

    from helpers.batch.execute import to_html

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("indicator: str = 'x'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# escaping"), params,
        nbformat.v4.new_code_cell(
            "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nimport pandas as pd\n"
            "from IPython.display import Markdown, display\n"
            "from helpers.reports.format import headline, md_text, style_table\n"
            "from helpers.reports.plots import show\n"
            # a notebook that forgets to escape: the report template still must not run it
            "display(Markdown(f'**Target**: {indicator}'))\n"
            "display(Markdown('Escaped: ' + md_text(indicator)))\n"
            "display(style_table(pd.DataFrame({'note': [indicator], 'amount_sek': [5]}), kronor=['amount_sek'],"
            " caption=indicator))\n"
            "headline({'indicator': indicator})\n"
            "fig, ax = plt.subplots()\nax.plot([1, 2], [1, 2])\nax.set_title(indicator)\nshow(fig)\n")]
    nb.metadata["kernelspec"] = {"name": "gonv", "display_name": "Python (gonv)", "language": "python"}
    src, out = tmp_path / "esc.ipynb", tmp_path / "esc.out.ipynb"
    nbformat.write(nb, src)
    pm.execute_notebook(str(src), str(out), parameters={"indicator": PAYLOAD}, kernel_name="gonv",
                        progress_bar=False, cwd=str(tmp_path))
    page = to_html(nbformat.read(out, as_version=4))
    assert "<script>alert" not in page
    assert "<img src=x onerror" not in page and "<img src=\"x\"" not in page
    # the forgetful Markdown, md_text, the table cell, the caption, the headline: all shown as text
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    # the figure's text alternative (its title) is an escaped attribute value
    assert 'alt="' in page and "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page
