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

# %%

# %% [markdown]
# <!-- For editors: the reader sees the texts of the catalogue (src/helpers/reports/i18n/<language>.yml, section nb31), not this cell. -->

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
language: str = "sv"  # language of the report: sv (Swedish) or en (English)

# %%
# Continuity of care from a visit extract (synthetic by default, and labelled so everywhere)
from IPython.display import Markdown, display

from helpers.analyses import continuity, synthetic
from helpers.reports import continuity_view as cv
from helpers.reports import plots, views
from helpers.reports.derived import write_derived
from helpers.reports.format import headline, num
from helpers.reports.i18n import catalogue

cat = catalogue(language)
is_synthetic = visits_source == 'synthetic'
tag = cv.synthetic_tag(is_synthetic, language)
inc = num(increase_pct, 0 if float(increase_pct).is_integer() else 1, language)
options = continuity.Options(window_end=window_end, window_months=18, min_visits=min_visits,
                             professions=None if profession == 'all' else (profession,),
                             listed_only=True, listed_unit_only=listed_unit_only)
baseline_options = continuity.Options(**{**options.__dict__, 'window_end': baseline_window_end})
scope = cat.t(f'nb31.scope.{profession}') if cat.has(f'nb31.scope.{profession}') else \
    cat.md('nb31.scope_other', profession=cv.profession_label(profession, language))
display(Markdown(cat.t('nb31.title') + '\n\n' + cat.t('nb31.intro') + '\n\n'
                 + cat.t('nb31.this_run', scope=scope, current=cv.window_label(window_end, language),
                         baseline=cv.window_label(baseline_window_end, language), inc=inc,
                         min_visits=num(min_visits, 0, language), unit_rule=cat.t(f'nb31.unit_rule.{"yes" if listed_unit_only else "no"}'))))

# %%
# The extract: the synthetic generator's, with the shapes it aims at, or the file given
if is_synthetic:
    synth_start = '2020-01-01'
    visits = synthetic.generate_visits(synthetic_patients, seed=seed, start=synth_start, end=window_end)
    display(Markdown(cat.t('nb31.synthetic_banner', contacts=num(len(visits), 0, language),
                           patients=num(visits['patient_id'].nunique(), 0, language))))
    views.show_table(cv.shapes_view(synthetic.shape_summary(visits, synthetic_patients, synth_start, window_end), language),
                     language, empty='', caption=cat.t('nb31.shapes_caption'))
else:
    visits = continuity.resolve_source(visits_source)  # absolute, or relative to the project root

# %%
# Who is counted: patients left out by each rule, in both windows
display(Markdown(cat.t('nb31.eligibility')))
flows = cv.eligibility_view([(o, continuity.eligibility_flow(visits, o)) for o in (baseline_options, options)], language)
views.show_table(flows, language, empty='', counts=['patients_left', 'excluded'], decimals={'excluded_pct': 1},
                 caption=cat.t('nb31.eligibility_caption', tag=tag))

# %%
# Indices per patient, current window: what was read, and the distribution over eligible patients
display(Markdown(cat.t('nb31.indices')))
current_patients = continuity.patient_indices_by(visits, 'region', options)
baseline_patients = continuity.patient_indices_by(visits, 'region', baseline_options)
views.show_table(cv.input_report_view(current_patients.attrs['input_report']), language, empty='',
                 counts=list(cv.INPUT_FIELDS), caption=cat.t('nb31.input_caption', tag=tag))
views.show_table(cv.distribution_view(current_patients, language), language, empty='', counts=['stat_count'],
                 decimals={c: 3 for c in ['stat_mean', 'stat_sd', 'stat_min', 'stat_p25', 'stat_median', 'stat_p75', 'stat_max']},
                 caption=cat.t('nb31.distribution_caption', tag=tag))

# %%
fig = plots.index_histograms(current_patients, cat.t('nb31.histogram_title', window=cv.window_label(window_end, language), tag=tag),
                             language)
plots.show(fig, language)

# %%
# Per region: the change from baseline with a paired patient-level bootstrap interval and P(+20 %)
display(Markdown(cat.t('nb31.regions', replicates=num(replicates, 0, language), inc=inc)))
boot = continuity.bootstrap_change(baseline_patients, current_patients, by='region', index='coc',
                                  increase=increase_pct / 100, replicates=replicates, seed=bootstrap_seed)
boot_view = cv.bootstrap_view(boot, increase_pct, language)
views.show_table(boot_view, language, empty=cat.t('nb31.no_regions'), counts=['patients_baseline', 'patients_current'],
                 decimals={'coc_baseline': 3, 'coc_current': 3, 'change_pct': 1, 'change_low_pct': 1, 'change_high_pct': 1,
                           boot_view.columns[8]: 1},
                 caption=cat.t('nb31.bootstrap_caption', baseline=cv.window_label(baseline_window_end, language),
                               current=cv.window_label(window_end, language), replicates=num(replicates, 0, language), tag=tag))

# %%
met = int(boot['met_point_estimate'].sum())
clear = int((boot['p_reach_increase'] >= 0.95).sum())
expected = float(boot['p_reach_increase'].sum())
if len(boot):
    plots.show(plots.change_interval_chart(boot, 'region', increase_pct, cat.t('nb31.change_title', tag=tag), language), language)
    display(Markdown(cat.t('nb31.summary', met=met, n=len(boot), inc=inc, clear=clear, expected=num(expected, 1, language),
                           where=cat.t('nb31.summary_synthetic') if is_synthetic else '')))

# %%
# Does the index move with visit frequency alone? One fixed provider mix at several numbers of visits
display(Markdown(cat.t('nb31.sensitivity')))
shares = continuity.typical_provider_shares(visits, options)
sensitivity = continuity.index_vs_visit_count(shares, [3, 5, 10, 20], patients=20000, seed=bootstrap_seed)
views.show_table(sensitivity, language, empty='', counts=['n_visits'], decimals={c: 3 for c in ['coc', 'upc', 'mmci', 'hhi']},
                 caption=cat.t('nb31.sensitivity_caption', shares=cv.shares_text(shares, language),
                               sum_p2=num(sensitivity.attrs['sum_p2'], 3, language), tag=tag))
display(Markdown(cat.t('nb31.sensitivity_note')))

# %%
# The change per region, crude and standardised to the current window's visit-count distribution
std_b = continuity.standardised_means(baseline_patients, reference=current_patients)
std_c = continuity.standardised_means(current_patients, reference=current_patients)
std = std_b.merge(std_c, on='region', suffixes=('_baseline', '_current'))
std['change_crude_pct'] = (std['coc_crude_current'] / std['coc_crude_baseline'] - 1) * 100
std['change_standardised_pct'] = (std['coc_standardised_current'] / std['coc_standardised_baseline'] - 1) * 100
views.show_table(cv.standardised_view(std), language, empty=cat.t('nb31.no_standardised'),
                 decimals={'change_crude_pct': 1, 'change_standardised_pct': 1},
                 counts=['strata_missing_baseline', 'strata_missing_current'], caption=cat.t('nb31.standardised_caption', tag=tag))

# %% tags=["no-output"]
# Save the per-region table (the writer adds the provenance sidecar; the English run only shows it)
saved = write_derived(boot, f'continuity_targets_{profession}' + ('_synthetic' if is_synthetic else ''),
                      params={'visits_source': visits_source, 'window_end': window_end, 'baseline_window_end': baseline_window_end,
                              'min_visits': min_visits, 'profession': profession, 'listed_unit_only': listed_unit_only,
                              'increase_pct': increase_pct, 'replicates': replicates, 'bootstrap_seed': bootstrap_seed,
                              'synthetic_patients': synthetic_patients if is_synthetic else None, 'seed': seed if is_synthetic else None},
                      estimate=True, description='Continuity index per region: baseline, current, change with bootstrap interval, P(+20 %)'
                      + (' (SYNTHETIC data)' if is_synthetic else ''))

# %%
headline({cat.t('nb31.h_data'): cat.t('common.synthetic') if is_synthetic else cat.t('nb31.h_real'),
          cat.t('nb31.h_patients'): len(current_patients),
          cat.t('nb31.h_mean'): num(float(current_patients['coc'].mean()), 2, language),
          cat.t('nb31.h_met', inc=inc): cat.t('nb31.of', a=met, b=len(boot)),
          cat.t('nb31.h_clear', inc=inc): cat.t('nb31.of', a=clear, b=len(boot))}, language=language)

# %%
# How to read this
display(Markdown(cat.t('nb31.how_to_read')))
