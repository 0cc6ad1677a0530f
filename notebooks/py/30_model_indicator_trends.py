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
# # Indicator trends against the agreements' targets
#
# For each quantified target of the 2021 agreement (§3.3) this report answers four questions, in this order, and says which question each number answers:
#
# - **(a) Status at the deadline, on the target's own measure**: which regions met it, how many reported, what is not published.
# - **(b) The ex-ante view**: using only observations *collected* before the deadline, the probability that the **true level** was at or above the target at the deadline, and, separately, the probability that **a new survey observation** would have been.
# - **(c) The path the target required**, against what was observed.
# - **(d) At the fitted trend**, when (within the horizon) the target would be reached.
#
# Every observation is dated by when it was collected (or, for a register, its reference date), not by the end of its year: the Vårdanalys panel is published in October and collected in the year's first half (external-facts §2). Survey answers, population surveys and region registers are different instruments; the model below keeps them apart.

# %% tags=["parameters", "no-output"]
indicator: str = "share_with_regular_doctor_pc"  # the observed series (see data/raw/ext_regular_doctor_observations.csv)
measure_type: str = "survey_panel"  # the reference instrument whose level is modelled; other instruments get their own offset
target_id: str = "regular_doctor_share_55"  # the target (data/raw/rules/targets.csv)
horizon_year: int = 2030  # (d) looks for the target on the fitted trend up to the end of this year
regional_kpi: str = "N79503"  # Kolada KPI of the regional part: any KPI fetched with `helpers fetch kolada`, or one of the four shipped (external-facts §6)
seed: int = 1  # seed of the draws behind the plotted intervals

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from helpers.analyses import trends
from helpers.reports import plots
from helpers.reports.derived import write_derived
from helpers.reports.format import headline, style_table

tgt = trends.target(target_id)
deadline = pd.Timestamp(tgt['deadline'])
deadline_t = float(trends.decimal_year(pd.Series([deadline])).iloc[0])
threshold = float(tgt['value']) / 100 if pd.notna(tgt['value']) and tgt['unit'] == 'percent' else None
horizon_t = float(trends.decimal_year(pd.Series([pd.Timestamp(f'{horizon_year}-12-31')])).iloc[0])
display(Markdown(f"**Target** ({tgt['stated_in']}): {tgt['indicator']} {tgt['comparator']} {tgt['value']:g} "
                 f"{tgt['unit']} by {deadline.date()}, {tgt['population']}, {tgt['geography']}."))
if tgt['indicator'] != indicator:
    display(Markdown(f"> **Different measures.** The target is about `{tgt['indicator']}`; the series modelled in (b)–(d) is "
                     f"`{indicator}` (`{measure_type}`). They measure related but different things (who is asked, what "
                     "counts), so (b)–(d) say where *this instrument* stood, not whether the target was met."))

# %% [markdown]
# ## The observations
#
# Every published national value of the indicator, with the date it describes (`date`: end of fieldwork, else the period end), when it was published, and where those dates come from.

# %%
all_obs = trends.observation_dates(trends.observations(indicator))
national = all_obs[all_obs['geography'] == 'Riket'].reset_index(drop=True)
style_table(all_obs[['measure_type', 'geography', 'date', 'date_basis', 'published', 'value', 'approximate', 'population', 'source', 'date_source']]
            .assign(date=lambda d: d['date'].dt.strftime('%Y-%m-%d'),
                    published=lambda d: d['published'].dt.strftime('%Y-%m-%d').fillna('not given')),
            decimals={'value': 0})

# %% [markdown]
# ## (a) Status at the deadline, on the target's own measure

# %%
regional, status_lines = trends.target_status(tgt)
if len(regional):
    display(style_table(regional.assign(period_end=lambda d: d['period_end'].dt.strftime('%Y-%m-%d')), decimals={'value': 0},
                        caption=f"{tgt['indicator']}: published region values against {tgt['value']:g} %"))
display(Markdown('\n\n'.join(status_lines)))

# %% [markdown]
# ## (b) The ex-ante view: what the data collected before the deadline said
#
# **The model, in plain words.** Each instrument (the Vårdanalys panel, Socialstyrelsen's population surveys, …) measures the same underlying share through its own lens. On the logit scale we assume one straight common trend; each instrument sits a fixed distance (its *offset*) above or below the reference instrument, and each instrument's values scatter around its line with its own extra noise. On top of that every value carries a known error: rounding to whole percent (±0.5 points) or, for values published as "about", ±2.5 points; where a source gives its sample size, the sampling error too. The trend and the offsets get flat priors; each instrument's extra noise gets a half-normal prior with scale 0.25 logit (about ±5 points at 30–50 %), and everything is integrated exactly (a grid over the noise scales). An instrument seen only once is left out: it would only fix its own offset. Two numbers follow, named apart:
#
# - **P(true level ≥ target)**: the reference instrument's underlying level at the deadline;
# - **P(new observation ≥ target)**: a new reading of that instrument at the deadline, with its noise and rounding.
#
# Only observations collected on or before the deadline enter here.

# %%
ex_ante = trends.ex_ante_view(national, measure_type, deadline, threshold)
display(Markdown(ex_ante.message))
if ex_ante.fit is not None:
    display(style_table(ex_ante.fit.parameters(), decimals={'posterior_mean': 3, 'posterior_sd': 3},
                        caption='Posterior of the ex-ante model (logit scale)'))
    display(Markdown(f'With {ex_ante.fit.n} observations for {ex_ante.fit.means.shape[1]} trend and offset parameters and '
                     f'{len(ex_ante.fit.sources)} noise scales, the answer leans on the noise prior; read it as an order of magnitude.'))

# %% [markdown]
# ## (c) The path the target required, against what was observed
#
# A straight path (on the percent scale) from the last value of the reference instrument collected before the agreement's year to the target at the deadline; after the deadline the target stays where it is.

# %%
path_table, path_msg = (trends.path_against_observed(national[national['measure_type'] == measure_type],
                                                    pd.Timestamp(f"{int(tgt['agreement_year'])}-01-01"), deadline, threshold)
                          if threshold is not None else (pd.DataFrame(), 'The target is not quantified: no path.'))
display(Markdown(path_msg))
if len(path_table):
    display(style_table(path_table, decimals={'observed_pct': 0, 'required_pct': 1, 'gap_points': 1}))

# %% [markdown]
# ## (d) At the fitted trend: when is the target reached?
#
# The same model fitted to every national observation, collected before or after the deadline.

# %%
reach = trends.when_reached(national, measure_type, threshold, horizon=horizon_t, seed=seed)
display(Markdown(reach.message))
path = None
if len(path_table):
    path = pd.DataFrame({'t': trends.decimal_year(pd.to_datetime(path_table['date'])).to_list()[:1] + [deadline_t],
                         'share': [path_table['required_pct'].iloc[0] / 100, threshold]})
fig = plots.measurement_chart(national, reach.prediction, None if threshold is None else threshold * 100, deadline_t, path,
                              f'{indicator}, national, against {target_id}', cutoff_t=deadline_t)
plots.show(fig)
if reach.fit is not None:
    display(style_table(reach.fit.parameters(), decimals={'posterior_mean': 3, 'posterior_sd': 3},
                        caption='Posterior of the model on every observation (logit scale)'))

# %% [markdown]
# ## Regions: patient-reported continuity (Kolada, Nationell patientenkät)
#
# The only regional *series* at hand: Kolada's patient-reported continuity and coordination measures per region, 2023–2024 (external-facts §6). **Caveats:** these are patients' experiences, not the share with a named regular doctor and not SKR's continuity index; the patient group each KPI covers was cut off in the copy seen; the values come from a third party's download of the live Kolada API (medium-high trust; re-fetch before publishing); a missing value stays missing. The model: one common change per year on the logit scale, a random level per region (MixedLM, REML); with two points per region a region's own change cannot be told from its noise, so it is pooled. Any frame of the regional shape (`county_code, region, kpi, period, date, value, status, source`) can be passed to `trends.fit_regional_model`.

# %%
regional_frame = trends.regional_series(regional_kpi)  # a fetched Kolada snapshot when present, else the shipped table
series_counts = regional_frame.groupby('kpi').agg(periods=('period', lambda p: ', '.join(map(str, sorted(set(p))))),
                                                  values=('value', 'count'), missing=('value', lambda v: int(v.isna().sum())))
display(style_table(series_counts.reset_index(), caption=f"Kolada KPI {regional_kpi}: source {regional_frame['source'].iloc[0]}"))
regional_fit = trends.fit_regional_model(regional_frame, regional_kpi)
display(Markdown(regional_fit.message))
display(style_table(regional_fit.summary(), decimals={'estimate': 3, 'low': 3, 'high': 3},
                    caption=f'{regional_kpi}: common change and spreads (95 % Wald intervals)'))
wide = regional_fit.regions()
periods = [c for c in wide.columns if c.isdigit()]
fig = plots.regional_change_chart(wide, periods[0], periods[-1], f'{regional_kpi} per region, {periods[0]} and {periods[-1]}')
plots.show(fig)

# %% [markdown]
# ## Save

# %%
summary = pd.DataFrame([{'indicator': indicator, 'measure_type': measure_type, 'target_id': target_id,
                         'deadline': deadline.date().isoformat(), 'observations': len(national),
                         'observations_before_deadline': len(ex_ante.used),
                         'p_true_level_ex_ante': ex_ante.p_level, 'p_new_observation_ex_ante': ex_ante.p_observation,
                         'reached_at_fitted_trend': reach.when,
                         'regional_kpi': regional_kpi}])
write_derived(summary, f'trend_{indicator}_{measure_type}_{target_id}',
              params={'indicator': indicator, 'measure_type': measure_type, 'target_id': target_id,
                      'horizon_year': horizon_year, 'regional_kpi': regional_kpi, 'seed': seed},
              estimate=True, description='Model estimates for one indicator against one target (ex ante and on all data)')
headline({'observations': len(national),
          'P(true level ≥ target), ex ante': 'n/a' if ex_ante.p_level is None else f'{ex_ante.p_level:.1%}',
          'P(new observation ≥ target), ex ante': 'n/a' if ex_ante.p_observation is None else f'{ex_ante.p_observation:.1%}',
          'reached at the fitted trend': 'n/a (no trend)' if reach.fit is None else 'not within horizon' if reach.when is None else f'{reach.when:.1f}'})
