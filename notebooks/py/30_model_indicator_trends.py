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
# <!-- For editors: the reader sees the texts of the catalogue (src/helpers/reports/i18n/<language>.yml, section nb30), not this cell. -->

# %% tags=["parameters", "no-output"]
indicator: str = "share_with_regular_doctor_pc"  # the observed series (see data/raw/ext_regular_doctor_observations.csv)
measure_type: str = "survey_panel"  # the reference instrument whose level is modelled; other instruments get their own offset
target_id: str = "regular_doctor_share_55"  # the target (data/raw/rules/targets.csv)
horizon_year: int = 2030  # (d) looks for the target on the fitted trend up to the end of this year
regional_kpi: str = "N79503"  # Kolada KPI of the regional part: any KPI fetched with `helpers fetch kolada`, or one of the four shipped (external-facts §6)
seed: int = 1  # seed of the draws behind the plotted intervals
language: str = "sv"  # language of the report: sv (Swedish) or en (English)

# %%
# The target, and whether the modelled series measures what the target measures
import pandas as pd
from IPython.display import Markdown, display

from helpers.analyses import trends
from helpers.reports import plots, views
from helpers.reports import trends_view as tv
from helpers.reports.derived import write_derived
from helpers.reports.format import date, headline, pct
from helpers.reports.i18n import catalogue

cat = catalogue(language)
tgt = trends.target(target_id)
deadline = pd.Timestamp(tgt['deadline'])
deadline_t = float(trends.decimal_year(pd.Series([deadline])).iloc[0])
threshold = float(tgt['value']) / 100 if pd.notna(tgt['value']) and tgt['unit'] == 'percent' else None
target_words = None if threshold is None else pct(threshold, 0, language)
horizon_t = float(trends.decimal_year(pd.Series([pd.Timestamp(f'{horizon_year}-12-31')])).iloc[0])
series_words = tv.indicator(indicator, language)
reference_words = tv.instrument(measure_type, language)
display(Markdown('\n\n'.join([cat.t('nb30.title'), cat.t('nb30.intro'), tv.target_line(tgt, language),
                              tv.measures_note(tgt, indicator, measure_type, language)])))

# %%
# The observations, dated by when they were collected
all_obs = trends.observation_dates(trends.observations(indicator)).sort_values(['date', 'measure_type'], kind='stable')
national = all_obs[all_obs['geography'] == 'Riket'].reset_index(drop=True)
display(Markdown(cat.t('nb30.observations')))
views.show_table(tv.observations_view(all_obs, language), language, empty='', dates=['date'], decimals={'value_pct': 0},
                 caption=cat.t('nb30.observations_caption', indicator=series_words.capitalize()))

# %%
# (a) The status at the deadline on the target's own measure
status = trends.target_status(tgt)
display(Markdown(cat.t('nb30.status')))
views.show_table(tv.status_view(status, language), language, empty='', dates=['period_end'], decimals={'value_pct': 0},
                 caption=cat.t('nb30.status_caption', indicator=tv.indicator(str(tgt['indicator']), language).capitalize(),
                               target=target_words or '–'))
display(Markdown(tv.status_text(status, language)))

# %%
# (b) The ex-ante view: only what was collected by the deadline
display(Markdown(cat.t('nb30.ex_ante')))
ex_ante = trends.ex_ante_view(national, measure_type, deadline, threshold)
display(Markdown(tv.ex_ante_text(ex_ante, measure_type, deadline, threshold, language)))
if ex_ante.fit is not None:
    views.show_table(tv.parameters_view(ex_ante.fit, language), language, empty='',
                     decimals={'posterior_mean': 3, 'posterior_sd': 3}, caption=cat.t('nb30.posterior_caption'))
    display(Markdown(tv.leaning_text(ex_ante.fit, language)))

# %%
# (c) The path the target required, against what was observed
display(Markdown(cat.t('nb30.path_heading')))
agreement_start = pd.Timestamp(f"{int(tgt['agreement_year'])}-01-01")
if threshold is None:
    path_table, required = pd.DataFrame(), None
    display(Markdown(cat.t('nb30.not_quantified')))
else:
    path_table, required = trends.path_against_observed(national[national['measure_type'] == measure_type],
                                                        agreement_start, deadline, threshold)
    display(Markdown(tv.path_text(required, language, agreement_start)))
views.show_table(tv.path_view(path_table, language), language, empty='', dates=['date'],
                 decimals={'observed_pct': 0, 'required_pct': 1, 'gap_points': 1}, caption=cat.t('nb30.path_caption'))

# %%
# (d) At the trend fitted to every observation: when is the target reached?
display(Markdown(cat.t('nb30.reach_heading')))
reach = trends.when_reached(national, measure_type, threshold, horizon=horizon_t, seed=seed)
display(Markdown(tv.reaching_text(reach, measure_type, threshold, language)))
path = None
if len(path_table):
    path = pd.DataFrame({'t': trends.decimal_year(pd.to_datetime(path_table['date'])).to_list()[:1] + [deadline_t],
                         'share': [path_table['required_pct'].iloc[0] / 100, threshold]})
title = (cat.t('nb30.fig_title_no_target', indicator=series_words.capitalize()) if threshold is None else
         cat.t('nb30.fig_title', indicator=series_words.capitalize(), target=target_words, deadline=date(deadline, language)))
fig = plots.measurement_chart(national, reach.prediction, None if threshold is None else threshold * 100, deadline_t, path,
                              title, cutoff_t=deadline_t, language=language,
                              source_names={m: tv.instrument(m, language) for m in national['measure_type'].unique()},
                              reference_name=reference_words,
                              target_label=cat.t('nb30.fig_target', target=target_words or '–', deadline=date(deadline, language)))
plots.show(fig, language)
if reach.fit is not None:
    views.show_table(tv.parameters_view(reach.fit, language), language, empty='',
                     decimals={'posterior_mean': 3, 'posterior_sd': 3}, caption=cat.t('nb30.posterior_all_caption'))

# %%
# Regions: patient-reported continuity from Kolada, one common change and a random level per region
display(Markdown(cat.t('nb30.regional')))
regional_frame = trends.regional_series(regional_kpi)  # a fetched Kolada snapshot when present, else the shipped table
views.show_table(tv.regional_counts_view(regional_frame), language, empty='', counts=['values', 'missing'],
                 caption=cat.t('nb30.counts_caption', kpi=regional_kpi, source=tv.regional_source(regional_frame, language)))
regional_fit = trends.fit_regional_model(regional_frame, regional_kpi)
display(Markdown(tv.regional_fit_text(regional_fit, language)))
views.show_table(tv.regional_summary_view(regional_fit, language), language, empty='',
                 decimals={'estimate': 3, 'low': 3, 'high': 3}, caption=cat.t('nb30.summary_caption', kpi=regional_kpi))
wide = regional_fit.regions()
periods = [c for c in wide.columns if c.isdigit()]
fig = plots.regional_change_chart(wide, periods[0], periods[-1],
                                  cat.t('nb30.regional_fig_title', kpi=regional_kpi, first=periods[0], last=periods[-1]),
                                  language)
plots.show(fig, language)

# %% tags=["no-output"]
# Save the model's answers (the writer adds the provenance sidecar; the English run only shows them)
summary = pd.DataFrame([{'indicator': indicator, 'measure_type': measure_type, 'target_id': target_id,
                         'deadline': deadline.date().isoformat(), 'observations': len(national),
                         'observations_before_deadline': len(ex_ante.used),
                         'p_true_level_ex_ante': ex_ante.p_level, 'p_new_observation_ex_ante': ex_ante.p_observation,
                         'reached_at_fitted_trend': reach.when,
                         'regional_kpi': regional_kpi}])
saved = write_derived(summary, f'trend_{indicator}_{measure_type}_{target_id}',
                      params={'indicator': indicator, 'measure_type': measure_type, 'target_id': target_id,
                              'horizon_year': horizon_year, 'regional_kpi': regional_kpi, 'seed': seed},
                      estimate=True, description='Model estimates for one indicator against one target (ex ante and on all data)')

# %%
headline(tv.headline_figures(len(national), ex_ante, reach, threshold, horizon_year, language), language=language)
