"""Continuity-of-care indices from visit records, computed with DuckDB.

For one patient in a window: N visits, n_j visits to provider j, M distinct providers, visits in
time order p_1 … p_N (external-facts.md §3):

- COC (Bice–Boxerman)  = (Σ n_j² − N) / (N (N − 1))            defined for N ≥ 2
- UPC                  = max_j n_j / N
- SECON                = #{i : p_i = p_{i+1}} / (N − 1)          defined for N ≥ 2
- MMCI                 = (1 − M/(N + 0.1)) / (1 − 1/(N + 0.1))
- HHI                  = Σ (n_j / N)²

Undefined values are missing (NULL/NaN), never 0. Visits at the same time are ordered by
provider id so that SECON is deterministic (documented tie rule).

SKR's *kontinuitetsindex* is COC over listed patients with at least 3 visits in the last 18 months,
counting only visits at the unit where the patient is listed, for doctors or for all professions:
`skr_options()` sets those rules.

Input handling: missing ids, unparseable times and an empty extract are errors with a clear
message; exact duplicate visits (same patient, provider and time) are dropped and counted
(`result.attrs["input_report"]` and the log).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import duckdb
import numpy as np
import pandas as pd

log = logging.getLogger("helpers.continuity")

INDEX_COLUMNS = ["patient_id", "n_visits", "n_providers", "coc", "upc", "secon", "mmci", "hhi"]
REQUIRED = ("patient_id", "provider_id", "visit_time")


from ..errors import VisitDataError  # noqa: E402 - one error root for the package (re-exported here)


@dataclass(frozen=True)
class Options:
    """Which visits count. The defaults count every visit of every patient."""

    window_end: str | None = None          # last day of the window (inclusive), e.g. "2022-12-31"
    window_months: int = 18                # length of the window ending at window_end
    min_visits: int = 1                    # patients with fewer counted visits are left out
    professions: tuple[str, ...] | None = None   # e.g. ("doctor",); None: all professions
    listed_only: bool = False              # only patients with a listed unit
    listed_unit_only: bool = False         # only visits at the patient's listed unit
    provider_column: str = "provider_id"   # the 'provider' of the indices (a person, or a unit)
    threads: int | None = None
    memory_limit: str = "auto"            # DuckDB's limit; "auto": 50 bytes a visit, within 1–2.5 GB


def skr_options(window_end: str, *, doctors_only: bool = True, doctor_label: str = "doctor") -> Options:
    """Return SKR's kontinuitetsindex rules: listed patients, ≥ 3 visits in 18 months at the listed unit."""
    return Options(window_end=window_end, window_months=18, min_visits=3,
                   professions=(doctor_label,) if doctors_only else None, listed_only=True,
                   listed_unit_only=True)


@dataclass
class InputReport:
    """What was done to the input before the indices were computed."""

    rows_read: int = 0
    rows_after_filters: int = 0          # window, professions, listed patients, listed unit
    duplicates_dropped: int = 0
    patients_below_min_visits: int = 0
    notes: list[str] = field(default_factory=list)


def _relation(con: duckdb.DuckDBPyConnection, visits: pd.DataFrame | str | Path) -> None:
    """Register the visits (DataFrame, Parquet or CSV path) as the view `raw_visits`."""
    if isinstance(visits, pd.DataFrame):
        con.register("raw_visits_df", visits)
        con.execute("CREATE VIEW raw_visits AS SELECT * FROM raw_visits_df")
        return
    if isinstance(visits, list):   # a batch of Parquet files
        listing = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in visits) + "]"
        con.execute(f"CREATE VIEW raw_visits AS SELECT * FROM read_parquet({listing})")
        return
    path = str(visits)
    if "*" not in path and not Path(path).exists():
        raise VisitDataError(f"{path}: no such file")
    _note_files(path)
    reader = "read_parquet" if path.endswith((".parquet", "*")) else "read_csv_auto"
    literal = "'" + path.replace("'", "''") + "'"
    con.execute(f"CREATE VIEW raw_visits AS SELECT * FROM {reader}({literal})")


def _note_files(path: str) -> None:
    """Note the extract's files in the provenance ledger (the runner's cache and the sidecars follow them)."""
    import glob

    from .. import provenance

    for f in sorted(glob.glob(path)) if "*" in path else [path]:
        if Path(f).is_file():
            provenance.note(Path(f))


def _column_types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE raw_visits)").fetchall())


def _check_input(con: duckdb.DuckDBPyConnection, opts: Options, source: str, report: InputReport,
                 frame: pd.DataFrame | None = None) -> dict[str, str]:
    """Check the extract (columns, ids, times, emptiness); return its column types."""
    types = _column_types(con)
    cols = list(types)
    need = list(REQUIRED)
    if opts.provider_column not in need:
        need.append(opts.provider_column)
    if opts.professions is not None:
        need.append("profession")
    if opts.listed_only or opts.listed_unit_only:
        need.append("listed_unit")
    if opts.listed_unit_only:
        need.append("unit")
    missing = [c for c in need if c not in cols]
    if missing:
        raise VisitDataError(f"{source}: missing column(s) {', '.join(missing)} (found: {', '.join(cols)})")
    n = con.execute("SELECT count(*) FROM raw_visits").fetchone()[0]  # type: ignore[index]
    report.rows_read = int(n)
    if n == 0:
        raise VisitDataError(f"{source}: the extract has no visits")
    cols_sql = ", ".join(f'count(*) FILTER (WHERE "{c}" IS NULL)' for c in ("patient_id", opts.provider_column))
    nulls = con.execute(f"SELECT {cols_sql} FROM raw_visits").fetchone()
    for c, k in zip(("patient_id", opts.provider_column), nulls or ()):
        if k:
            first = con.execute(f'SELECT min(r) FROM (SELECT row_number() OVER () AS r, "{c}" AS x FROM raw_visits) '
                                "WHERE x IS NULL").fetchone()[0]  # type: ignore[index]
            raise VisitDataError(f"{source}: {k} visit(s) without {c} (first at row {first}); "
                                 "a visit must name its patient and provider")
    # a missing time is an error in every column type (a NaT in a timestamp column would silently
    # drop out of the window or reorder the sequence that SECON reads)
    if frame is not None:   # row numbers of a frame are exact in pandas
        raw = frame["visit_time"]
        missing_t = raw.isna().to_numpy() | (raw.astype("string").str.strip() == "").fillna(False).to_numpy()
        if missing_t.any():
            raise VisitDataError(f"{source}: {int(missing_t.sum())} visit(s) without visit_time (first at row "
                                 f"{int(missing_t.argmax()) + 1}); every visit needs its time")
    else:
        blank = "x IS NULL" if types["visit_time"].startswith(("TIMESTAMP", "DATE")) \
            else "x IS NULL OR trim(CAST(x AS VARCHAR)) = ''"
        k = con.execute(f"SELECT count(*) FROM (SELECT visit_time AS x FROM raw_visits) WHERE {blank}").fetchone()[0]  # type: ignore[index]
        if k:   # only then the (slower) numbered scan for the first row
            first = con.execute(f"SELECT min(r) FROM (SELECT row_number() OVER () AS r, visit_time AS x "
                                f"FROM raw_visits) WHERE {blank}").fetchone()[0]  # type: ignore[index]
            raise VisitDataError(f"{source}: {k} visit(s) without visit_time (first at row {first}); "
                                 "every visit needs its time")
    if not types["visit_time"].startswith(("TIMESTAMP", "DATE")):
        bad = con.execute("SELECT count(*), min(r), any_value(v) FROM (SELECT row_number() OVER () AS r, "
                          "CAST(visit_time AS VARCHAR) AS v FROM raw_visits) "
                          "WHERE v IS NULL OR TRY_CAST(v AS TIMESTAMP) IS NULL").fetchone()
        if bad and bad[0]:
            raise VisitDataError(f"{source}: {bad[0]} visit time(s) cannot be read as a date/time "
                                 f"(first at row {bad[1]}: '{bad[2]}')")
    return types


def _sql_string(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _visit_filter(opts: Options) -> str:
    """Return the WHERE clause of the counted visits (values checked, then written as SQL literals;
    a view cannot hold prepared parameters)."""
    conds = []
    if opts.window_end:
        try:
            end = pd.Timestamp(opts.window_end).strftime("%Y-%m-%d")
        except ValueError:
            raise VisitDataError(f"window_end '{opts.window_end}' is not a date (YYYY-MM-DD)") from None
        months = int(opts.window_months)
        conds.append(f"visit_time >= DATE {_sql_string(end)} + INTERVAL 1 DAY - INTERVAL {months} MONTH "
                     f"AND visit_time < DATE {_sql_string(end)} + INTERVAL 1 DAY")
    if opts.professions is not None:
        conds.append("profession IN (" + ", ".join(_sql_string(p) for p in opts.professions) + ")")
    if opts.listed_only or opts.listed_unit_only:
        conds.append("listed_unit IS NOT NULL")
    if opts.listed_unit_only:
        conds.append("unit = listed_unit")
    return " AND ".join(conds) or "TRUE"


INDEX_SQL = """
WITH w AS (
    SELECT patient_id, provider_id,
           provider_id = lag(provider_id) OVER win AS same_provider,
           visit_time = lag(visit_time) OVER win AS same_time
    FROM v
    WINDOW win AS (PARTITION BY patient_id ORDER BY visit_time, provider_id)
), pp AS (
    -- a row equal to the one before it (same provider, same time) is a duplicated record
    SELECT patient_id, provider_id,
           count(*) FILTER (WHERE NOT coalesce(same_provider AND same_time, false)) AS n,
           count(*) FILTER (WHERE same_provider AND NOT same_time) AS same,
           count(*) FILTER (WHERE same_provider AND same_time) AS dups
    FROM w GROUP BY ALL
), agg AS (
    SELECT patient_id, sum(n) AS n_visits, count(*) AS n_providers, sum(n * n) AS s2, max(n) AS mx,
           sum(same) AS same, sum(dups) AS dups
    FROM pp GROUP BY ALL
)
SELECT patient_id,
       n_visits::BIGINT AS n_visits,
       n_providers::BIGINT AS n_providers,
       CASE WHEN n_visits >= 2 THEN (s2 - n_visits)::DOUBLE / (n_visits * (n_visits - 1)) END AS coc,
       mx::DOUBLE / n_visits AS upc,
       CASE WHEN n_visits >= 2 THEN same::DOUBLE / (n_visits - 1) END AS secon,
       (1 - n_providers / (n_visits + 0.1)) / (1 - 1 / (n_visits + 0.1)) AS mmci,
       s2::DOUBLE / (n_visits * n_visits) AS hhi,
       dups::BIGINT AS dups
FROM agg
"""


def _prepare(con: duckdb.DuckDBPyConnection, visits: pd.DataFrame | str | Path, opts: Options,
             report: InputReport, keep: Sequence[str] = ()) -> str:
    """Register the input, check it, and define the view `v` of the visits that count."""
    source = ("visits" if isinstance(visits, pd.DataFrame) else
              f"{visits[0]} (+{len(visits) - 1} more file(s))" if isinstance(visits, list) else str(visits))
    if opts.threads:
        con.execute(f"SET threads = {int(opts.threads)}")
    con.execute("SET preserve_insertion_order = false")
    try:  # a progress bar on stdout would garble batch output; in Jupyter DuckDB refuses the setting
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    _relation(con, visits)
    types = _check_input(con, opts, source, report, visits if isinstance(visits, pd.DataFrame) else None)
    limit = opts.memory_limit
    if limit == "auto":
        # enough to sort a national extract in memory (50 M visits: 2.5 GB) without spilling,
        # and small extracts stay at 1 GB
        limit = f"{min(2500, max(1000, report.rows_read * 50 // 1_000_000))}MB"
    con.execute(f"SET memory_limit = '{limit}'")
    where = _visit_filter(opts)
    extra = "".join(f', "{c}"' for c in keep)
    prov = opts.provider_column
    # every time becomes Swedish local time before the window is applied (the agreements' dates are
    # Swedish dates): a zoned time is converted, a naive time is taken as Swedish local time, text is
    # parsed (with its offset, when it has one). A plain timestamp column is used as it is.
    con.execute(f"""CREATE VIEW v AS
        SELECT patient_id, "{prov}" AS provider_id, visit_time{extra}
        FROM (SELECT * REPLACE ({local_time_sql(types["visit_time"])} AS visit_time) FROM raw_visits)
        WHERE {where}""")
    return source


LOCAL_TZ = "Europe/Stockholm"
_OFFSET = "'(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'"


def local_time_sql(column_type: str, column: str = "visit_time") -> str:
    """Return SQL turning a visit-time column of this type into Swedish local time (TIMESTAMP)."""
    if column_type.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"timezone('{LOCAL_TZ}', {column})"
    if column_type.startswith(("TIMESTAMP", "DATE")):
        return f"CAST({column} AS TIMESTAMP)" if column_type.startswith("DATE") else column
    text = f"trim(CAST({column} AS VARCHAR))"
    return (f"CASE WHEN regexp_matches({text}, {_OFFSET}) THEN timezone('{LOCAL_TZ}', CAST({text} AS TIMESTAMPTZ)) "
            f"ELSE CAST({text} AS TIMESTAMP) END")


def resolve_source(visits_source: str | Path) -> str:
    """Return a visit extract's path resolved once: absolute as given, relative to the project root."""
    from .. import paths

    p = Path(visits_source)
    return str(p if p.is_absolute() else paths.ROOT / p)


def _indices(con: duckdb.DuckDBPyConnection, source: str, opts: Options, report: InputReport) -> pd.DataFrame:
    # Arrow is the cheaper way out of DuckDB for a million rows
    out = con.sql(INDEX_SQL).to_arrow_table().to_pandas()
    if out.empty:
        raise VisitDataError(f"{source}: no visits are left after the filters")
    report.duplicates_dropped = int(out["dups"].sum())
    report.rows_after_filters = int(out["n_visits"].sum()) + report.duplicates_dropped
    if report.duplicates_dropped:
        log.warning("%s: %d duplicated visit(s) dropped (same patient, provider and time)", source,
                    report.duplicates_dropped)
        report.notes.append(f"{report.duplicates_dropped} duplicated visits dropped")
    below = out["n_visits"] < int(opts.min_visits)
    report.patients_below_min_visits = int(below.sum())
    return out.loc[~below].drop(columns="dups").reset_index(drop=True)


def patient_indices(visits: pd.DataFrame | str | Path, options: Options | None = None, **kwargs: object) -> pd.DataFrame:
    """Return one row per patient (in no particular order): n_visits, n_providers, coc, upc, secon, mmci, hhi.

    `visits` is a DataFrame or a Parquet/CSV path with patient_id, provider_id, visit_time (and
    profession, unit, listed_unit, region when the options need them). Keyword arguments override
    fields of `options`.
    """
    opts = options or Options()
    if kwargs:
        opts = Options(**{**opts.__dict__, **kwargs})  # type: ignore[arg-type]
    parts = _patient_disjoint_parts(visits) if isinstance(visits, (str, Path)) else None
    if parts:
        # each patient's visits lie in one file: batches of files, no global sort
        frames = [_batch_indices(b, opts) for b in parts]
        out = pd.concat(frames, ignore_index=True)
        reports = [f.attrs["input_report"] for f in frames]
        merged = {k: sum(r[k] for r in reports) for k in reports[0] if k != "notes"}
        merged["notes"] = [n for r in reports for n in r["notes"]]
        out.attrs["input_report"] = merged
        return out
    report = InputReport()
    con = duckdb.connect()
    try:
        source = _prepare(con, visits, opts, report)
        out = _indices(con, source, opts, report)
    finally:
        con.close()
    out.attrs["input_report"] = report.__dict__
    return out[INDEX_COLUMNS]


BATCH_ROWS = 10_000_000   # visits per batch of disjoint Parquet parts (measured: ~10 M a batch beats one big sort)


def _batch_indices(files: list[str], opts: Options) -> pd.DataFrame:
    """Compute one batch of patient-disjoint files; on bad input, name the file and its row."""
    if len(files) == 1:
        return patient_indices(files[0], opts)
    try:
        return patient_indices(files, opts)  # type: ignore[arg-type]
    except VisitDataError:
        for f in files:   # find the file at fault so that the message names it and its own row
            patient_indices(f, opts)
        raise


def _patient_disjoint_parts(visits: str | Path) -> list[list[str]] | None:
    """Return batches of the Parquet files of a glob when their patient_id ranges do not overlap (from
    the files' statistics), so that each batch can be computed alone; None when they might overlap."""
    import glob

    import pyarrow.parquet as pq

    files = sorted(glob.glob(str(visits))) if "*" in str(visits) else []
    if len(files) < 2 or not all(f.endswith(".parquet") for f in files):
        return None
    ranges = []
    for f in files:
        md = pq.ParquetFile(f).metadata
        col = next((i for i in range(md.num_columns) if md.schema.column(i).path == "patient_id"), None)
        if col is None:
            return None
        stats = [md.row_group(g).column(col).statistics for g in range(md.num_row_groups)]
        if not stats or any(st is None or not st.has_min_max for st in stats):
            return None
        ranges.append((min(st.min for st in stats), max(st.max for st in stats), md.num_rows, f))
    ranges.sort()
    if any(a[1] >= b[0] for a, b in zip(ranges, ranges[1:])):
        return None
    batches: list[list[str]] = [[]]
    rows = 0
    for _, _, n, f in ranges:
        if batches[-1] and rows + n > BATCH_ROWS:
            batches.append([])
            rows = 0
        batches[-1].append(f)
        rows += n
    return batches


def aggregate_indices(visits: pd.DataFrame | str | Path, by: Sequence[str] = ("region",),
                      options: Options | None = None) -> pd.DataFrame:
    """Return mean indices per group (e.g. region, unit): averages over eligible patients.

    A patient belongs to the group of most of its counted visits (ties: the smallest value).
    """
    opts = options or Options()
    report = InputReport()
    con = duckdb.connect()
    try:
        source = _prepare(con, visits, opts, report, keep=by)
        idx = _indices(con, source, opts, report)
        con.register("idx", idx)
        keys = ", ".join(f'"{b}"' for b in by)
        out = con.execute(f"""
            WITH g AS (SELECT patient_id, {keys}, count(*) AS k FROM v GROUP BY ALL),
            best AS (SELECT patient_id, {keys} FROM g
                     QUALIFY row_number() OVER (PARTITION BY patient_id ORDER BY k DESC, {keys}) = 1)
            SELECT {keys}, count(*) AS patients, sum(n_visits) AS visits,
                   avg(coc) AS coc, avg(upc) AS upc, avg(secon) AS secon, avg(mmci) AS mmci, avg(hhi) AS hhi
            FROM idx JOIN best USING (patient_id) GROUP BY ALL ORDER BY {keys}""").df()
    finally:
        con.close()
    out.attrs["input_report"] = report.__dict__
    return out


def target_table(baseline: pd.DataFrame, current: pd.DataFrame, by: str = "region", index: str = "coc",
                 increase: float = 0.20) -> pd.DataFrame:
    """Compare a baseline and a current period per group against a relative-increase target (+20 %)."""
    m = baseline[[by, index, "patients"]].merge(current[[by, index, "patients"]], on=by,
                                                suffixes=("_baseline", "_current"))
    m["target"] = m[f"{index}_baseline"] * (1 + increase)
    m["change_pct"] = (m[f"{index}_current"] / m[f"{index}_baseline"] - 1) * 100
    m["share_of_required_increase"] = (m[f"{index}_current"] - m[f"{index}_baseline"]) / (m["target"] - m[f"{index}_baseline"])
    m["met"] = m[f"{index}_current"] >= m["target"]
    return m


def patient_indices_pandas(visits: pd.DataFrame) -> pd.DataFrame:
    """Reference implementation with a plain pandas group-by (for cross-checks and the benchmark).

    Counts every visit (no options, no de-duplication); same tie rule as the DuckDB version.
    """
    v = visits[["patient_id", "provider_id", "visit_time"]]
    counts = v.groupby(["patient_id", "provider_id"]).size().rename("n").reset_index()
    counts["n2"] = counts["n"] ** 2
    agg = counts.groupby("patient_id").agg(n_visits=("n", "sum"), n_providers=("n", "size"), s2=("n2", "sum"),
                                           mx=("n", "max"))
    s = v.sort_values(["patient_id", "visit_time", "provider_id"])
    same = (s["provider_id"].eq(s["provider_id"].shift()) & s["patient_id"].eq(s["patient_id"].shift()))
    agg["same"] = same.groupby(s["patient_id"]).sum()
    n, m = agg["n_visits"].astype(float), agg["n_providers"].astype(float)
    out = pd.DataFrame({"patient_id": agg.index, "n_visits": agg["n_visits"].to_numpy(),
                        "n_providers": agg["n_providers"].to_numpy()})
    out["coc"] = ((agg["s2"] - n) / (n * (n - 1))).where(n >= 2).to_numpy()
    out["upc"] = (agg["mx"] / n).to_numpy()
    out["secon"] = (agg["same"] / (n - 1)).where(n >= 2).to_numpy()
    out["mmci"] = ((1 - m / (n + 0.1)) / (1 - 1 / (n + 0.1))).to_numpy()
    out["hhi"] = (agg["s2"] / (n * n)).to_numpy()
    return out[INDEX_COLUMNS]


# --- who is left out, by which rule ------------------------------------------------------------------

def eligibility_flow(visits: pd.DataFrame | str | Path, options: Options) -> pd.DataFrame:
    """Return, rule by rule, the patients left and the number and share each rule excludes.

    The rules apply in this order, each named by a code in column `rule` (the reports word it):
    `extract` (the patients in the extract), `window` (a visit in the window), `profession` (a visit of
    the chosen profession(s)), `listed` (listed at a unit), `listed_unit` (a visit at the listed unit),
    `min_visits` (at least `options.min_visits` counted visits, duplicates not counted). A rule the
    options do not apply has no row. Shares are of the patients in the extract.
    """
    report = InputReport()
    con = duckdb.connect()
    try:
        _prepare(con, visits, Options(**{**options.__dict__, "window_end": None, "professions": None,
                                         "listed_only": False, "listed_unit_only": False}), report,
                 keep=[c for c in ("profession", "unit", "listed_unit") if c in _columns_of(visits)])
        steps: list[tuple[str, str]] = [("extract", "TRUE")]
        conds: list[str] = []
        rules = [("window", Options(window_end=options.window_end, window_months=options.window_months)),
                 ("profession", Options(professions=options.professions)),
                 ("listed", Options(listed_only=options.listed_only or options.listed_unit_only)),
                 ("listed_unit", Options(listed_unit_only=options.listed_unit_only))]
        for label, o in rules:
            clause = _visit_filter(o)
            if clause != "TRUE":
                conds.append(clause)
                steps.append((label, " AND ".join(conds)))
        sql = ", ".join(f"count(DISTINCT patient_id) FILTER (WHERE {c})" for _, c in steps)
        counts = list(con.execute(f"SELECT {sql} FROM v").fetchone())  # type: ignore[arg-type]
        where = " AND ".join(conds) or "TRUE"
        enough = con.execute(f"""SELECT count(*) FROM (SELECT patient_id, count(DISTINCT (provider_id, visit_time)) AS n
                                 FROM v WHERE {where} GROUP BY ALL) WHERE n >= {int(options.min_visits)}""").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    labels = [l for l, _ in steps] + ["min_visits"]
    counts.append(int(enough))
    out = pd.DataFrame({"rule": labels, "patients_left": counts})
    out["excluded"] = (-out["patients_left"].diff()).fillna(0).astype(int)
    out["excluded_share"] = out["excluded"] / counts[0]
    return out


def _columns_of(visits: pd.DataFrame | str | Path) -> list[str]:
    if isinstance(visits, pd.DataFrame):
        return list(visits.columns)
    con = duckdb.connect()
    try:
        _relation(con, visits)
        return list(_column_types(con))
    finally:
        con.close()


# --- patient level with the group, and bootstrap intervals of the change -----------------------------

def patient_indices_by(visits: pd.DataFrame | str | Path, by: str = "region", options: Options | None = None) -> pd.DataFrame:
    """Return patient indices with the group of most of each patient's counted visits (ties: smallest value)."""
    opts = options or Options()
    report = InputReport()
    con = duckdb.connect()
    try:
        source = _prepare(con, visits, opts, report, keep=[by])
        idx = _indices(con, source, opts, report)
        con.register("idx", idx)
        out = con.sql(f"""
            WITH g AS (SELECT patient_id, CAST("{by}" AS VARCHAR) AS grp, count(*) AS k FROM v GROUP BY ALL),
            best AS (SELECT patient_id, grp FROM g
                     QUALIFY row_number() OVER (PARTITION BY patient_id ORDER BY k DESC, grp) = 1)
            SELECT idx.*, best.grp AS "{by}" FROM idx JOIN best USING (patient_id)""").to_arrow_table().to_pandas()
    finally:
        con.close()
    out.attrs["input_report"] = report.__dict__
    return out


def bootstrap_change(baseline: pd.DataFrame, current: pd.DataFrame, *, by: str = "region", index: str = "coc",
                     increase: float = 0.20, replicates: int = 200, seed: int = 1, alpha: float = 0.05) -> pd.DataFrame:
    """Return per group the baseline and current means, the change, its bootstrap interval and P(change ≥ increase).

    Patients are resampled with replacement within their group (the group of the current window, else
    the baseline's); a patient in both windows is drawn once for both, so the two means stay paired.
    P(+increase) is the share of replicates whose change reaches the increase.
    """
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    b = baseline[["patient_id", by, index]].dropna(subset=[index])
    c = current[["patient_id", by, index]].dropna(subset=[index])
    m = c.merge(b, on="patient_id", how="outer", suffixes=("_c", "_b"))
    group = m[f"{by}_c"].astype(object).where(m[f"{by}_c"].notna(), m[f"{by}_b"].astype(object))
    codes, names = pd.factorize(group, sort=True)
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    xb = m[f"{index}_b"].to_numpy(dtype=float)[order]
    xc = m[f"{index}_c"].to_numpy(dtype=float)[order]
    in_b, in_c = ~np.isnan(xb), ~np.isnan(xc)
    xb, xc = np.nan_to_num(xb), np.nan_to_num(xc)
    g = len(names)
    size = np.bincount(codes, minlength=g)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    n = len(codes)

    # rows: baseline value, in baseline, current value, in current; columns sorted by group, so a group's
    # weighted sums are one small matrix product over its contiguous block (random gathers are slow)
    data = np.vstack([xb, in_b, xc, in_c]).astype(float)
    blocks = [slice(int(a), int(a + k)) for a, k in zip(start, size)]

    def means(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sums = np.array([data[:, b] @ counts[b] for b in blocks])
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums[:, 0] / sums[:, 1], sums[:, 2] / sums[:, 3]

    mb0, mc0 = means(np.ones(n))
    rng = np.random.default_rng(seed)
    change = np.empty((replicates, g))
    size_of, start_of = size[codes].astype(np.float32), start[codes]
    last_of = start_of + size[codes] - 1
    for r in range(replicates):
        # n draws, each within the drawn row's own group: the groups keep their sizes
        draw = start_of + (rng.random(n, dtype=np.float32) * size_of).astype(np.int64)
        np.minimum(draw, last_of, out=draw)   # float32 rounding can reach the block's end
        mb, mc = means(np.bincount(draw, minlength=n).astype(float))
        with np.errstate(invalid="ignore", divide="ignore"):
            change[r] = mc / mb - 1
    with np.errstate(invalid="ignore"):
        lo, hi = np.nanquantile(change, [alpha / 2, 1 - alpha / 2], axis=0)
    out = pd.DataFrame({by: names, "patients_baseline": np.bincount(codes, in_b, g).astype(int),
                        "patients_current": np.bincount(codes, in_c, g).astype(int),
                        f"{index}_baseline": mb0, f"{index}_current": mc0,
                        "change_pct": (mc0 / mb0 - 1) * 100, "change_low_pct": lo * 100, "change_high_pct": hi * 100,
                        "p_reach_increase": np.nanmean(change >= increase, axis=0),
                        "met_point_estimate": mc0 >= mb0 * (1 + increase)})
    out.attrs["replicates"] = replicates
    return out


# --- does the index move with the number of visits? --------------------------------------------------

def index_vs_visit_count(provider_shares: Sequence[float], visit_counts: Sequence[int], *, patients: int = 20_000,
                         seed: int = 1) -> pd.DataFrame:
    """Return the mean of each index for patients with a fixed provider mix at each number of visits.

    Each patient's visits go to provider j with probability provider_shares[j], independently. COC is
    an unbiased estimator of Σ p_j² at every N ≥ 2; HHI's expectation is Σ p_j² + (1 − Σ p_j²)/N and
    UPC and MMCI move with N too, so a change in visit frequency alone moves them.
    """
    p = np.asarray(provider_shares, dtype=float)
    if np.any(p < 0) or not np.isclose(p.sum(), 1):
        raise ValueError("provider shares must be non-negative and add up to 1")
    rng = np.random.default_rng(seed)
    rows = []
    for n in visit_counts:
        counts = rng.multinomial(int(n), p, size=patients).astype(float)
        s2, m, mx = (counts ** 2).sum(1), (counts > 0).sum(1), counts.max(1)
        rows.append({"n_visits": int(n),
                     "coc": float(np.mean((s2 - n) / (n * (n - 1)))) if n >= 2 else np.nan,
                     "upc": float(np.mean(mx / n)), "mmci": float(np.mean((1 - m / (n + 0.1)) / (1 - 1 / (n + 0.1)))),
                     "hhi": float(np.mean(s2 / n ** 2))})
    out = pd.DataFrame(rows)
    out.attrs["sum_p2"] = float((p ** 2).sum())
    return out


def standardised_means(patients: pd.DataFrame, *, by: str = "region", index: str = "coc",
                       strata: Sequence[int] = (3, 4, 5, 7, 10), reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return each group's mean index directly standardised to the reference's visit-count distribution.

    Strata are visit counts [3, 4), [4, 5), [5, 7), [7, 10), [10, ∞) by default; the reference (default:
    all patients given) fixes the weight of each stratum. A stratum empty in a group is left out and
    the remaining weights are renormalised (the column `strata_missing` counts them).
    """
    edges = list(strata) + [np.inf]
    ref = patients if reference is None else reference
    cut = lambda d: pd.cut(d["n_visits"], edges, right=False)  # noqa: E731
    w = ref.dropna(subset=[index]).groupby(cut(ref.dropna(subset=[index])), observed=False).size()
    w = w / w.sum()
    d = patients.dropna(subset=[index])
    cell = d.groupby([d[by], cut(d)], observed=False)[index].mean().unstack()
    weights = pd.DataFrame(np.broadcast_to(w.to_numpy(), cell.shape), index=cell.index, columns=cell.columns)
    weights = weights.where(cell.notna())
    std = (cell * weights).sum(1) / weights.sum(1)
    return pd.DataFrame({by: cell.index, f"{index}_crude": d.groupby(by, observed=True)[index].mean().reindex(cell.index).to_numpy(),
                         f"{index}_standardised": std.to_numpy(),
                         "strata_missing": cell.isna().sum(1).to_numpy()}).reset_index(drop=True)


def typical_provider_shares(visits: pd.DataFrame | str | Path, options: Options | None = None, top: int = 3) -> list[float]:
    """Return the eligible patients' mean shares of visits to their first, second, … provider (the rest pooled)."""
    opts = options or Options()
    report = InputReport()
    con = duckdb.connect()
    try:
        _prepare(con, visits, opts, report)
        ranked = con.sql(f"""
            WITH c AS (SELECT patient_id, provider_id, count(DISTINCT visit_time) AS n FROM v GROUP BY ALL),
            t AS (SELECT patient_id, sum(n) AS total FROM c GROUP BY ALL HAVING sum(n) >= {int(opts.min_visits)}),
            r AS (SELECT c.patient_id, least(row_number() OVER (PARTITION BY c.patient_id ORDER BY n DESC, provider_id),
                                             {int(top) + 1}) AS k, n / total AS share
                  FROM c JOIN t USING (patient_id))
            SELECT k, sum(share) / (SELECT count(*) FROM t) AS share FROM r GROUP BY k ORDER BY k""").fetchall()
    finally:
        con.close()
    shares = [float(s) for _, s in ranked]
    return [s / sum(shares) for s in shares]
