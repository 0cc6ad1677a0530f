"""The run plan: which notebook runs with which parameters, and which derived tables it needs and writes.

A plan is a graph. Each entry may say which derived tables it `writes` and which it `needs`
(templates such as ``distribution_{year}`` are filled from each run's parameters). A need that no
run writes, a table written by two runs, a cycle, a duplicate run, an unknown notebook or
parameter, or a parameter of the wrong type are refused here, before any kernel starts.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError, PlanError
from .. import paths
from ..yamlfile import line_of, load_yaml

TYPE_NAMES = {"int": (int,), "float": (float, int), "str": (str,), "bool": (bool,), "list": (list,),
              "dict": (dict,)}
ENTRY_KEYS = {"notebook", "parameters", "needs", "writes"}


def slug(text: str) -> str:
    """Return an ASCII slug: 'Västra Götaland' → 'vastra-gotaland'."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def make_run_id(notebook: str, parameters: dict[str, Any]) -> str:
    """Return a short, ASCII, stable run id: the notebook, the parameter values, a hash of the parameters.

    The values are cut to 40 characters, but the language always ends them: twins whose other
    values are long stay told apart by their names ('…-survey-pane-sv-04fb53').
    """
    stem = Path(notebook).stem
    if not parameters:
        return stem
    values = slug("-".join(str(v) for k, v in parameters.items() if k != "language"))[:40].strip("-")
    if "language" in parameters:
        values = f"{values}-{slug(parameters['language'])}".strip("-")
    digest = hashlib.sha1(json.dumps(parameters, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:6]
    return f"{stem}--{values}-{digest}" if values else f"{stem}--{digest}"


@dataclass
class Run:
    """One notebook executed with one parameter set, with the derived tables it needs and writes."""

    notebook: str
    parameters: dict[str, Any]
    needs: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    custom: bool = False
    run_id: str = ""
    key: str = ""             # hash of notebook, parameters and code (set by the runner)

    def __post_init__(self) -> None:
        self.run_id = self.run_id or make_run_id(self.notebook, self.parameters)

    @property
    def stem(self) -> str:
        """The notebook's name without extension (its reports folder)."""
        return Path(self.notebook).stem


def declared_parameters(nb_path: Path, cache: dict[str, Any]) -> dict[str, Any]:
    """Return the notebook's parameters (papermill's inspection), cached by the notebook's hash."""
    digest = hashlib.sha256(nb_path.read_bytes()).hexdigest()
    hit = cache.get(nb_path.name)
    if hit and hit.get("sha256") == digest:
        return hit["parameters"]
    import papermill as pm  # only when a notebook changed: importing papermill costs about a second

    declared = {k: {"inferred_type_name": v.get("inferred_type_name"), "default": v.get("default"),
                    "help": v.get("help")} for k, v in pm.inspect_notebook(str(nb_path)).items()}
    cache[nb_path.name] = {"sha256": digest, "parameters": declared}
    return declared


def check_parameters(nb: str, params: dict[str, Any], declared: dict[str, Any]) -> None:
    """Refuse an unknown parameter or one of the wrong type, naming the notebook and parameter."""
    for name, value in params.items():
        if name not in declared:
            raise PlanError(f"{nb}: unknown parameter '{name}' (the notebook declares: {', '.join(declared)})")
        tname = declared[name].get("inferred_type_name") or "None"
        base = tname.split("[")[0].split("|")[0].strip()
        allowed = TYPE_NAMES.get(base)
        if allowed and (not isinstance(value, allowed) or (base != "bool" and isinstance(value, bool))):
            raise PlanError(f"{nb}: parameter '{name}' must be {tname}, got {type(value).__name__} {value!r}")


def check_values(nb: str, params: dict[str, Any]) -> None:
    """Refuse, before any kernel starts, a year the record holds no agreement for or a region it does not know.

    By the notebooks' naming convention: `year`, `base_year` and `target_year` are agreement years,
    `region` a region spelling. (Used for custom runs; the plan's own runs are checked by their notebooks.)
    """
    from ..errors import GonvError
    from ..record.record import load_record

    record = None
    for name, value in params.items():
        if name in {"year", "base_year", "target_year", "region"}:
            record = record or load_record()
            try:
                record.check_year(value) if name != "region" else record.region(str(value))
            except GonvError as exc:
                raise PlanError(f"{nb}: parameter '{name}': {exc}") from None


def _fill(templates: Any, params: dict[str, Any], nb: str, what: str) -> list[str]:
    if templates is None:
        return []
    if not isinstance(templates, list) or not all(isinstance(t, str) for t in templates):
        raise PlanError(f"{nb}: '{what}' must be a list of table names")
    try:
        return [t.format(**params) for t in templates]
    except KeyError as exc:
        raise PlanError(f"{nb}: '{what}' names parameter {exc} which the run does not set") from None


def notebook_path(notebook: str) -> Path:
    """Return the path of a notebook of the project (name with or without .ipynb)."""
    name = notebook if notebook.endswith(".ipynb") else f"{notebook}.ipynb"
    path = paths.NOTEBOOKS / name
    if not path.is_file() or path.parent != paths.NOTEBOOKS:
        known = ", ".join(sorted(p.stem for p in paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
        raise PlanError(f"notebook {name} does not exist (known: {known})")
    return path


def load_plan(path: Path, cache: dict[str, Any] | None = None) -> list[Run]:
    """Read a run plan (YAML) into runs, validating each parameter set against its notebook."""
    cache = {} if cache is None else cache
    doc = read_plan_yaml(path)
    runs: list[Run] = []
    for i, entry in enumerate(doc["runs"], start=1):
        where = f"{path.name}, line {line_of(doc['runs'], i - 1)}"
        if not isinstance(entry, dict) or "notebook" not in entry:
            raise PlanError(f"{where}: run {i} has no 'notebook'")
        if not isinstance(entry["notebook"], str):
            raise PlanError(f"{where}: run {i}: 'notebook' must be a file name, found {entry['notebook']!r}")
        for k in ("needs", "writes"):
            if entry.get(k) is not None and (not isinstance(entry[k], list)
                                             or not all(isinstance(t, str) for t in entry[k])):
                raise PlanError(f"{path.name}, line {line_of(entry, k)}: run {i} ({entry['notebook']}): '{k}' must be "
                                f"a list of table names, found {type(entry[k]).__name__} {entry[k]!r}")
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise PlanError(f"{path.name}: run {i} ({entry['notebook']}): unknown key(s) {', '.join(sorted(unknown))} "
                            f"(known: {', '.join(sorted(ENTRY_KEYS))})")
        nb = str(entry["notebook"])
        try:
            nb_path = notebook_path(nb)
        except PlanError as exc:
            raise PlanError(f"{path.name}: {exc}") from None
        declared = declared_parameters(nb_path, cache)
        if not declared:
            raise PlanError(f"{nb}: no cell tagged 'parameters'")
        sets = entry.get("parameters") or [{}]
        if not isinstance(sets, list) or not all(isinstance(p, dict) and all(isinstance(k, str) for k in p)
                                                 for p in sets):
            raise PlanError(f"{path.name}, line {line_of(entry, 'parameters')}: run {i} ({nb}): 'parameters' must be "
                            "a list of mappings name: value")
        for params in sets:
            check_parameters(nb, params, declared)
            full = {k: v["default"] for k, v in declared.items()} | params
            runs.append(Run(notebook=nb_path.name, parameters=dict(params),
                            needs=_fill(entry.get("needs"), _defaults(full), nb, "needs"),
                            writes=_fill(entry.get("writes"), _defaults(full), nb, "writes")))
    check_graph(runs)
    return runs


def read_plan_yaml(path: Path) -> dict[str, Any]:
    """Read a plan file strictly: unreadable, empty, not YAML, duplicate keys or no list 'runs' is a PlanError."""
    try:
        doc = load_yaml(path, path.name)
    except DataError as exc:
        raise PlanError(f"cannot read the plan: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        raise PlanError(f"{path.name}: a plan is a mapping with a list 'runs'")
    unknown = set(doc) - {"runs"}
    if unknown:
        raise PlanError(f"{path.name}, line {line_of(doc, sorted(unknown)[0])}: unknown key(s) "
                        f"{', '.join(sorted(map(str, unknown)))} (a plan holds only 'runs')")
    return doc


def _defaults(params: dict[str, Any]) -> dict[str, Any]:
    """Parameter values for filling templates: papermill stores defaults as source text ('2021', '"x"')."""
    out = {}
    for k, v in params.items():
        if isinstance(v, str):
            try:
                v = yaml.safe_load(v)
            except yaml.YAMLError:
                pass
        out[k] = v
    return out


def check_graph(runs: list[Run]) -> None:
    """Refuse duplicate runs, tables written twice, needs nobody writes, and cycles."""
    seen: dict[str, Run] = {}
    writer: dict[str, Run] = {}
    for r in runs:
        if r.run_id in seen:
            raise PlanError(f"{r.notebook}: the parameter set {r.parameters} appears twice in the plan")
        seen[r.run_id] = r
        for t in r.writes:
            if t in writer:
                raise PlanError(f"derived table '{t}' is written by two runs: {writer[t].run_id} and {r.run_id}")
            writer[t] = r
    for r in runs:
        for t in r.needs:
            if t not in writer:
                raise PlanError(f"{r.run_id}: needs derived table '{t}', which no run of the plan writes")
    order = topological(runs)
    if len(order) != len(runs):
        raise PlanError("the plan's needs form a cycle")


def upstream(run: Run, runs: list[Run]) -> list[Run]:
    """Return the runs whose derived tables `run` needs."""
    return [r for r in runs if set(r.writes) & set(run.needs)]


def topological(runs: list[Run]) -> list[Run]:
    """Return the runs in an order in which every run comes after the runs it needs (stable)."""
    done: list[Run] = []
    ids: set[str] = set()
    pending = list(runs)
    while pending:
        ready = [r for r in pending if all(u.run_id in ids for u in upstream(r, runs))]
        if not ready:
            break
        for r in ready:
            done.append(r)
            ids.add(r.run_id)
        pending = [r for r in pending if r.run_id not in ids]
    return done


def with_upstream(selected: list[Run], runs: list[Run]) -> list[Run]:
    """Return the selected runs and every run they depend on, in plan order."""
    keep = {r.run_id for r in selected}
    changed = True
    while changed:
        changed = False
        for r in runs:
            if r.run_id in keep:
                for u in upstream(r, runs):
                    if u.run_id not in keep:
                        keep.add(u.run_id)
                        changed = True
    return [r for r in runs if r.run_id in keep]
