"""Population keys the agreements use but do not print: derived, estimated and labelled as such.

- 31 Dec 2018 per county: derived exactly from SKL's 2019 *kvinnors hälsa* allocation, which split
  1 590 000 000 kr strictly by that stock (external-facts.md §1).
- 1 Nov 2018 (the 2019 agreement's key date): not published per county in the record at hand.
  When SCB's county table for end of October 2018 is dropped into data/raw as
  `scb_county_population_2018_10_31.csv` (columns region_printed, population), it is used and
  the 2019 figures are exact. Otherwise two estimates are formed and their spread bounds the error.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pandas as pd

from ..errors import DataError
from ..record.tables import load_table, load_total, read_table
from ..paths import RAW, relative

NATIONAL_2018_12_31 = "2018-12-31"
DROP_IN = "scb_county_population_2018_10_31"


def derive_population_2018_12_31(raw_dir: Path = RAW) -> pd.DataFrame:
    """Return each county's 31 Dec 2018 population, derived from SKL's 2019 allocation by population.

    amount × national stock / 1 590 000 000 must land within 0.01 of a whole number for every
    county and the whole numbers must add up to the national stock; otherwise this raises.
    """
    skl = load_table("ext_skl_2019_kvinnors_halsa", raw_dir)
    pot = int(load_total("ext_skl_2019_kvinnors_halsa", raw_dir)["amount_sek"])
    nat = load_table("ext_scb_national_population_monthly", raw_dir)
    national = int(nat.loc[nat["date"] == pd.Timestamp(NATIONAL_2018_12_31), "population"].iloc[0])
    implied = [Fraction(int(a) * national, pot) for a in skl["amount_sek"]]
    rounded = [round(x) for x in implied]
    worst = max(abs(x - r) for x, r in zip(implied, rounded))
    if worst > Fraction(1, 100) or sum(rounded) != national:
        raise DataError(relative(raw_dir / "ext_skl_2019_kvinnors_halsa.csv"),
                        f"the amounts do not imply whole populations (worst residual {float(worst):.4f}, "
                        f"sum {sum(rounded)} vs national {national})")
    return pd.DataFrame({"county_code": skl["county_code"], "region": skl["region"], "population": rounded,
                         "residual": [float(x - r) for x, r in zip(implied, rounded)]})


def population_key_2018_11_01(raw_dir: Path = RAW) -> tuple[pd.DataFrame, bool]:
    """Return the 1 Nov 2018 population key and whether it is an estimate.

    With SCB's end-of-October 2018 county table in data/raw the key is exact. Otherwise the
    columns are two estimates: ``population_dec2018`` (the 31 Dec 2018 stock, two months late) and
    ``population_interpolated`` (linear in time through 31 Dec 2018 and the 1 Nov 2019 stock the
    2020 agreement prints, taken back to 31 Oct 2018); ``population`` is their mean.
    """
    if (raw_dir / f"{DROP_IN}.csv").is_file():
        exact = read_table(DROP_IN, raw_dir).data
        return exact[["county_code", "region", "population"]].assign(estimate=False), False
    dec = derive_population_2018_12_31(raw_dir)
    nov19 = load_table("2020_bilaga2_per_region", raw_dir)[["county_code", "population"]]
    m = dec.merge(nov19, on="county_code", suffixes=("_dec2018", "_nov2019"))
    t0, t1, t = pd.Timestamp("2018-12-31"), pd.Timestamp("2019-10-31"), pd.Timestamp("2018-10-31")
    frac = Fraction((t - t0).days, (t1 - t0).days)           # negative: two months before t0
    interp = [round(p0 + frac * (p1 - p0)) for p0, p1 in zip(m["population_dec2018"], m["population_nov2019"])]
    out = pd.DataFrame({"county_code": m["county_code"], "region": m["region"],
                        "population_dec2018": m["population_dec2018"].astype("int64"),
                        "population_interpolated": interp})
    out["population"] = ((out["population_dec2018"] + out["population_interpolated"]) / 2).round().astype("int64")
    out["estimate"] = True
    return out, True


def national_check_2018_11_01(key: pd.DataFrame, raw_dir: Path = RAW) -> dict[str, int]:
    """Compare an estimated 1 Nov 2018 key's national sum with SCB's published national stock."""
    nat = load_table("ext_scb_national_population_monthly", raw_dir)
    published = int(nat.loc[nat["date"] == pd.Timestamp("2018-10-31"), "population"].iloc[0])
    out = {"published_national_2018_10_31": published}
    for col in ("population", "population_dec2018", "population_interpolated"):
        if col in key:
            out[f"sum_{col}"] = int(key[col].sum())
    return out
