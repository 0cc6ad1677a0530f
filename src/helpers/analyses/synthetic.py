"""A seeded generator of SYNTHETIC primary-care visit records, for the default runs and the tests.

The shapes are meant to look like a regional extract, not to describe any real region:
- patients are spread over the 21 regions in proportion to the 1 Nov 2020 population (2021 Bilaga 4);
- each region has care units (about one per `patients_per_unit` patients), each unit doctors,
  nurses and other professions; 90 % of patients are listed at a unit of their region;
- a patient's number of visits is 1 + negative binomial (mean `mean_visits`);
- each patient has a continuity propensity q (Beta-distributed around a region-specific mean that
  rises by `trend_per_year`): with probability q a visit goes to the patient's usual provider of that
  profession at the listed unit, otherwise to any provider of that profession at the visit's unit;
- 85 % of visits are at the listed unit; times are uniform over the period, whole minutes.

Every file written here carries `synthetic = true` in its Parquet metadata and the column
`synthetic` is True, so the data says what it is.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PROFESSIONS = np.array(["doctor", "nurse", "other"])
PROFESSION_P = np.array([0.5, 0.35, 0.15])
STAFF_PER_UNIT = np.array([6, 6, 3])  # mean providers per profession and unit


def _regions(raw_dir: Path | None = None) -> pd.DataFrame:
    from ..record.tables import load_table
    from ..paths import RAW

    b4 = load_table("2021_bilaga4_per_region", raw_dir or RAW)
    return b4[["county_code", "region", "population"]].reset_index(drop=True)


def generate_visits(n_patients: int = 20_000, *, seed: int = 2021, start: str = "2021-07-01",
                    end: str = "2022-12-31", mean_visits: float = 10.0, patients_per_unit: int = 2_000,
                    trend_per_year: float = 0.05, raw_dir: Path | None = None) -> pd.DataFrame:
    """Return a SYNTHETIC visit extract: patient_id, provider_id, visit_time, profession, unit, listed_unit, region."""
    rng = np.random.default_rng(seed)
    regions = _regions(raw_dir)
    w = regions["population"].to_numpy(dtype=float)
    w /= w.sum()
    n_units_total = max(3 * len(regions), n_patients // patients_per_unit)
    units_per_region = np.maximum(3, np.round(w * n_units_total).astype(int))
    unit_region = np.repeat(np.arange(len(regions)), units_per_region)
    n_units = len(unit_region)
    region_unit_start = np.concatenate([[0], np.cumsum(units_per_region)[:-1]])
    staff = np.maximum(1, rng.poisson(STAFF_PER_UNIT, size=(n_units, 3)))          # providers per unit × profession
    staff_start = np.concatenate([[0], np.cumsum(staff.ravel())[:-1]]).reshape(n_units, 3)
    region_mean_q = rng.uniform(0.35, 0.75, size=len(regions))

    # patients
    p_region = rng.choice(len(regions), size=n_patients, p=w)
    p_unit = region_unit_start[p_region] + (rng.random(n_patients) * units_per_region[p_region]).astype(int)
    listed = rng.random(n_patients) < 0.9
    mu = region_mean_q[p_region]
    q = rng.beta(mu * 6, (1 - mu) * 6)
    usual_pick = rng.integers(0, 1 << 30, size=(n_patients, 3))
    r = 2.0
    n_vis = 1 + rng.negative_binomial(r, r / (r + mean_visits - 1), size=n_patients)

    # visits
    pid = np.repeat(np.arange(n_patients), n_vis)
    n = len(pid)
    t0, t1 = pd.Timestamp(start).value // 60_000_000_000, pd.Timestamp(end).value // 60_000_000_000 + 24 * 60 - 1
    minutes = rng.integers(t0, t1 + 1, size=n)
    years = (minutes - t0) / (365.25 * 24 * 60)
    prof = rng.choice(3, size=n, p=PROFESSION_P)
    at_listed = rng.random(n) < 0.85
    reg = p_region[pid]
    other_unit = region_unit_start[reg] + (rng.random(n) * units_per_region[reg]).astype(int)
    unit = np.where(at_listed, p_unit[pid], other_unit)
    go_usual = at_listed & (rng.random(n) < np.clip(q[pid] + trend_per_year * years, 0, 1))
    usual = staff_start[unit, prof] + usual_pick[pid, prof] % staff[unit, prof]
    anyone = staff_start[unit, prof] + (rng.random(n) * staff[unit, prof]).astype(int)
    provider = np.where(go_usual, usual, anyone)
    out = pd.DataFrame({
        "patient_id": pid.astype(np.int64) + 1,
        "provider_id": provider.astype(np.int32) + 1,
        "visit_time": pd.to_datetime(minutes * 60, unit="s"),
        "profession": pd.Categorical.from_codes(prof, categories=list(PROFESSIONS)),
        "unit": unit.astype(np.int32) + 1,
        "listed_unit": pd.array(np.where(listed[pid], p_unit[pid] + 1, 0), dtype="Int32"),
        "region": pd.Categorical.from_codes(reg, categories=list(regions["region"])),
    })
    out.loc[~listed[pid], "listed_unit"] = pd.NA
    out["synthetic"] = True
    return out


def write_parquet(visits: pd.DataFrame, path: Path) -> Path:
    """Write a synthetic extract to Parquet with `synthetic = true` in the file's metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(visits, preserve_index=False)
    meta = {**(table.schema.metadata or {}), b"synthetic": b"true",
            b"generator": b"helpers.synthetic.generate_visits"}
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.replace_schema_metadata(meta), path)
    return path


def write_large(path: Path, n_patients: int, *, seed: int = 2021, chunk_patients: int = 1_000_000,
                **kwargs: object) -> Path:
    """Write a large SYNTHETIC extract in chunks (patient ids stay unique across chunks)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    offset = 0
    try:
        for i, start in enumerate(range(0, n_patients, chunk_patients)):
            k = min(chunk_patients, n_patients - start)
            df = generate_visits(k, seed=seed + i, **kwargs)  # type: ignore[arg-type]
            df["patient_id"] += offset
            offset += k
            table = pa.Table.from_pandas(df, preserve_index=False)
            if writer is None:
                meta = {**(table.schema.metadata or {}), b"synthetic": b"true"}
                writer = pq.ParquetWriter(path, table.schema.with_metadata(meta))
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()
    return path
