"""The batch runner: plan validation, parallel runs, caching, and failures that lose nothing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import helpers.batch.runner as runner
import helpers.paths as paths
from helpers.batch.plan import load_plan
from helpers.errors import PlanError


from kernels import write_notebook as _notebook  # noqa: E402


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    nbs, reports = tmp_path / "notebooks", tmp_path / "reports"
    nbs.mkdir()
    monkeypatch.setattr(paths, "NOTEBOOKS", nbs)
    monkeypatch.setattr(paths, "REPORTS", reports)
    flag = tmp_path / "flag.txt"
    flag.write_text("ok")
    _notebook(nbs / "01_ok.ipynb", "x: int = 1  # a number", "print('x is', x)")
    # the notebook notes what it reads (as the project's readers do): the cache follows that file
    _notebook(nbs / "02_flag.ipynb", f"flag_file: str = {str(flag)!r}  # file to read",
              "from pathlib import Path\nfrom helpers import provenance\nfrom helpers.reports.format import headline\n"
              "provenance.note(Path(flag_file))\ntext = open(flag_file).read()\n"
              "assert text == 'ok', 'the flag says ' + text\nprint(text)\nheadline({'flag': text})")
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"""runs:
  - notebook: 01_ok.ipynb
    parameters: [{{x: 2}}, {{x: 3}}]
  - notebook: 02_flag.ipynb
""")
    return tmp_path


def _plan(site: Path, text: str) -> Path:
    p = site / "bad.yaml"
    p.write_text(text)
    return p


def test_unknown_parameter_is_refused_before_any_kernel(site: Path) -> None:
    with pytest.raises(PlanError, match="01_ok.ipynb: unknown parameter 'y'"):
        load_plan(_plan(site, "runs:\n  - notebook: 01_ok.ipynb\n    parameters: [{y: 1}]\n"))


def test_wrong_type_is_refused(site: Path) -> None:
    with pytest.raises(PlanError, match="parameter 'x' must be int, got str"):
        load_plan(_plan(site, "runs:\n  - notebook: 01_ok.ipynb\n    parameters: [{x: '2019'}]\n"))


def test_missing_notebook_is_refused(site: Path) -> None:
    with pytest.raises(PlanError, match="99_none.ipynb does not exist"):
        load_plan(_plan(site, "runs:\n  - notebook: 99_none.ipynb\n"))


from kernels import kernel_or_skip as _kernel_or_skip  # noqa: E402


def test_run_cache_and_failure_keep_the_last_good_report(site: Path) -> None:
    _kernel_or_skip()
    plan = site / "plan.yaml"
    first = runner.run_plan(plan, progress=False, workers=2)
    assert [r.status for r in first] == ["ok", "ok", "ok"]
    good_html = site / "reports" / "02_flag" / "02_flag.html"   # a run without parameters keeps the plain name
    good = good_html.read_text()
    assert "ok" in good and "assert text" not in good          # code hidden in the report

    # nothing changed: every run is skipped from the manifest, no kernel started
    second = runner.run_plan(plan, progress=False)
    assert [r.status for r in second] == ["skipped"] * 3

    # the input of one notebook changes and makes it fail: the others are not re-run,
    # the failure is kept with its error, and the last good HTML is untouched
    (site / "flag.txt").write_text("broken")
    third = runner.run_plan(plan, progress=False)
    assert [r.status for r in third] == ["skipped", "skipped", "failed"]
    assert good_html.read_text() == good
    failed_nb = site / "reports" / "02_flag" / "02_flag.failed.ipynb"
    assert "the flag says broken" in failed_nb.read_text()
    index = (site / "reports" / "index.html").read_text()
    assert "failed" in index and "02_flag/02_flag.failed.ipynb" in index and "02_flag/02_flag.html" in index
    manifest = json.loads((site / "reports" / "manifest.json").read_text())["runs"]
    assert manifest["02_flag"]["status"] == "failed"
    assert manifest["02_flag"]["html"] == "02_flag/02_flag.html"

    # fixed again: it re-runs, succeeds, and the failure files go
    (site / "flag.txt").write_text("ok")
    fourth = runner.run_plan(plan, progress=False)
    assert [r.status for r in fourth] == ["skipped", "skipped", "ok"]
    assert not failed_nb.exists()


def test_cli_exit_status_is_non_zero_when_a_run_fails(site: Path) -> None:
    _kernel_or_skip()
    from helpers.__main__ import main

    (site / "flag.txt").write_text("broken")
    assert main(["run", "--plan", str(site / "plan.yaml"), "--no-progress", "--only", "02_flag"]) == 1


def test_a_changed_rule_file_re_runs_only_the_runs_that_read_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each run reports what it read; touching one rule file re-runs the readers of that file, nothing else."""
    _kernel_or_skip()
    import shutil

    root = tmp_path / "project"
    shutil.copytree(paths.RAW, root / "data" / "raw")
    (root / "notebooks").mkdir(parents=True)
    monkeypatch.setenv("GONV_ROOT", str(root))
    for name, value in (("ROOT", root), ("NOTEBOOKS", root / "notebooks"), ("REPORTS", root / "reports"),
                        ("RAW", root / "data" / "raw"), ("DERIVED", root / "data" / "derived")):
        monkeypatch.setattr(paths, name, value)
    body = ("from helpers.record.record import load_record\nfrom helpers.reports.format import headline\n"
            "t = load_record().table({table!r})\nheadline({{'rows': len(t.data)}})")
    _notebook(root / "notebooks" / "01_targets.ipynb", "x: int = 1  # unused", body.format(table="targets"))
    _notebook(root / "notebooks" / "02_areas.ipynb", "x: int = 1  # unused", body.format(table="areas"))
    plan = root / "plan.yaml"
    plan.write_text("runs:\n  - notebook: 01_targets.ipynb\n  - notebook: 02_areas.ipynb\n")
    assert [r.status for r in runner.run_plan(plan, progress=False, workers=2)] == ["ok", "ok"]
    assert [r.status for r in runner.run_plan(plan, progress=False)] == ["skipped", "skipped"]
    areas = root / "data" / "raw" / "rules" / "areas.csv"
    areas.write_text(areas.read_text(encoding="utf-8").replace("Barnhälsovård", "Barnhälsovården"), encoding="utf-8")
    assert [r.status for r in runner.run_plan(plan, progress=False)] == ["skipped", "ok"]
    manifest = json.loads((root / "reports" / "manifest.json").read_text())["runs"]
    assert "data/raw/rules/areas.csv" in manifest["02_areas"]["reads"]
    assert "data/raw/rules/areas.csv" not in manifest["01_targets"]["reads"]


def test_the_plan_graph_orders_runs_by_their_needs_and_refuses_a_need_nobody_writes(site: Path) -> None:
    from helpers.batch.plan import topological

    nbs = paths.NOTEBOOKS
    _notebook(nbs / "03_a.ipynb", "x: int = 1  # a", "print(x)")
    plan = _plan(site, "runs:\n  - notebook: 03_a.ipynb\n    needs: ['t_{x}']\n    parameters: [{x: 2}]\n"
                       "  - notebook: 01_ok.ipynb\n    writes: ['t_{x}']\n    parameters: [{x: 2}]\n")
    runs = load_plan(plan)
    assert [r.notebook for r in topological(runs)] == ["01_ok.ipynb", "03_a.ipynb"]
    with pytest.raises(PlanError, match="needs derived table 't_3', which no run of the plan writes"):
        load_plan(_plan(site, "runs:\n  - notebook: 03_a.ipynb\n    needs: ['t_{x}']\n    parameters: [{x: 3}]\n"
                              "  - notebook: 01_ok.ipynb\n    writes: ['t_{x}']\n    parameters: [{x: 2}]\n"))
    with pytest.raises(PlanError, match="appears twice"):
        load_plan(_plan(site, "runs:\n  - notebook: 01_ok.ipynb\n    parameters: [{x: 2}, {x: 2}]\n"))
    with pytest.raises(PlanError, match="written by two runs"):
        load_plan(_plan(site, "runs:\n  - notebook: 01_ok.ipynb\n    writes: [t]\n    parameters: [{x: 2}, {x: 3}]\n"))


def test_a_custom_run_gets_an_ascii_name_and_its_own_index_section_until_pruned(site: Path) -> None:
    _kernel_or_skip()
    from helpers.__main__ import main

    plan = str(site / "plan.yaml")
    assert main(["run", "01_ok", "-p", "x", "7", "--plan", plan, "--no-progress"]) == 0
    pages = sorted(p.name for p in (site / "reports" / "01_ok").glob("01_ok--7-*.html"))
    assert len(pages) == 1 and pages[0].isascii() and " " not in pages[0]
    index = (site / "reports" / "index.en.html").read_text()  # the English index (index.html is Swedish)
    assert "Your own runs" in index and pages[0] in index
    # a wrong type is refused like a plan run's, before any kernel starts
    assert main(["run", "01_ok", "-p", "x", "seven", "--plan", plan, "--no-progress"]) == 2
    # a plan run renamed (its parameter set left the plan) is pruned too, with its files
    manifest = json.loads((site / "reports" / "manifest.json").read_text())
    manifest["runs"]["01_ok--old-000000"] = {"custom": False, "html": "01_ok/01_ok--old-000000.html",
                                             "ipynb": "01_ok/01_ok--old-000000.ipynb"}
    (site / "reports" / "manifest.json").write_text(json.dumps(manifest))
    for suffix in ("html", "ipynb"):
        (site / "reports" / "01_ok" / f"01_ok--old-000000.{suffix}").write_text("old")
    assert main(["run", "--prune", "--plan", plan, "--no-progress"]) == 0
    assert "Your own runs" not in (site / "reports" / "index.en.html").read_text()
    left = sorted(p.name.split("-")[2] + p.suffix for p in (site / "reports" / "01_ok").iterdir())
    assert left == ["2.html", "2.ipynb", "3.html", "3.ipynb"], left   # the plan's two runs (x: 2, 3), nothing else
    runs = json.loads((site / "reports" / "manifest.json").read_text())["runs"]
    assert not [k for k in runs if "old" in k or "--7-" in k]


def test_a_custom_run_with_an_unknown_year_or_region_is_refused_before_any_kernel(capsys: pytest.CaptureFixture[str]) -> None:
    from helpers.__main__ import main

    assert main(["run", "10_recompute_distributions", "-p", "year", "2031", "--no-progress"]) == 2
    assert "parameter 'year': no agreement for year 2031" in capsys.readouterr().err
    assert main(["run", "20_compare_years", "-p", "region", "Gotlandd", "--no-progress"]) == 2
    assert "closest known names: Gotland" in capsys.readouterr().err


def test_region_spellings_resolve() -> None:
    from helpers.record.record import load_record

    record = load_record()
    for spelling in ("VGR", "Vastra Gotaland", "Region Västra Götaland", "Västra Götalands läns landsting"):
        assert record.region(spelling) == "Västra Götaland"
    with pytest.raises(Exception, match="closest known names: Västra Götaland"):
        record.region("Västra Götlnd")


def test_run_ids_keep_the_language_when_the_values_are_cut() -> None:
    import re

    from helpers.batch.plan import make_run_id

    # 'share-with-regular-doctor-pc-survey-panel' is 41 characters: cut to 40, then the language
    rid = make_run_id("30_x.ipynb", {"indicator": "share_with_regular_doctor_pc", "measure_type": "survey_panel",
                                     "language": "sv"})
    assert re.fullmatch(r"30_x--share-with-regular-doctor-pc-survey-pane-sv-[0-9a-f]{6}", rid)
    # short values: the same id as before the language was moved to the end
    assert re.fullmatch(r"00_y--2019-en-[0-9a-f]{6}", make_run_id("00_y.ipynb", {"year": 2019, "language": "en"}))
    assert make_run_id("00_y.ipynb", {"language": "sv", "year": 2019}) == make_run_id("00_y.ipynb", {"year": 2019, "language": "sv"})
