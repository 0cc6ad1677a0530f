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
