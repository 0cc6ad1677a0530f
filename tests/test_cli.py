"""`python -m helpers check`: findings printed, exit 0; a broken file: one message, exit 1."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers.paths import ROOT

from conftest import edit_cell


def _run(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GONV_ROOT": str(root)}
    return subprocess.run([sys.executable, "-m", "helpers", "check"], capture_output=True, text=True,
                          env=env, timeout=120)


def test_check_prints_findings_and_succeeds() -> None:
    res = _run(ROOT)
    assert res.returncode == 0, res.stderr
    assert "Findings (inconsistencies in the sources): 35" in res.stdout
    assert "114 530 969" in res.stdout


def test_check_stops_on_a_broken_file_with_one_message(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    edit_cell(tmp_path / "data" / "raw" / "2021_bilaga3_municipalities_per_county.csv", 4, "nara_vard_sek", "n/a")
    res = _run(tmp_path)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0] == ("error: data/raw/2021_bilaga3_municipalities_per_county.csv, row 4 (line 5), "
                        "column 'nara_vard_sek': 'n/a' is not a whole number")
