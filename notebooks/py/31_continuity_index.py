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
# # Continuity of care from visit records, with uncertainty
#
# The 2021 agreement (§3.3) asks for a 20 % increase of the continuity index to doctors and of the index for the patient's total contacts by the end of 2022. This report computes the indices per patient from a visit extract — COC (Bice–Boxerman), UPC, SECON, MMCI and HHI — applies SKR's rules for the *kontinuitetsindex* (listed patients, at least three visits in 18 months, visits at the listed unit), says how many patients each rule leaves out, and compares each region's current value with its baseline **with a patient-level bootstrap interval and the probability of +20 %**, not only a point estimate. It also checks whether the index moves with visit frequency alone. Point `visits_source` at a real extract (Parquet or CSV with `patient_id, provider_id, visit_time, profession, unit, listed_unit, region`) to use real data.

# %% tags=["parameters", "no-output"]
visits_source: str = "synthetic"  # 'synthetic' or a Parquet/CSV visit extract (absolute, or relative to the project root; times are taken in Swedish local time)
synthetic_patients: int = 20000  # people drawn by the synthetic generator (only when visits_source is 'synthetic')
seed: int = 2021  # seed of the synthetic generator
window_end: str = "2022-12-31"  # last day of the current 18-month window
baseline_window_end: str = "2021-06-30"  # last day of the baseline 18-month window
min_visits: int = 3  # patients with fewer counted visits in the window are not eligible
profession: str = "doctor"  # 'doctor' (continuity to doctors) or 'all' (the patient's total contacts)
listed_unit_only: bool = True  # count only visits at the unit where the patient is listed (SKR's rule)
increase_pct: float = 20.0  # the target's relative increase (2021 §3.3)
replicates: int = 200  # bootstrap replicates
bootstrap_seed: int = 1  # seed of the bootstrap

# %%
import pandas as pd
from IPython.display import Markdown, display

from helpers.analyses import continuity, synthetic
from helpers.reports import plots
from helpers.reports.derived import write_derived
from helpers.reports.format import headline, style_table

is_synthetic = visits_source == 'synthetic'
tag = ' — SYNTHETIC' if is_synthetic else ''
if is_synthetic:
    synth_start = '2020-01-01'
    visits = synthetic.generate_visits(synthetic_patients, seed=seed, start=synth_start, end=window_end)
    display(Markdown(f'> **SYNTHETIC DATA.** {len(visits):,} contacts of {visits["patient_id"].nunique():,} invented patients '
                     'from `helpers.analyses.synthetic` (seeded). The figures below show what the method does; they say nothing '
                     'about any real region.'.replace(',', ' ')))
    display(style_table(synthetic.shape_summary(visits, synthetic_patients, synth_start, window_end),
                        decimals={'value': 2}, caption='SYNTHETIC extract: the shapes the generator aims at, as generated'))
else:
    visits = continuity.resolve_source(visits_source)  # absolute, or relative to the project root
options = continuity.Options(window_end=window_end, window_months=18, min_visits=min_visits,
                             professions=None if profession == 'all' else (profession,),
                             listed_only=True, listed_unit_only=listed_unit_only)
baseline_options = continuity.Options(**{**options.__dict__, 'window_end': baseline_window_end})

# %% [markdown]
# ## Who is counted: patients left out by each rule
#
# The rules apply in order; each row says how many patients of the extract the rule removes and what share of the extract that is.

# %%
flows = pd.concat([continuity.eligibility_flow(visits, o).assign(window=f'18 months to {o.window_end}')
                   for o in (baseline_options, options)], ignore_index=True)
style_table(flows[['window', 'rule', 'patients_left', 'excluded', 'excluded_share']],
            counts=['patients_left', 'excluded'], decimals={'excluded_share': 3},
            caption='Eligibility, rule by rule' + tag)

# %% [markdown]
# ## Indices per patient, current window

# %%
current_patients = continuity.patient_indices_by(visits, 'region', options)
baseline_patients = continuity.patient_indices_by(visits, 'region', baseline_options)
report = current_patients.attrs['input_report']
style_table(pd.DataFrame([report]).drop(columns='notes'), counts=list(pd.DataFrame([report]).columns.drop('notes')),
            caption='What was read and what counted (current window)')

# %%
style_table(current_patients[['n_visits', 'n_providers', 'coc', 'upc', 'secon', 'mmci', 'hhi']].describe().T.reset_index()
            .rename(columns={'index': 'measure'}), decimals={c: 3 for c in ['mean', 'std', 'min', '25%', '50%', '75%', 'max']},
            counts=['count'], caption='Distribution over eligible patients' + tag)

# %%
fig = plots.index_histograms(current_patients, f'Continuity indices, 18 months to {window_end}' + tag)
plots.show(fig)

# %% [markdown]
# ## Per region: the change from baseline, with its uncertainty
#
# Region values are averages over eligible patients (SKR's convention); a patient counts in the region of most of its visits. The interval comes from a **patient-level bootstrap**: within each region, patients are drawn with replacement, and a patient seen in both windows is drawn once for both, so the two means stay paired. **P(+20 %)** is the share of bootstrap replicates in which the region's change reaches the target — the uncertainty that sampling patients puts on a point estimate, not a forecast.

# %%
boot = continuity.bootstrap_change(baseline_patients, current_patients, by='region', index='coc',
                                  increase=increase_pct / 100, replicates=replicates, seed=bootstrap_seed)
style_table(boot, counts=['patients_baseline', 'patients_current'],
            decimals={'coc_baseline': 3, 'coc_current': 3, 'change_pct': 1, 'change_low_pct': 1, 'change_high_pct': 1,
                      'p_reach_increase': 2},
            caption=f'COC, baseline (18 months to {baseline_window_end}) and current (18 months to {window_end}); '
                    f'{replicates} bootstrap replicates' + tag)

# %%
fig = plots.change_interval_chart(boot, 'region', increase_pct, f'COC change per region, 95 % bootstrap intervals{tag}')
plots.show(fig)
met = int(boot['met_point_estimate'].sum())
clear = int((boot['p_reach_increase'] >= 0.95).sum())
expected = float(boot['p_reach_increase'].sum())
display(Markdown(f'On the point estimates **{met} of {len(boot)} regions** reach +{increase_pct:g} %; **{clear}** reach it in at '
                 f'least 95 % of the bootstrap replicates; the expected number of regions reaching it, summing P(+{increase_pct:g} %), '
                 f'is **{expected:.1f}**{" on this synthetic extract" if is_synthetic else ""}.'))

# %% [markdown]
# ## Does the index move with visit frequency alone?
#
# If patients made more (or fewer) visits in the current window than in the baseline, an index that depends on the number of visits would change even though nobody's mix of providers did. The table below takes one fixed provider mix (the eligible patients' average shares of their first, second and third provider, current window) and computes each index's mean at different numbers of visits.

# %%
shares = continuity.typical_provider_shares(visits, options)
sensitivity = continuity.index_vs_visit_count(shares, [3, 5, 10, 20], patients=20000, seed=bootstrap_seed)
display(style_table(sensitivity, decimals={c: 3 for c in ['coc', 'upc', 'mmci', 'hhi']},
                    caption=f"Mean index at a fixed provider mix ({', '.join(f'{s:.2f}' for s in shares)}); Σp² = {sensitivity.attrs['sum_p2']:.3f}"))
display(Markdown('COC stays at Σp² whatever the number of visits (it is an unbiased estimate of the chance that two visits '
                 'go to the same provider); UPC, HHI and MMCI move with the number of visits. The headline index here is COC, '
                 'so a change in visit frequency alone does not move it; the crude and visit-count-standardised region '
                 'changes below agree when that holds.'))

# %%
std_b = continuity.standardised_means(baseline_patients, reference=current_patients)
std_c = continuity.standardised_means(current_patients, reference=current_patients)
std = std_b.merge(std_c, on='region', suffixes=('_baseline', '_current'))
std['change_crude_pct'] = (std['coc_crude_current'] / std['coc_crude_baseline'] - 1) * 100
std['change_standardised_pct'] = (std['coc_standardised_current'] / std['coc_standardised_baseline'] - 1) * 100
style_table(std[['region', 'change_crude_pct', 'change_standardised_pct', 'strata_missing_baseline', 'strata_missing_current']],
            decimals={'change_crude_pct': 1, 'change_standardised_pct': 1},
            counts=['strata_missing_baseline', 'strata_missing_current'],
            caption='COC change, crude and standardised to the current window\'s visit-count distribution (3, 4, 5–6, 7–9, 10+ visits)' + tag)

# %% [markdown]
# ## Save

# %%
write_derived(boot, f'continuity_targets_{profession}' + ('_synthetic' if is_synthetic else ''),
              params={'visits_source': visits_source, 'window_end': window_end, 'baseline_window_end': baseline_window_end,
                      'min_visits': min_visits, 'profession': profession, 'listed_unit_only': listed_unit_only,
                      'increase_pct': increase_pct, 'replicates': replicates, 'bootstrap_seed': bootstrap_seed,
                      'synthetic_patients': synthetic_patients if is_synthetic else None, 'seed': seed if is_synthetic else None},
              estimate=True, description='Continuity index per region: baseline, current, change with bootstrap interval, P(+20 %)'
              + (' (SYNTHETIC data)' if is_synthetic else ''))
headline({'eligible patients': len(current_patients), 'mean COC': round(float(current_patients['coc'].mean()), 3),
          f'regions reaching +{increase_pct:g} % (point estimate)': f'{met} of {len(boot)}',
          f'regions with P(+{increase_pct:g} %) ≥ 0.95': f'{clear} of {len(boot)}',
          'synthetic': is_synthetic})

# %% [markdown]
# ## How to read this
#
# COC and HHI weigh how concentrated a patient's visits are on few providers; UPC is the share with the most-seen provider; SECON looks at consecutive visits (same-time visits ordered by provider id); MMCI penalises many distinct providers. All are undefined (missing) where the formula is: COC and SECON for one-visit patients. The +20 % target is relative to each region's own baseline; the agreement does not fix the baseline period, so it is a parameter here. A visit without a time is an error (the report names how many and the first row), never silently dropped.
