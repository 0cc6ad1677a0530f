# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (gonv)
#     language: python
#     name: gonv
# ---

# %% [markdown]
# # Continuity of care from visit records
#
# The 2021 agreement (§3.3) asks for a 20 % increase of the continuity index to doctors and of the index for the patient's total contacts by the end of 2022. This report computes the indices per patient from a visit extract — COC (Bice–Boxerman), UPC, SECON, MMCI and HHI — applies SKR's rules for the *kontinuitetsindex* (listed patients, at least three visits in 18 months, visits at the listed unit), and compares each region's current value with its baseline and the +20 % target. Point `visits_source` at a real extract (Parquet or CSV with `patient_id, provider_id, visit_time, profession, unit, listed_unit, region`) to use real data.

# %% tags=["parameters", "no-output"]
visits_source: str = "synthetic"  # 'synthetic' or the path of a Parquet/CSV visit extract
synthetic_patients: int = 20000  # size of the synthetic extract (only when visits_source is 'synthetic')
seed: int = 2021  # seed of the synthetic generator
window_end: str = "2022-12-31"  # last day of the current 18-month window
baseline_window_end: str = "2021-06-30"  # last day of the baseline 18-month window
min_visits: int = 3  # patients with fewer counted visits in the window are not eligible
profession: str = "doctor"  # 'doctor' (continuity to doctors) or 'all' (the patient's total contacts)
listed_unit_only: bool = True  # count only visits at the unit where the patient is listed (SKR's rule)

# %%
import pandas as pd
from IPython.display import Markdown, display

from helpers import continuity, plots, synthetic
from helpers.io import write_derived
from helpers.paths import DERIVED
from helpers.report import headline, num, style_table

is_synthetic = visits_source == 'synthetic'
if is_synthetic:
    visits = synthetic.generate_visits(synthetic_patients, seed=seed, start='2020-01-01', end=window_end)
    display(Markdown(f'> **SYNTHETIC DATA.** {len(visits):,} visits of {synthetic_patients:,} invented patients from '
                     '`helpers.synthetic` (seeded). The figures below show what the method does; they say nothing '
                     'about any real region.'.replace(',', ' ')))
else:
    visits = visits_source
options = continuity.Options(window_end=window_end, window_months=18, min_visits=min_visits,
                             professions=None if profession == 'all' else (profession,),
                             listed_only=True, listed_unit_only=listed_unit_only)
baseline_options = continuity.Options(**{**options.__dict__, 'window_end': baseline_window_end})

# %% [markdown]
# ## Indices per patient, current window

# %%
indices = continuity.patient_indices(visits, options)
report = indices.attrs['input_report']
style_table(pd.DataFrame([report]).drop(columns='notes'), counts=list(pd.DataFrame([report]).columns.drop('notes')),
            caption='What was read and what counted')

# %%
style_table(indices[['n_visits', 'n_providers', 'coc', 'upc', 'secon', 'mmci', 'hhi']].describe().T.reset_index()
            .rename(columns={'index': 'measure'}), decimals={c: 3 for c in ['mean', 'std', 'min', '25%', '50%', '75%', 'max']},
            counts=['count'], caption='Distribution over eligible patients')

# %%
fig = plots.index_histograms(indices, f'Continuity indices, 18 months to {window_end}' + (' — SYNTHETIC' if is_synthetic else ''))
plots.show(fig)

# %% [markdown]
# ## Per region: baseline, current, and the +20 % target
#
# Region values are averages over eligible patients (SKR's convention); a patient counts in the region of most of its visits.

# %%
current = continuity.aggregate_indices(visits, by=['region'], options=options)
baseline = continuity.aggregate_indices(visits, by=['region'], options=baseline_options)
table = continuity.target_table(baseline, current, by='region', index='coc')
style_table(table, counts=['patients_baseline', 'patients_current'],
            decimals={'coc_baseline': 3, 'coc_current': 3, 'target': 3, 'change_pct': 1, 'share_of_required_increase': 2},
            caption=f'COC, baseline (18 months to {baseline_window_end}) and current (18 months to {window_end})')

# %%
fig = plots.target_chart(table, 'coc', 'COC per region against the +20 % target' + (' — SYNTHETIC' if is_synthetic else ''))
plots.show(fig)
met = int(table['met'].sum())
display(Markdown(f'**{met} of {len(table)} regions** reach +20 % on this {"synthetic " if is_synthetic else ""}extract.'))

# %% [markdown]
# ## Save

# %%
write_derived(table, 'continuity_targets' + ('_synthetic' if is_synthetic else ''), inputs=[] if is_synthetic else [visits_source],
              params={'visits_source': visits_source, 'window_end': window_end, 'baseline_window_end': baseline_window_end,
                      'min_visits': min_visits, 'profession': profession, 'listed_unit_only': listed_unit_only,
                      'synthetic_patients': synthetic_patients if is_synthetic else None, 'seed': seed if is_synthetic else None},
              estimate=is_synthetic, description='Continuity index per region: baseline, current, +20 % target'
              + (' (SYNTHETIC data)' if is_synthetic else ''))
headline({'eligible patients': len(indices), 'mean COC': round(float(indices['coc'].mean()), 3),
          'regions reaching +20 %': f'{met} of {len(table)}', 'synthetic': is_synthetic})

# %% [markdown]
# ## How to read this
#
# COC and HHI weigh how concentrated a patient's visits are on few providers; UPC is the share with the most-seen provider; SECON looks at consecutive visits; MMCI penalises many distinct providers. All are undefined (missing) where the formula is: COC and SECON for one-visit patients. The +20 % target is relative to each region's own baseline; the agreement does not fix the baseline period, so it is a parameter here.
