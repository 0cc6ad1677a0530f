"""environment.yml (for conda users) must list exactly the dependencies of pyproject.toml."""
from __future__ import annotations

import re
import tomllib

import yaml

from helpers.paths import ROOT


def _pins(specs: list[str]) -> dict[str, str]:
    out = {}
    for s in specs:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)", s)
        assert m, f"dependency '{s}' is not pinned with =="
        out[m.group(1).lower()] = m.group(2)
    return out


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _pins(project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and not dep.startswith(("python", "pip")):
            name, _, version = dep.partition("=")
            listed[name.lower()] = version
    assert listed == wanted


def test_user_named_packages_are_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = set(_pins(project["dependencies"] + project["optional-dependencies"]["test"]))
    assert {"jupyterlab", "papermill", "statsmodels", "seaborn", "nbval"} <= names


def _makefile_supported() -> list[str]:
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("SUPPORTED"):
            return line.split(":=", 1)[1].split()
    raise AssertionError("Makefile has no SUPPORTED line")


def test_python_range_agrees_in_pyproject_environment_and_makefile() -> None:
    from packaging.specifiers import SpecifierSet

    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    spec = SpecifierSet(requires)
    # the minor versions the project says it supports: 3.11, 3.12, 3.13 (not 3.10, not 3.14)
    admitted = [f"3.{m}" for m in range(6, 20) if f"3.{m}.0" in spec]
    assert admitted == ["3.11", "3.12", "3.13"]
    assert _makefile_supported() == admitted
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pythons = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert pythons == ["python" + requires.replace(" ", "")]


def test_review_tools_are_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {"jupytext", "nbdime"} <= set(_pins(project["dependencies"]))
