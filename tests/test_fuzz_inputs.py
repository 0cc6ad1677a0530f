"""Hostile and careless inputs: every corruption ends in ONE line naming file, row/line and field.

Each case corrupts a scratch copy of data/raw (or a scratch plan) and asserts the exact message.
Line numbers of catalog.yml are found in the file by the test (where the corrupted entry sits),
never taken from the code under test.
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from helpers.errors import GonvError, PlanError
from helpers.paths import ROOT

INT64_MAX = 9223372036854775807  # 2**63 - 1
RULES = "data/raw/rules/allocation_rules.csv"
CATALOG = "data/raw/catalog.yml"


def _set(path: Path, row: int, column: str, value: str) -> None:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[row][rows[0].index(column)] = value
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _set_column(path: Path, column: str, value: str) -> None:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    i = rows[0].index(column)
    for r in rows[1:]:
        r[i] = value
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _line(path: Path, text: str, after: str | None = None) -> int:
    """Return the 1-based line of the first line equal to `text` (after the line equal to `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(after) if after else 0
    return lines.index(text, start) + 1


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(raw: Path) -> str:
    """Load and check the whole record in `raw`; return the one-line message of the error it raises."""
    from helpers.record.checks import run_checks
    from helpers.record.record import load_record

    with pytest.raises(GonvError) as exc:
        record = load_record(raw)
        run_checks(record)
        # a notebook reads the rules through the record too
        record.table("allocation_rules")
    message = str(exc.value)
    assert "\n" not in message
    return message


# --- rules (allocation_rules.csv): row N is data row N, on file line N + 1 -------------------------------
# row 9 is 2020 nara_vard (key_table 2020_bilaga2_per_region); row 4 is 2019 omstallning (no key_table);
# row 13 is 2020 medarbetare_kommuner (population:0.5;municipal_care_patients:0.5); row 1 is 2017 stimulans.
RULE_CASES: list[tuple[str, int, str, str, str]] = [
    ("misspelt key column", 9, "key_mix", "populaton:1",
     "row 9 (line 10), column 'key_mix': key column 'populaton' is not a column of 2020_bilaga2_per_region "
     "(did you mean 'population'?)"),
    ("misspelt key without key table", 4, "key_mix", "populaton:1",
     "row 4 (line 5), column 'key_mix': key column 'populaton' is neither the stated key (population) nor a "
     "column of a key_table (did you mean 'population'?)"),
    # 0.25 + 0.25 = 0.5: refused, not rescaled to 1
    ("weights add up to 0.5", 13, "key_mix", "population:0.25;municipal_care_patients:0.25",
     "row 13 (line 14), column 'key_mix': key mix 'population:0.25;municipal_care_patients:0.25': the weights "
     "add up to 0.5, not to 1"),
    # 0.5 + 0.75 = 1.25
    ("weights add up to 1.25", 13, "key_mix", "population:0.5;municipal_care_patients:0.75",
     "row 13 (line 14), column 'key_mix': key mix 'population:0.5;municipal_care_patients:0.75': the weights "
     "add up to 1.25, not to 1"),
    ("negative weight", 13, "key_mix", "population:1.5;municipal_care_patients:-0.5",
     "row 13 (line 14), column 'key_mix': key mix 'population:1.5;municipal_care_patients:-0.5': the weight of "
     "'municipal_care_patients' must be positive"),
    ("weight not a number", 9, "key_mix", "population:one",
     "row 9 (line 10), column 'key_mix': key mix 'population:one': 'one' is not a weight such as 0.5 or 1/3"),
    ("key column twice", 9, "key_mix", "population:0.5;population:0.5",
     "row 9 (line 10), column 'key_mix': key mix 'population:0.5;population:0.5' names 'population' twice"),
    ("unknown key table", 9, "key_table", "2020_bilaga2_per_regio",
     "row 9 (line 10), column 'key_table': unknown table '2020_bilaga2_per_regio' (did you mean "
     "'2020_bilaga2_per_region'?)"),
    ("unknown published table", 9, "published_table", "no_such_table",
     "row 9 (line 10), column 'published_table': unknown table 'no_such_table'"),
    ("wrong published column", 9, "published_column", "nara_vard_primarvard",
     "row 9 (line 10), column 'published_column': 'nara_vard_primarvard' is not a column of 2020_bilaga2_per_region "
     "(did you mean 'nara_vard_primarvard_sek'?)"),
    ("date not in the declared format", 1, "key_reference_date", "01/11/2016",
     "row 1 (line 2), column 'key_reference_date': '01/11/2016' is not a date in the declared format YYYY-MM-DD"),
    ("impossible date", 1, "key_reference_date", "2016-02-30",
     "row 1 (line 2), column 'key_reference_date': '2016-02-30' is not a valid date (YYYY-MM-DD)"),
    ("amount beyond int64", 1, "amount_sek", "9223372036854775808",
     f"row 1 (line 2), column 'amount_sek': '9223372036854775808' is beyond the largest whole number a column "
     f"holds ({INT64_MAX})"),
    # row 1 is 655 000 000; adding INT64_MAX on row 2 passes the largest Int64: the total would wrap
    ("column total overflows", 2, "amount_sek", str(INT64_MAX),
     f"row 2 (line 3), column 'amount_sek': the column total would exceed {INT64_MAX} (the largest whole number "
     "a column holds) at this row"),
]


@pytest.mark.parametrize("case,row,column,value,expected", RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_corrupt_rule(raw_project: Path, case: str, row: int, column: str, value: str, expected: str) -> None:
    _set(raw_project / "rules" / "allocation_rules.csv", row, column, value)
    assert _error(raw_project) == f"{RULES}, {expected}"


def test_misspelt_key_no_longer_reads_as_a_finding(raw_project: Path) -> None:
    """The typo used to turn 21 exact cells into 'stated rule fails' with a false note."""
    from helpers.analyses.reconcile import reconcile_all
    from helpers.record.record import load_record

    _set(raw_project / "rules" / "allocation_rules.csv", 9, "key_mix", "populaton:1")
    with pytest.raises(GonvError, match="key column 'populaton'"):
        reconcile_all(load_record(raw_project), years=[2020])


# rules/printed_columns.csv: row 1 is 2017_bilaga1_per_county.tabell1_stimulansmedel_sek
PRINTED_CASES = [
    ("unknown table", "table", "2017_bilaga1_per_countyy",
     "column 'table': unknown table '2017_bilaga1_per_countyy' (did you mean '2017_bilaga1_per_county'?)"),
    ("unknown column", "column", "tabell1_stimulans_sek",
     "column 'column': 'tabell1_stimulans_sek' is not a column of 2017_bilaga1_per_county (did you mean "
     "'tabell1_stimulansmedel_sek'?)"),
    ("alternative key weights", "alternative_keys",
     "2017_bilaga1_per_county.tabell2_specialistutbildning_sek:0.5",
     "column 'alternative_keys': alternative key '2017_bilaga1_per_county.tabell2_specialistutbildning_sek:0.5': "
     "the weights add up to 0.5, not to 1"),
]


@pytest.mark.parametrize("case,column,value,expected", PRINTED_CASES, ids=[c[0] for c in PRINTED_CASES])
def test_corrupt_printed_columns(raw_project: Path, case: str, column: str, value: str, expected: str) -> None:
    from helpers.record.record import load_record

    _set(raw_project / "rules" / "printed_columns.csv", 1, column, value)
    with pytest.raises(GonvError) as exc:
        load_record(raw_project).table("printed_columns")
    assert str(exc.value) == f"data/raw/rules/printed_columns.csv, row 1 (line 2), {expected}"


# --- printed tables -------------------------------------------------------------------------------
def test_all_zero_population_column(raw_project: Path) -> None:
    _set_column(raw_project / "2020_bilaga2_per_region.csv", "population", "0")
    assert _error(raw_project) == ("data/raw/2020_bilaga2_per_region.csv, column 'population': every value is 0, "
                                   "so the printed shares in 'population_share_printed' cannot be checked")


def test_all_zero_key_column_named_by_a_rule(raw_project: Path) -> None:
    from helpers.record.record import load_record

    # 2020 Bilaga 3 (population:0.5;municipal_care_patients:0.5, rule row 13): patients all zero.
    # The table's own share check names it first in `helpers check`; a notebook that reconciles the
    # year meets it when the rule and its key table have both been read, before any pot is split.
    from helpers.analyses.reconcile import reconcile_all

    _set_column(raw_project / "2020_bilaga3_municipalities_per_county.csv", "municipal_care_patients", "0")
    with pytest.raises(GonvError) as exc:
        reconcile_all(load_record(raw_project), years=[2020])
    assert str(exc.value) == ("data/raw/2020_bilaga3_municipalities_per_county.csv, column 'municipal_care_patients': "
                              "every value is 0, so no pot can be split by it (the pot medarbetare_kommuner (2020), "
                              f"named by {RULES}, row 13)")


def test_all_zero_printed_population_key(raw_project: Path) -> None:
    from helpers.analyses.keys import population_key
    from helpers.record.record import load_record

    # rules/population_keys.csv row 4 is the key of 2019-11-01, printed as 2020 Bilaga 2's population
    _set_column(raw_project / "2020_bilaga2_per_region.csv", "population", "0")
    with pytest.raises(GonvError) as exc:
        population_key(load_record(raw_project), "2019-11-01")
    assert str(exc.value) == ("data/raw/2020_bilaga2_per_region.csv, column 'population': every value is 0, so no "
                              "pot can be split by it (the key of 2019-11-01, named by "
                              "data/raw/rules/population_keys.csv, row 4)")


def test_key_weights_are_not_rescaled() -> None:
    from fractions import Fraction

    import pandas as pd

    from helpers.analyses.allocation import mix_shares
    from helpers.errors import KeyMixError

    keys = pd.DataFrame({"a": [1, 3], "b": [1, 1]})
    with pytest.raises(KeyMixError, match="the weights add up to 0.5, not to 1"):
        mix_shares(keys, {"a": Fraction(1, 4), "b": Fraction(1, 4)})


# --- catalog.yml ------------------------------------------------------------------------------------
CatalogEdit = Callable[[Path], tuple[int | None, str]]


def _empty(cat: Path) -> tuple[int | None, str]:
    cat.write_text("", encoding="utf-8")
    return None, "file is empty"


def _blank(cat: Path) -> tuple[int | None, str]:
    cat.write_text("\n# nothing but a comment\n", encoding="utf-8")
    return None, "file is empty"


def _unclosed(cat: Path) -> tuple[int | None, str]:
    cat.write_text("tables: [\n", encoding="utf-8")
    return 2, "not valid YAML: expected the node content, but found '<stream end>'"


def _a_list(cat: Path) -> tuple[int | None, str]:
    cat.write_text("- a\n- b\n", encoding="utf-8")
    return 1, "the catalogue is a mapping with 'sources' and 'tables', found a list"


def _no_tables(cat: Path) -> tuple[int | None, str]:
    text = cat.read_text(encoding="utf-8")
    cat.write_text(text[:text.index("\ntables:")] + "\n", encoding="utf-8")
    return 1, "the catalogue has no 'tables' section"


def _duplicate_table(cat: Path) -> tuple[int | None, str]:
    text = cat.read_text(encoding="utf-8")
    first = _line(cat, "  2017_pots:")
    start = text.index("  2017_pots:\n")
    block = text[start:text.index("\n\n", start) + 2]
    before_2019 = _line(cat, "  2019_pots:")
    cat.write_text(text.replace("  2019_pots:\n", block + "  2019_pots:\n", 1), encoding="utf-8")
    # the copy starts where 2019_pots started
    return before_2019, f"'2017_pots' is defined twice (first on line {first}); YAML would silently keep only the last"


def _file_climbs(cat: Path) -> tuple[int | None, str]:
    line = _line(cat, "    file: 2017_pots.csv")
    _replace(cat, "    file: 2017_pots.csv", "    file: ../../../../etc/passwd")
    return line, ("field 'tables.2017_pots.file': '../../../../etc/passwd' is not a path inside data/raw/ "
                  "(absolute paths and '..' are refused)")


def _file_absolute(cat: Path) -> tuple[int | None, str]:
    line = _line(cat, "    file: 2017_pots.csv")
    _replace(cat, "    file: 2017_pots.csv", "    file: /etc/passwd")
    return line, ("field 'tables.2017_pots.file': '/etc/passwd' is not a path inside data/raw/ "
                  "(absolute paths and '..' are refused)")


def _file_symlink_out(cat: Path) -> tuple[int | None, str]:
    (cat.parent / "evil.csv").symlink_to("/etc/passwd")
    line = _line(cat, "    file: 2017_pots.csv")
    _replace(cat, "    file: 2017_pots.csv", "    file: evil.csv")
    return line, "field 'tables.2017_pots.file': 'evil.csv' leads outside data/raw/ (a symbolic link out is refused)"


def _year_as_text(cat: Path) -> tuple[int | None, str]:
    line = _line(cat, "    year: 2017", after="  2017_pots:")
    _replace(cat, "    year: 2017", '    year: "2017"')
    return line, "field 'tables.2017_pots.year': must be a whole number, found text '2017'"


def _key_as_number(cat: Path) -> tuple[int | None, str]:
    line = _line(cat, "    key: pot_id", after="  2017_pots:")
    _replace(cat, "    key: pot_id", "    key: 5")
    return line, "field 'tables.2017_pots.key': must be text or a list, found a whole number '5'"


def _columns_as_text(cat: Path) -> tuple[int | None, str]:
    text = cat.read_text(encoding="utf-8")
    start = text.index("  2017_pots:\n")
    cols = text.index("    columns:\n", start)
    end = text.index("\n    checks:", cols)
    line = text[:cols].count("\n") + 1
    cat.write_text(text[:cols] + "    columns: pot_id" + text[end:], encoding="utf-8")
    return line, "field 'tables.2017_pots.columns': must be a mapping, found text 'pot_id'"


def _column_spec_as_list(cat: Path) -> tuple[int | None, str]:
    line = _line(cat, "      population: {type: int}")
    text = cat.read_text(encoding="utf-8").splitlines(keepends=True)
    owner = next(ln.strip().rstrip(":") for ln in reversed(text[:line]) if ln.startswith("  ") and not ln.startswith("   "))
    _replace(cat, "      population: {type: int}", "      population: [int]")
    return line, (f"field 'tables.{owner}.columns.population': a column is a mapping such as {{type: int}}, "
                  "found a list")


def _unknown_column_type(cat: Path) -> tuple[int | None, str]:
    line = _line(cat, "      population: {type: int}")
    text = cat.read_text(encoding="utf-8").splitlines(keepends=True)
    owner = next(ln.strip().rstrip(":") for ln in reversed(text[:line]) if ln.startswith("  ") and not ln.startswith("   "))
    _replace(cat, "      population: {type: int}", "      population: {type: integer}")
    return line, (f"field 'tables.{owner}.columns.population.type': unknown column type 'integer' (known: bool, date, "
                  "decimal_printed, float, int, percent_printed, ratio_printed, str)")


def _cross_check_column(cat: Path) -> tuple[int | None, str]:
    old = "  - {left: 2020_bilaga2_per_region.population, right: 2020_bilaga3_municipalities_per_county.population}"
    line = _line(cat, old)
    _replace(cat, old, old.replace("per_region.population", "per_region.populaton"))
    return line, ("field 'cross_checks[0].left': 'populaton' is not a column of 2020_bilaga2_per_region "
                  "(did you mean 'population'?)")


def _cross_check_table(cat: Path) -> tuple[int | None, str]:
    old = "  - {left: 2020_bilaga2_per_region.population, right: 2020_bilaga3_municipalities_per_county.population}"
    line = _line(cat, old)
    _replace(cat, old, old.replace("right: 2020_bilaga3_", "right: 2020_bilaga5_"))
    return line, ("field 'cross_checks[0].right': unknown table '2020_bilaga5_municipalities_per_county' "
                  "(did you mean '2020_bilaga3_municipalities_per_county'?)")


def _check_names_wrong_column(cat: Path) -> tuple[int | None, str]:
    old = "      pots_add_up: amount_sek"
    line = _line(cat, old)
    _replace(cat, old, "      pots_add_up: amount_sekk")
    return line, ("field 'tables.2017_pots.checks.pots_add_up': 'amount_sekk' is not a column of this table "
                  "(did you mean 'amount_sek'?)")


CATALOG_CASES: dict[str, CatalogEdit] = {
    "empty": _empty, "only a comment": _blank, "unclosed bracket": _unclosed, "a list": _a_list,
    "no tables section": _no_tables, "table defined twice": _duplicate_table, "file with ..": _file_climbs,
    "absolute file": _file_absolute, "symlink out": _file_symlink_out, "year as text": _year_as_text,
    "key as number": _key_as_number, "columns as text": _columns_as_text, "column spec as list": _column_spec_as_list,
    "unknown column type": _unknown_column_type, "cross-check column": _cross_check_column,
    "cross-check table": _cross_check_table, "check names a wrong column": _check_names_wrong_column,
}


@pytest.mark.parametrize("case", list(CATALOG_CASES))
def test_corrupt_catalog(raw_project: Path, case: str) -> None:
    line, message = CATALOG_CASES[case](raw_project / "catalog.yml")
    where = CATALOG + (f", line {line}" if line else "")
    got = _error(raw_project)
    assert got == f"{where}, {message}" if message.startswith("field") else got == f"{where}: {message}"
    assert "root:" not in got  # a foreign file's content is never shown


# --- the command line: one line on stderr, exit 1, no traceback ---------------------------------------
def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GONV_ROOT": str(root), "GONV_REPORTS": str(root / "reports")}
    return subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_cli_check_on_a_catalogue_reading_outside(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    cat = tmp_path / "data" / "raw" / "catalog.yml"
    line = _line(cat, "    file: 2017_pots.csv")
    _replace(cat, "    file: 2017_pots.csv", "    file: ../../../../etc/passwd")
    res = _cli(tmp_path, "check")
    assert res.returncode == 1
    assert res.stderr.splitlines() == [
        f"error: data/raw/catalog.yml, line {line}, field 'tables.2017_pots.file': '../../../../etc/passwd' is not "
        "a path inside data/raw/ (absolute paths and '..' are refused)"]
    assert "Traceback" not in res.stderr and "root:" not in res.stdout + res.stderr


def test_cli_check_on_a_misspelt_key(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    _set(tmp_path / "data" / "raw" / "rules" / "allocation_rules.csv", 9, "key_mix", "populaton:1")
    res = _cli(tmp_path, "check")
    assert res.returncode == 1
    assert res.stderr.splitlines() == [f"error: {RULES}, {RULE_CASES[0][4]}"]


@pytest.mark.parametrize("workers", ["-1", "0"])
def test_cli_workers_below_one(tmp_path: Path, workers: str) -> None:
    res = _cli(tmp_path, "run", "--workers", workers, "--no-progress")
    assert res.returncode == 2
    assert res.stderr.splitlines() == [f"error: --workers must be at least 1, got {workers}"]


@pytest.mark.parametrize("timeout", ["0", "-5"])
def test_cli_timeout_below_one(tmp_path: Path, timeout: str) -> None:
    res = _cli(tmp_path, "run", "--timeout", timeout, "--no-progress")
    assert res.returncode == 2
    assert res.stderr.splitlines() == [f"error: --timeout must be at least 1 (seconds per cell), got {timeout}"]


# --- plan.yaml -----------------------------------------------------------------------------------------
PLAN_CASES = [
    ("empty", "", "cannot read the plan: plan.yaml: file is empty"),
    ("unclosed", "runs: [\n", "cannot read the plan: plan.yaml, line 2: not valid YAML: expected the node content, "
                              "but found '<stream end>'"),
    ("not a mapping", "- 01_ok.ipynb\n", "plan.yaml: a plan is a mapping with a list 'runs'"),
    ("runs as text", "runs: 01_ok.ipynb\n", "plan.yaml: a plan is a mapping with a list 'runs'"),
    ("duplicate key", "runs:\n  - notebook: 01_ok.ipynb\n    notebook: 02_flag.ipynb\n",
     "cannot read the plan: plan.yaml, line 3: 'notebook' is defined twice (first on line 2); YAML would silently "
     "keep only the last"),
    ("needs as text", "runs:\n  - notebook: 01_ok.ipynb\n    needs: reconciliation\n",
     "plan.yaml, line 3: run 1 (01_ok.ipynb): 'needs' must be a list of table names, found str 'reconciliation'"),
    ("writes as number", "runs:\n  - notebook: 01_ok.ipynb\n    writes: 5\n",
     "plan.yaml, line 3: run 1 (01_ok.ipynb): 'writes' must be a list of table names, found int 5"),
    ("inputs key", "runs:\n  - notebook: 01_ok.ipynb\n    inputs: data/raw\n",
     "plan.yaml: run 1 (01_ok.ipynb): unknown key(s) inputs (known: needs, notebook, parameters, writes)"),
    ("parameters as mapping", "runs:\n  - notebook: 01_ok.ipynb\n    parameters: {x: 2}\n",
     "plan.yaml, line 3: run 1 (01_ok.ipynb): 'parameters' must be a list of mappings name: value"),
    ("notebook as number", "runs:\n  - notebook: 5\n",
     "plan.yaml, line 2: run 1: 'notebook' must be a file name, found 5"),
    ("unknown top-level key", "runs: []\nworkers: 2\n",
     "plan.yaml, line 2: unknown key(s) workers (a plan holds only 'runs')"),
    ("duplicate run", "runs:\n  - notebook: 01_ok.ipynb\n    parameters: [{x: 2}, {x: 2}]\n",
     "01_ok.ipynb: the parameter set {'x': 2} appears twice in the plan"),
]


@pytest.mark.parametrize("case,text,expected", PLAN_CASES, ids=[c[0] for c in PLAN_CASES])
def test_corrupt_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, text: str, expected: str) -> None:
    import nbformat

    import helpers.paths as paths
    from helpers.batch.plan import load_plan

    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    monkeypatch.setattr(paths, "NOTEBOOKS", nbs)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x: int = 1")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "gonv", "display_name": "Python (gonv)", "language": "python"}
    nbformat.write(nb, nbs / "01_ok.ipynb")
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as exc:
        load_plan(plan)
    assert str(exc.value) == expected


def test_the_committed_record_and_plan_still_load() -> None:
    """Nothing previously good is refused: the real catalogue, rules and plan pass every new check."""
    from helpers.batch.plan import read_plan_yaml
    from helpers.record.checks import run_checks
    from helpers.record.record import load_record

    record = load_record()
    assert len(run_checks(record)) == 35          # the findings test_cli counts
    record.table("allocation_rules")
    record.table("population_keys")
    assert len(read_plan_yaml(ROOT / "notebooks" / "params" / "plan.yaml")["runs"]) >= 1


def test_missing_region_registry(raw_project: Path) -> None:
    (raw_project / "regions.csv").unlink()
    assert _error(raw_project) == "data/raw/regions.csv: file is missing"


def test_table_file_that_is_a_folder(raw_project: Path) -> None:
    (raw_project / "2017_pots.csv").unlink()
    (raw_project / "2017_pots.csv").mkdir()
    assert _error(raw_project) == "data/raw/2017_pots.csv: is not a file"
