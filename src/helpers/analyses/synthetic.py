"""A seeded generator of SYNTHETIC primary-care visit records, for the default runs and the tests.

Nothing here describes a real region: the data are invented, and every frame and file says so
(column `synthetic` = True, Parquet metadata `synthetic = true`). The shapes it aims at, and where
each comes from:

| shape | default | where it comes from |
|---|---|---|
| patients per region | ∝ the newest printed population key (1 Nov 2020) | rules/population_keys.csv (2021 agreement, Bilaga 4) |
| listed patients per care unit | about 2 000 (`patients_per_unit`) | the issue's brief (a typical vårdcentral lists a few thousand); ASSUMPTION, not from a source here |
| staff per 2 000 listed | 3 doctors, 5 nurses, 3 others | ASSUMPTION (order of magnitude: one GP per 1 500–2 000 listed, as debated around the 2021 agreement); not from a source here |
| contacts per person-year, all professions | 3.0 (`visits_per_person_year`), gamma-distributed between patients (shape 0.8: many light and a few heavy users) | ASSUMPTION of the order of magnitude of Swedish primary-care contacts per inhabitant; not from a source here |
| profession mix of contacts | doctor 45 %, nurse 40 %, other 15 % | ASSUMPTION |
| same-day contacts | 8 % of contacts are followed on the same day by a contact with another profession (`same_day_share`) | ASSUMPTION (e.g. nurse triage then doctor) |
| staff turnover | 15 % of posts change holder each year (`turnover_per_year`) | ASSUMPTION; a new holder has a new provider id, so turnover lowers continuity at a fixed post |
| listing | 90 % of patients listed; 85 % of contacts at the listed unit | ASSUMPTION |
| continuity propensity | q ~ Beta around a region mean in 0.35–0.75, rising by `trend_per_year` | ASSUMPTION; gives the indices something to find |

Visit counts are Poisson with the patient's rate times the span, so a longer span means more
visits at the same rate (`mean_visits`, the whole-span mean of the older interface, is still accepted
and converted to a rate). People without a contact in the span are not in the extract.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger("helpers.synthetic")

PROFESSIONS = np.array(["doctor", "nurse", "other"])
PROFESSION_P = np.array([0.45, 0.40, 0.15])
STAFF_PER_2000 = np.array([3.0, 5.0, 3.0])   # posts per profession for 2 000 listed patients
RATE_SHAPE = 0.8                             # gamma shape of the contact rate between patients
WORK_START_MIN, WORK_MINUTES = 8 * 60, 9 * 60   # contacts between 08:00 and 17:00


def _regions(raw_dir: Path | None = None) -> pd.DataFrame:
    """The regions and the newest printed population key of the record (rules/population_keys.csv)."""
    from ..paths import RAW
    from ..record.record import load_record
    from .keys import population_key

    record = load_record(raw_dir or RAW)
    keys = record.table("population_keys").data
    newest = keys.loc[keys["method"] == "printed", "key_date"].max()
    key = population_key(record, newest).frame
    return key[["county_code", "region", "population"]].astype({"population": "int64"}).reset_index(drop=True)


def generate_visits(n_patients: int = 20_000, *, seed: int = 2021, start: str = "2021-07-01",
                    end: str = "2022-12-31", visits_per_person_year: float = 3.0, mean_visits: float | None = None,
                    patients_per_unit: int = 2_000, same_day_share: float = 0.08, turnover_per_year: float = 0.15,
                    trend_per_year: float = 0.05, raw_dir: Path | None = None) -> pd.DataFrame:
    """Return a SYNTHETIC visit extract: patient_id, provider_id, visit_time, profession, unit, listed_unit, region.

    `n_patients` people are drawn; those without a contact in the span are not in the extract.
    """
    rng = np.random.default_rng(seed)
    regions = _regions(raw_dir)
    t_start, t_end = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    span_years = (t_end - t_start).days / 365.25
    if span_years <= 0:
        raise ValueError(f"end {end} is not after start {start}")
    rate = visits_per_person_year if mean_visits is None else float(mean_visits) / span_years
    w = regions["population"].to_numpy(dtype=float)
    w /= w.sum()

    # people, regions, units of about `patients_per_unit` listed patients (no minimum count per region)
    p_region = rng.choice(len(regions), size=n_patients, p=w)
    per_region = np.bincount(p_region, minlength=len(regions))
    units_per_region = np.maximum(1, np.round(per_region / patients_per_unit)).astype(int)
    region_unit_start = np.concatenate([[0], np.cumsum(units_per_region)[:-1]])
    n_units = int(units_per_region.sum())
    p_unit = region_unit_start[p_region] + (rng.random(n_patients) * units_per_region[p_region]).astype(int)
    unit_size = np.bincount(p_unit, minlength=n_units)
    # posts per unit and profession scale with the unit's list; a unit smaller than `patients_per_unit`
    # in a small sample is staffed as a full unit (a sample of people is not a sample of units)
    staff = np.maximum(1, rng.poisson(np.outer(np.maximum(unit_size, patients_per_unit) / 2000, STAFF_PER_2000)))
    staff_start = np.concatenate([[0], np.cumsum(staff.ravel())[:-1]]).reshape(n_units, 3)
    n_posts = int(staff.sum())
    post_phase = rng.random(n_posts)
    post_rate = turnover_per_year * rng.uniform(0.5, 1.5, size=n_posts)
    region_mean_q = rng.uniform(0.35, 0.75, size=len(regions))

    listed = rng.random(n_patients) < 0.9
    mu = region_mean_q[p_region]
    q = rng.beta(mu * 6, (1 - mu) * 6)
    usual_pick = rng.integers(0, 1 << 30, size=(n_patients, 3))
    base = rate / (1 + same_day_share)   # the same-day follow-ups make up the rest of the rate
    lam = rng.gamma(RATE_SHAPE, base / RATE_SHAPE, size=n_patients) * span_years
    n_vis = rng.poisson(lam)

    # contacts
    pid = np.repeat(np.arange(n_patients), n_vis)
    n = len(pid)
    days = rng.integers(0, (t_end - t_start).days, size=n)
    minute = WORK_START_MIN + rng.integers(0, WORK_MINUTES - 60, size=n)
    prof = rng.choice(3, size=n, p=PROFESSION_P)
    # same-day follow-ups: another profession, later the same day
    follow = rng.random(n) < same_day_share
    k = int(follow.sum())
    pid = np.concatenate([pid, pid[follow]])
    days = np.concatenate([days, days[follow]])
    minute = np.concatenate([minute, minute[follow] + rng.integers(5, 60, size=k)])
    prof = np.concatenate([prof, (prof[follow] + rng.integers(1, 3, size=k)) % 3])
    n = len(pid)
    years = (days + minute / 1440) / 365.25
    at_listed = rng.random(n) < 0.85
    reg = p_region[pid]
    other_unit = region_unit_start[reg] + (rng.random(n) * units_per_region[reg]).astype(int)
    unit = np.where(at_listed, p_unit[pid], other_unit)
    go_usual = at_listed & (rng.random(n) < np.clip(q[pid] + trend_per_year * years, 0, 1))
    usual = staff_start[unit, prof] + usual_pick[pid, prof] % staff[unit, prof]
    anyone = staff_start[unit, prof] + (rng.random(n) * staff[unit, prof]).astype(int)
    post = np.where(go_usual, usual, anyone)
    # the post's holder at the time of the contact: a new holder after each turnover
    holder = np.floor(post_phase[post] + post_rate[post] * years).astype(np.int64)
    provider = post.astype(np.int64) * 1000 + holder
    order = np.lexsort((minute, days, pid))
    minutes_since = (t_start.value // 60_000_000_000) + days * 1440 + minute
    out = pd.DataFrame({
        "patient_id": pid[order].astype(np.int64) + 1,
        "provider_id": provider[order] + 1,
        "visit_time": pd.to_datetime(minutes_since[order] * 60, unit="s"),
        "profession": pd.Categorical.from_codes(prof[order], categories=list(PROFESSIONS)),
        "unit": unit[order].astype(np.int32) + 1,
        "listed_unit": pd.array(np.where(listed[pid], p_unit[pid] + 1, 0)[order], dtype="Int32"),
        "region": pd.Categorical.from_codes(reg[order], categories=list(regions["region"])),
    })
    out.loc[~listed[pid[order]], "listed_unit"] = pd.NA
    out["synthetic"] = True
    out.attrs.update({"synthetic": True, "people": n_patients, "units": n_units,
                      "visits_per_person_year": rate, "same_day_contacts": k})
    return out


def shape_summary(visits: pd.DataFrame, n_people: int, start: str, end: str) -> pd.DataFrame:
    """Return the shapes the generator aims at, as measured on one SYNTHETIC extract (column `shape`: a code).

    contacts_per_person_year (all people drawn), people_with_contact_share (share of the people drawn
    with at least one contact), listed_per_unit_median (listed patients with a contact per unit),
    same_day_share (share of contacts on a day the patient already had one), doctor_ids_per_post
    (doctor ids per doctor post seen: turnover).
    """
    years = ((pd.Timestamp(end) + pd.Timedelta(days=1)) - pd.Timestamp(start)).days / 365.25
    listed = visits.dropna(subset=["listed_unit"]).drop_duplicates("patient_id")
    day = visits["visit_time"].dt.floor("D")
    same_day = visits.assign(day=day).duplicated(["patient_id", "day"]).mean()
    per_unit = listed.groupby("listed_unit").size()
    doctors = visits[visits["profession"] == "doctor"]
    # the shapes are codes (helpers.reports.continuity_view words them in the report's language)
    return pd.DataFrame([
        {"shape": "contacts_per_person_year", "value": len(visits) / n_people / years},
        {"shape": "people_with_contact_share", "value": visits["patient_id"].nunique() / n_people},
        {"shape": "listed_per_unit_median", "value": float(per_unit.median())},
        {"shape": "same_day_share", "value": float(same_day)},
        {"shape": "doctor_ids_per_post", "value":
            doctors["provider_id"].nunique() / max(1, (doctors["provider_id"] // 1000).nunique())},
    ])


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


def write_partitioned(directory: Path, min_visits: int, *, people_per_part: int = 1_000_000, seed: int = 2021,
                      **kwargs: object) -> list[Path]:
    """Write a SYNTHETIC extract as Parquet parts (part-00000.parquet, …) until it holds min_visits visits."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    total, offset = 0, 0
    while total < min_visits:
        df = generate_visits(people_per_part, seed=seed + len(parts), **kwargs)  # type: ignore[arg-type]
        df["patient_id"] += offset
        offset += people_per_part
        table = pa.Table.from_pandas(df, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"synthetic": b"true",
                                               b"generator": b"helpers.synthetic.generate_visits"})
        path = directory / f"part-{len(parts):05d}.parquet"
        tmp = path.with_suffix(".tmp")
        pq.write_table(table, tmp)
        tmp.replace(path)   # a part is either whole or absent
        parts.append(path)
        total += len(df)
        log.info("%s: %d visits (%d in all)", path.name, len(df), total)
    return parts
